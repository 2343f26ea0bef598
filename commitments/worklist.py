"""Today's worklist: what the staff must do today, from the promises in force and the log.

`worklist_for(shop, now)` answers, for every promise in force now whose kind has a
deadline, the occasions of the last LOOKBACK_DAYS (7; older ones are the sweeper's overdue
findings) still waiting for the kind's action whose
deadline (the kind's `deadline(...)` with the version in force at the occasion, the shop
calendar, and the actions already answering the occasion as `related`) falls before the end
of today: due today, or already late. It adds the orders due to ship that still lack their
handwritten note, the exceptions waiting for a manager, and the open findings of the last
LOOKBACK_DAYS. A constant number of queries: the promises, the calendar, per
occasion kind one query for the waiting occasions (an EXISTS per action kind on the
action's occasion index, bounded by the (shop, kind, occurred_at) index and LIMIT) and one
for their answering actions, then the commitments of the note section's customers, the
exceptions and the findings.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone

from policies.kinds.base import Event, PromiseKind

from .judging import calendar_for, promises_load
from .models import (
    Action,
    ActionException,
    Commitment,
    Customer,
    ExceptionStatus,
    Finding,
    FindingStatus,
    Occasion,
)

LOOKBACK_DAYS = 7
CANDIDATES_MAX = 2000  # waiting occasions read per occasion kind
LISTED_MAX = 200  # items shown per section
LATE_MAX = 50  # late occasions read per promise from before its reach (the most recent)
# Kinds whose deadline counts the inbox's business hours: show what is left of them.
BUSINESS_HOUR_KINDS = {"reply_time", "holiday_replies"}
COUNT_CACHE_SECONDS = 60


@dataclass
class Item:
    occasion: "WaitingOccasion"
    deadline: datetime
    late: bool
    hours_left: float | None = None


@dataclass
class Section:
    promise: object  # policies.models.Promise
    kind: object  # the PromiseKind
    params: dict
    items: list[Item] = field(default_factory=list)
    late_more: int = 0  # late items not listed (beyond LATE_MAX / LISTED_MAX)


@dataclass
class NoteItem:
    occasion: "WaitingOccasion"
    min_lines: int
    customer_last: float | None


@dataclass
class Worklist:
    now: datetime
    today_end: datetime
    sections: list[Section]
    notes: list[NoteItem]
    exceptions: list
    exceptions_count: int
    findings: list
    findings_count: int

    @property
    def count(self) -> int:
        """Return the number of things to do today (the navigation's badge)."""
        return (
            sum(len(section.items) + section.late_more for section in self.sections)
            + len(self.notes)
            + self.exceptions_count
            + self.findings_count
        )


def _event(record) -> Event:
    return Event(
        external_id=record.external_id,
        kind=record.kind,
        occurred_at=record.occurred_at,
        attributes=record.attributes or {},
    )


def _row_event(row) -> Event:
    """Return the Event of a row read by _waiting (pk, external_id, kind, occurred_at, ...)."""
    _pk, external_id, kind, occurred_at, attributes, _customer = row
    return Event(
        external_id=external_id, kind=kind, occurred_at=occurred_at, attributes=attributes or {}
    )


@dataclass(frozen=True)
class WaitingCustomer:
    external_id: str
    name: str


@dataclass(frozen=True)
class WaitingOccasion:
    """An occasion still waiting for an action (read as plain values: no model instances)."""

    pk: int
    external_id: str
    kind: str
    occurred_at: datetime
    attributes: dict
    customer_id: int
    customer: WaitingCustomer


def _waiting(
    *,
    shop,
    kind,
    since: datetime,
    until: datetime | None = None,
    newest_first: bool = False,
    limit: int = CANDIDATES_MAX,
):
    """Return the occasions of the kind's occasion kind in [since, until) lacking its action.

    One query on the (shop, kind, occurred_at) index, bounded by LIMIT, with an EXISTS on the
    action's occasion index (and one for the action the deadline waits for, if any); with
    newest_first, also the query that counts them all. Returns (rows of pk, external_id,
    kind, occurred_at, attributes, customer_id; count or None).
    """
    # The answering actions are looked for in the same window (a day earlier: an action may
    # carry the start of its day as its time), so the database reads recent actions only.
    answered_since = since - timedelta(days=1)

    def answered(action_kind):
        return Exists(
            Action.objects.filter(
                shop=shop,
                occurred_at__gte=answered_since,
                occasion=OuterRef("pk"),
                kind=action_kind,
            )
        )

    query = Occasion.objects.filter(shop=shop, kind=kind.occasion_kind, occurred_at__gte=since)
    if until is not None:
        query = query.filter(occurred_at__lt=until)
    query = query.filter(~answered(kind.action_kind))
    if kind.deadline_after:
        query = query.filter(answered(kind.deadline_after))
    order = ("-occurred_at", "-pk") if newest_first else ("occurred_at", "pk")
    # No join with the customers: the planner hashes the whole table for it; their names
    # are read afterwards for the occasions kept (one query for all promises).
    waiting = list(
        query.order_by(*order).values_list(
            "pk", "external_id", "kind", "occurred_at", "attributes", "customer_id"
        )[:limit]
    )
    count = None
    if newest_first:
        count = len(waiting) if len(waiting) < limit else query.count()
    return waiting, count


def _has_deadline(kind) -> bool:
    """Return whether the kind ever has a deadline (it overrides PromiseKind.deadline)."""
    return type(kind).deadline is not PromiseKind.deadline


def _applies_to_all(kind) -> bool:
    """Return whether the kind applies to every occasion of its occasion kind."""
    return type(kind).applies is PromiseKind.applies


def _reach(item, *, now, calendar, today, since) -> datetime | None:
    """Return when the promise's occasions can still fall due today (None: the whole window).

    Every waiting occasion before the reach that the promise applies to is late already.
    """
    kind = item.kind
    version = item.in_force(now)
    if version is None or item.in_force(since) != version:
        return None  # the promise changed within the window: its deadlines are read in full
    reach = kind.deadline_reach(params=item.params(version), calendar=calendar, day=today)
    if reach is None:
        return None
    return reach if reach > since else None


def worklist_for(*, shop, now: datetime | None = None) -> Worklist:
    """Return what is due today (and already late) in the shop."""
    now = now or timezone.now()
    calendar = calendar_for(shop)
    today = calendar.local(now).date()
    today_end = calendar.end_of_day(today)
    since = now - timedelta(days=LOOKBACK_DAYS)
    loaded = [
        item
        for item in promises_load(shop=shop)
        if item.in_force(now) is not None and item.kind.action_kind
    ]
    timed = [item for item in loaded if _has_deadline(item.kind)]

    # Per promise: the occasions that can fall due today or later (deadlines computed), and
    # those before the kind's reach, all late already (the most recent LATE_MAX, counted).
    plan = []
    for item in timed:
        reach = _reach(item, now=now, calendar=calendar, today=today, since=since)
        current, _none = _waiting(shop=shop, kind=item.kind, since=reach or since)
        late, late_count = [], 0
        if reach is not None and _applies_to_all(item.kind):
            late, late_count = _waiting(
                shop=shop,
                kind=item.kind,
                since=since,
                until=reach,
                newest_first=True,
                limit=LATE_MAX,
            )
        elif reach is not None:
            # The kind applies to some occasions only (a closed day's inquiry, a low rating):
            # the late ones it applies to are picked from those read (up to CANDIDATES_MAX).
            rows, _count = _waiting(
                shop=shop, kind=item.kind, since=since, until=reach, newest_first=True
            )
            params = item.params(item.in_force(now))
            applying = [
                row
                for row in rows
                if item.kind.applies(occasion=_row_event(row), params=params, calendar=calendar)
            ]
            late, late_count = applying[:LATE_MAX], len(applying)
        plan.append((item, current, late, late_count))
    rows = [row for _item, current, late, _n in plan for row in (*current, *late)]
    customers = {
        pk: WaitingCustomer(external_id, name)
        for pk, external_id, name in Customer.objects.filter(
            pk__in=sorted({row[5] for row in rows})
        ).values_list("pk", "external_id", "name")
    }
    occasions = {
        pk: WaitingOccasion(pk, ext, k, at, attributes or {}, cid, customers[cid])
        for pk, ext, k, at, attributes, cid in rows
    }
    plan = [
        (
            item,
            [occasions[row[0]] for row in current],
            [occasions[row[0]] for row in late],
            late_count,
        )
        for item, current, late, late_count in plan
    ]
    related = defaultdict(list)
    pks = set(occasions)
    if pks:
        answering = Action.objects.filter(occasion_id__in=sorted(pks)).values_list(
            "occasion_id", "external_id", "kind", "occurred_at", "attributes"
        )
        for occasion_id, external_id, kind, occurred_at, attributes in answering:
            related[occasion_id].append(
                Event(
                    external_id=external_id,
                    kind=kind,
                    occurred_at=occurred_at,
                    attributes=attributes or {},
                )
            )

    sections: list[Section] = []
    ship_due: list[WaitingOccasion] = []
    for item, current, late, late_count in plan:
        section = Section(
            promise=item.promise, kind=item.kind, params=item.params(item.in_force(now))
        )
        for occasion in (*late, *current):
            version = item.in_force(occasion.occurred_at) or item.in_force(now)
            params = item.params(version)
            event = _event(occasion)
            if not item.kind.applies(occasion=event, params=params, calendar=calendar):
                continue
            deadline = item.kind.deadline(
                occasion=event,
                related=tuple(related[occasion.pk]),
                params=params,
                calendar=calendar,
            )
            if deadline is None or deadline > today_end:
                continue
            entry = Item(occasion=occasion, deadline=deadline, late=deadline <= now)
            if item.kind.id in BUSINESS_HOUR_KINDS and not entry.late:
                entry.hours_left = round(calendar.business_hours_between(now, deadline), 1)
            section.items.append(entry)
        # The late occasions before the reach that are not listed (beyond LATE_MAX).
        section.late_more = late_count - len(late)
        if section.items or section.late_more:
            section.items.sort(key=lambda entry: (entry.deadline, entry.occasion.pk))
            if item.kind.action_kind == "shipped":
                ship_due += [entry.occasion for entry in section.items]
            shown = section.items[:LISTED_MAX]
            section.late_more += len(section.items) - len(shown)
            section.items = shown
            sections.append(section)
    sections.sort(key=lambda section: (section.kind.action_kind, section.promise.pk))
    notes = _notes(shop=shop, loaded=loaded, orders=ship_due, now=now)

    exceptions_qs = ActionException.objects.filter(
        action__shop=shop, status=ExceptionStatus.REQUESTED
    )
    findings_qs = Finding.objects.filter(
        shop=shop, status=FindingStatus.OPEN, excused=False, occurred_at__gte=since
    )
    return Worklist(
        now=now,
        today_end=today_end,
        sections=sections,
        notes=notes,
        exceptions=list(
            exceptions_qs.select_related("action__customer").order_by("created_at")[:LISTED_MAX]
        ),
        exceptions_count=exceptions_qs.count(),
        findings=list(
            findings_qs.select_related("customer", "promise", "action", "occasion").order_by(
                "-occurred_at", "-pk"
            )[:LISTED_MAX]
        ),
        findings_count=findings_qs.count(),
    )


def _notes(*, shop, loaded, orders: list[WaitingOccasion], now) -> list[NoteItem]:
    """Return the orders due to ship that a note promise covers and that have no note yet."""
    notes = [item for item in loaded if item.kind.id == "handwritten_note"]
    if not notes or not orders:
        return []
    promise = notes[0]
    written = set(
        Action.objects.filter(
            occasion_id__in=[o.pk for o in orders], kind=promise.kind.action_kind
        ).values_list("occasion_id", flat=True)
    )
    waiting = list({o.pk: o for o in orders if o.pk not in written}.values())
    last = dict(
        Commitment.objects.filter(
            promise=promise.promise, customer_id__in=[o.customer_id for o in waiting]
        ).values_list("customer_id", "last_level")
    )
    params = promise.params(promise.in_force(now))
    return [
        NoteItem(occasion=o, min_lines=params["min_lines"], customer_last=last.get(o.customer_id))
        for o in waiting[:LISTED_MAX]
    ]


def _count_key(shop) -> str:
    return f"worklist-count:{shop.pk}"


def worklist_count(*, shop) -> int:
    """Return the number of things to do today, cached a minute (the navigation's badge)."""
    count = cache.get(_count_key(shop))
    if count is None:
        count = worklist_for(shop=shop).count
        cache.set(_count_key(shop), count, COUNT_CACHE_SECONDS)
    return count


def worklist_count_remember(*, shop, worklist: Worklist) -> None:
    """Cache the count of a worklist just built (the page's badge need not build it again)."""
    cache.set(_count_key(shop), worklist.count, COUNT_CACHE_SECONDS)
