"""The one loader of judging: promises with all their versions, the calendar, and the log.

`log_load` reads what the walk needs for a batch of customers (a full walk), for one
customer past the stored commitments (a resumed walk), or for one customer and one kind of
action around an action not stored yet (the pre-check), in a constant number of queries.
Actions and occasions are read as plain rows (`LoggedAction`, `LoggedOccasion`), not model
instances: a long history is read several times faster, which keeps the pre-check
interactive and batches cheap.

What the pre-check reads of one customer, and the shop's promises it keeps between
pre-checks, are in `precheck_load.py`, built on these rows.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Q,
)

from policies.calendar import ShopCalendar
from policies.kinds import registry
from policies.kinds.base import PromiseKind
from policies.models import Promise, PromiseVersion, Shop
from policies.versions import version_in_force, version_measuring

from ..maintenance import ids_chunk, ids_in
from ..models import (
    Action,
    Finding,
    FindingType,
    Occasion,
    UnjudgedAction,
)
from .public import PublicPrecedent

logger = logging.getLogger(__name__)

# What judging reads of an action and of its exception: nothing else is loaded.
ACTION_FIELDS = (
    "id",
    "customer_id",
    "external_id",
    "kind",
    "occurred_at",
    "occasion_external_id",
    "occasion_id",
    "staff",
    "attributes",
)
OCCASION_FIELDS = ("id", "external_id", "kind", "occurred_at", "attributes")


# ------------------------------------------------------------------------------
# Promises
# ------------------------------------------------------------------------------
@dataclass
class LoadedPromise:
    """A promise with its kind and all its versions, ordered by effective time."""

    promise: Promise
    kind: PromiseKind
    versions: list[PromiseVersion]
    _params: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.versions = sorted(self.versions, key=lambda v: (v.effective_from, v.number))

    def in_force(self, moment: datetime) -> PromiseVersion | None:
        """Return the version in force at the moment (policies.versions rule), or None."""
        return version_in_force(self.versions, at=moment, retired_at=self.promise.retired_at)

    def measuring(self, moment: datetime) -> tuple[PromiseVersion | None, bool]:
        """Return the version an action at the moment is measured with, and if it is in force."""
        return version_measuring(self.versions, at=moment, retired_at=self.promise.retired_at)

    def params(self, version: PromiseVersion) -> dict:
        """Return the version's parameters with the kind's defaults filled."""
        # By `id`, not `pk`: a property, and this runs for every action judged.
        found = self._params.get(version.id)
        if found is None:
            try:
                found = self.kind.validate_params(version.params)
            except Exception:  # noqa: BLE001 - a stored version is judged as stored
                logger.warning("Promise version %s has parameters its kind rejects", version.id)
                found = dict(version.params)
            self._params[version.id] = found
        return found


def promises_group(versions) -> list[LoadedPromise]:
    """Return the versions (with their promise selected) as loaded promises, by promise id."""
    by_promise: dict[int, list[PromiseVersion]] = defaultdict(list)
    for version in versions:
        by_promise[version.promise_id].append(version)
    loaded = []
    for promise_id, mine in sorted(by_promise.items()):
        promise = mine[0].promise
        if promise.kind not in registry.default_registry:
            logger.warning("Promise %s has unknown kind %r; not judged", promise_id, promise.kind)
            continue
        loaded.append(
            LoadedPromise(promise=promise, kind=registry.get(promise.kind), versions=mine)
        )
    return loaded


def promises_load(
    *, shop, action_kind: str | None = None, reading: bool = False
) -> list[LoadedPromise]:
    """Return the shop's promises (retired ones too) with all their versions, in one query.

    With `action_kind`, only the promises whose kind judges that kind of action (`reading`:
    whose kind reads it among an occasion's related actions, `reads_action_kinds`; no query
    when no kind does).
    """
    if reading:
        kinds = [kind for kind in registry.all() if action_kind in kind.reads_action_kinds]
    else:
        kinds = [kind for kind in registry.all() if action_kind in (None, kind.action_kind)]
    if not kinds:
        return []
    versions = PromiseVersion.objects.filter(promise__shop=shop).select_related("promise")
    if action_kind is not None:
        versions = versions.filter(promise__kind__in=[kind.id for kind in kinds])
    return promises_group(versions)


# ------------------------------------------------------------------------------
# The calendar
# ------------------------------------------------------------------------------
def calendar_load(shop: Shop) -> ShopCalendar:
    """Return the shop's calendar as every judging path uses it.

    `ShopCalendar.for_shop` is shared while the shop's calendar is unchanged: it is keyed by
    every rule it reads (policies.calendar.calendar_config_key, weekly rules over time
    included), so a calendar change is a new key, never a stale answer.
    """
    return ShopCalendar.for_shop(shop)


# The pre-check's name for it (one calendar rule for every path).
calendar_for = calendar_load


# ------------------------------------------------------------------------------
# The log as judging reads it
# ------------------------------------------------------------------------------
@dataclass(slots=True)
class LoggedException:
    """An action's exception as judging reads it."""

    reason: str
    status: str


@dataclass(slots=True)
class LoggedAction:
    """An action as the walk reads it. `id` is None for the action being pre-checked."""

    id: int | None
    customer_id: int | None
    external_id: str
    kind: str
    occurred_at: datetime
    occasion_external_id: str
    occasion_id: int | None
    staff: str
    attributes: dict
    exception: LoggedException | None = None
    # Since when it waits to be judged (its UnjudgedAction: new, or linked to its occasion
    # since judged), None when judged; read by log_load for judging to mark them judged (the
    # time tells a link made meanwhile), not by the pre-check.
    waiting_since: datetime | None = None

    @property
    def pk(self) -> int | None:
        return self.id


@dataclass(slots=True)
class LoggedOccasion:
    """An occasion as judging reads it."""

    id: int
    external_id: str
    kind: str
    occurred_at: datetime
    attributes: dict

    @property
    def pk(self) -> int:
        return self.id


def _actions(queryset) -> list[LoggedAction]:
    rows = queryset.order_by("customer_id", "occurred_at", "external_id").values_list(
        *ACTION_FIELDS, "exception__reason", "exception__status"
    )
    return [
        LoggedAction(*row[:-2], exception=None if row[-2] is None else LoggedException(*row[-2:]))
        for row in rows
    ]


def _waiting_mark(actions: list[LoggedAction]) -> None:
    """Set `waiting_since` on the actions that wait to be judged, read by the actions' ids: an
    index scan proportional to the batch. Joined to the batch's actions instead, the table of
    the actions waiting was planned as a sequential scan, every action waiting in every shop
    (an import's own) read for each batch (docs/PERFORMANCE.md, "The actions waiting, a table
    of their own")."""
    ids = [action.id for action in actions]
    waiting: dict[int, datetime] = {}
    size = ids_chunk()
    for start in range(0, len(ids), size):
        waiting.update(
            UnjudgedAction.objects.filter(
                ids_in(UnjudgedAction, "action_id", ids[start : start + size])
            ).values_list("action_id", "since")
        )
    for action in actions:
        action.waiting_since = waiting.get(action.id)


@dataclass
class Log:
    """What one walk reads: actions, the occasions they answer, promises, the calendar.

    `resume` maps (customer id, promise id) to the stored Commitment a resumed walk starts
    from (then `actions` hold only the actions answering the occasion of the new one, context
    the walk does not judge again); None for a full walk.
    """

    actions: list[LoggedAction]
    occasions: dict[int, LoggedOccasion]
    promises: list[LoadedPromise]
    calendar: ShopCalendar
    resume: dict | None = None
    # The pre-check: the occasion named by the new action, when it is stored.
    answered: LoggedOccasion | None = None
    # The customer's stored commitments to the promises, by promise id (pre-check only).
    stored: dict = field(default_factory=dict)
    # Whether `stored` is what judging the stored log gives (pre-check: `stored_current`).
    current: bool = False
    # The shop's public precedents, by promise id (judging/public.py).
    public: dict = field(default_factory=dict)


def _public_findings(*, shop, promise_ids: list[int] | None = None):
    """Return the shop's public precedents (of these promises) as a queryset of findings."""
    rows = Finding.objects.filter(
        shop=shop, type=FindingType.PRECEDENT, public_at__isnull=False, action__isnull=False
    )
    return rows if promise_ids is None else rows.filter(promise_id__in=promise_ids)


def public_load(*, shop, promise_ids: list[int] | None = None) -> dict[int, list[PublicPrecedent]]:
    """Return the shop's public precedents by promise id (of these promises), in one query."""
    if promise_ids is not None and not promise_ids:
        return {}
    rows = _public_findings(shop=shop, promise_ids=promise_ids)
    public: dict[int, list[PublicPrecedent]] = defaultdict(list)
    for row in rows.order_by("public_at", "id").values_list(
        "id",
        "promise_id",
        "customer_id",
        "occurred_at",
        "public_at",
        "public_note",
        "public_level",
        "public_precedent",
    ):
        public[row[1]].append(PublicPrecedent(*row))
    return dict(public)


def occasions_read(*, shop, actions: list[LoggedAction], named: str = ""):
    wanted = Q(pk__in=sorted({a.occasion_id for a in actions if a.occasion_id}))
    if named:
        wanted |= Q(shop=shop, external_id=named)
    if not named and not any(a.occasion_id for a in actions):
        return {}
    return {
        row[0]: LoggedOccasion(*row)
        for row in Occasion.objects.filter(wanted).values_list(*OCCASION_FIELDS)
    }


def log_load(
    *, shop, customer_ids: list[int], promises=None, calendar: ShopCalendar | None = None
) -> Log:
    """Return the whole log of these customers for a full walk (a constant number of queries)."""
    actions = _actions(Action.objects.filter(shop=shop, customer_id__in=customer_ids))
    _waiting_mark(actions)
    return Log(
        actions=actions,
        occasions=occasions_read(shop=shop, actions=actions),
        promises=promises_load(shop=shop) if promises is None else promises,
        calendar=calendar_load(shop) if calendar is None else calendar,
        public=public_load(shop=shop),
    )
