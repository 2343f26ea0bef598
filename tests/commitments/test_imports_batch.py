"""The import records rows in batches: a constant number of statements per batch, the same
results as row by row (duplicates, conflicts, links, customers, exceptions, errors)."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import imports, maintenance, services
from commitments.imports import import_run
from commitments.models import (
    Action,
    ActionException,
    Customer,
    Import,
    Occasion,
    UnjudgedAction,
)
from policies.models import Shop

from .import_support import HEADER, action, csv_bytes, order

WITH_EMAIL = (*HEADER, "customer_email")


def run(shop, data: bytes, **kwargs) -> Import:
    """Return the finished import of these bytes into the shop."""
    imp = Import.objects.create(shop=shop, filename="test.csv", size=len(data))
    return import_run(imp=imp, stream=io.BytesIO(data), **kwargs)


def counts(imp: Import) -> tuple:
    return (imp.rows, imp.stored, imp.duplicates, imp.rejected)


def errors_of(imp: Import) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in imp.errors]


def make_shop(slug: str) -> Shop:
    return Shop.objects.create(
        slug=slug,
        name=slug,
        closed_weekdays=[5, 6],
        holidays="JP",
        business_hours=[{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
    )


def history(rows: int) -> list[dict]:
    """Return `rows` rows: orders, each shipped with a note, some with an exception."""
    out: list[dict] = []
    number = 0
    while len(out) < rows:
        number += 1
        customer = f"C-{number % 7}"
        out.append(order(f"O-{number}", customer=customer, customer_name=f"Name {number}"))
        extra = {"exception_reason": "goodwill"} if number % 3 == 0 else {}
        out.append(
            action("shipped", f"A-{number}", f"O-{number}", customer=customer, staff="ken", **extra)
        )
    return out[:rows]


def statements(shop, rows: list[dict]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        imp = run(shop, csv_bytes(rows), batch_rows=500)
    assert imp.stored == len(rows)
    return [query["sql"] for query in captured.captured_queries]


def verbs(sqls: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for sql in sqls:
        verb = sql.split(None, 1)[0].upper()
        out[verb] = out.get(verb, 0) + 1
    return out


@pytest.mark.django_db
class TestStatementsPerBatch:
    def test_fifty_rows_and_five_hundred_rows_cost_the_same_reads_and_writes(self, shop):
        few = statements(shop, history(50))
        many = statements(make_shop("many"), history(500))
        # One batch each: the same reads and updates; inserts differ only where the
        # database limits the parameters of one statement (SQLite: 999).
        assert verbs(many).get("SELECT") == verbs(few).get("SELECT")
        assert verbs(many).get("UPDATE") == verbs(few).get("UPDATE")
        assert len(many) - len(few) <= 12
        if connection.vendor == "postgresql":
            assert len(many) == len(few)

    def test_two_batches_cost_twice_one_batch(self, shop):
        one = statements(shop, history(500))
        two = statements(make_shop("two"), history(1000))
        assert len(two) <= 2 * len(one)

    def test_row_by_row_costs_a_statement_per_row(self, shop, monkeypatch):
        monkeypatch.setattr(imports, "BATCH_FAST", False)
        few = statements(shop, history(20))
        many = statements(make_shop("slow"), history(60))
        # The fallback path: what the batches save.
        assert len(many) - len(few) >= 40 * 5


@pytest.mark.django_db
class TestWithinOneFile:
    def test_the_second_identical_row_is_a_duplicate(self, shop):
        rows = [order("O-1"), order("O-1"), action("shipped", "A-1"), action("shipped", "A-1")]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (4, 2, 2, 0)
        assert Occasion.objects.filter(shop=shop).count() == 1
        assert Action.objects.filter(shop=shop).count() == 1

    def test_a_different_row_with_the_same_external_id_is_a_conflict(self, shop):
        rows = [
            order("O-1"),
            order("O-1", total="6000"),
            action("shipped", "A-1"),
            action("shipped", "A-1", staff="aya"),
        ]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (4, 2, 0, 2)
        assert errors_of(imp) == [(3, "external_id", "conflict"), (5, "external_id", "conflict")]
        assert "attributes" in imp.errors[0]["message"]
        assert "staff" in imp.errors[1]["message"]
        assert Occasion.objects.get(shop=shop).attributes["total"] == 5000

    def test_a_row_repeating_a_rejected_row_is_rejected_again(self, shop):
        rows = [order("O-1", when="yesterday"), order("O-1", when="yesterday")]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (2, 0, 0, 2)
        assert [code for _, _, code in errors_of(imp)] == ["invalid_time", "invalid_time"]

    def test_an_action_before_its_occasion_is_linked(self, shop):
        rows = [
            action("shipped", "A-1", "O-1", exception_reason="deadline"),
            action("note_enclosed", "A-2", "O-1", lines="3"),
            order("O-1"),
            action("shipping_notice_sent", "A-3", "O-1"),
        ]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (4, 4, 0, 0)
        occasion = Occasion.objects.get(shop=shop, external_id="O-1")
        assert set(
            Action.objects.filter(occasion=occasion).values_list("external_id", flat=True)
        ) == {
            "A-1",
            "A-2",
            "A-3",
        }
        assert ActionException.objects.get(action__external_id="A-1").reason == "deadline"

    def test_an_occasion_links_actions_waiting_from_an_earlier_file(self, shop):
        run(shop, csv_bytes([action("shipped", "A-1", "O-1")]))
        UnjudgedAction.objects.filter(action__shop=shop).delete()
        imp = run(shop, csv_bytes([order("O-1")]))
        assert counts(imp) == (1, 1, 0, 0)
        waiting = Action.objects.get(shop=shop, external_id="A-1")
        assert waiting.occasion.external_id == "O-1"
        assert waiting.judged_at is None

    def test_the_customer_keeps_the_last_name_sent(self, shop):
        rows = [
            order("O-1", customer_name="Old"),
            order("O-2", customer_name=""),
            order("O-3", customer_name="New"),
            order("O-4", customer_name="Ignored", total="x"),
        ]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (4, 3, 0, 1)
        assert Customer.objects.get(shop=shop, external_id="C-1").name == "New"


def mixed_files() -> list[list[dict]]:
    """Return two files with good, bad, repeated and conflicting rows, in any order."""
    first = [
        order("O-1", customer="C-1", customer_name="Aiko"),
        action("shipped", "A-1", "O-1", customer="C-1", staff="ken"),
        action("shipped", "A-2", "O-2", customer="C-2"),  # its occasion comes in file two
        action("note_enclosed", "A-3", "O-1", customer="C-1", lines="2"),
        order("O-9", customer="C-9", customer_email="c9@example.com"),
    ]
    second = [
        order("O-1", customer="C-1", customer_name="Aiko"),  # duplicate across files
        order("O-9", customer="C-9", total="1"),  # conflict across files
        action("shipped", "A-4", "O-3", customer="C-3"),  # before its occasion
        order("O-3", customer="C-3", customer_name="Chie"),
        order("O-2", customer="C-2", customer_name="Bunta"),
        order("O-2", customer="C-2", customer_name="Bunta"),  # duplicate in file
        action("shipped", "A-5", "O-2", customer="C-2", exception_reason="our_mistake"),
        action("shipped", "A-5", "O-2", customer="C-2", exception_reason="goodwill"),  # conflict
        action("shipped", "A-6", "O-1", customer="C-1", exception_reason="other"),  # no note
        action(
            "shipped", "A-7", "O-1", customer="C-1", exception_reason="other", exception_note="x"
        ),
        order("O-4", customer="C-4", when="not a time"),
        {"type": "occasion", "external_id": "O-5", "customer": "C-5", "kind": "order_paced"},
        order("O-6", customer="C-6", staff="ken"),  # staff belongs to actions
        {"type": "refund", "external_id": "R-1", "customer": "C-1"},
        action("shipped", "A-8", "O-1", customer="", staff="ken"),
        action("thank_you_sent", "A-9", "O-8", customer="C-1", customer_name="Aiko Sato"),
        order("O-8", customer="C-1", customer_email="not-an-email"),
        order("O-7", customer="C-7", customer_email="c7@example.com", gift="maybe"),
    ]
    return [first, second]


def snapshot(shop, imps: list[Import]) -> dict:
    """Return what the imports left in the shop, without ids and times."""
    return {
        "customers": sorted(
            Customer.objects.filter(shop=shop).values_list("external_id", "name", "email")
        ),
        "occasions": sorted(
            Occasion.objects.filter(shop=shop).values_list(
                "external_id",
                "customer__external_id",
                "kind",
                "occurred_at",
                "content_hash",
            )
        ),
        "occasion_attributes": sorted(
            (o.external_id, sorted(o.attributes.items()))
            for o in Occasion.objects.filter(shop=shop)
        ),
        "actions": sorted(
            (*values, judged is None)
            for *values, judged in Action.objects.filter(shop=shop).values_list(
                "external_id",
                "customer__external_id",
                "kind",
                "occurred_at",
                "occasion_external_id",
                "occasion__external_id",
                "staff",
                "content_hash",
                "unjudged__since",
            )
        ),
        "exceptions": sorted(
            ActionException.objects.filter(action__shop=shop).values_list(
                "action__external_id", "reason", "note", "status", "requested_by"
            )
        ),
        "imports": [
            (counts(imp), imp.status, imp.errors, imp.warnings, imp.bytes_read) for imp in imps
        ],
    }


@pytest.mark.django_db
class TestBatchEqualsRowByRow:
    @pytest.mark.parametrize("batch_rows", [3, 500], ids=["small batches", "one batch"])
    def test_the_batches_leave_what_row_by_row_leaves(self, shop, monkeypatch, batch_rows):
        files = mixed_files()
        fast = [
            run(shop, csv_bytes(rows, header=WITH_EMAIL), batch_rows=batch_rows) for rows in files
        ]
        slow_shop = make_shop("slow")
        monkeypatch.setattr(imports, "BATCH_FAST", False)
        slow = [
            run(slow_shop, csv_bytes(rows, header=WITH_EMAIL), batch_rows=batch_rows)
            for rows in files
        ]
        expected = snapshot(slow_shop, slow)
        assert expected["imports"][1][0] == (18, 6, 2, 10)
        assert ("C-9", "", "c9@example.com") in expected["customers"]
        assert snapshot(shop, fast) == expected

    def test_the_same_outcomes_as_the_services_row_by_row(self, shop):
        rows = [
            {"record": "action", **_service_args(action("shipped", "A-1", "O-1"))},
            {"record": "occasion", **_service_args(order("O-1"))},
            {"record": "occasion", **_service_args(order("O-1"))},
            {"record": "occasion", **_service_args(order("O-1", total="7"))},
        ]
        outcomes = services.log_record_batch(shop=shop, rows=rows)
        assert [(o.created, type(o.error).__name__) for o in outcomes] == [
            (True, "NoneType"),
            (True, "NoneType"),
            (False, "NoneType"),
            (False, "Conflict"),
        ]
        assert Action.objects.get(pk=outcomes[0].pk).occasion_id == outcomes[1].pk
        assert outcomes[2].pk == outcomes[1].pk and outcomes[2].record is None
        assert outcomes[3].error.fields == ["attributes"]


def _service_args(row: dict) -> dict:
    args = {
        "external_id": row["external_id"],
        "customer": row["customer"],
        "kind": row["kind"],
        "occurred_at": row["occurred_at"],
        "attributes": {"total": int(row["total"]), "gift": False} if "total" in row else {},
    }
    if row["type"] == "action":
        args.update(occasion=row["occasion"], staff="", exception=None)
    return args


@pytest.mark.django_db
class TestConcurrentWriter:
    def test_a_batch_refused_by_the_database_is_recorded_row_by_row(self, shop, monkeypatch):
        refused = []

        insert = maintenance.rows_insert_keyed

        def racing(model, rows):
            if model is Occasion:
                # Another writer stores one of these ids between the batch's read and its
                # insert: the database refuses the insert (COPY on PostgreSQL, bulk_create
                # elsewhere), the batch's savepoint is rolled back, the rows recorded one by one.
                refused.append(len(rows))
                first = rows[0]
                Occasion.objects.create(
                    shop=shop,
                    customer_id=first["customer_id"],
                    external_id=first["external_id"],
                    kind=first["kind"],
                    occurred_at=first["occurred_at"],
                    content_hash="another writer's",
                )
            return insert(model, rows)

        monkeypatch.setattr(maintenance, "rows_insert_keyed", racing)
        rows = [order("O-1"), action("shipped", "A-1", "O-1"), order("O-1", total="1")]
        imp = run(shop, csv_bytes(rows))
        assert refused == [1]
        assert counts(imp) == (3, 2, 0, 1)
        assert errors_of(imp) == [(4, "external_id", "conflict")]
        assert Customer.objects.filter(shop=shop).count() == 1
        assert Action.objects.get(shop=shop, external_id="A-1").occasion.external_id == "O-1"


@pytest.mark.parametrize(("model", "record"), [(Occasion, "occasion"), (Action, "action")])
def test_batch_validation_covers_the_model_fields(model, record):
    """log_record_batch stores rows without full_clean: the services' checks must cover it."""
    from policies import vocabulary

    kind_max = model._meta.get_field("kind").max_length
    assert all(len(kind) <= kind_max for kind in vocabulary.record_kinds(record))
    assert model._meta.get_field("external_id").max_length == services.ID_MAX
    assert model._meta.get_field("content_hash").max_length == len(services.content_hash({}))
    if model is Action:
        assert model._meta.get_field("occasion_external_id").max_length == services.ID_MAX
        assert model._meta.get_field("staff").max_length == 100  # action_validate's staff limit


@pytest.mark.django_db
def test_batch_rows_too_long_get_the_row_errors_of_row_by_row(shop):
    """Too long ids and staff are refused with the same row errors in a batch as row by row."""
    rows = [
        order("O-1"),
        action("shipped", "a" * 101),
        action("shipped", "B-1", staff="s" * 101),
        action("shipped", "B-2", occasion="o" * 101),
        action("shipped", "B-3"),
    ]
    fast = run(shop, csv_bytes(rows))
    imports.BATCH_FAST = False
    try:
        slow = run(make_shop("other-batch-long"), csv_bytes(rows))
    finally:
        imports.BATCH_FAST = True
    assert counts(fast) == counts(slow) == (5, 2, 0, 3)
    assert errors_of(fast) == errors_of(slow)
    assert [row for row, _, _ in errors_of(fast)] == [3, 4, 5]


@pytest.mark.django_db
def test_batch_rows_name_every_field_but_the_key_and_the_creation_time(shop, monkeypatch):
    """log_record_batch writes its new occasions and actions as rows of attribute names:
    a field added to the models must be given there too (or be meant to take its default)."""
    written = {}
    insert = maintenance.rows_insert_keyed

    def capture(model, rows):
        written[model] = list(rows[0])
        return insert(model, rows)

    monkeypatch.setattr(maintenance, "rows_insert_keyed", capture)
    rows = [
        {"record": "occasion", **_service_args(order("O-1"))},
        {"record": "action", **_service_args(action("shipped", "A-1", "O-1"))},
    ]
    services.log_record_batch(shop=shop, rows=rows)
    for model in (Occasion, Action):
        fields = {field.attname for field in model._meta.concrete_fields}
        assert set(written[model]) == fields - {"id", "created_at"}, model


@pytest.mark.django_db
def test_batch_records_store_what_row_by_row_stores(shop):
    """The new records of a batch, written as rows, are stored with the values and links the
    services' row-by-row records have; the outcomes give their ids."""
    rows = [
        {"record": "action", **_service_args(action("shipped", "A-1", "O-1"))},
        {"record": "occasion", **_service_args(order("O-1"))},
        {"record": "action", **_service_args(action("shipped", "A-2", "O-1"))},
        {"record": "action", **_service_args(action("shipped", "A-3", ""))},
        {"record": "action", **_service_args(action("shipped", "A-2", "O-1"))},
    ]
    outcomes = services.log_record_batch(shop=shop, rows=rows)
    assert [(o.created, o.error, o.record) for o in outcomes] == [(True, None, None)] * 4 + [
        (False, None, None)
    ]
    assert outcomes[4].pk == outcomes[2].pk
    other = make_shop("row-by-row")
    for row in rows:
        args = {key: value for key, value in row.items() if key != "record"}
        call = services.occasion_record if row["record"] == "occasion" else services.action_record
        call(shop=other, judge=False, **args)
    for outcome, row in zip(outcomes[:4], rows, strict=False):
        model = Occasion if row["record"] == "occasion" else Action
        batch = model.objects.get(pk=outcome.pk)
        single = model.objects.get(shop=other, external_id=row["external_id"])
        assert batch.shop_id == shop.pk and batch.customer.external_id == "C-1"
        for field in model._meta.concrete_fields:
            if field.attname in ("id", "shop_id", "customer_id", "occasion_id", "created_at"):
                continue
            assert getattr(batch, field.attname) == getattr(single, field.attname), field
        if model is Action:
            linked = batch.occasion and batch.occasion.external_id
            assert linked == (single.occasion and single.occasion.external_id)
            assert batch.occasion_id in (None, outcomes[1].pk)
