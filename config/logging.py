"""Structured request logs: a request id on every log line, one line per request.

`RequestContextMiddleware` gives each request an id (the incoming `X-Request-ID` when it is a
plausible one, else a new one), answers it in the `X-Request-ID` header and, when the
response is ready, logs one `request` line with the method, path, status, shop, user and
duration. `RequestContextFilter` adds the request id, shop and user to every log record
written while the request runs, so a JSON log line can be traced back to its request.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

logger = logging.getLogger("tsuzuku.request")

_context: ContextVar[dict | None] = ContextVar("tsuzuku_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_context() -> dict:
    """Return the current request's id, shop and user (empty outside a request)."""
    return _context.get() or {}


class RequestContextFilter(logging.Filter):
    """Add request_id, shop and user of the current request to every log record."""

    def filter(self, record):
        for key, value in request_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class RequestContextMiddleware:
    """Give each request an id and log one line per request with its duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        context = {"request_id": request_id}
        token = _context.set(context)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            if match is not None and match.kwargs.get("shop"):
                context["shop"] = match.kwargs["shop"]
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                context["user"] = user.get_username()
            response["X-Request-ID"] = request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _context.reset(token)
