"""Record changes to the audit trail (append-only: rows are never updated or deleted)."""

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditEntry


def _plain(value):
    """Return value as plain JSON data (dates and decimals as strings)."""
    import json

    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_record(
    *,
    shop,
    actor,
    event: str,
    object_type: str,
    object_id,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Record who did what to which object, with the state before and after."""
    entry = AuditEntry(
        shop=shop,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        event=event,
        object_type=object_type,
        object_id=str(object_id),
        before=_plain(before),
        after=_plain(after),
    )
    entry.full_clean()
    entry.save()
    return entry
