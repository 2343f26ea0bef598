"""Customer.order_count and last_order_at equal a recount of the log after every write path."""

import importlib
import io
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from commitments import imports, judging, services
from commitments.imports import import_run, import_undo
from commitments.models import REPEAT_MIN_ORDERS, Commitment, Customer, Import
from commitments.order_counts import orders_recounted, orders_stored
from commitments.privacy import customer_erase

from .conftest import at
from .import_support import action, csv_bytes, order

LOG = "/api/v1/shops/kobo/log/"


def assert_stored_equal_recount(shop, **expected):
    """The stored counts equal a recount, and so do their copies on the customers'
    commitments; `expected`: {customer external id: orders}."""
    stored = orders_stored(shop=shop)
    recounted = orders_recounted(shop=shop)
    assert stored == recounted
    copies = Commitment.objects.filter(shop=shop).values_list(
        "customer_id", "customer_orders", "customer_last_order_at", "customer_repeat"
    )
    for customer_id, orders, latest, repeat in copies:
        assert (orders, latest) == recounted[customer_id], customer_id
        assert repeat == (orders >= REPEAT_MIN_ORDERS), customer_id
    by_external = dict(Customer.objects.filter(shop=shop).values_list("external_id", "pk"))
    for external_id, orders in expected.items():
        assert stored[by_external[external_id]][0] == orders, external_id


def csv_import(shop, rows) -> Import:
    data = csv_bytes(rows)
    imp = Import.objects.create(shop=shop, filename="orders.csv", size=len(data))
    import_run(imp=imp, stream=io.BytesIO(data))
    return imp


@pytest.mark.django_db
class TestStoredOrderCounts:
    def test_one_record_at_a_time(self, shop, log):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-18 10:00"), total=5000)
        log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-19 10:00"), text="?")
        log.occasion("Q-2", "C-2", "inquiry_received", at("2026-11-19 10:00"), text="?")
        # The same occasion again is a duplicate and counts once.
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.action("N-9", "C-3", "note_enclosed", at("2026-11-16 14:00"), occasion="O-9", lines=8)
        assert_stored_equal_recount(shop, **{"C-1": 2, "C-2": 0, "C-3": 0})
        c1 = Customer.objects.get(external_id="C-1")
        assert c1.last_order_at == at("2026-11-18 10:00")
        # An order that arrives after its action, and before the customer's latest order.
        log.occasion("O-9", "C-3", "order_placed", at("2026-11-15 10:00"), total=5000)
        log.occasion("O-0", "C-1", "order_placed", at("2026-11-01 10:00"), total=5000)
        assert_stored_equal_recount(shop, **{"C-1": 3, "C-3": 1})
        assert Customer.objects.get(external_id="C-1").last_order_at == at("2026-11-18 10:00")

    def test_a_batch_of_records(self, shop):
        rows = [
            {"record": "occasion", "external_id": "O-1", "customer": "C-1",
             "kind": "order_placed", "occurred_at": at("2026-11-16 10:00"),
             "attributes": {"total": 5000}},
            {"record": "occasion", "external_id": "O-2", "customer": "C-1",
             "kind": "order_placed", "occurred_at": at("2026-11-17 10:00"),
             "attributes": {"total": 5000}},
            # A duplicate within the batch, an inquiry, another new customer.
            {"record": "occasion", "external_id": "O-2", "customer": "C-1",
             "kind": "order_placed", "occurred_at": at("2026-11-17 10:00"),
             "attributes": {"total": 5000}},
            {"record": "occasion", "external_id": "Q-1", "customer": "C-2",
             "kind": "inquiry_received", "occurred_at": at("2026-11-17 10:00"),
             "attributes": {"text": "?"}},
            {"record": "occasion", "external_id": "O-3", "customer": "C-3",
             "kind": "order_placed", "occurred_at": at("2026-11-18 10:00"),
             "attributes": {"total": 5000}},
        ]  # fmt: skip
        services.log_record_batch(shop=shop, rows=rows)
        assert_stored_equal_recount(shop, **{"C-1": 2, "C-2": 0, "C-3": 1})
        more = [dict(rows[4], external_id="O-4", occurred_at=at("2026-11-19 10:00"))]
        services.log_record_batch(shop=shop, rows=more)
        assert_stored_equal_recount(shop, **{"C-3": 2})

    def test_the_bulk_api(self, shop, api):
        records = [
            {"type": "occasion", "external_id": f"O-{n}", "customer": f"C-{n % 3}",
             "kind": "order_placed", "occurred_at": f"2026-11-{10 + n}T10:00:00+09:00",
             "attributes": {"total": 7200, "gift": False}}
            for n in range(7)
        ]  # fmt: skip
        response = api.post(LOG, {"records": records}, format="json")
        assert response.status_code == 200, response.content
        assert_stored_equal_recount(shop, **{"C-0": 3, "C-1": 2, "C-2": 2})

    @pytest.mark.parametrize("fast", [True, False], ids=["batch", "row by row"])
    def test_a_csv_import_and_its_undo(self, shop, log, monkeypatch, fast):
        monkeypatch.setattr(imports, "BATCH_FAST", fast)
        log.occasion("O-0", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        imp = csv_import(
            shop,
            [
                order("O-1", "C-1", "2026-11-17 10:00"),
                order("O-2", "C-1", "2026-11-18 10:00"),
                order("O-3", "C-2", "2026-11-18 11:00"),
                order("O-0", "C-1", "2026-11-10 10:00"),  # stored before: a duplicate
                action("note_enclosed", "N-1", "O-1", "C-1", "2026-11-17 14:00", lines="4"),
            ],
        )
        assert_stored_equal_recount(shop, **{"C-1": 3, "C-2": 1})
        judging.judge_shop(shop=shop)
        import_undo(imp=imp)
        assert_stored_equal_recount(shop, **{"C-1": 1})
        assert Customer.objects.get(external_id="C-1").last_order_at == at("2026-11-10 10:00")
        assert not Customer.objects.filter(external_id="C-2").exists()

    def test_an_undo_keeps_an_order_another_source_answered(self, shop, log):
        imp = csv_import(
            shop,
            [order("O-1", "C-1", "2026-11-17 10:00"), order("O-2", "C-1", "2026-11-18 10:00")],
        )
        log.action("N-2", "C-1", "note_enclosed", at("2026-11-18 14:00"), occasion="O-2", lines=9)
        import_undo(imp=imp)
        assert_stored_equal_recount(shop, **{"C-1": 1})

    def test_an_erasure_keeps_the_orders(self, shop, log, manager):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        customer_erase(customer=Customer.objects.get(external_id="C-1"), actor=manager)
        assert_stored_equal_recount(shop, **{"C-1": 2})

    def test_rebuild_and_the_migration_count_them_again_from_the_log(self, shop, log):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        log.occasion("O-3", "C-2", "order_placed", at("2026-11-17 10:00"), total=5000)
        wrong = {"order_count": 7, "last_order_at": at("2026-01-01 00:00")}
        Customer.objects.update(**wrong)
        call_command("rebuild_commitments", "--shop", "kobo", stdout=StringIO())
        assert_stored_equal_recount(shop, **{"C-1": 2, "C-2": 1})

        Customer.objects.update(**wrong)
        migration = importlib.import_module("commitments.migrations.0006_customer_order_count")
        migration.orders_backfill(apps, None)
        assert_stored_equal_recount(shop, **{"C-1": 2, "C-2": 1})

    def test_the_commitments_carry_their_customers_counts(self, shop, log, make_promise):
        make_promise("handwritten_note", {"min_lines": 5})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-10 14:00"), occasion="O-1", lines=8)
        commitment = Commitment.objects.get(customer__external_id="C-1")
        # Stored by judging with the count of the customer it locked.
        assert (commitment.customer_orders, commitment.customer_last_order_at) == (
            1,
            at("2026-11-10 10:00"),
        )
        # A later order, one at a time, then in a batch, then by a CSV import and its undo.
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-12 10:00"), total=5000)
        assert_stored_equal_recount(shop, **{"C-1": 2})
        services.log_record_batch(
            shop=shop,
            rows=[
                {
                    "record": "occasion",
                    "external_id": "O-3",
                    "customer": "C-1",
                    "kind": "order_placed",
                    "occurred_at": at("2026-11-13 10:00"),
                    "attributes": {"total": 5000},
                },
            ],  # fmt: skip
        )
        assert_stored_equal_recount(shop, **{"C-1": 3})
        imp = csv_import(shop, [order("O-4", "C-1", "2026-11-14 10:00")])
        assert_stored_equal_recount(shop, **{"C-1": 4})
        import_undo(imp=imp)
        assert_stored_equal_recount(shop, **{"C-1": 3})
        commitment.refresh_from_db()
        assert (commitment.customer_orders, commitment.customer_last_order_at) == (
            3,
            at("2026-11-13 10:00"),
        )
        # A rebuild, and the migrations that added the copies, copy them again.
        wrong = {"customer_orders": 9, "customer_last_order_at": None, "customer_repeat": False}
        Commitment.objects.update(**wrong)
        call_command("rebuild_commitments", "--shop", "kobo", stdout=StringIO())
        assert_stored_equal_recount(shop, **{"C-1": 3})
        Commitment.objects.update(**wrong)
        importlib.import_module(
            "commitments.migrations.0010_commitment_customer_orders"
        ).orders_copy(apps, None)
        importlib.import_module(
            "commitments.migrations.0011_commitment_customer_repeat"
        ).repeat_copy(apps, None)
        assert_stored_equal_recount(shop, **{"C-1": 3})

    def test_a_customers_second_order_marks_their_commitments_repeat(self, shop, log, make_promise):
        make_promise("handwritten_note", {"min_lines": 5})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-10 14:00"), occasion="O-1", lines=8)
        assert not Commitment.objects.get(customer__external_id="C-1").customer_repeat
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-12 10:00"), total=5000)
        assert Commitment.objects.get(customer__external_id="C-1").customer_repeat
        assert_stored_equal_recount(shop, **{"C-1": 2})

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's HOT updates")
    def test_the_copy_of_a_new_order_writes_no_index(self, shop, log, make_promise):
        """Copying a repeat customer's next order onto their commitments is a HOT update
        (no index covers what changes), with room left on the table's pages for it."""
        make_promise("handwritten_note", {"min_lines": 5}, name="Note")
        make_promise("handwritten_note", {"min_lines": 3}, name="Short note")
        log.occasion("O-0", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-11 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-11 14:00"), occasion="O-1", lines=8)
        assert Commitment.objects.filter(customer__external_id="C-1").count() == 2

        def updates():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
                    " WHERE relname = %s",
                    [Commitment._meta.db_table],
                )
                return cursor.fetchone()

        before = updates()
        services.log_record_batch(
            shop=shop,
            rows=[
                {
                    "record": "occasion",
                    "external_id": "O-2",
                    "customer": "C-1",
                    "kind": "order_placed",
                    "occurred_at": at("2026-11-13 10:00"),
                    "attributes": {"total": 5000},
                },
            ],  # fmt: skip
        )
        after = updates()
        assert (after[0] - before[0], after[1] - before[1]) == (2, 2)
        assert_stored_equal_recount(shop, **{"C-1": 3})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reloptions FROM pg_class WHERE relname = %s", [Commitment._meta.db_table]
            )
            assert cursor.fetchone()[0] == ["fillfactor=80"]
