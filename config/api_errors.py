"""Render every API error as {"errors": [{"code", "field", "message"}]} with a stable code."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.db_retry import is_retryable

# DRF's own codes, renamed to the codes the API contract promises.
_CODE_ALIASES = {
    "not_found": "not_found",
    "invalid": "invalid_param",
    "required": "required",
    "null": "required",
    "blank": "required",
    "does_not_exist": "not_found",
    "permission_denied": "not_found",
    # DRF's CharField refuses NUL and lone surrogates; the log's services call it invalid_text.
    "null_characters_not_allowed": "invalid_text",
    "surrogate_characters_not_allowed": "invalid_text",
}


class ApiError(exceptions.APIException):
    """An API error with a stable code, an optional field and an HTTP status."""

    def __init__(self, *, code: str, message: str, field: str | None = None, status_code=400):
        self.status_code = status_code
        self.errors = [{"code": code, "field": field, "message": message}]
        super().__init__(detail=message, code=code)


def flatten_errors(detail, field: str | None = None) -> list[dict]:
    """Return a flat list of {"code", "field", "message"} from a DRF error detail."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                name = field
            else:
                name = f"{field}.{key}" if field else str(key)
            out.extend(flatten_errors(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, str):
                name = f"{field}[{index}]" if field else f"[{index}]"
                out.extend(flatten_errors(value, name))
            else:
                out.extend(flatten_errors(value, field))
        return out
    code = getattr(detail, "code", None) or "invalid_param"
    return [{"code": _CODE_ALIASES.get(code, code), "field": field, "message": str(detail)}]


def django_validation_errors(error: DjangoValidationError) -> list[dict]:
    """Return the API error list for a Django ValidationError raised by a service."""
    if hasattr(error, "error_dict"):
        out = []
        for key, errors in error.error_dict.items():
            name = None if key == "__all__" else key
            for item in errors:
                out.append(
                    {
                        "code": item.code or "invalid_param",
                        "field": (item.params or {}).get("field", name) if item.params else name,
                        "message": " ".join(item.messages),
                    }
                )
        return out
    return [
        {
            "code": item.code or "invalid_param",
            "field": (item.params or {}).get("field") if item.params else None,
            "message": " ".join(item.messages),
        }
        for item in error.error_list
    ]


def exception_handler(exc, context):
    """Return the contract's error body for any exception DRF would handle."""
    if isinstance(exc, DjangoValidationError):
        return Response({"errors": django_validation_errors(exc)}, status=400)
    if isinstance(exc, DatabaseError) and is_retryable(exc):
        # Still deadlocked after config.db_retry's retries: nothing was stored by this
        # request's aborted transaction; the client retries with the same body.
        return Response(
            {
                "errors": [
                    {
                        "code": "busy",
                        "field": None,
                        "message": _(
                            "The database is busy with other writes for this customer; "
                            "send the same request again in a moment."
                        ),
                    }
                ]
            },
            status=503,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        response.data = {"errors": exc.errors}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": flatten_errors(exc.detail)}
    else:
        code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        if not isinstance(code, str):
            code = "error"
        if response.status_code == status.HTTP_404_NOT_FOUND:
            code = "not_found"
        response.data = {"errors": [{"code": code, "field": None, "message": str(exc.detail)}]}
    return response


# ------------------------------------------------------------------------------
# The error body, for the OpenAPI schema of every app
# ------------------------------------------------------------------------------
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)
