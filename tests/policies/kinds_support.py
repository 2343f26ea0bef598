"""Builders for the promise-kind tests: the seeds' shop calendar, events and contexts."""

from datetime import datetime
from zoneinfo import ZoneInfo

from policies.calendar import ShopCalendar
from policies.kinds import registry
from policies.kinds.base import Event, History, JudgeContext

TOKYO = ZoneInfo("Asia/Tokyo")

# The shop of the seed articles: closed Saturday and Sunday and on national holidays, a
# lunch break, and the New Year closure (2026-12-29 .. 2027-01-03).
SEED_CALENDAR = ShopCalendar(
    timezone="Asia/Tokyo",
    closed_weekdays=(5, 6),
    holidays="JP",
    business_hours=({"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}),
    closures=(
        {"start": "2026-12-29", "end": "2027-01-03", "label": "New Year", "applies_to": "all"},
    ),
)


def at(text: str) -> datetime:
    """Return "2026-11-20 15:30" as an aware moment in Tokyo time."""
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def event(kind: str, when: str, external_id: str = "", **attributes) -> Event:
    """Return an occasion or action of this kind at this Tokyo time."""
    return Event(
        external_id=external_id or f"{kind}-{when}",
        kind=kind,
        occurred_at=at(when),
        attributes=attributes,
    )


def history(last=None, best=None, count=None, precedents=()) -> History:
    """Return a customer's history with these levels (count 1 when there is a last level)."""
    if count is None:
        count = 0 if last is None else 1
    return History(count=count, last_level=last, best_level=best, precedents=tuple(precedents))


def context(kind_id, *, occasion, action, related=(), params=None, past=None, calendar=None):
    """Return a judge context with the params validated (defaults filled)."""
    return JudgeContext(
        action=action,
        occasion=occasion,
        related=tuple(related),
        params=registry.get(kind_id).validate_params(params or {}),
        calendar=calendar or SEED_CALENDAR,
        history=past or History(),
    )


def judge(kind_id, **kwargs):
    """Return the kind's judgement of the action in a context built from kwargs."""
    return registry.get(kind_id).judge(context(kind_id, **kwargs))


def deadline(kind_id, *, occasion, related=(), params=None, calendar=None):
    """Return the kind's deadline for the occasion."""
    kind = registry.get(kind_id)
    return kind.deadline(
        occasion=occasion,
        related=tuple(related),
        params=kind.validate_params(params or {}),
        calendar=calendar or SEED_CALENDAR,
    )
