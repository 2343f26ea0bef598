"""Judging customers: load, walk, and reconcile the stored rows with what the walk derived.

`judge_customers` judges a batch of customers in one transaction and a constant number of
queries: it locks them (in id order), loads their log, walks it and reconciles Check,
Finding (breach/drift/precedent; overdue findings belong to the sweeper) and Commitment
rows generically: unchanged rows keep their id and status, changed ones are updated, gone
ones deleted. In the same transaction it clears the customers' re-judge marks (only marks
it has seen: one set again meanwhile survives) and their recorded failures.

One bad customer cannot stop the others: when a batch raises, its customers are judged
again one by one, each in a savepoint; a customer whose judging still raises is recorded as
failed (Customer.judge_error, judge_failed_at, judge_attempts) and the rest are judged.
"""

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from policies.models import Shop

from ..maintenance import ids_chunk, ids_in, rows_insert, tables_analyze_grown
from ..models import (
    REPEAT_MIN_ORDERS,
    Action,
    Check,
    Commitment,
    Customer,
    Finding,
    FindingType,
    UnjudgedAction,
)
from .load import calendar_load, log_load, promises_load
from .public import public_gone
from .walk import Derivation, derive

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
JUDGED_TYPES = (FindingType.BREACH, FindingType.DRIFT, FindingType.PRECEDENT)
ERROR_MAX = 2000


@dataclass
class JudgeResult:
    """What one judging run changed, and which customers could not be judged."""

    customers: int = 0
    actions: int = 0
    created: dict = field(default_factory=lambda: {"check": 0, "finding": 0, "commitment": 0})
    updated: dict = field(default_factory=lambda: {"check": 0, "finding": 0, "commitment": 0})
    deleted: dict = field(default_factory=lambda: {"check": 0, "finding": 0, "commitment": 0})
    # [(customer id, "ErrorType: message")]
    failed: list = field(default_factory=list)
    # [(shop id, customer id)]: another transaction held them locked (skip_locked); not judged.
    skipped: list = field(default_factory=list)

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
        self.failed.extend(other.failed)
        self.skipped.extend(other.skipped)
        return self


# ------------------------------------------------------------------------------
# Reconciling stored rows with derived ones
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """A derived table: its model, the fields a judgement sets, and the fields keying a row."""

    name: str
    model: type
    fields: tuple[str, ...]
    key: tuple[str, ...]


CHECKS = Table(
    name="check",
    model=Check,
    fields=("promise_version_id", "occurred_at", "level", "kept"),
    key=("action_id", "promise_id"),
)
FINDINGS = Table(
    name="finding",
    model=Finding,
    fields=(
        "promise_version_id",
        "occasion_id",
        "excused",
        "occurred_at",
        "message_ja",
        "message_en",
        "details",
    ),
    key=("action_id", "promise_id", "type"),
)
COMMITMENTS = Table(
    name="commitment",
    model=Commitment,
    fields=(
        "last_level",
        "best_level",
        "count",
        "first_at",
        "last_at",
        "precedents",
        "customer_orders",
        "customer_last_order_at",
        "customer_repeat",
    ),
    key=("customer_id", "promise_id"),
)


def reconcile(*, table: Table, stored, derived: Iterable[dict], result: JudgeResult) -> None:
    """Make the stored rows of `table` equal the derived ones (dicts of identity + fields).

    `stored`: the stored rows as plain tuples (id, *key, *fields) (`_stored_rows`): model
    instances are built only for the rows to insert or update, not for the (usually many)
    unchanged ones.
    """
    width = len(table.key)
    existing = {row[1 : 1 + width]: row for row in stored}
    new, changed = [], []
    for wanted in derived:
        found = existing.pop(tuple(wanted[name] for name in table.key), None)
        if found is None:
            new.append(wanted)
            continue
        values = {name: wanted[name] for name in table.fields}
        olds = found[1 + width :]
        if any(values[name] != old for name, old in zip(table.fields, olds, strict=True)):
            changed.append(table.model(id=found[0], **values))
    rows_insert(table.model, new)
    table.model.objects.bulk_update(changed, [name.removesuffix("_id") for name in table.fields])
    gone = [row[0] for row in existing.values()]
    deleted = 0
    size = ids_chunk()
    for start in range(0, len(gone), size):
        deleted += table.model.objects.filter(id__in=gone[start : start + size]).delete()[0]
    result.created[table.name] += len(new)
    result.updated[table.name] += len(changed)
    result.deleted[table.name] += deleted


def _stored_rows(table: Table, queryset) -> list[tuple]:
    """Return the rows of the queryset as reconcile reads them: (id, *key, *fields)."""
    return list(queryset.order_by().values_list("id", *table.key, *table.fields))


def _derived_checks(shop, derived: Derivation):
    shop_id = shop.pk
    for row in derived.checks.values():
        yield {
            "shop_id": shop_id,
            "action_id": row.action.id,
            "promise_id": row.promise_id,
            "promise_version_id": row.promise_version_id,
            "occurred_at": row.action.occurred_at,
            "level": row.level,
            "kept": row.kept,
        }


def _derived_findings(shop, derived: Derivation):
    shop_id = shop.pk
    for row in derived.findings.values():
        action = row.action
        yield {
            "shop_id": shop_id,
            "customer_id": action.customer_id,
            "action_id": action.id,
            "promise_id": row.promise_id,
            "type": row.type,
            "promise_version_id": row.promise_version_id,
            "occasion_id": action.occasion_id,
            "excused": row.excused,
            "occurred_at": action.occurred_at,
            "message_ja": row.message_ja,
            "message_en": row.message_en,
            "details": row.details,
        }


def _derived_commitments(shop, derived: Derivation, orders: dict[int, tuple]):
    """Yield the derived commitments, each with its customer's stored orders (`orders`:
    {customer id: (order_count, last_order_at)}, read from the locked customer rows)."""
    shop_id = shop.pk
    for row in derived.commitments.values():
        customer_orders, customer_last_order_at = orders[row.customer_id]
        yield {
            "shop_id": shop_id,
            "customer_id": row.customer_id,
            "promise_id": row.promise_id,
            "last_level": row.last_level,
            "best_level": row.best_level,
            "count": row.count,
            "first_at": row.first_at,
            "last_at": row.last_at,
            "precedents": row.precedents,
            "customer_orders": customer_orders,
            "customer_last_order_at": customer_last_order_at,
            "customer_repeat": customer_orders >= REPEAT_MIN_ORDERS,
        }


# ------------------------------------------------------------------------------
# One batch
# ------------------------------------------------------------------------------
@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for a batch, as it was before afterwards.

    A batch allocates hundreds of thousands of objects that live until its end (loaded
    rows, events, derived rows) and almost none in cycles: the collector's passes over
    them were a fifth of judging's Python time (docs/PERFORMANCE.md, "Judging's cost per
    action"). What they free is freed by reference counts; the few cycles a batch leaves
    are collected by the next pass after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _judge_batch(
    *, shop: Shop, ids: list[int], only_marked: bool, skip_locked: bool = False
) -> JudgeResult:
    """Judge these customers in the current transaction (no isolation); return what changed.

    With skip_locked, the customers another transaction holds locked are left out (returned
    as `skipped`) instead of waited for."""
    result = JudgeResult()
    # Locked (in id order) so two judges of one customer, or a judge and a policy change
    # marking the customer, run one after the other. FOR NO KEY UPDATE, not FOR UPDATE: a
    # row written meanwhile that refers to the customer (an import's new action; its
    # foreign key check takes FOR KEY SHARE at commit) does not wait for this judging to
    # end; it stays unjudged for its own job. Order counts (an UPDATE) still wait.
    locked = (
        Customer.objects.select_for_update(no_key=True, skip_locked=skip_locked)
        .filter(shop=shop, id__in=ids)
        .order_by("id")
    )
    if only_marked:
        locked = locked.filter(rejudge_requested_at__isnull=False)
    rows = list(
        locked.values_list(
            "id", "rejudge_requested_at", "judge_failed_at", "order_count", "last_order_at"
        )
    )
    if skip_locked and len(rows) < len(ids):
        # Left out: held by another judge (or an import's order counts) right now.
        got = {row[0] for row in rows}
        result.skipped = [(shop.pk, pk) for pk in ids if pk not in got]
    if not rows:
        return result
    ids = [row[0] for row in rows]
    # Read after the lock: a policy change that marked these customers has committed, so
    # its promises and calendar are the ones read here.
    shop = Shop.objects.get(pk=shop.pk)
    log = log_load(
        shop=shop, customer_ids=ids, promises=promises_load(shop=shop), calendar=calendar_load(shop)
    )
    derived = derive(
        actions=log.actions,
        occasions=log.occasions,
        promises=log.promises,
        calendar=log.calendar,
        public=log.public,
    )
    public_gone(shop_id=shop.pk, public=log.public, customer_ids=ids, derived=derived)
    result.customers = len(ids)
    result.actions = len(log.actions)
    # The batch's stored rows, read by the batch's customers (or their actions) alone: every
    # row of these customers is the shop's, and a shop condition beside the batch's ids lets
    # the planner pick the shop's index and filter the whole shop's rows by the ids when its
    # statistics are stale (a shop judged from empty: 5.5 s a read at 136k checks instead of
    # 10 ms; docs/PERFORMANCE.md "One worker faster").
    reconcile(
        table=CHECKS,
        stored=_stored_rows(CHECKS, _stored_checks(ids=ids, actions=log.actions)),
        derived=_derived_checks(shop, derived),
        result=result,
    )
    reconcile(
        table=FINDINGS,
        # The customers' findings, overdue ones (the sweeper's, no action) left out here:
        # a condition on the type would be planned on an index of the type (stale statistics).
        stored=[
            row
            for row in _stored_rows(
                FINDINGS, Finding.objects.filter(ids_in(Finding, "customer_id", ids))
            )
            if row[1] is not None and row[3] in JUDGED_TYPES
        ],
        derived=_derived_findings(shop, derived),
        result=result,
    )
    reconcile(
        table=COMMITMENTS,
        stored=_stored_rows(
            COMMITMENTS, Commitment.objects.filter(ids_in(Commitment, "customer_id", ids))
        ),
        derived=_derived_commitments(shop, derived, {row[0]: row[3:] for row in rows}),
        result=result,
    )
    _mark_judged(log.actions)
    marks = [row[1] for row in rows if row[1] is not None]
    if marks:
        # Only the marks this judging saw: one set again meanwhile is newer and survives.
        Customer.objects.filter(id__in=ids, rejudge_requested_at__lte=max(marks)).update(
            rejudge_requested_at=None
        )
    if any(row[2] is not None for row in rows):
        Customer.objects.filter(id__in=ids, judge_failed_at__isnull=False).update(
            judge_error="", judge_failed_at=None, judge_attempts=0
        )
    return result


# (action, since) pairs per statement: two parameters each, within SQLite's 999.
PAIRS_CHUNK = 400


def _mark_judged(actions) -> None:
    """Judged: delete the waiting rows of the actions judged that were loaded waiting, unless
    they changed, and set their customers' judged_at.

    Only the actions that were loaded waiting: one already judged keeps its time (a re-judge
    that changes nothing, such as `rebuild_commitments`, writes no action and no customer),
    and one recorded meanwhile stays waiting for its own judge (or the sweeper). An action
    loaded without its occasion is only marked if it still waits since the same time: a link
    made meanwhile sets a new time on its row (`services.actions_unjudge`; an upsert, which
    a delete of the row waits for), so it is judged again, not lost. A delete writes no index
    entry and no new version of the action (docs/PERFORMANCE.md, "The actions waiting, a
    table of their own").
    """
    judged = [a for a in actions if a.waiting_since is not None]
    if not judged:
        return
    # Linked when loaded: nothing links them again.
    linked = [a.pk for a in judged if a.occasion_id is not None]
    size = ids_chunk()
    for start in range(0, len(linked), size):
        UnjudgedAction.objects.filter(
            ids_in(UnjudgedAction, "action_id", linked[start : start + size])
        ).delete()
    # Waiting for their occasion (few): each row only if it still waits since the same time.
    unlinked = [(a.pk, a.waiting_since) for a in judged if a.occasion_id is None]
    for start in range(0, len(unlinked), PAIRS_CHUNK):
        same = Q()
        for pk, since in unlinked[start : start + PAIRS_CHUNK]:
            same |= Q(action_id=pk, since=since)
        UnjudgedAction.objects.filter(same).delete()
    customers = sorted({a.customer_id for a in judged})
    for start in range(0, len(customers), size):
        Customer.objects.filter(ids_in(Customer, "id", customers[start : start + size])).update(
            judged_at=timezone.now()
        )


# The database itself failing is not a bad customer: the caller's job is retried instead.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


def _failure_record(*, customer_id: int, error: BaseException) -> None:
    """Record that judging the customer raised; its pending re-judge mark is settled by it."""
    Customer.objects.filter(pk=customer_id).update(
        judge_error=_describe(error),
        judge_failed_at=timezone.now(),
        judge_attempts=F("judge_attempts") + 1,
        rejudge_requested_at=None,
    )


def _stored_checks(*, ids: list[int], actions):
    """Return the stored checks of these customers' actions.

    On PostgreSQL by the loaded actions' ids (one array parameter, an index scan proportional
    to the batch); as a join on the customers the planner chose a sequential scan of the
    whole table even on fresh statistics (docs/PERFORMANCE.md). SQLite keeps the join.
    """
    if connection.vendor == "postgresql":
        return Check.objects.filter(ids_in(Check, "action_id", [action.pk for action in actions]))
    return Check.objects.filter(action__customer_id__in=ids)


def judge_customers(
    *,
    shop: Shop,
    customer_ids: Iterable[int],
    only_marked: bool = False,
    skip_locked: bool = False,
) -> JudgeResult:
    """Judge these customers of the shop again from the log; return what changed.

    A constant number of queries per call: pass at most BATCH_SIZE customers (use
    `judge_customers_batched` for more). With `only_marked`, only those still marked for a
    re-judge when locked. With `skip_locked`, those another transaction holds locked at
    that moment are not judged and not waited for: the result lists them as `skipped`,
    for the caller to judge later. A customer whose judging raises is recorded as failed
    and the others are judged (see the module docstring).
    """
    if only_marked and skip_locked:
        raise ValueError("only_marked and skip_locked do not go together")
    ids = sorted(set(customer_ids))
    if not ids:
        return JudgeResult()
    try:
        with _collector_paused(), transaction.atomic():
            return _judge_batch(
                shop=shop, ids=ids, only_marked=only_marked, skip_locked=skip_locked
            )
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as error:  # noqa: BLE001 - isolated below, customer by customer
        if len(ids) == 1:
            logger.exception("Judging customer %s of shop %s failed", ids[0], shop.pk)
            _failure_record(customer_id=ids[0], error=error)
            return JudgeResult(failed=[(ids[0], _describe(error))])
    result = JudgeResult()
    for customer_id in ids:
        try:
            with _collector_paused(), transaction.atomic():
                result.add(
                    _judge_batch(
                        shop=shop,
                        ids=[customer_id],
                        only_marked=only_marked,
                        skip_locked=skip_locked,
                    )
                )
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - recorded for operators
            logger.exception("Judging customer %s of shop %s failed", customer_id, shop.pk)
            _failure_record(customer_id=customer_id, error=error)
            result.failed.append((customer_id, _describe(error)))
    return result


# ------------------------------------------------------------------------------
# Entry points for many customers
# ------------------------------------------------------------------------------
def judge_customers_batched(
    *,
    shop: Shop,
    customer_ids: Iterable[int],
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[JudgeResult], None] | None = None,
    skip_locked: bool = False,
) -> JudgeResult:
    """Judge any number of the shop's customers, `batch_size` per transaction."""
    ids = sorted(set(customer_ids))
    total = JudgeResult()
    for start in range(0, len(ids), batch_size):
        total.add(
            judge_customers(
                shop=shop, customer_ids=ids[start : start + batch_size], skip_locked=skip_locked
            )
        )
        tables_analyze_grown()
        if on_batch is not None:
            on_batch(total)
    return total


def judge_actions(
    *, action_ids: Iterable[int], batch_size: int = BATCH_SIZE, skip_locked: bool = False
) -> JudgeResult:
    """Judge the customers of these actions (any shops) again; return what changed.

    With `skip_locked`, as judge_customers: customers locked elsewhere are `skipped`."""
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
            judge_customers_batched(
                shop=shop,
                customer_ids=by_shop[shop.pk],
                batch_size=batch_size,
                skip_locked=skip_locked,
            )
        )
    return total


def customer_part(*, shop: Shop, part: int, parts: int) -> tuple[int | None, int | None]:
    """Return the customer ids [low, high) of part `part` of `parts` of the shop (1-based).

    The shop's range of customer ids split into `parts` equal ranges of ids, so processes
    started one after the other (`rebuild_commitments --part K/N`) agree on them without
    talking to each other: the first part has no lower bound and the last no upper bound
    (a customer created meanwhile falls into the last). None: no bound.
    """
    if not 1 <= part <= parts:
        raise ValueError(f"part {part} of {parts}")
    bounds = Customer.objects.filter(shop=shop).aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return None, None
    low, span = bounds["low"], bounds["high"] - bounds["low"] + 1
    start = None if part == 1 else low + span * (part - 1) // parts
    stop = None if part == parts else low + span * part // parts
    return start, stop


def judge_shop(
    *,
    shop: Shop,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[JudgeResult], None] | None = None,
    ids: tuple[int | None, int | None] = (None, None),
) -> JudgeResult:
    """Judge every customer of the shop again, `batch_size` customers per transaction.

    With `ids` = (low, high), only the customers with low <= id < high (None: no bound):
    parts of a shop (`customer_part`) can be judged by processes side by side, since a
    batch locks only its own customers.
    """
    total = JudgeResult()
    low, high = ids
    last_id = low - 1 if low is not None else 0
    customers = Customer.objects.filter(shop=shop)
    if high is not None:
        customers = customers.filter(id__lt=high)
    while True:
        # Keyset pagination: constant cost per batch however many customers came before.
        batch = list(
            customers.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not batch:
            return total
        total.add(judge_customers(shop=shop, customer_ids=batch))
        tables_analyze_grown()
        last_id = batch[-1]
        if on_batch is not None:
            on_batch(total)
