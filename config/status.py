"""What an operator asks first: database and Redis up, queue depths, judging backlog."""

import django_rq
from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from commitments.models import UnjudgedAction


def _down(error: Exception) -> str:
    return f"down: {error.__class__.__name__}"


def system_status() -> dict:
    """Return the status of the database, Redis and the queues, never raising.

    "status" is "ok", "degraded" (Redis down: data is still accepted, judging waits) or
    "down" (no database). "queues" maps each queue to its waiting jobs (None without Redis);
    "oldest_unjudged_seconds" is how long the oldest action waiting has waited to be judged
    (since it was stored or linked to its occasion; None:
    every action is judged, or the database is down).
    """
    result: dict = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result["database"] = "ok"
        oldest = UnjudgedAction.objects.aggregate(at=Min("since"))
        result["oldest_unjudged_seconds"] = (
            None
            if oldest["at"] is None
            else round((timezone.now() - oldest["at"]).total_seconds(), 1)
        )
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        result["database"] = _down(error)
        result["oldest_unjudged_seconds"] = None
        result["status"] = "down"
    queues: dict[str, int | None] = dict.fromkeys(settings.RQ_QUEUES)
    try:
        django_rq.get_connection("default").ping()
        result["redis"] = "ok"
        for name in queues:
            queues[name] = django_rq.get_queue(name).count
    except Exception as error:  # noqa: BLE001
        result["redis"] = _down(error)
        if result["status"] == "ok":
            result["status"] = "degraded"
    result["queues"] = queues
    return result
