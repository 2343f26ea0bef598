"""The pure walk: checks, findings and commitments a log implies. Makes no queries.

For each customer and promise the walk goes through the actions the promise's kind judges
in (occurred_at, external_id) order, folding the customer's History, and judges each action
with the promise version in force at its time (policies.versions). An action dated before
the promise's first version took effect is experience all the same: it is measured with the
first version's parameters and counts toward the commitment (last, best, count,
precedents), but it gets no Check and no finding: no promise was in force to keep.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder

from policies.calendar import ShopCalendar
from policies.kinds.base import Event, History, JudgeContext

from ..models import ExceptionReason, ExceptionStatus
from .load import LoadedPromise, LoggedAction
from .public import raise_expectation

# Excused for these reasons, an action leaves the customer's experienced level alone.
QUIET_REASONS = frozenset({ExceptionReason.OUR_MISTAKE, ExceptionReason.DEADLINE})
DEFAULT_EXCUSED_REASONS = (ExceptionReason.OUR_MISTAKE.value, ExceptionReason.DEADLINE.value)


@dataclass(frozen=True)
class CheckRow:
    """A derived check: keyed by (action external id, promise id)."""

    action: LoggedAction
    promise_id: int
    promise_version_id: int
    level: float | None
    kept: bool


@dataclass(frozen=True)
class FindingRow:
    """A derived finding: keyed by (action external id, promise id, type)."""

    action: LoggedAction
    promise_id: int
    promise_version_id: int
    type: str
    excused: bool
    message_ja: str
    message_en: str
    details: dict


@dataclass(frozen=True)
class CommitmentRow:
    """A derived commitment: keyed by (customer id, promise id)."""

    customer_id: int
    promise_id: int
    last_level: float | None
    best_level: float | None
    count: int
    first_at: datetime
    last_at: datetime
    precedents: list


@dataclass
class Derivation:
    """Everything the walk derived for a set of customers."""

    checks: dict = field(default_factory=dict)
    findings: dict = field(default_factory=dict)
    commitments: dict = field(default_factory=dict)


def plain(value):
    """Return JSON-ready data exactly as it will read back from a JSON column.

    What a JSON round trip (`json.dumps(sort_keys=True)` then `json.loads`) returns: dicts
    with their keys sorted, lists for tuples, plain str/int/float/bool/None. Values of
    exactly those types are copied without the round trip (most of a finding's details);
    anything else (a lazy translation, a date, a str subclass, a key that is not a str)
    takes it.
    """
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict and all(type(key) is str for key in value):
        return {key: plain(value[key]) for key in sorted(value)}
    if kind is list or kind is tuple:
        return [plain(item) for item in value]
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def event_of(record) -> Event:
    """Return an occasion or action (model instance or loaded row) as the judge sees it."""
    return Event(
        external_id=record.external_id,
        kind=record.kind,
        occurred_at=record.occurred_at,
        attributes=dict(record.attributes or {}),
    )


def is_excused(action, params: dict) -> bool:
    """Return whether the action's exception excuses its findings under these params."""
    exception = action.exception
    if exception is None or exception.status == ExceptionStatus.REJECTED:
        return False
    if exception.status == ExceptionStatus.APPROVED:
        return True
    return exception.reason in params.get("excused_reasons", DEFAULT_EXCUSED_REASONS)


def _sort_key(action):
    return (action.occurred_at, action.external_id)


def derive(
    *,
    actions: Iterable[LoggedAction],
    occasions: dict,
    promises: list[LoadedPromise],
    calendar: ShopCalendar,
    resume: dict | None = None,
    public: dict | None = None,
) -> Derivation:
    """Return the checks, findings and commitments the log implies. Makes no queries.

    `actions` are all the actions of the customers concerned (exceptions loaded);
    `occasions` maps occasion id to the occasions they answer. `resume` maps (customer id,
    promise id) to the stored Commitment the walk starts from (the pre-check of a new latest
    action): then only the unsaved action (id None) is judged, the stored ones in `actions`
    are the context judges see as `related`. `public` maps promise id to the shop's public
    precedents (judging/public.py; load.public_load).
    """
    result = Derivation()
    by_customer: dict = defaultdict(list)
    for action in actions:
        by_customer[action.customer_id].append(action)
    # The occasions as judges see them, made once and shared by the promises (as the
    # actions' events are).
    occasion_events: dict = {}
    for customer_id, mine in by_customer.items():
        mine.sort(key=_sort_key)
        events = {action.external_id: event_of(action) for action in mine}
        answering: dict[str, list] = defaultdict(list)
        of_kind: dict[str, list] = defaultdict(list)
        for action in mine:
            of_kind[action.kind].append(action)
            if action.occasion_external_id:
                answering[action.occasion_external_id].append(action)
        for loaded in promises:
            judged = of_kind.get(loaded.kind.action_kind, [])
            if resume is not None:
                # Resumed: the stored actions are folded into the commitments it starts
                # from; they are only what judges see as `related`. Only the new (unsaved)
                # action is judged.
                judged = [a for a in judged if a.id is None]
            start = (resume or {}).get((customer_id, loaded.promise.pk))
            if not judged and start is None:
                continue  # nothing to walk: no row either way
            walk(
                result=result,
                customer_id=customer_id,
                actions=judged,
                events=events,
                answering=answering,
                occasions=occasions,
                loaded=loaded,
                calendar=calendar,
                start=start,
                public=(public or {}).get(loaded.promise.pk, ()),
                occasion_events=occasion_events,
            )
    return result


def walk(
    *,
    result,
    customer_id,
    actions,
    events,
    answering,
    occasions,
    loaded,
    calendar,
    start,
    public=(),
    occasion_events=None,
):
    """Walk one customer's actions for one promise, adding what they imply to `result`.

    `occasion_events`: occasion id to its Event, filled as the occasions are met (shared
    by the walks of one derivation)."""
    if occasion_events is None:
        occasion_events = {}
    kind = loaded.kind
    promise_id = loaded.promise.pk
    history = History()
    first_at = last_at = None
    if start is not None:
        history = History(
            count=start.count,
            last_level=start.last_level,
            best_level=start.best_level,
            precedents=tuple(start.precedents),
        )
        first_at, last_at = start.first_at, start.last_at
    for action in actions:
        version, in_force = loaded.measuring(action.occurred_at)
        if version is None:
            continue
        params = loaded.params(version)
        occasion = None
        if action.occasion_id:
            occasion = occasion_events.get(action.occasion_id)
            if occasion is None and action.occasion_id in occasions:
                occasion = occasion_events[action.occasion_id] = event_of(
                    occasions[action.occasion_id]
                )
        related = tuple(
            events[other.external_id]
            for other in answering.get(action.occasion_external_id, ())
            if other.external_id != action.external_id
        )
        context = JudgeContext(
            action=events[action.external_id],
            occasion=occasion,
            related=related,
            params=params,
            calendar=calendar,
            history=history,
        )
        judgement = kind.judge(context)
        if public and in_force:
            # The shop's public precedents raise every customer's expectation (public.py).
            judgement = raise_expectation(
                kind=kind,
                ctx=context,
                judgement=judgement,
                public=public,
                moment=action.occurred_at,
            )
        if judgement is None:
            continue
        excused = is_excused(action, params)
        if in_force:
            result.checks[(action.external_id, promise_id)] = CheckRow(
                action=action,
                promise_id=promise_id,
                promise_version_id=version.id,
                level=None if judgement.level is None else float(judgement.level),
                kept=bool(judgement.kept),
            )
            for verdict in judgement.verdicts:
                key = (action.external_id, promise_id, verdict.type)
                # One finding per (action, promise, type): the first verdict of a type wins.
                result.findings.setdefault(
                    key,
                    FindingRow(
                        action=action,
                        promise_id=promise_id,
                        promise_version_id=version.id,
                        type=verdict.type,
                        excused=excused,
                        message_ja=str(verdict.message_ja),
                        message_en=str(verdict.message_en),
                        details=plain(verdict.details or {}),
                    ),
                )
        last_level, best_level, precedents = (
            history.last_level,
            history.best_level,
            history.precedents,
        )
        quiet = excused and action.exception.reason in QUIET_REASONS
        if not quiet:
            if judgement.level is not None:
                last_level = float(judgement.level)
                if kind.is_better(last_level, best_level):
                    best_level = last_level
            if judgement.precedent:
                remembered = {
                    "action": action.external_id,
                    "at": calendar.local(action.occurred_at).isoformat(),
                    **judgement.precedent,
                }
                precedents = (*precedents, plain(remembered))
        history = History(
            count=history.count + 1,
            last_level=last_level,
            best_level=best_level,
            precedents=precedents,
        )
        first_at = first_at or action.occurred_at
        last_at = action.occurred_at
    if history.count:
        result.commitments[(customer_id, promise_id)] = CommitmentRow(
            customer_id=customer_id,
            promise_id=promise_id,
            last_level=history.last_level,
            best_level=history.best_level,
            count=history.count,
            first_at=first_at,
            last_at=last_at,
            precedents=list(history.precedents),
        )
