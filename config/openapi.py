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

# Which registry each kind-like property's values come from: (schema, property) -> source.
# Computed when the schema is generated (after policies.kinds imported every kind module),
# so a kind registered by its own module is in the enums without a line here.
KIND_ENUMS = {
    ("OccasionIn", "kind"): "occasion",
    ("OccasionOut", "kind"): "occasion",
    ("ActionIn", "kind"): "action",
    ("ActionOut", "kind"): "action",
    ("PrecheckIn", "kind"): "action",
    ("PromiseKindOutput", "occasion_kind"): "occasion",
    ("PromiseKindOutput", "action_kind"): "action",
    ("PromiseKindOutput", "level_unit"): "unit",
    ("PromiseKindOutput", "id"): "promise",
    ("PromiseCreateInput", "kind"): "promise",
    ("PromiseOutput", "kind"): "promise",
    ("PromiseRef", "kind"): "promise",
    ("PromiseSummary", "kind"): "promise",
    ("PrecheckPromise", "kind"): "promise",
    ("CommitmentOut", "kind"): "promise",
    ("ExceptionIn", "reason"): "reason",
    ("ExceptionOut", "reason"): "reason",
}


def kind_values(source: str) -> list[str]:
    """Return the registered values of one source (occasion, action, unit, promise, reason)."""
    from policies import vocabulary
    from policies.kinds import registry

    if source in vocabulary.RECORDS:
        return list(vocabulary.record_kinds(source))
    if source == "unit":
        return sorted({kind.level_unit for kind in registry.all()})
    if source == "promise":
        return registry.ids()
    return list(vocabulary.ExceptionReason.values)


def add_kind_enums(result, generator, request, public):
    """drf-spectacular postprocessing hook: the kinds' enums, from the registries."""
    schemas = result.get("components", {}).get("schemas", {})
    for (schema, prop), source in KIND_ENUMS.items():
        field = schemas.get(schema, {}).get("properties", {}).get(prop)
        if field is not None and field.get("type") == "string":
            field["enum"] = kind_values(source)
    return result


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
