"""Background judging with a real RQ worker: imports, promise changes, Redis outages, sweeps."""

import io
import logging
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from rq.cron import CronScheduler

from commitments import imports, jobs, sweeper
from commitments.imports import import_run
from commitments.models import Action, Check, Finding, FindingType, Import, ImportStatus
from policies.services import promise_edit, promise_retire

from .conftest import at
from .import_support import action, csv_bytes, order

CLOSED_PORT = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}}


def orders_file(customers: int) -> bytes:
    """Return a CSV of one order per customer with its note, shipment and thank-you."""
    rows = []
    for n in range(customers):
        oid = f"O-{n}"
        rows += [
            order(oid, f"C-{n}", "2026-11-16 10:00"),
            action("note_enclosed", f"N-{n}", oid, f"C-{n}", "2026-11-16 13:00", lines=str(n % 12)),
            action("shipped", f"S-{n}", oid, f"C-{n}", "2026-11-16 15:00"),
            action("thank_you_sent", f"T-{n}", oid, f"C-{n}", "2026-11-16 12:00"),
        ]
    return csv_bytes(rows)


def run_import(shop, data: bytes, **kwargs) -> Import:
    imp = Import.objects.create(shop=shop, filename="t.csv", size=len(data))
    return import_run(imp=imp, stream=io.BytesIO(data), **kwargs)


@pytest.fixture
def media(settings, tmp_path):
    """Keep uploaded files in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def promises(make_promise):
    return [
        make_promise("handwritten_note", {"min_lines": 10}),
        make_promise("shipping_cutoff"),
        make_promise("thank_you_message"),
    ]


@pytest.mark.django_db
class TestJudgingImportedActions:
    def test_a_real_worker_judges_every_imported_action_once(
        self, shop, promises, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            imp = run_import(shop, orders_file(12), batch_rows=10)
        assert imp.stored == 48
        assert rq_queue.count >= 1
        assert Action.objects.filter(unjudged__isnull=False).count() == 36
        run_worker()
        assert Action.objects.filter(unjudged__isnull=False).count() == 0
        # One check per action and the promise judging it.
        assert Check.objects.count() == 36
        assert Finding.objects.filter(type=FindingType.BREACH).count() == 10

    def test_jobs_are_queued_with_ids_in_batches(
        self, shop, promises, rq_queue, django_capture_on_commit_callbacks, monkeypatch
    ):
        monkeypatch.setattr(jobs.judging, "BATCH_SIZE", 5)
        with django_capture_on_commit_callbacks(execute=True):
            jobs.judge_actions_enqueue(list(range(1, 13)))
        queued = [rq_queue.fetch_job(job_id) for job_id in rq_queue.job_ids]
        assert [job.func_name for job in queued] == ["commitments.jobs.judge_actions_job"] * 3
        assert [job.args[0] for job in queued] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]

    def test_an_import_queues_its_judging_in_jobs_of_several_batches(
        self, shop, promises, rq_queue, django_capture_on_commit_callbacks, monkeypatch
    ):
        # 10 orders, 3 actions each, 2 orders (6 actions) a batch: the first batch's at once,
        # then as many as queued before (6), then at least 7 (12: two batches), the rest
        # at the end; each job at most 2 x 7 ids.
        monkeypatch.setattr(imports, "JUDGE_JOB_ACTIONS", 7)
        with django_capture_on_commit_callbacks(execute=True):
            imp = run_import(shop, orders_file(10), batch_rows=8)
        assert imp.stored == 40
        queued = [rq_queue.fetch_job(job_id) for job_id in rq_queue.job_ids]
        assert [len(job.args[0]) for job in queued] == [6, 6, 12, 6]
        ids = [job_id for job in queued for job_id in job.args[0]]
        assert sorted(ids) == sorted(Action.objects.values_list("id", flat=True))

    def test_an_import_without_judging_queues_nothing(
        self, shop, promises, rq_queue, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            run_import(shop, orders_file(3), enqueue_judging=False)
        assert rq_queue.count == 0

    def test_redis_down_at_store_time_leaves_actions_for_the_sweeper(
        self, shop, promises, rq_queue, run_worker, django_capture_on_commit_callbacks, caplog
    ):
        caplog.set_level(logging.WARNING, logger="commitments.jobs")
        with (
            override_settings(RQ_QUEUES=CLOSED_PORT),
            django_capture_on_commit_callbacks(execute=True),
        ):
            imp = run_import(shop, orders_file(6))
        assert (imp.status, imp.stored) == (ImportStatus.DONE, 24)
        assert "sweeper will pick it up" in caplog.text
        assert rq_queue.count == 0
        assert Action.objects.filter(unjudged__isnull=False).count() == 18

        # Too recent for the sweeper: nothing is queued yet.
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeper.sweep(now=timezone.now()).requeued_actions == 0
        later = timezone.now() + sweeper.UNJUDGED_AFTER + timedelta(seconds=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeper.sweep(now=later).requeued_actions == 18
        run_worker()
        assert Action.objects.filter(unjudged__isnull=False).count() == 0
        assert Check.objects.count() == 18
        # Judged exactly once: a second sweep finds nothing to do and changes nothing.
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeper.sweep(now=later).requeued_actions == 0
        assert rq_queue.count == 0
        assert Check.objects.count() == 18

    def test_an_occasion_arriving_after_its_actions_has_them_judged_again(
        self, shop, promises, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        # Shipped on Tuesday for a Monday 10:00 order: late, but only the order says so.
        first = csv_bytes([action("shipped", "S-1", "O-1", when="2026-11-17 14:00")])
        with django_capture_on_commit_callbacks(execute=True):
            run_import(shop, first)
        run_worker()
        assert Check.objects.count() == 0  # no occasion yet: nothing to judge against
        with django_capture_on_commit_callbacks(execute=True):
            run_import(shop, csv_bytes([order("O-1")]))
        assert rq_queue.count == 1
        run_worker()
        assert Check.objects.get().kept is False


@pytest.mark.django_db
class TestJobs:
    def test_a_promise_edit_rejudges_the_shop_in_the_background(
        self,
        shop,
        make_promise,
        log,
        manager,
        rq_queue,
        run_worker,
        django_capture_on_commit_callbacks,
    ):
        promise = make_promise("handwritten_note", {"min_lines": 10})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"))
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-16 13:00"), "O-1", lines=6)
        assert Check.objects.get().kept is False
        with django_capture_on_commit_callbacks(execute=True):
            version = promise_edit(
                promise=promise,
                params={"min_lines": 5},
                reason="Busy season",
                author=manager,
                effective_from=at("2026-01-01 00:00"),
            )
        assert [rq_queue.fetch_job(i).func_name for i in rq_queue.job_ids] == [
            "commitments.jobs.rejudge_batch_job"
        ]
        run_worker()
        check = Check.objects.get()
        assert (check.kept, check.promise_version_id) == (True, version.pk)

    def test_retiring_a_promise_rejudges_the_shop(
        self,
        shop,
        make_promise,
        log,
        manager,
        rq_queue,
        run_worker,
        django_capture_on_commit_callbacks,
    ):
        promise = make_promise("handwritten_note", {"min_lines": 10})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"))
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-16 13:00"), "O-1", lines=6)
        with django_capture_on_commit_callbacks(execute=True):
            promise_retire(promise=promise, author=manager, at=at("2026-11-01 00:00"))
        run_worker()
        assert (Check.objects.count(), Finding.objects.count()) == (0, 0)

    def test_an_uploaded_import_runs_on_the_worker_once(
        self, shop, promises, media, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        data = orders_file(3)
        imp = Import(shop=shop, filename="t.csv", size=len(data))
        imp.file.save("t.csv", ContentFile(data), save=True)
        with django_capture_on_commit_callbacks(execute=True):
            jobs.import_process_enqueue(imp.pk)
            jobs.import_process_enqueue(imp.pk)  # queued twice (e.g. by the sweeper)
        assert rq_queue.count == 2
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
        imp.refresh_from_db()
        assert (imp.status, imp.stored, imp.duplicates) == (ImportStatus.DONE, 12, 0)
        run_worker()  # the judging jobs queued on commit
        assert Action.objects.filter(unjudged__isnull=False).count() == 0

    def test_the_sweeper_requeues_an_import_whose_job_was_lost(
        self, shop, media, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        imp = Import(shop=shop, filename="t.csv", size=10)
        imp.file.save("t.csv", ContentFile(csv_bytes([order()])), save=True)
        soon = imp.created_at + timedelta(minutes=1)
        late = imp.created_at + sweeper.IMPORT_STALE_AFTER + timedelta(seconds=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeper.sweep(now=soon).requeued_imports == 0
            assert sweeper.sweep(now=late).requeued_imports == 1
        run_worker()
        imp.refresh_from_db()
        assert (imp.status, imp.stored) == (ImportStatus.DONE, 1)

    def test_the_sweep_job_runs_on_the_worker(self, shop, make_promise, log, rq_queue, run_worker):
        make_promise("shipping_cutoff")
        log.occasion("O-1", "C-1", "order_placed", timezone.now() - timedelta(days=10))
        job = jobs.django_rq.get_queue("default", commit_mode="auto").enqueue(jobs.sweep)
        run_worker()
        job.refresh()
        assert job.return_value() == {
            "requeued_actions": 0,
            "requeued_imports": 0,
            "resumed_imports": 0,
            "failed_imports": 0,
            "overdue": 1,
            "rejudge_resumed": 0,
            "retried_customers": 0,
            "failed": [],
        }
        assert Finding.objects.filter(type=FindingType.OVERDUE).count() == 1

    def test_the_sweep_is_scheduled_every_five_minutes(self, rq_queue):
        scheduler = CronScheduler(connection=rq_queue.connection)
        scheduler.load_config_from_file("config.cron")
        sweeps = [job for job in scheduler.get_jobs() if job.func is jobs.sweep]
        assert [(job.queue_name, job.interval) for job in sweeps] == [("default", 300)]

    def test_rejudging_a_deleted_shop_does_nothing(self, db):
        assert jobs.rejudge_batch_job(987654) == 0


@pytest.mark.django_db(transaction=True)
class TestJudgingBesideAnotherTransaction:
    """PostgreSQL: a judging job and an import's batches share customers without waiting."""

    @pytest.fixture
    def other(self):
        """Return a second connection to the test database, as another worker would hold."""
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("row locks: PostgreSQL")
        import psycopg

        db = connection.settings_dict
        other = psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        )
        yield other
        other.rollback()
        other.close()

    def _lock(self, other, customer) -> None:
        # As judging locks a customer it judges (another job's, still running).
        other.execute(
            "SELECT 1 FROM commitments_customer WHERE id = %s FOR NO KEY UPDATE", [customer.pk]
        )

    def test_a_customer_locked_elsewhere_is_skipped_and_the_others_are_judged(
        self, shop, promises, other
    ):
        from commitments import judging
        from commitments.models import Customer

        run_import(shop, orders_file(3), enqueue_judging=False)
        held = Customer.objects.get(shop=shop, external_id="C-1")
        self._lock(other, held)
        result = judging.judge_actions(
            action_ids=Action.objects.values_list("id", flat=True), skip_locked=True
        )
        assert result.skipped == [(shop.pk, held.pk)]
        unjudged = Action.objects.filter(unjudged__isnull=False)
        assert set(unjudged.values_list("customer_id", flat=True)) == {held.pk}
        other.rollback()
        # The job judges the one it skipped last, waiting for it (here: free again).
        assert jobs.judge_actions_job(list(unjudged.values_list("id", flat=True))) == 3
        assert not Action.objects.filter(unjudged__isnull=False).exists()

    def test_an_import_stores_actions_of_a_customer_being_judged_without_waiting(
        self, shop, promises, other
    ):
        from django.db import connection

        from commitments.models import Customer

        run_import(shop, orders_file(2), enqueue_judging=False)
        held = Customer.objects.get(shop=shop, external_id="C-1")
        self._lock(other, held)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        late = csv_bytes([action("shipped", "S-9", "O-1", "C-1", "2026-11-17 15:00")])
        # The new action's foreign key check (FOR KEY SHARE of the customer, at commit)
        # does not conflict with the judging's FOR NO KEY UPDATE.
        imp = run_import(shop, late, enqueue_judging=False)
        assert (imp.status, imp.stored) == (ImportStatus.DONE, 1)
        assert Action.objects.get(external_id="S-9").judged_at is None
