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


def audit_entries(
    *,
    shop,
    event: str | None = None,
    actor: str | None = None,
    since=None,
    until=None,
):
    """Return the shop's audit entries, newest first, filtered by event, who (username) and
    time (since <= created_at < until). The API tokens of the shop's members (recorded
    without a shop) are part of it."""
    from django.db.models import Q

    entries = AuditEntry.objects.filter(
        Q(shop=shop) | Q(shop__isnull=True, actor__memberships__shop=shop)
    ).distinct()
    if event:
        entries = entries.filter(event=event)
    if actor:
        entries = entries.filter(actor_username=actor)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries.order_by("-created_at", "-id")


def audit_actors(*, shop) -> list[str]:
    """Return the usernames that appear in the shop's audit trail, for the filter."""
    return list(
        AuditEntry.objects.filter(shop=shop)
        .exclude(actor_username="")
        .order_by("actor_username")
        .values_list("actor_username", flat=True)
        .distinct()
    )


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
