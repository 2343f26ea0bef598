"""GET /healthz: is the database and Redis reachable?"""

import django_rq
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Return 200 with each dependency "ok", or 503 naming what is down."""
    result = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        result["database"] = f"down: {error.__class__.__name__}"
    try:
        django_rq.get_connection("default").ping()
        result["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        result["redis"] = f"down: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in result.values())
    return JsonResponse(result, status=200 if healthy else 503)
