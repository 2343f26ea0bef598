"""Planner statistics after bulk writes: an import analyses the log tables (PostgreSQL)."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now as timezone_now

from commitments import maintenance
from commitments.imports import import_run
from commitments.models import Import
from policies.models import Shop

from .conftest import at
from .import_support import action, csv_bytes, order


@pytest.fixture
def calls(monkeypatch):
    """Record the calls of tables_analyze instead of running ANALYZE."""
    made: list[int] = []
    monkeypatch.setattr(maintenance, "tables_analyze", lambda *a, **k: made.append(1) or [])
    return made


class TestWhenDue:
    def test_every_hundred_thousand_rows_since_the_last_time(self, calls):
        analysis = maintenance.ImportAnalysis()
        made = [
            analysis.after_batch(rows=rows)
            for rows in (500, 99_999, 100_000, 100_499, 100_500, 199_999, 200_000, 450_000)
        ]
        # Due at 100,000, then 100,000 rows after that, and at once for a batch larger
        # than the period.
        assert made == [False, False, True, False, False, False, True, True]
        assert len(calls) == 3

    def test_a_resumed_run_counts_from_where_it_starts(self, calls):
        analysis = maintenance.ImportAnalysis(rows=60_000)
        assert not analysis.after_batch(rows=100_000)
        assert analysis.after_batch(rows=160_000)

    @pytest.mark.parametrize(
        ("rows", "known", "due"),
        [
            (0, 0, False),
            (4_999, 0, False),
            (5_000, 0, True),
            (5_000, 1_000_000, False),  # a small share of a big log: its statistics hold
            (99_999, 1_000_000, False),
            (100_000, 1_000_000, True),  # a tenth of it
        ],
    )
    def test_at_the_end_of_an_import_of_some_size(self, calls, rows, known, due):
        assert maintenance.ImportAnalysis().at_end(rows=rows, known=known) is due
        assert len(calls) == int(due)

    def test_not_again_at_the_end_when_the_last_batch_analysed(self, calls):
        analysis = maintenance.ImportAnalysis()
        assert analysis.after_batch(rows=100_000)
        assert not analysis.at_end(rows=100_000, known=0)
        assert not analysis.at_end(rows=104_999, known=0)
        assert analysis.at_end(rows=105_000, known=0)  # ANALYZE_MIN_ROWS more since
        assert len(calls) == 2

    @pytest.mark.django_db
    def test_the_known_rows_are_the_statistics_estimate(self):
        assert maintenance.actions_estimated() >= 0


@pytest.mark.django_db
class TestAnalyze:
    def test_an_import_analyses_the_tables_it_writes(self, monkeypatch):
        analysed: list = []
        monkeypatch.setattr(maintenance, "tables_analyze", analysed.append)
        maintenance.ImportAnalysis().at_end(rows=5_000, known=0)
        assert analysed == [maintenance.IMPORT_TABLES]

    def test_analyses_the_log_tables_on_postgresql_only(self):
        names = maintenance.tables_analyze()
        if connection.vendor == "postgresql":
            assert names == [
                "commitments_customer",
                "commitments_occasion",
                "commitments_action",
                "commitments_check",
                "commitments_finding",
                "commitments_commitment",
            ]
        else:
            assert names == []

    def test_an_import_analyses_every_period_and_at_its_end(self, calls, monkeypatch):
        monkeypatch.setattr(maintenance, "ANALYZE_EVERY_ROWS", 4)
        monkeypatch.setattr(maintenance, "ANALYZE_MIN_ROWS", 6)
        shop = Shop.objects.create(slug="analyse", name="analyse")
        rows = []
        for n in range(5):
            rows += [order(f"O-{n}"), action("shipped", f"S-{n}", f"O-{n}")]
        data = csv_bytes(rows)
        imp = Import.objects.create(shop=shop, filename="t.csv", size=len(data))
        imp = import_run(imp=imp, stream=io.BytesIO(data), batch_rows=3)
        assert (imp.rows, imp.stored) == (10, 10)
        # Batches end at rows 3, 6, 9, 10: 4 rows since the start at 6, 4 more at 10; the
        # end is not due again (0 rows since).
        assert len(calls) == 2

    def test_a_small_import_does_not_analyse(self, calls):
        shop = Shop.objects.create(slug="small", name="small")
        data = csv_bytes([order("O-1"), action("shipped", "S-1", "O-1")])
        imp = Import.objects.create(shop=shop, filename="t.csv", size=len(data))
        assert import_run(imp=imp, stream=io.BytesIO(data)).stored == 2
        assert calls == []


@pytest.mark.django_db
class TestRowsInsert:
    def test_rows_get_their_values_and_the_defaults_of_the_rest(self, shop, log, make_promise):
        from commitments.models import Finding, FindingStatus

        promise = make_promise("handwritten_note", {"min_lines": 5})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        action = log.action(
            "N-1", "C-1", "note_enclosed", at("2026-11-16 12:00"), occasion="O-1", lines=9
        )
        Finding.objects.all().delete()
        row = {
            "shop_id": shop.pk,
            "customer_id": action.customer_id,
            "action_id": action.pk,
            "promise_id": promise.pk,
            "type": "drift",
            "promise_version_id": promise.versions.get().pk,
            "occasion_id": action.occasion_id,
            "excused": False,
            "occurred_at": action.occurred_at,
            "message_ja": "日本語",
            "message_en": "English",
            "details": {"lines": [9, 5], "text": '引用 "quoted"\ttab\\n'},
        }
        with CaptureQueriesContext(connection) as captured:
            assert maintenance.rows_insert(Finding, [row, {**row, "type": "breach"}]) == 2
        assert len(captured.captured_queries) == 1  # one statement, seen like any other
        stored = Finding.objects.get(type="drift")
        assert {name: getattr(stored, name) for name in row} == row
        assert (stored.status, stored.status_note, stored.status_by, stored.status_at) == (
            FindingStatus.OPEN,
            "",
            None,
            None,
        )
        assert stored.created_at is not None
        assert maintenance.rows_insert(Finding, []) == 0

    def test_a_refused_row_raises_django_s_error(self, shop, log, make_promise):
        from django.db import IntegrityError, transaction

        from commitments.models import Check

        make_promise("handwritten_note", {"min_lines": 5})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-16 12:00"), occasion="O-1", lines=9)
        stored = Check.objects.values(
            "shop_id",
            "action_id",
            "promise_id",
            "promise_version_id",
            "occurred_at",
            "level",
            "kept",
        ).get()
        # The same action and promise again: the unique constraint refuses it.
        with pytest.raises(IntegrityError), transaction.atomic():
            maintenance.rows_insert(Check, [stored])
        assert Check.objects.count() == 1


@pytest.mark.django_db
class TestObjectsInsert:
    def test_objects_get_their_keys_and_are_stored_as_built(self, shop):
        from datetime import UTC, datetime

        from commitments.models import Action, Customer, Occasion

        before = timezone_now()
        customers = [Customer(shop=shop, external_id=f"C-{n}", name=f"名前 {n}") for n in range(3)]
        maintenance.objects_insert(Customer, customers)
        occasion = Occasion(
            shop=shop,
            customer=customers[1],
            external_id="O-1",
            kind="order_placed",
            occurred_at=datetime(2026, 11, 16, 1, tzinfo=UTC),
            attributes={"total": 5000, "note": 'tab\t"quoted"\\n'},
            content_hash="h",
        )
        maintenance.objects_insert(Occasion, [occasion])
        # Held objects saved before give the foreign keys, as with bulk_create.
        actions = [
            Action(
                shop=shop,
                customer=customers[n],
                external_id=f"A-{n}",
                kind="shipped",
                occurred_at=datetime(2026, 11, 17, n, tzinfo=UTC),
                occasion=occasion if n == 1 else None,
                occasion_external_id="O-1" if n == 1 else "",
                content_hash="h",
            )
            for n in range(3)
        ]
        with CaptureQueriesContext(connection) as captured:
            maintenance.objects_insert(Action, actions)
        if connection.vendor == "postgresql":
            assert len(captured.captured_queries) == 2  # the keys, then one COPY
        keys = [customer.pk for customer in customers]
        assert keys == sorted(keys) and None not in keys  # ascending in the given order
        assert dict(Customer.objects.filter(shop=shop).values_list("external_id", "pk")) == {
            customer.external_id: customer.pk for customer in customers
        }
        assert Customer.objects.get(pk=keys[2]).name == "名前 2"
        stored = Occasion.objects.get(pk=occasion.pk)
        assert (stored.customer_id, stored.attributes) == (keys[1], occasion.attributes)
        assert stored.created_at >= before and not occasion._state.adding
        assert list(
            Action.objects.filter(shop=shop)
            .order_by("pk")
            .values_list("customer_id", "occasion_id")
        ) == [(keys[0], None), (keys[1], occasion.pk), (keys[2], None)]
        # The objects keep what they hold: no query to read a record's customer.
        with CaptureQueriesContext(connection) as captured:
            assert actions[1].customer.external_id == "C-1"
            assert actions[1].occasion_id == occasion.pk
        assert captured.captured_queries == []
        maintenance.objects_insert(Action, [])

    def test_an_unsaved_held_object_is_refused(self, shop):
        from commitments.models import Customer, Occasion

        occasion = Occasion(
            shop=shop,
            customer=Customer(shop=shop, external_id="C-1"),
            external_id="O-1",
            kind="order_placed",
            occurred_at=timezone_now(),
            content_hash="h",
        )
        with pytest.raises(ValueError, match="customer"):
            maintenance.objects_insert(Occasion, [occasion])


class TestAnalyzeGrown:
    """Judging from empty fills the derived tables: their statistics are brought up to date."""

    @pytest.mark.django_db
    def test_judging_looks_after_each_batch(self, shop, log, make_promise, monkeypatch):
        from commitments.judging import reconcile
        from commitments.models import Customer

        made: list[int] = []
        monkeypatch.setattr(reconcile, "tables_analyze_grown", lambda *a, **k: made.append(1))
        make_promise("handwritten_note", {"min_lines": 5})
        for n in range(5):
            log.occasion(f"O-{n}", f"C-{n}", "order_placed", at("2026-11-16 10:00"), total=5000)
        ids = list(Customer.objects.filter(shop=shop).values_list("id", flat=True))
        reconcile.judge_customers_batched(shop=shop, customer_ids=ids, batch_size=2)
        assert len(made) == 3  # batches of 2, 2 and 1
        made.clear()
        reconcile.judge_shop(shop=shop, batch_size=2)
        assert len(made) == 3

    @pytest.mark.django_db(transaction=True)
    def test_the_tables_grown_past_their_statistics_are_analysed(self, shop, log, make_promise):
        if connection.vendor != "postgresql":
            assert maintenance.tables_analyze_grown(at_least=0) == []
            return
        make_promise("handwritten_note", {"min_lines": 5})
        for n in range(3):
            log.occasion(f"O-{n}", f"C-{n}", "order_placed", at("2026-11-16 10:00"), total=5000)
            log.action(
                f"N-{n}", f"C-{n}", "note_enclosed", at("2026-11-16 12:00"), occasion=f"O-{n}",
                lines=9,
            )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counts, now
        # Far fewer rows than the default's ANALYZE_EVERY_ROWS: nothing is due.
        assert maintenance.tables_analyze_grown() == []
        assert "commitments_check" in maintenance.tables_analyze_grown(at_least=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
            cursor.execute(
                "SELECT last_analyze IS NOT NULL, n_mod_since_analyze FROM pg_stat_user_tables"
                " WHERE relname = 'commitments_check'"
            )
            assert cursor.fetchone() == (True, 0)
        assert "commitments_check" not in maintenance.tables_analyze_grown(at_least=0)
