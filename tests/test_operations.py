"""Running it for real: health, status, queues, the scheduler lock, workers, logs, settings."""

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from unittest import mock

import django_rq
import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from commitments import jobs
from commitments.models import Action, Customer, UnjudgedAction
from config import worker as ops_worker
from config.logging import RequestContextFilter
from reports import jobs as report_jobs
from tests import jobs_for_tests

ROUTED = {name: name for name in settings.QUEUE_NAMES}


@pytest.fixture
def all_queues():
    """Empty every queue before and after."""
    queues = [django_rq.get_queue(name, commit_mode="auto") for name in settings.RQ_QUEUES]
    for queue in queues:
        queue.empty()
    yield {queue.name: queue for queue in queues}
    for queue in queues:
        queue.empty()


@pytest.mark.django_db
class TestHealth:
    def test_live_answers_without_touching_the_database(self, client, django_assert_num_queries):
        with django_assert_num_queries(0):
            response = client.get("/healthz/live")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    def test_ready_reports_queue_depths_and_the_oldest_unjudged_action(
        self, client, shop, all_queues
    ):
        customer = Customer.objects.create(shop=shop, external_id="C-1")
        action = Action.objects.create(
            shop=shop,
            customer=customer,
            external_id="A-1",
            kind="shipped",
            occurred_at=timezone.now(),
        )
        # Waiting since it was stored, 10 minutes ago (as action_record stores it).
        UnjudgedAction.objects.create(action=action, since=timezone.now() - timedelta(minutes=10))
        all_queues["judging"].enqueue(jobs_for_tests.remember, "k", "v")
        body = client.get("/healthz/ready").json()
        assert body["queues"] == {"imports": 0, "judging": 1, "reports": 0, "default": 0}
        assert 599 <= body["oldest_unjudged_seconds"] <= 660
        assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")

    def test_ready_is_503_without_the_database(self, client):
        with mock.patch("config.status.connection.cursor", side_effect=OperationalError("gone")):
            response = client.get("/healthz/ready")
        assert response.status_code == 503
        body = response.json()
        assert (body["status"], body["database"]) == ("down", "down: OperationalError")

    def test_ready_stays_200_with_redis_down_and_says_degraded(self, client):
        queues = {name: {"URL": "redis://127.0.0.1:1/0"} for name in settings.QUEUE_NAMES}
        with override_settings(RQ_QUEUES=queues):
            response = client.get("/healthz/ready")
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["redis"]) == ("degraded", "down: ConnectionError")
        assert body["queues"] == dict.fromkeys(settings.QUEUE_NAMES)

    def test_status_command_prints_the_same_figures(self, all_queues):
        all_queues["imports"].enqueue(jobs_for_tests.remember, "k", "v")
        out = io.StringIO()
        call_command("status", stdout=out)
        lines = out.getvalue().splitlines()
        assert "queue imports: 1 waiting" in lines
        assert "oldest unjudged action: none" in lines
        out = io.StringIO()
        call_command("status", "--json", stdout=out)
        assert json.loads(out.getvalue())["queues"]["imports"] == 1


@pytest.fixture
def routed(settings):
    """Send each kind of job to its own queue, as production does."""
    settings.JOB_QUEUES = ROUTED


@pytest.mark.django_db
@pytest.mark.usefixtures("routed")
class TestQueues:
    def test_each_kind_of_job_goes_to_its_own_queue(self, all_queues, shop):
        assert jobs.enqueue_now(jobs.import_process, 1, queue_name=jobs.QUEUE_IMPORTS)
        assert jobs.enqueue_now(jobs.judge_actions_job, [1], queue_name=jobs.QUEUE_JUDGING)
        assert jobs.enqueue_now(jobs.sweep)
        depths = {name: queue.count for name, queue in all_queues.items()}
        assert depths == {"imports": 1, "judging": 1, "reports": 0, "default": 1}
        assert all_queues["imports"].jobs[0].func_name == "commitments.jobs.import_process"
        assert all_queues["judging"].jobs[0].func_name == "commitments.jobs.judge_actions_job"

    def test_the_helpers_name_the_queue(self, all_queues, shop, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            jobs.import_process_enqueue(7)
            jobs.judge_actions_enqueue([3, 1, 2])
            jobs.rejudge_batch_enqueue(shop.pk)
        assert [job.args for job in all_queues["imports"].jobs] == [(7,)]
        assert [job.func_name.rsplit(".", 1)[1] for job in all_queues["judging"].jobs] == [
            "judge_actions_job",
            "rejudge_batch_job",
        ]

    def test_weekly_reports_go_to_the_reports_queue(
        self, all_queues, shop, django_capture_on_commit_callbacks
    ):
        with (
            mock.patch.object(report_jobs.selectors, "weekly_reports_due") as due,
            django_capture_on_commit_callbacks(execute=True),
        ):
            due.return_value = [(shop, "2026-W47")]
            report_jobs.weekly_reports_due(now=timezone.now())
        assert [job.args for job in all_queues["reports"].jobs] == [(shop.pk, "2026-W47")]


class TestSchedulerLock:
    def make(self, name):
        connection = django_rq.get_connection("default")
        scheduler = ops_worker.LockedCronScheduler(connection=connection, name=name)
        scheduler.lock_seconds = 30
        scheduler.register(
            jobs_for_tests.remember, queue_name="default", args=("a", "b"), interval=60
        )
        return scheduler

    def test_a_second_scheduler_idles_until_the_first_lets_go(self, all_queues):
        connection = django_rq.get_connection("default")
        connection.delete(ops_worker.SCHEDULER_LOCK_KEY)
        first, second = self.make("first"), self.make("second")
        try:
            assert len(first.enqueue_jobs()) == 1
            assert second.enqueue_jobs() == []
            assert all_queues["default"].count == 1
            assert first.lock_hold() is True  # renewing its own lock
            assert 0 < connection.ttl(ops_worker.SCHEDULER_LOCK_KEY) <= 30
            first.lock_release()
            assert len(second.enqueue_jobs()) == 1
            assert first.enqueue_jobs() == []
        finally:
            connection.delete(ops_worker.SCHEDULER_LOCK_KEY)

    def test_it_wakes_up_in_time_to_renew_its_lock(self):
        scheduler = self.make("sleepy")
        scheduler.lock_seconds = 9
        assert scheduler.calculate_sleep_interval() <= 3


@pytest.mark.fault  # issue 12 item 7
class TestWorker:
    def test_waiting_for_redis_backs_off_until_it_answers(self):
        connection = mock.Mock()
        connection.ping.side_effect = [redis.exceptions.ConnectionError("down")] * 3 + [True]
        sleeps = []
        assert ops_worker.redis_wait(connection, stop=lambda: False, sleep=sleeps.append)
        assert sleeps == [1.0, 2.0, 4.0]

    def test_a_worker_that_quit_on_a_redis_error_is_started_again(self):
        workers = []

        def fake_worker(*queues, **kwargs):
            worker = mock.Mock(_shutdown_requested_date=None, connection=mock.Mock())
            worker.work.side_effect = redis.exceptions.ConnectionError("gone")
            workers.append(worker)
            return worker

        with mock.patch.object(ops_worker, "get_worker", side_effect=fake_worker):
            runs = ops_worker.worker_run(queues=["default"], max_restarts=2)
        assert runs == 3
        assert all(w.connection.ping.called for w in workers[:2])

    def test_a_stop_signal_ends_the_loop(self):
        worker = mock.Mock(_shutdown_requested_date=timezone.now())
        with mock.patch.object(ops_worker, "get_worker", return_value=worker):
            assert ops_worker.worker_run(queues=["default"]) == 1

    def test_the_worker_command_runs_every_queue_in_burst_mode(self, all_queues):
        key = "tsuzuku-test:ops-worker"
        all_queues["reports"].enqueue(jobs_for_tests.remember, key, "done")
        call_command("worker", "--burst", verbosity=0)
        assert all_queues["reports"].connection.get(key) == b"done"
        all_queues["reports"].connection.delete(key)


@pytest.mark.fault  # issue 12 item 7
class TestSupervisor:
    def test_a_process_that_exits_is_started_again_and_all_stop_on_sigterm(self, tmp_path):
        marker = tmp_path / "starts"
        child = f"{sys.executable} -c \"open('{marker}', 'a').write('x')\""
        supervisor = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "config.supervise", "--log-dir", str(tmp_path)]
            + ["--process", "short", child],
            stdout=subprocess.PIPE,
            text=True,
            cwd=settings.BASE_DIR,
        )
        deadline = time.monotonic() + 20
        while (
            time.monotonic() < deadline and len(marker.read_text() if marker.exists() else "") < 2
        ):
            time.sleep(0.2)
        supervisor.send_signal(signal.SIGTERM)
        out, _ = supervisor.communicate(timeout=20)
        assert len(marker.read_text()) >= 2
        assert "short: exited with 0" in out
        assert supervisor.returncode == 0


@pytest.mark.django_db
class TestRequestLogs:
    def test_each_request_gets_an_id_and_one_log_line_with_shop_user_and_duration(
        self, client, shop, manager, caplog
    ):
        client.force_login(manager)
        with caplog.at_level(logging.INFO, logger="tsuzuku.request"):
            response = client.get(f"/shops/{shop.slug}/", HTTP_X_REQUEST_ID="req-12345678")
        assert response["X-Request-ID"] == "req-12345678"
        (record,) = [r for r in caplog.records if r.name == "tsuzuku.request"]
        assert (record.status, record.path) == (200, f"/shops/{shop.slug}/")
        assert record.duration_ms >= 0
        RequestContextFilter().filter(record)
        assert (record.request_id, record.shop, record.user) == ("req-12345678", "kobo", "manager1")

    def test_a_made_up_request_id_is_replaced(self, client):
        response = client.get("/healthz/live", HTTP_X_REQUEST_ID="<script>")
        assert len(response["X-Request-ID"]) == 32

    def test_the_json_formatter_writes_one_object_per_line(self):
        from pythonjsonlogger.json import JsonFormatter

        record = logging.LogRecord("tsuzuku.request", logging.INFO, "", 0, "GET / 200", (), None)
        record.request_id, record.duration_ms = "abc", 1.5
        line = JsonFormatter("%(levelname)s %(name)s %(message)s").format(record)
        assert json.loads(line)["request_id"] == "abc"


@pytest.mark.django_db
class TestRqDashboard:
    def test_only_superusers_reach_it(self, client):
        users = get_user_model().objects
        staff = users.create_user("ops", password="x", is_staff=True)
        root = users.create_superuser("root", password="x")
        client.force_login(staff)
        assert client.get("/django-rq/").status_code == 302
        client.force_login(root)
        assert client.get("/django-rq/").status_code == 200


class TestProductionSettings:
    def run_settings(self, **env):
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "tsuzuku.example.com",
            **env,
        }
        code = "import django; django.setup(); from django.conf import settings as s; " + (
            "print(s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']"
            "['CONN_HEALTH_CHECKS'], s.STORAGES['staticfiles']['BACKEND'], s.LOG_FORMAT, "
            "s.MIDDLEWARE[1])"
        )
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            env=environment,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
        )

    def test_sqlite_is_refused_with_a_clear_error(self):
        result = self.run_settings(DATABASE_URL="sqlite:////tmp/x.sqlite3")
        assert result.returncode == 1
        assert "Production needs PostgreSQL: set DATABASE_URL=postgres://" in result.stderr

    def test_postgresql_with_persistent_checked_connections_and_compressed_static(self):
        result = self.run_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [
            "60",
            "True",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
            "json",
            "whitenoise.middleware.WhiteNoiseMiddleware",
        ]


def test_a_web_process_freezes_what_it_loaded_before_serving():
    """config/gunicorn.py's post_worker_init: the URLconf loaded, then frozen out of the
    collector's full collections (they walked ~140,000 objects, 20-35 ms a request)."""
    import gc

    from config import gunicorn

    gc.unfreeze()
    try:
        gunicorn.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count() / 2
    finally:
        gc.unfreeze()
