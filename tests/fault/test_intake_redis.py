"""Fault suite, issue 12 items 4 and 6 with Redis gone: a CSV import completes and is judged
later.

Redis is a redis-server of this test's own on 127.0.0.1:FAULT_REDIS_PORT (default 6395),
stopped in the middle: the import still stores every row (its judging jobs cannot be
queued, which is logged), and once Redis is back one sweep re-queues the unjudged actions
and a worker judges them.
"""

import io
import os
import shutil
import socket
import subprocess
import time
from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone
from rq import SimpleWorker

from commitments import sweeper
from commitments.imports import import_run
from commitments.models import Action, Import, ImportStatus
from tests.commitments.import_support import action, csv_bytes, order

pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]

PORT = int(os.environ.get("FAULT_REDIS_PORT", "6395"))


def _wait(up: bool) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise AssertionError(f"redis-server on port {PORT} did not {'start' if up else 'stop'}")


class RedisServer:
    """A redis-server of this test only, started and stopped at will."""

    def __init__(self):
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                shutil.which("redis-server"),
                "--port",
                str(PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait(up=True)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
            _wait(up=False)


@pytest.fixture
def redis_server(settings):
    server = RedisServer()
    server.start()
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{PORT}/0", "DEFAULT_TIMEOUT": 600}}
    yield server
    server.stop()


def _import(shop, rows) -> Import:
    data = csv_bytes(rows)
    imp = Import.objects.create(shop=shop, filename="t.csv", size=len(data))
    return import_run(imp=imp, stream=io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_an_import_with_redis_stopped_completes_and_is_judged_after_one_sweep(shop, redis_server):
    queue = django_rq.get_queue("default")
    first = _import(shop, [order("O-1"), action("note_enclosed", "A-1", lines="12")])
    assert (first.status, first.stored, queue.count) == (ImportStatus.DONE, 2, 1)

    redis_server.stop()
    second = _import(
        shop,
        [order("O-2", customer="C-2"), action("note_enclosed", "A-2", "O-2", "C-2", lines="3")],
    )
    assert (second.status, second.stored, second.rejected) == (ImportStatus.DONE, 2, 0)
    assert Action.objects.get(external_id="A-2").judged_at is None

    redis_server.start()
    queue = django_rq.get_queue("default")
    queue.empty()  # the server started empty; nothing of the first import is left either
    result = sweeper.sweep(now=timezone.now() + timedelta(minutes=3))
    assert result.requeued_actions == 2
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert Action.objects.filter(unjudged__isnull=False).count() == 0
