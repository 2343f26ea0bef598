"""OpenAPI postprocessing: every operation documents the error statuses the API answers.

Views document their own success and specific errors (409 conflict, 413 too large, ...).
Every operation can also answer: 400 (a query, path or body value refused), 401 (no or a
bad token), 403 (a role too low), 404 (no such shop or object, or not a member) and 503
(`busy`: a write still deadlocked after its retries, or the database unavailable; retry
with the same body). This hook adds each one an operation does not declare, with the
contract's error body {"errors": [{"code", "field", "message"}]}.
"""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                },
                "required": ["code", "field", "message"],
            },
        }
    },
    "required": ["errors"],
}

STANDARD_ERRORS = {
    "400": "Invalid input: each error has a code, the field and what to fix.",
    "401": "No credentials, or a token that is unknown or revoked.",
    "403": "The role in the shop is too low (permission_denied).",
    "404": "No such shop or object, or not a member of the shop (not_found).",
    "503": "Busy or unavailable: nothing was stored; retry with the same body.",
}
METHODS = ("get", "post", "put", "patch", "delete")


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the standard errors to every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ApiErrors", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/ApiErrors"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                enum = parameter.get("schema", {}).get("enum")
                if parameter.get("name") == "format" and enum and "" not in enum:
                    # DRF reads an empty ?format= as no format: the default rendering.
                    enum.append("")
            responses = operation.setdefault("responses", {})
            for status, description in STANDARD_ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "content": {"application/json": {"schema": reference}},
                        "description": description,
                    },
                )
    return result
