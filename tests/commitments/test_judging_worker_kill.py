"""A real RQ worker killed (SIGKILL) in the middle of a re-judge, on PostgreSQL.

The worker runs in its own process group against the test database; it judges one batch
of the marked customers and is killed while it would carry on. After that, one sweep and a
worker started again leave the stored judgements equal to a fresh full derivation.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import django_rq
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from commitments import sweeper
from commitments.judging import marks
from policies.services import promise_edit

from .test_judging_cases import fresh_derivation_equals_stored, note_history

# Fault suite, issue 12 item 2 (`pytest -m fault`).
pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="a worker process needs a database other processes can see (PostgreSQL)",
    ),
]


def worker_process() -> subprocess.Popen:
    """Start `manage.py rqworker default --burst` on the test database and Redis db."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "TEST_REDIS_URL": settings.RQ_QUEUES["default"]["URL"],
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "rqworker", "default", "--burst"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def connections_gone(name: str) -> None:
    """Wait until the killed processes' database sessions are gone (teardown drops the db)."""
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                "pg_backend_pid()",
                [name],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rejudge_is_finished_by_one_sweep(
    shop, log, manager, make_promise, rq_queue, run_worker
):
    promise = make_promise("handwritten_note", {"min_lines": 5})
    for n in range(5):
        note_history(log, f"C-{n}", [9, 10], lines=6 + n)
    promise_edit(
        promise=promise,
        params={"min_lines": 8},
        reason="more lines",
        author=manager,
        effective_from=timezone.now() - timedelta(days=365),
    )
    assert marks.rejudge_progress(shop=shop) == 5
    rq_queue.empty()
    rq_queue.enqueue("tests.jobs_for_tests.rejudge_then_hang", shop.pk, 2, job_timeout=300)
    worker = worker_process()
    key = f"tsuzuku-test-hung-{shop.pk}"
    redis = django_rq.get_connection("default")
    try:
        deadline = time.monotonic() + 90
        while not redis.get(key) and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        horse = redis.get(key)
        assert horse is not None
        # kill -9 the process running the job, and the worker that forked it.
        os.kill(int(horse), signal.SIGKILL)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        redis.delete(key)
    connections_gone(connection.settings_dict["NAME"])
    assert marks.rejudge_progress(shop=shop) == 3

    rq_queue.empty()
    result = sweeper.sweep(now=timezone.now() + timedelta(minutes=10))
    assert result.rejudge_resumed == 1
    run_worker()
    assert marks.rejudge_progress(shop=shop) == 0
    assert fresh_derivation_equals_stored(shop)
