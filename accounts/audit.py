"""Record changes to the audit trail (append-only: rows are never updated or deleted)."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditEntry


def _plain(value):
    """Return value as plain JSON data (dates and decimals as strings)."""
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
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        shop=shop,
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        event=event,
        object_type=object_type,
        object_id=str(object_id),
        before=_plain(before),
        after=_plain(after),
    )
    entry.full_clean()
    entry.save()
    return entry


def audit_entries(*, shop, event: str | None = None):
    """Return the shop's audit entries, newest first, optionally of one event."""
    entries = AuditEntry.objects.filter(shop=shop)
    if event:
        entries = entries.filter(event=event)
    return entries.order_by("-created_at", "-id")


def audit_events(*, shop) -> list[str]:
    """Return the event names recorded for the shop, for the filter."""
    return list(
        AuditEntry.objects.filter(shop=shop)
        .order_by("event")
        .values_list("event", flat=True)
        .distinct()
    )


def audit_diff(before: dict | None, after: dict | None) -> list[dict]:
    """Return the fields that differ between before and after, as {"field", "before", "after"}."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        if before == after:
            return []
        return [{"field": "", "before": before, "after": after}]
    changes = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append({"field": key, "before": old, "after": new})
    return changes
