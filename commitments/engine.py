"""Judging: re-derive checks, findings and commitments of customers from the log.

Findings are a pure function of the data: for each customer and promise the engine walks
the actions the promise's kind judges in (occurred_at, external_id) order, folding the
customer's History, and judges each action with the promise version in force at its time.
`derive()` is that walk (no queries; the pre-check reuses it). `judge_customers()` loads a
batch of customers in a constant number of queries, derives, and reconciles the result with
the stored Check, Finding (breach/drift/precedent; overdue findings belong to the sweeper)
and Commitment rows: unchanged rows keep their id and status, changed ones are updated, gone
ones deleted.
"""

import bisect
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from policies.calendar import ShopCalendar
from policies.kinds import registry
from policies.kinds.base import Event, History, JudgeContext, PromiseKind
from policies.models import Promise, PromiseVersion, Shop
from policies.selectors import promise_versions_for_shop

from .maintenance import column_in_array
from .models import (
    Action,
    Check,
    Commitment,
    Customer,
    ExceptionReason,
    ExceptionStatus,
    Finding,
    FindingType,
    Occasion,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Excused for these reasons, an action leaves the customer's experienced level alone.
QUIET_REASONS = frozenset({ExceptionReason.OUR_MISTAKE, ExceptionReason.DEADLINE})
DEFAULT_EXCUSED_REASONS = (ExceptionReason.OUR_MISTAKE.value, ExceptionReason.DEADLINE.value)
JUDGED_TYPES = (FindingType.BREACH, FindingType.DRIFT, FindingType.PRECEDENT)


# ------------------------------------------------------------------------------
# Promises as the walk sees them
# ------------------------------------------------------------------------------
@dataclass
class LoadedPromise:
    """A promise with its kind and all its versions, ordered by effective time."""

    promise: Promise
    kind: PromiseKind
    versions: list[PromiseVersion]
    _starts: list = field(default_factory=list, repr=False)
    _params: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.versions = sorted(self.versions, key=lambda v: (v.effective_from, v.number))
        self._starts = [v.effective_from for v in self.versions]

    def version_at(self, moment: datetime) -> PromiseVersion | None:
        """Return the version in force at the moment, or None (not yet, or retired).

        The rule of policies.selectors.version_in_force: the latest effective_from <= moment,
        the higher number on a tie; none from the moment the promise is retired.
        """
        retired_at = self.promise.retired_at
        if retired_at is not None and moment >= retired_at:
            return None
        index = bisect.bisect_right(self._starts, moment)
        return self.versions[index - 1] if index else None

    def params(self, version: PromiseVersion) -> dict:
        """Return the version's parameters with the kind's defaults filled."""
        if version.pk not in self._params:
            try:
                self._params[version.pk] = self.kind.validate_params(version.params)
            except Exception:  # noqa: BLE001 - a stored version is judged as stored
                logger.warning("Promise version %s has parameters its kind rejects", version.pk)
                self._params[version.pk] = dict(version.params)
        return self._params[version.pk]


def promises_load(*, shop) -> list[LoadedPromise]:
    """Return the shop's promises (retired ones too) with all their versions, in one query."""
    loaded = []
    for versions in promise_versions_for_shop(shop=shop).values():
        promise = versions[0].promise
        if promise.kind not in registry.default_registry:
            logger.warning("Promise %s has unknown kind %r; not judged", promise.pk, promise.kind)
            continue
        loaded.append(
            LoadedPromise(promise=promise, kind=registry.get(promise.kind), versions=versions)
        )
    return sorted(loaded, key=lambda item: item.promise.pk)


# ------------------------------------------------------------------------------
# The pure walk
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckRow:
    """A derived check: keyed by (action external id, promise id)."""

    action: Action
    promise_id: int
    promise_version_id: int
    level: float | None
    kept: bool


@dataclass(frozen=True)
class FindingRow:
    """A derived finding: keyed by (action external id, promise id, type)."""

    action: Action
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
    histories: dict = field(default_factory=dict)


def _plain(value):
    """Return JSON-ready data exactly as it will read back from a JSON column."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def event_of(record) -> Event:
    """Return an occasion or action as the judge sees it."""
    return Event(
        external_id=record.external_id,
        kind=record.kind,
        occurred_at=record.occurred_at,
        attributes=dict(record.attributes or {}),
    )


def is_excused(action: Action, params: dict) -> bool:
    """Return whether the action's exception excuses its findings under these params."""
    exception = _exception_of(action)
    if exception is None or exception.status == ExceptionStatus.REJECTED:
        return False
    if exception.status == ExceptionStatus.APPROVED:
        return True
    return exception.reason in params.get("excused_reasons", DEFAULT_EXCUSED_REASONS)


def _exception_of(action: Action):
    try:
        return action.exception
    except Action.exception.RelatedObjectDoesNotExist:
        return None


def _sort_key(action: Action):
    return (action.occurred_at, action.external_id)


def derive(
    *,
    actions: Iterable[Action],
    occasions: dict,
    promises: list[LoadedPromise],
    calendar: ShopCalendar,
    resume: dict | None = None,
) -> Derivation:
    """Return the checks, findings and commitments the log implies. Makes no queries.

    `actions` are all the actions of the customers concerned (with `exception` loaded);
    `occasions` maps occasion id to Occasion for the occasions they answer. `resume` maps
    (customer id, promise id) to the stored Commitment the walk starts from, when `actions`
    holds only what comes after it (the pre-check of a new latest action).
    """
    result = Derivation()
    by_customer: dict[int, list[Action]] = defaultdict(list)
    for action in actions:
        by_customer[action.customer_id].append(action)
    for customer_id, mine in by_customer.items():
        mine.sort(key=_sort_key)
        events = {action.external_id: event_of(action) for action in mine}
        answering: dict[str, list[Action]] = defaultdict(list)
        for action in mine:
            if action.occasion_external_id:
                answering[action.occasion_external_id].append(action)
        for loaded in promises:
            _walk(
                result=result,
                customer_id=customer_id,
                actions=[a for a in mine if a.kind == loaded.kind.action_kind],
                events=events,
                answering=answering,
                occasions=occasions,
                loaded=loaded,
                calendar=calendar,
                start=(resume or {}).get((customer_id, loaded.promise.pk)),
            )
    return result


def _walk(
    *, result, customer_id, actions, events, answering, occasions, loaded, calendar, start=None
):
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
        version = loaded.version_at(action.occurred_at)
        if version is None:
            continue
        params = loaded.params(version)
        occasion = occasions.get(action.occasion_id) if action.occasion_id else None
        related = tuple(
            events[other.external_id]
            for other in answering.get(action.occasion_external_id, ())
            if other.external_id != action.external_id
        )
        judgement = kind.judge(
            JudgeContext(
                action=events[action.external_id],
                occasion=event_of(occasion) if occasion is not None else None,
                related=related,
                params=params,
                calendar=calendar,
                history=history,
            )
        )
        if judgement is None:
            continue
        excused = is_excused(action, params)
        result.checks[(action.external_id, promise_id)] = CheckRow(
            action=action,
            promise_id=promise_id,
            promise_version_id=version.pk,
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
                    promise_version_id=version.pk,
                    type=verdict.type,
                    excused=excused,
                    message_ja=str(verdict.message_ja),
                    message_en=str(verdict.message_en),
                    details=_plain(verdict.details or {}),
                ),
            )
        last_level, best_level, precedents = (
            history.last_level,
            history.best_level,
            history.precedents,
        )
        quiet = excused and _exception_of(action).reason in QUIET_REASONS
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
                precedents = (*precedents, _plain(remembered))
        history = History(
            count=history.count + 1,
            last_level=last_level,
            best_level=best_level,
            precedents=precedents,
        )
        first_at = first_at or action.occurred_at
        last_at = action.occurred_at
    if history.count:
        result.histories[(customer_id, promise_id)] = history
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


# ------------------------------------------------------------------------------
# Loading and reconciling a batch of customers
# ------------------------------------------------------------------------------
@dataclass
class JudgeResult:
    """What one judging run changed."""

    customers: int = 0
    actions: int = 0
    created: dict = field(default_factory=lambda: {"check": 0, "finding": 0, "commitment": 0})
    updated: dict = field(default_factory=lambda: {"check": 0, "finding": 0, "commitment": 0})
    deleted: dict = field(default_factory=lambda: {"check": 0, "finding": 0, "commitment": 0})

    def add(self, other: "JudgeResult") -> "JudgeResult":
        """Return self with another run's counts added."""
        self.customers += other.customers
        self.actions += other.actions
        for mine, theirs in (
            (self.created, other.created),
            (self.updated, other.updated),
            (self.deleted, other.deleted),
        ):
            for key, value in theirs.items():
                mine[key] += value
        return self


def _delete(model, ids: list[int]) -> int:
    deleted = 0
    size = _id_chunk()
    for start in range(0, len(ids), size):
        deleted += model.objects.filter(id__in=ids[start : start + size]).delete()[0]
    return deleted


@transaction.atomic
def judge_customers(
    *,
    shop: Shop,
    customer_ids: Iterable[int],
    promises: list[LoadedPromise] | None = None,
    calendar: ShopCalendar | None = None,
) -> JudgeResult:
    """Judge these customers of the shop again from the log; return what changed.

    A constant number of queries per call: pass at most BATCH_SIZE customers (use
    `judge_customers_batched` for more). `promises` and `calendar` may be passed in when
    judging many batches of one shop.
    """
    result = JudgeResult()
    # Locked (in id order) so two judges of one customer run one after the other.
    ids = list(
        Customer.objects.select_for_update()
        .filter(shop=shop, id__in=sorted(set(customer_ids)))
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return result
    if promises is None:
        promises = promises_load(shop=shop)
    if calendar is None:
        calendar = ShopCalendar.for_shop(shop)

    actions = list(
        Action.objects.filter(shop=shop, customer_id__in=ids)
        .select_related("exception")
        .order_by("customer_id", "occurred_at", "external_id")
    )
    linked = sorted({action.occasion_id for action in actions if action.occasion_id is not None})
    if connection.vendor == "postgresql":  # by primary key: proportional to the batch
        occasions = Occasion.objects.filter(column_in_array(Occasion, "id", linked))
    else:
        occasions = Occasion.objects.filter(
            id__in=Action.objects.filter(
                shop=shop, customer_id__in=ids, occasion__isnull=False
            ).values("occasion_id")
        )
    derived = derive(
        actions=actions,
        occasions={occasion.pk: occasion for occasion in occasions},
        promises=promises,
        calendar=calendar,
    )
    result.customers = len(ids)
    result.actions = len(actions)
    _reconcile_checks(
        shop=shop, ids=ids, derived=derived, result=result, action_ids=[a.pk for a in actions]
    )
    _reconcile_findings(shop=shop, ids=ids, derived=derived, result=result)
    _reconcile_commitments(shop=shop, ids=ids, derived=derived, result=result)
    _mark_judged(actions)
    return result


def _mark_judged(actions: list[Action]) -> None:
    """Set judged_at on the actions judged, unless they changed under the judge.

    Only the actions that were loaded: one recorded meanwhile stays unjudged for its own
    judge (or the sweeper). An action loaded without its occasion is only marked if it still
    has none, so a link made meanwhile (which resets judged_at) is judged again, not lost.
    """
    now = timezone.now()
    linked = [action.pk for action in actions if action.occasion_id is not None]
    waiting = [action.pk for action in actions if action.occasion_id is None]
    size = _id_chunk()
    for start in range(0, len(linked), size):
        Action.objects.filter(id__in=linked[start : start + size]).update(judged_at=now)
    for start in range(0, len(waiting), size):
        Action.objects.filter(id__in=waiting[start : start + size], occasion__isnull=True).update(
            judged_at=now
        )


def _id_chunk() -> int:
    # SQLite caps the parameters of one statement; PostgreSQL takes up to 65535.
    return 900 if connection.vendor == "sqlite" else 20_000


def _reconcile_checks(
    *, shop, ids, derived: Derivation, result: JudgeResult, action_ids: list[int]
) -> None:
    existing = Check.objects.filter(shop=shop, action__customer_id__in=ids)
    if connection.vendor == "postgresql":  # check_unique_action: proportional to the batch
        existing = Check.objects.filter(column_in_array(Check, "action_id", action_ids), shop=shop)
    stored = {(check.action_id, check.promise_id): check for check in existing}
    new, changed = [], []
    for row in derived.checks.values():
        values = {
            "promise_version_id": row.promise_version_id,
            "occurred_at": row.action.occurred_at,
            "level": row.level,
            "kept": row.kept,
        }
        check = stored.pop((row.action.pk, row.promise_id), None)
        if check is None:
            new.append(Check(shop=shop, action=row.action, promise_id=row.promise_id, **values))
        elif _assign(check, values):
            changed.append(check)
    Check.objects.bulk_create(new)
    Check.objects.bulk_update(changed, ["promise_version", "occurred_at", "level", "kept"])
    result.created["check"] += len(new)
    result.updated["check"] += len(changed)
    result.deleted["check"] += _delete(Check, [check.pk for check in stored.values()])


def _reconcile_findings(*, shop, ids, derived: Derivation, result: JudgeResult) -> None:
    stored = {
        (finding.action_id, finding.promise_id, finding.type): finding
        for finding in Finding.objects.filter(
            shop=shop, customer_id__in=ids, action__isnull=False, type__in=JUDGED_TYPES
        )
    }
    new, changed = [], []
    for row in derived.findings.values():
        action = row.action
        values = {
            "promise_version_id": row.promise_version_id,
            "occasion_id": action.occasion_id,
            "excused": row.excused,
            "occurred_at": action.occurred_at,
            "message_ja": row.message_ja,
            "message_en": row.message_en,
            "details": row.details,
        }
        finding = stored.pop((action.pk, row.promise_id, row.type), None)
        if finding is None:
            new.append(
                Finding(
                    shop=shop,
                    customer_id=action.customer_id,
                    action=action,
                    promise_id=row.promise_id,
                    type=row.type,
                    **values,
                )
            )
        elif _assign(finding, values):
            changed.append(finding)
    Finding.objects.bulk_create(new)
    Finding.objects.bulk_update(
        changed,
        [
            "promise_version",
            "occasion",
            "excused",
            "occurred_at",
            "message_ja",
            "message_en",
            "details",
        ],
    )
    result.created["finding"] += len(new)
    result.updated["finding"] += len(changed)
    result.deleted["finding"] += _delete(Finding, [finding.pk for finding in stored.values()])


def _reconcile_commitments(*, shop, ids, derived: Derivation, result: JudgeResult) -> None:
    stored = {
        (commitment.customer_id, commitment.promise_id): commitment
        for commitment in Commitment.objects.filter(shop=shop, customer_id__in=ids)
    }
    new, changed = [], []
    for row in derived.commitments.values():
        values = {
            "last_level": row.last_level,
            "best_level": row.best_level,
            "count": row.count,
            "first_at": row.first_at,
            "last_at": row.last_at,
            "precedents": row.precedents,
        }
        commitment = stored.pop((row.customer_id, row.promise_id), None)
        if commitment is None:
            new.append(
                Commitment(
                    shop=shop, customer_id=row.customer_id, promise_id=row.promise_id, **values
                )
            )
        elif _assign(commitment, values):
            changed.append(commitment)
    Commitment.objects.bulk_create(new)
    Commitment.objects.bulk_update(
        changed, ["last_level", "best_level", "count", "first_at", "last_at", "precedents"]
    )
    result.created["commitment"] += len(new)
    result.updated["commitment"] += len(changed)
    result.deleted["commitment"] += _delete(
        Commitment, [commitment.pk for commitment in stored.values()]
    )


def _assign(instance, values: dict) -> bool:
    """Set the values on the instance; return whether any of them changed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


# ------------------------------------------------------------------------------
# Entry points for many customers
# ------------------------------------------------------------------------------
def judge_customers_batched(
    *,
    shop: Shop,
    customer_ids: Iterable[int],
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[JudgeResult], None] | None = None,
) -> JudgeResult:
    """Judge any number of the shop's customers, `batch_size` per transaction."""
    ids = sorted(set(customer_ids))
    total = JudgeResult()
    promises = promises_load(shop=shop)
    calendar = ShopCalendar.for_shop(shop)
    for start in range(0, len(ids), batch_size):
        done = judge_customers(
            shop=shop,
            customer_ids=ids[start : start + batch_size],
            promises=promises,
            calendar=calendar,
        )
        total.add(done)
        if on_batch is not None:
            on_batch(total)
    return total


def judge_actions(*, action_ids: Iterable[int], batch_size: int = BATCH_SIZE) -> JudgeResult:
    """Judge the customers of these actions (any shops) again; return what changed."""
    ids = sorted(set(action_ids))
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(ids), 900):
        pairs.update(
            Action.objects.filter(id__in=ids[start : start + 900]).values_list(
                "shop_id", "customer_id"
            )
        )
    by_shop: dict[int, list[int]] = defaultdict(list)
    for shop_id, customer_id in pairs:
        by_shop[shop_id].append(customer_id)
    total = JudgeResult()
    for shop in Shop.objects.filter(id__in=list(by_shop)).order_by("id"):
        total.add(
            judge_customers_batched(shop=shop, customer_ids=by_shop[shop.pk], batch_size=batch_size)
        )
    return total


def judge_shop(
    *,
    shop: Shop,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[JudgeResult], None] | None = None,
) -> JudgeResult:
    """Judge every customer of the shop again, `batch_size` customers per transaction."""
    total = JudgeResult()
    promises = promises_load(shop=shop)
    calendar = ShopCalendar.for_shop(shop)
    last_id = 0
    while True:
        # Keyset pagination: constant cost per batch however many customers came before.
        ids = list(
            Customer.objects.filter(shop=shop, id__gt=last_id)
            .order_by("id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return total
        total.add(
            judge_customers(shop=shop, customer_ids=ids, promises=promises, calendar=calendar)
        )
        last_id = ids[-1]
        if on_batch is not None:
            on_batch(total)
