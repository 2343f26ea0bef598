"""What a judging batch asks of the database: reads by the batch's ids, few constraints.

Judging writes its derived rows (checks, findings, commitments) by the hundred thousand.
Their references to the shop, the promise and the promise version carry no constraint in
the database (each was checked once per row at commit, and locked the same few rows in
every worker); nor do their references to the log (a check's action, a commitment's
customer, a finding's action, customer and occasion), rows written only under their
customers' locks (judging, and the sweeper's overdue findings), which every deletion of
customers, occasions or actions takes first. The batch's reads of stored rows name the
batch's ids alone: a shop condition beside them let the planner filter the whole shop's
rows by the ids when its statistics were stale.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import judging
from commitments.models import (
    Action,
    Check,
    Commitment,
    Customer,
    Finding,
    Occasion,
    UnjudgedAction,
)
from policies.services import shop_delete

from .conftest import at


def _foreign_keys(model) -> dict[str, str]:
    """Return the model's columns that have a foreign key constraint, with the table named."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        info["columns"][0]: info["foreign_key"][0]
        for info in constraints.values()
        if info["foreign_key"]
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "kept"),
    [
        (Check, set()),
        (Finding, {"status_by_id", "public_by_id"}),
        (Commitment, set()),
    ],
)
def test_no_derived_row_constrains_its_log_rows(model, kept):
    assert set(_foreign_keys(model)) == kept


def _indexes(model) -> dict[str, list[str]]:
    """Return the table's indexes and unique constraints: name -> columns."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Customer, Occasion, Action, Check, Commitment, Finding])
def test_each_foreign_key_has_one_index_leading_with_it(model):
    """Every foreign key column leads an index (deleting what it names, a cascade, is an
    index lookup), and none has an index of its own beside one leading with it: each
    index is written again for every row judging or an import inserts (migration 0014)."""
    indexes = _indexes(model)
    for field in model._meta.concrete_fields:
        if not field.is_relation:
            continue
        leading = sorted(name for name, cols in indexes.items() if cols[0] == field.column)
        own = [name for name in leading if indexes[name] == [field.column]]
        assert leading, f"{model.__name__}.{field.name}: no index leads with {field.column}"
        if own and field.db_index:
            assert leading == own, f"{model.__name__}.{field.name}: own index beside {leading}"


@pytest.fixture
def judged(shop, log, make_promise):
    """Two customers with notes and shipments, judged."""
    make_promise("handwritten_note", {"min_lines": 8})
    make_promise("shipping_cutoff", {"cutoff": "16:00"})
    for c in range(2):
        log.occasion(f"C{c}-O", f"C{c}", "order_placed", at("2026-11-20 10:00"), total=7000)
        log.action(
            f"C{c}-N", f"C{c}", "note_enclosed", at("2026-11-20 11:00"), occasion=f"C{c}-O", lines=5
        )
        log.action(f"C{c}-S", f"C{c}", "shipped", at("2026-11-20 17:00"), occasion=f"C{c}-O")
    assert Check.objects.count() and Finding.objects.count() and Commitment.objects.count()
    return shop


@pytest.mark.django_db
def test_the_batch_reads_its_stored_rows_by_its_ids_alone(judged):
    ids = list(Customer.objects.filter(shop=judged).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as captured:
        judging.judge_customers(shop=judged, customer_ids=ids)
    reads: dict[str, list[str]] = {}
    for query in captured.captured_queries:
        found = re.match(r'SELECT .* FROM "(commitments_(check|finding|commitment))"', query["sql"])
        if found:
            reads.setdefault(found.group(1), []).append(query["sql"])
    assert len(reads) == 3
    for table, sqls in reads.items():
        stored = [sql for sql in sqls if '"shop_id" =' not in sql]
        assert stored, f"no read of {table} by the batch's ids alone: {sqls}"
    # The stored rows are the reconciled ones: nothing changes when judged again.
    again = judging.judge_customers(shop=judged, customer_ids=ids)
    nothing = {"check": 0, "finding": 0, "commitment": 0}
    assert (again.created, again.updated, again.deleted) == (nothing, nothing, nothing)


@pytest.mark.django_db
def test_deleting_the_shop_still_deletes_its_derived_rows(judged, manager):
    shop_delete(shop=judged, actor=manager)
    assert not Check.objects.exists()
    assert not Finding.objects.exists()
    assert not Commitment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_the_shop_first_locks_its_customers_as_judging_does(judged):
    """A judging batch cannot write checks or commitments under the shop's deletion."""
    import psycopg
    from django.db import transaction

    from commitments.selectors import shop_log_delete

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    customer_id = Customer.objects.filter(shop=judged).values_list("id", flat=True).first()
    with transaction.atomic():
        shop_log_delete(judged.pk)
        with (
            psycopg.connect(**connection.get_connection_params()) as other,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            other.execute(
                "SELECT id FROM commitments_customer WHERE id = %s FOR UPDATE NOWAIT",
                [customer_id],
            )
        transaction.set_rollback(True)


def test_plain_is_what_a_json_column_reads_back():
    import json
    from datetime import date
    from decimal import Decimal

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.translation import gettext_lazy

    from commitments.judging.walk import plain

    class Name(str):
        pass

    values = [
        {"b": (1, 2.5, True, None), "a": {"z": [Name("x"), "y"], "k": date(2026, 11, 20)}},
        {2: "int keys", 1: Decimal("1.50")},
        [gettext_lazy("note"), ("t", {"n": -0.0})],
        "text",
        3,
    ]
    for value in values:
        expected = json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))
        got = plain(value)
        assert got == expected
        assert json.dumps(got) == json.dumps(expected)  # the same key order too
        assert type(got) is type(expected)


@pytest.fixture
def waiting(shop, log, make_promise):
    """Two customers' orders with notes and shipments, stored and not judged yet."""
    make_promise("handwritten_note", {"min_lines": 8})
    for c in range(2):
        log.occasion(f"W{c}-O", f"W{c}", "order_placed", at("2026-11-20 10:00"), judge=False)
        log.action(f"W{c}-N", f"W{c}", "note_enclosed", at("2026-11-20 11:00"),
                   occasion=f"W{c}-O", lines=5, judge=False)  # fmt: skip
    return shop


@pytest.mark.django_db
def test_an_action_waits_until_judged_and_judging_writes_no_action_row(waiting):
    assert UnjudgedAction.objects.count() == 2
    assert all(action.judged_at is None for action in Action.objects.all())
    ids = list(Customer.objects.filter(shop=waiting).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as captured:
        judging.judge_customers(shop=waiting, customer_ids=ids)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if '"commitments_action"' in sql.split(" SET ")[0]]
    assert not UnjudgedAction.objects.exists()
    judged_at = {c.judged_at for c in Customer.objects.filter(shop=waiting)}
    assert None not in judged_at
    assert [a.judged_at for a in Action.objects.select_related("customer")] == [
        a.customer.judged_at for a in Action.objects.select_related("customer")
    ]
    # Judged again (a re-judge, rebuild_commitments): nothing waits, no customer is written.
    with CaptureQueriesContext(connection) as captured:
        judging.judge_customers(shop=waiting, customer_ids=ids)
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert {c.judged_at for c in Customer.objects.filter(shop=waiting)} == judged_at


@pytest.mark.django_db
def test_the_batch_reads_which_actions_wait_by_their_ids_not_by_a_join(waiting):
    """Joined to the batch's actions, the table of the actions waiting was planned as a
    sequential scan of every action waiting in every shop, for each batch."""
    ids = list(Customer.objects.filter(shop=waiting).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as captured:
        judging.judge_customers(shop=waiting, customer_ids=ids)
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and '"commitments_unjudgedaction"' in q["sql"]
    ]
    assert reads
    for sql in reads:
        assert "JOIN" not in sql, sql
        assert re.search(r'FROM "commitments_unjudgedaction" WHERE', sql), sql


@pytest.mark.django_db
def test_an_action_linked_to_its_occasion_after_it_was_judged_waits_again(shop, log, make_promise):
    make_promise("handwritten_note", {"min_lines": 8})
    log.action("L-N", "L", "note_enclosed", at("2026-11-20 11:00"), occasion="L-O", lines=5)
    assert not UnjudgedAction.objects.exists()
    log.occasion("L-O", "L", "order_placed", at("2026-11-20 10:00"), judge=False)
    [waiting] = UnjudgedAction.objects.all()
    assert waiting.action.external_id == "L-N" and waiting.action.judged_at is None
