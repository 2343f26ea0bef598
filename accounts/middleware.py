"""Request-wide security: the CSP header, the cap on request bodies, the client's address."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Multipart framing around an uploaded file is not part of the file.
MULTIPART_OVERHEAD = 64 * 1024


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """Set the policy of settings.CONTENT_SECURITY_POLICY on every page, the API docs too.

    Swagger UI's files come from the project (drf-spectacular-sidecar): no third party.
    """


def body_limit(request) -> int | None:
    """Return the largest body this request may have, in bytes (None: no limit)."""
    if request.content_type == "multipart/form-data":
        return settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_response(request, limit: int | None):
    """Return the 413 answer: the API's error body, or a page for the web UI."""
    message = _("The request is too large: the limit is %(limit)s bytes.") % {"limit": limit}
    if request.path_info.startswith("/api/"):
        error = {"code": "too_large", "field": None, "message": message}
        return JsonResponse({"errors": [error]}, status=413)
    return render(request, "accounts/too_large.html", {"message": message}, status=413)


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is over the limit before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if limit is not None and length > limit:
            return too_large_response(request, limit)
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Django's own check on form bodies (DATA_UPLOAD_MAX_MEMORY_SIZE) answers the same way.
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None


def client_ip(request) -> str | None:
    """Return the client's address, behind settings.TRUSTED_PROXY_COUNT reverse proxies."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
