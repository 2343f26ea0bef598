"""Health for load balancers and operators: /healthz/live, /healthz/ready (and /healthz).

- live: the process answers; it touches nothing else, so a slow database never gets a web
  process restarted.
- ready: the database is required (503 without it). Redis is reported but not fatal: the
  API keeps accepting data without it and the sweeper judges later, so a Redis outage must
  not take every web process out of the load balancer ("status": "degraded", still 200).
  With them, the jobs waiting per queue and the age of the oldest unjudged action.
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .status import system_status


@never_cache
def live(request):
    """Return 200 while the process can answer at all."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """Return 200 when the database answers (Redis reported), 503 when it does not."""
    status = system_status()
    return JsonResponse(status, status=503 if status["database"] != "ok" else 200)
