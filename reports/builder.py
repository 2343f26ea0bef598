"""Build the weekly drift report of a shop; every number is aggregated in the database."""

import logging
import math
import operator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Rank
from django.utils import timezone

from commitments.judging.public import precedent_words
from commitments.models import (
    REPEAT_MIN_ORDERS,
    ActionException,
    Check,
    Commitment,
    Customer,
    ExceptionReason,
    ExceptionStatus,
    Finding,
    FindingType,
    Occasion,
)
from commitments.public_precedents import public_precedents
from policies.kinds import registry
from policies.models import Promise, PromiseVersion
from policies.selectors import promise_versions_for_shop
from policies.versions import version_in_force

from .models import Report
from .weeks import Week, parse_week

logger = logging.getLogger(__name__)

# How many weeks the trend of the measured level covers, the report week included.
TREND_WEEKS = 8
# The trend is flagged as shop-level drift when it falls (in the kind's worse direction) by
# more than this share of the promised level (or of the first week's level when the
# promised level is zero or unknown).
DRIFT_THRESHOLD = 0.10
# Repeat customers at risk: how many are listed per promise (from how many orders a customer
# counts as a repeat customer: commitments.models.REPEAT_MIN_ORDERS, copied on commitments).
AT_RISK_TOP = 20
# A customer who ordered recently is likelier to notice a change: (days since the last
# action of the promise at the end of the week, weight); older than all of them: the rest.
RECENCY_WEIGHTS = ((30, 1.0), (90, 0.5), (365, 0.25))
RECENCY_WEIGHT_REST = 0.1
# The at-risk lists are ranked first among the commitments of this many customers, those with
# the most orders (reports.builder._at_risk): enough, on the bench's year, to settle most
# promises (a promise not settled there is ranked from all its repeat customers).
AT_RISK_WALK = 1500
FINDING_TYPES = [t.value for t in FindingType]


def report_build(*, shop, week: str) -> Report:
    """Record the report of the shop for the ISO week, replacing a stored one whole."""
    report_week = parse_week(week, shop.timezone)
    data = report_data(shop=shop, week=report_week)
    with transaction.atomic():
        report, _created = Report.objects.update_or_create(
            shop=shop,
            week=report_week.label,
            defaults={"data": data, "built_at": timezone.now()},
        )
    return report


def report_data(*, shop, week: Week) -> dict:
    """Return the content of the shop's report for the week (plain JSON data)."""
    with _without_jit():
        return _report_data(shop=shop, week=week)


@contextmanager
def _without_jit():
    """Turn PostgreSQL's JIT compilation off for the report's queries (elsewhere nothing).

    The planner charges the at-risk queries' count of a customer's orders from the log
    (`_order_counts`) to every row, though it runs only for customers who ordered after the
    week: their estimated cost passes `jit_above_cost` and compiling them took longer than
    running them (docs/PERFORMANCE.md, "The weekly report").
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def _report_data(*, shop, week: Week) -> dict:
    tz = week.tz
    trend_weeks = [week.shifted(offset) for offset in range(1 - TREND_WEEKS, 1)]
    check_rows = _check_aggregates(shop=shop, week=week, trend_weeks=trend_weeks)
    finding_rows = _finding_aggregates(shop=shop, week=week)
    promises = _promises_of_week(shop=shop, week=week, ids=set(check_rows) | set(finding_rows))
    versions = promise_versions_for_shop(shop=shop)

    sections = []
    # One bad record (a promise whose stored parameters its kind cannot use) must not stop
    # the report: its section is left out and listed, with the error, for operators.
    skipped = []
    # Per promise, what puts its repeat customers at risk: ranked and counted for every
    # promise at once below.
    at_risk_rules: dict[int, dict] = {}
    for promise in promises:
        try:
            section, rule = _promise_section(
                promise=promise,
                versions=versions.get(promise.id, []),
                week=week,
                trend_weeks=trend_weeks,
                checks=check_rows.get(promise.id),
                findings=finding_rows.get(promise.id),
            )
        except Exception as error:  # noqa: BLE001 - listed in the report, logged
            logger.exception(
                "Report of %s %s: promise %s skipped", shop.slug, week.label, promise.pk
            )
            skipped.append(_skipped(promise, error))
            continue
        sections.append(section)
        at_risk_rules[promise.id] = rule
    at_risk_lists, at_risk_counts, at_risk_customers = _at_risk(
        shop=shop, rules=at_risk_rules, week=week
    )
    for section in sections:
        section["customers_at_risk"] = at_risk_counts[section["id"]]
        section["at_risk"] = at_risk_lists[section["id"]]
    return {
        "shop": shop.slug,
        "week": week.label,
        "timezone": str(tz),
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "last_day": (week.monday + timedelta(days=6)).isoformat(),
        # A customer at risk under several promises is one customer in the headline.
        "summary": _summary(sections, customers_at_risk=at_risk_customers),
        "promises": sections,
        "changes": _changes(shop=shop, week=week, versions=versions, skipped=skipped),
        "exceptions": _exceptions(shop=shop, week=week),
        "public_precedents": _public_precedents(shop=shop, week=week),
        "skipped": skipped,
    }


def _skipped(promise, error: Exception) -> dict:
    return {
        "promise": promise.pk,
        "promise_name": promise.name,
        "error": f"{type(error).__name__}: {error}"[:500],
    }


# ------------------------------------------------------------------------------
# Aggregates: one GROUP BY query each, keyed by promise id
# ------------------------------------------------------------------------------
def _check_aggregates(*, shop, week: Week, trend_weeks: list[Week]) -> dict[int, dict]:
    """Return per promise: volume and kept checks of the week, average level per trend week."""
    in_week = Q(occurred_at__gte=week.start, occurred_at__lt=week.end)
    aggregates = {
        "volume": Count("id", filter=in_week),
        "kept": Count("id", filter=in_week & Q(kept=True)),
    }
    # One bucket per week as a conditional aggregate: the same SQL on SQLite and
    # PostgreSQL, and weeks follow the shop's timezone without database date truncation.
    for index, bucket in enumerate(trend_weeks):
        in_bucket = Q(occurred_at__gte=bucket.start, occurred_at__lt=bucket.end)
        aggregates[f"avg_{index}"] = Avg("level", filter=in_bucket)
        aggregates[f"n_{index}"] = Count("level", filter=in_bucket)
    rows = (
        Check.objects.filter(
            shop=shop, occurred_at__gte=trend_weeks[0].start, occurred_at__lt=week.end
        )
        .order_by()
        .values("promise")
        .annotate(**aggregates)
    )
    return {row["promise"]: row for row in rows}


def _finding_aggregates(*, shop, week: Week) -> dict[int, dict]:
    """Return per promise: findings of the week by type (not excused) and excused ones."""
    aggregates = {name: Count("id", filter=Q(type=name, excused=False)) for name in FINDING_TYPES}
    aggregates["excused"] = Count("id", filter=Q(excused=True))
    rows = (
        Finding.objects.filter(shop=shop, occurred_at__gte=week.start, occurred_at__lt=week.end)
        .order_by()
        .values("promise")
        .annotate(**aggregates)
    )
    return {row["promise"]: row for row in rows}


def _promises_of_week(*, shop, week: Week, ids: set[int]) -> list[Promise]:
    """Return the promises in force at some time in the week, or with data in it, by id."""
    in_force = Q(versions__effective_from__lt=week.end) & (
        Q(retired_at__isnull=True) | Q(retired_at__gt=week.start)
    )
    return list(
        Promise.objects.filter(shop=shop).filter(in_force | Q(id__in=ids)).distinct().order_by("id")
    )


# ------------------------------------------------------------------------------
# One promise
# ------------------------------------------------------------------------------
def _promise_section(
    *, promise, versions, week, trend_weeks, checks, findings
) -> tuple[dict, dict]:
    """Return the report's numbers for one promise, and what puts its customers at risk."""
    kind = registry.get(promise.kind)
    # The promise as it stood at the end of the week (or when it was retired in it).
    at = week.end
    if promise.retired_at is not None and promise.retired_at < at:
        at = promise.retired_at
    version = version_in_force(
        versions, at=at - timedelta(microseconds=1), retired_at=promise.retired_at
    )
    params = version.params if version is not None else {}
    promised = _num(kind.promised_level(params)) if version is not None else None

    checks = checks or {}
    findings = findings or {}
    volume = checks.get("volume", 0)
    kept = checks.get("kept", 0)
    points = [
        {
            "week": bucket.label,
            "monday": bucket.monday.isoformat(),
            "avg_level": _num(checks.get(f"avg_{index}")),
            "measured": checks.get(f"n_{index}", 0),
        }
        for index, bucket in enumerate(trend_weeks)
    ]
    rule = _at_risk_rule(promise=promise, kind=kind, promised=promised)
    section = {
        "id": promise.id,
        "name": promise.name,
        "kind": promise.kind,
        "kind_label_en": str(kind.label_en),
        "kind_label_ja": str(kind.label_ja),
        "level_unit": kind.level_unit,
        "higher_is_better": kind.higher_is_better,
        "version": version.number if version is not None else None,
        "params": params,
        "promised_level": promised,
        "retired_at": _iso(promise.retired_at, week.tz),
        "volume": volume,
        "kept": kept,
        "kept_pct": round(100 * kept / volume, 1) if volume else None,
        **{name: findings.get(name, 0) for name in FINDING_TYPES},
        "excused": findings.get("excused", 0),
        "avg_level": points[-1]["avg_level"],
        "trend": points,
        # Shop-level drift of the measured level (the "drift" above counts findings).
        "shop_drift": _trend_drift(
            points=points, promised=promised, higher_is_better=kind.higher_is_better
        ),
        # Ranked and counted with the other promises' (_report_data).
        "customers_at_risk": 0,
        "at_risk": [],
    }
    return section, rule


def _trend_drift(*, points: list[dict], promised, higher_is_better: bool) -> dict:
    """Return whether the measured level fell past the threshold over the trend weeks."""
    available = [point for point in points if point["avg_level"] is not None]
    if len(available) < 2:
        return {"flagged": False, "reason": "not_enough_weeks", "weeks_with_data": len(available)}
    first, latest = available[0], available[-1]
    start, end = first["avg_level"], latest["avg_level"]
    fall = (start - end) if higher_is_better else (end - start)
    if promised:
        basis, base = "promised_level", abs(promised)
    else:
        basis, base = "start", abs(start)
    threshold = DRIFT_THRESHOLD * base
    return {
        "flagged": fall > threshold,
        "reason": "fell_past_threshold" if fall > threshold else "within_threshold",
        "weeks_with_data": len(available),
        "start_week": first["week"],
        "start": start,
        "latest_week": latest["week"],
        "latest": end,
        "fall": _num(fall),
        "threshold": _num(threshold),
        "threshold_share": DRIFT_THRESHOLD,
        "basis": basis,
    }


def _order_counts(*, before: datetime):
    """Return an expression: the orders the commitment's customer placed before the moment.

    Read from the customer's stored count, as copied on the commitment
    (Commitment.customer_orders, commitments.order_counts), when their latest order is before
    the moment; counted from the log only for a customer who ordered since.
    """
    since = (
        Occasion.objects.filter(
            customer=OuterRef("customer_id"),
            kind="order_placed",
            occurred_at__lt=before,
        )
        .order_by()
        .values("customer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Case(
        When(customer_last_order_at__isnull=True, then=Value(0)),
        When(customer_last_order_at__lt=before, then=F("customer_orders")),
        default=Coalesce(Subquery(since, output_field=IntegerField()), 0),
        output_field=IntegerField(),
    )


def _ordered_twice_before(*, shop, before: datetime):
    """Return a queryset: the shop's customers with REPEAT_MIN_ORDERS orders or more in the
    log before the moment (their ids)."""
    return (
        Occasion.objects.filter(shop=shop, kind="order_placed", occurred_at__lt=before)
        .order_by()
        .values("customer")
        .annotate(n=Count("id"))
        .filter(n__gte=REPEAT_MIN_ORDERS)
        .values("customer")
    )


def _repeat_customers(queryset, *, before: datetime, indexed: bool = True, parallel_shop=None):
    """Return the queryset's commitments whose customer had 2+ orders before the moment.

    Read from the commitments alone (the customers' stored orders are copied on them; a
    customer with 2+ orders now is marked `customer_repeat`, the predicate of their index).
    `indexed=False`: the same rows by the copied count itself (`customer_repeat` is copied
    as `customer_orders >= REPEAT_MIN_ORDERS`), for a read by other means (the walk's, by
    customer), which PostgreSQL would otherwise intersect with that whole partial index.

    `parallel_shop`, for the pass over every repeat customer's commitments: the same rows
    filtered without the correlated count of `orders` (`_order_counts`): the copied count
    when the customer's latest order is before the moment, else membership in the shop's
    customers with 2+ orders in the log before it (an uncorrelated subquery, which
    PostgreSQL hashes once per process, only when a row needs it). The correlated count
    kept that pass from running in parallel and made PostgreSQL read the rows through the
    index, pages again and again (docs/PERFORMANCE.md, "The weekly report's counts pass
    without the correlated count"); the other reads, of a few thousand rows, keep it (the
    set costs a scan of the log whenever a customer ordered since the moment).
    """
    repeat = Q(customer_repeat=True) if indexed else Q(customer_orders__gte=REPEAT_MIN_ORDERS)
    queryset = queryset.filter(repeat).annotate(orders=_order_counts(before=before))
    if parallel_shop is None:
        return queryset.filter(orders__gte=REPEAT_MIN_ORDERS)
    return queryset.filter(
        Q(customer_last_order_at__lt=before, customer_orders__gte=REPEAT_MIN_ORDERS)
        | Q(
            customer_last_order_at__gte=before,
            customer_id__in=_ordered_twice_before(shop=parallel_shop, before=before),
        )
    )


def _at_risk_rule(*, promise, kind, promised) -> dict:
    """Return what puts a commitment of the promise at risk and its gaps (SQL expressions).

    `conditions`: experienced more than what the promise now guarantees, or more than they
    got last; `gap_promise`, `gap_last`: by how much (0 when not), in the kind's direction.
    """
    better = "gt" if kind.higher_is_better else "lt"
    sign = Value(1.0 if kind.higher_is_better else -1.0)
    above_last = Q(**{f"best_level__{better}": F("last_level")})
    conditions = above_last
    gap_promise = Value(0.0)
    if promised is not None:
        above_promise = Q(**{f"best_level__{better}": promised})
        conditions = above_promise | above_last
        gap_promise = Case(
            When(above_promise, then=sign * (F("best_level") - Value(float(promised)))),
            default=Value(0.0),
            output_field=FloatField(),
        )
    gap_last = Case(
        When(above_last, then=sign * (F("best_level") - F("last_level"))),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return {
        "conditions": Q(promise=promise) & conditions,
        "gap_promise": gap_promise,
        "gap_last": gap_last,
        "promised": promised,
    }


def _per_promise(rules: dict[int, dict], name: str):
    """Return one expression: the rule's `name` of the row's promise (a CASE on promise_id)."""
    return Case(
        *[When(promise_id=pk, then=rule[name]) for pk, rule in rules.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )


def _at_risk_candidates(
    rules: dict[int, dict], *, week: Week, indexed: bool = True, parallel_shop=None
):
    """Return the repeat customers' commitments at risk under any of the promises."""
    return _repeat_customers(
        Commitment.objects.filter(reduce(operator.or_, (r["conditions"] for r in rules.values()))),
        before=week.end,
        indexed=indexed,
        parallel_shop=parallel_shop,
    )


def _at_risk_ranked(candidates, rules: dict[int, dict], *, week: Week):
    """Return the candidates each with its orders before the week's end, gaps, recency
    weight and score (the ranking's key) under its promise's rule."""
    recency = Case(
        *[
            When(last_at__gte=week.end - timedelta(days=days), then=Value(weight))
            for days, weight in RECENCY_WEIGHTS
        ],
        default=Value(RECENCY_WEIGHT_REST),
        output_field=FloatField(),
    )
    return (
        candidates.annotate(
            gap_promise=_per_promise(rules, "gap_promise"),
            gap_last=_per_promise(rules, "gap_last"),
            recency=recency,
        )
        .annotate(gap=Greatest("gap_promise", "gap_last", output_field=FloatField()))
        .annotate(
            score=ExpressionWrapper(
                F("orders") * F("recency") * F("gap"), output_field=FloatField()
            )
        )
    )


def _at_risk(*, shop, rules: dict[int, dict], week: Week) -> tuple[dict, dict, int]:
    """Return per promise its first AT_RISK_TOP repeat customers at risk and how many are,
    and how many are across the promises (a customer at risk under several counts once).

    1. One pass over the repeat customers' commitments (through their index) for every
       promise: how many are at risk per promise, across them, and each promise's largest
       gap.
    2. The AT_RISK_WALK customers with the most orders, and their commitments at risk under
       any promise, scored (index reads by customer). A promise is settled when the
       AT_RISK_TOP-th of its scores there is above what any other customer can score:
       fewer orders than the least of those customers (or as many) × recency at most 1 ×
       its largest gap. Promises without a customer at risk are not read again.
    3. A promise not settled so: its repeat customers' commitments ranked as before
       (`_at_risk_head`: one pass over them).
    4. The chosen few joined with their customers and ordered in full (the customer's id
       breaks ties), the first AT_RISK_TOP of each promise kept: one query.
    """
    if not rules:
        return {}, {}, 0
    candidates = _at_risk_candidates(rules, week=week, parallel_shop=shop)
    aggregates = {"customers": Count("customer_id", distinct=True)}
    for pk, rule in rules.items():
        aggregates[f"p{pk}"] = Count("id", filter=Q(promise_id=pk))
        aggregates[f"g{pk}"] = Max(_gap(rule), filter=Q(promise_id=pk))
    totals = candidates.aggregate(**aggregates)
    counts = {pk: totals[f"p{pk}"] for pk in rules}
    # The promises with candidates: the others are not read again, nor in the expressions.
    open_ = {pk: rule for pk, rule in rules.items() if counts[pk]}
    ids = []
    if open_:
        walked = _at_risk_walk(shop=shop, rules=open_, week=week)
        for pk, rule in open_.items():
            rows = walked[pk]["rows"]
            if not _settled(walked[pk], count=counts[pk], gap=totals[f"g{pk}"]):
                rows = _at_risk_head(pk=pk, rule=rule, week=week)
            ids.extend(_head_ids(rows, top=AT_RISK_TOP))
    lists = {pk: [] for pk in rules}
    if not ids:
        return lists, counts, totals["customers"]
    chosen = _at_risk_candidates(open_, week=week).filter(pk__in=ids)
    ranked = _at_risk_ranked(chosen, open_, week=week)
    order = ("promise_id", "-score", F("last_at").desc(nulls_last=True), "customer__external_id")
    fields = ("promise_id", "customer__external_id", "customer__name", "orders", "count")
    fields += ("last_at", "last_level", "best_level", "gap_promise", "gap_last", "gap")
    fields += ("recency", "score")
    for row in ranked.order_by(*order).values(*fields):
        listed = lists[row["promise_id"]]
        if len(listed) < AT_RISK_TOP:
            promised = rules[row["promise_id"]]["promised"]
            listed.append(_at_risk_row(row, promised=promised, week=week))
    return lists, counts, totals["customers"]


def _gap(rule: dict):
    return Greatest(rule["gap_promise"], rule["gap_last"], output_field=FloatField())


def _at_risk_walk(*, shop, rules: dict[int, dict], week: Week) -> dict:
    """Return per open promise, among the commitments of the AT_RISK_WALK customers with the
    most orders: the first AT_RISK_TOP (id, score, last action) by score and last action
    with every row tied with the AT_RISK_TOP-th on both, and how many there are; and the most
    orders any other customer has (0 when there is none)."""
    top = list(
        Customer.objects.filter(shop=shop, order_count__gte=REPEAT_MIN_ORDERS)
        .order_by("-order_count")
        .values_list("id", "order_count")[: AT_RISK_WALK + 1]
    )
    # Customers with as many orders as the last walked one may be left out: the bound is
    # their count. All walked: no one else.
    bound = top[-1][1] if len(top) > AT_RISK_WALK else 0
    walked = {pk: {"rows": [], "walked": 0, "bound": bound} for pk in rules}
    ids = [row[0] for row in top[:AT_RISK_WALK]]
    if not ids:
        return walked
    scored = _at_risk_ranked(
        _at_risk_candidates(rules, week=week, indexed=False).filter(customer_id__in=ids),
        rules,
        week=week,
    )
    # Ranked in the database (a few thousand rows): a rank ties rows equal on both keys, so
    # the rows ranked AT_RISK_TOP or better are the first ones and those tied with the last.
    scored = scored.annotate(
        rank=Window(
            Rank(),
            partition_by=F("promise_id"),
            order_by=[F("score").desc(), F("last_at").desc(nulls_last=True)],
        ),
        walked=Window(Count("id"), partition_by=F("promise_id")),
    ).filter(rank__lte=AT_RISK_TOP)
    for pk, promise_id, score, last_at, count in scored.values_list(
        "pk", "promise_id", "score", "last_at", "walked"
    ):
        walked[promise_id]["rows"].append((pk, score, last_at))
        walked[promise_id]["walked"] = count
    return walked


def _settled(walked: dict, *, count: int, gap) -> bool:
    """Return whether the first AT_RISK_TOP of a promise are among its walked rows.

    All its candidates were walked, or AT_RISK_TOP of them score above what any candidate
    not walked can (fewer orders than the bound, or as many, × recency at most 1 × the
    largest gap; a relative 1e-9 above it, for the rounding of the products).
    """
    if walked["walked"] >= count:
        return True
    scores = [row[1] for row in walked["rows"]]
    if len(scores) < AT_RISK_TOP or gap is None or not math.isfinite(gap):
        return False
    if any(score is None or math.isnan(score) for score in scores):
        return False
    threshold = sorted(scores, reverse=True)[AT_RISK_TOP - 1]
    return walked["bound"] * gap * (1 + 1e-9) < threshold


def _at_risk_head(*, pk: int, rule: dict, week: Week) -> list[tuple]:
    """Return the commitments (id, score, last action) that can be among the promise's first
    AT_RISK_TOP, from a pass over its repeat customers' commitments: the first
    2 × AT_RISK_TOP by score and last action (a small heap in the database), or all of them
    when the last of those ties with the AT_RISK_TOP-th."""
    candidates = _at_risk_candidates({pk: rule}, week=week)
    ranked = _at_risk_ranked(candidates, {pk: rule}, week=week)
    ranked = ranked.order_by("-score", F("last_at").desc(nulls_last=True))
    head = list(ranked.values_list("pk", "score", "last_at")[: 2 * AT_RISK_TOP])
    if len(head) == 2 * AT_RISK_TOP and head[-1][1:] == head[AT_RISK_TOP - 1][1:]:
        return list(ranked.values_list("pk", "score", "last_at"))
    return head


def _head_ids(rows: list[tuple], *, top: int) -> list[int]:
    """Return the ids of the first `top` rows (id, score, last action) by score and last
    action, with every row tied with the `top`-th on both (the customer's id decides among
    them, in the database); all of them when a score is no number."""
    if any(score is None or math.isnan(score) for _pk, score, _last in rows):
        return [row[0] for row in rows]

    def key(row):
        _pk, score, last_at = row
        return (-score, last_at is None, -(last_at.timestamp()) if last_at is not None else 0.0)

    rows = sorted(rows, key=key)
    if len(rows) <= top:
        return [row[0] for row in rows]
    cut = key(rows[top - 1])
    return [row[0] for row in rows if key(row) <= cut]


def _at_risk_row(row: dict, *, promised, week: Week) -> dict:
    return {
        "customer": row["customer__external_id"],
        "customer_name": row["customer__name"],
        "orders": row["orders"],
        "count": row["count"],
        "last_at": _iso(row["last_at"], week.tz),
        "last_level": _num(row["last_level"]),
        "best_level": _num(row["best_level"]),
        "promised_level": promised,
        "gap_promise": _num(row["gap_promise"]),
        "gap_last": _num(row["gap_last"]),
        "gap": _num(row["gap"]),
        "recency_weight": row["recency"],
        "score": _num(row["score"]),
    }


# ------------------------------------------------------------------------------
# The shop as a whole
# ------------------------------------------------------------------------------
def _summary(sections: list[dict], *, customers_at_risk: int) -> dict:
    """Return the totals of the promise sections (customers at risk: distinct customers)."""
    volume = sum(section["volume"] for section in sections)
    kept = sum(section["kept"] for section in sections)
    return {
        "promises": len(sections),
        "volume": volume,
        "kept": kept,
        "kept_pct": round(100 * kept / volume, 1) if volume else None,
        **{name: sum(section[name] for section in sections) for name in FINDING_TYPES},
        "excused": sum(section["excused"] for section in sections),
        "drifting_promises": [
            section["id"] for section in sections if section["shop_drift"]["flagged"]
        ],
        "customers_at_risk": customers_at_risk,
    }


def _changes(*, shop, week: Week, versions: dict[int, list], skipped: list) -> list[dict]:
    """Return the promise versions written in the week, with before/after and their impact."""
    written = list(
        PromiseVersion.objects.filter(
            promise__shop=shop, created_at__gte=week.start, created_at__lt=week.end
        )
        .select_related("promise", "author")
        .order_by("created_at", "id")
    )
    previous = {
        (version.promise_id, version.number): version.params
        for promise_versions in versions.values()
        for version in promise_versions
    }
    changes = []
    for version in written:
        try:
            changes.append(_change(version, previous=previous, week=week))
        except Exception as error:  # noqa: BLE001 - listed in the report, logged
            logger.exception("Report of %s %s: version %s skipped", shop.slug, week.label, version)
            skipped.append(_skipped(version.promise, error))
    return changes


def _change(version, *, previous: dict, week: Week) -> dict:
    """Return one promise version written in the week, with before/after and its impact."""
    kind = registry.get(version.promise.kind)
    before = previous.get((version.promise_id, version.number - 1))
    new_level = _num(kind.promised_level(version.params))
    return {
        "promise": version.promise_id,
        "promise_name": version.promise.name,
        "kind": version.promise.kind,
        "version": version.number,
        "before": before,
        "after": version.params,
        "lowers": bool(before is not None and kind.lowers(before, version.params)),
        "promised_level": new_level,
        "reason": version.reason,
        "author": version.author.get_username() if version.author else None,
        "created_at": _iso(version.created_at, week.tz),
        "effective_from": _iso(version.effective_from, week.tz),
        "repeat_customers_above_new_level": _customers_above(
            promise=version.promise, kind=kind, level=new_level, at=version.created_at
        ),
    }


def _customers_above(*, promise, kind, level, at: datetime) -> int | None:
    """Return how many repeat customers had experienced more than `level` by the moment."""
    if level is None:
        return None
    better = "gt" if kind.higher_is_better else "lt"
    return _repeat_customers(
        Commitment.objects.filter(
            promise=promise, first_at__lt=at, **{f"best_level__{better}": level}
        ),
        before=at,
    ).count()


def _exceptions(*, shop, week: Week) -> dict:
    """Return the exceptions on the week's actions, by reason and by staff."""
    exceptions = ActionException.objects.filter(
        action__shop=shop, action__occurred_at__gte=week.start, action__occurred_at__lt=week.end
    ).order_by()
    by_reason = (
        exceptions.values("reason")
        .annotate(
            count=Count("id"),
            **{status.value: Count("id", filter=Q(status=status)) for status in ExceptionStatus},
        )
        .order_by("reason")
    )
    by_staff = (
        exceptions.values("action__staff")
        .annotate(
            count=Count("id"),
            **{reason.value: Count("id", filter=Q(reason=reason)) for reason in ExceptionReason},
        )
        .order_by("-count", "action__staff")
    )
    reasons = list(by_reason)
    return {
        "total": sum(row["count"] for row in reasons),
        "by_reason": reasons,
        "by_staff": [
            {
                "staff": row["action__staff"],
                "count": row["count"],
                "by_reason": {reason.value: row[reason.value] for reason in ExceptionReason},
            }
            for row in by_staff
        ],
    }


def _public_precedents(*, shop, week: Week) -> list[dict]:
    """Return the precedents told publicly by the end of the week, per promise, with how many
    of the week's drift findings they explain (commitments/judging/public.py).

    One query, and one more for the week's drift findings when there is a public precedent.
    """
    items = []
    for finding in public_precedents(shop=shop, until=week.end).order_by(
        "promise__name", "public_at", "id"
    ):
        known = finding.promise.kind in registry.default_registry
        kind = registry.get(finding.promise.kind) if known else None
        precedent = finding.public_precedent or {}
        words_ja, words_en = (
            precedent_words(kind, precedent.get("what")) if kind is not None else ("", "")
        )
        items.append(
            {
                "finding": finding.pk,
                "promise": finding.promise_id,
                "promise_name": finding.promise.name,
                "customer": finding.customer.external_id,
                "action": finding.action.external_id,
                "at": precedent.get("at") or _iso(finding.occurred_at, week.tz),
                "what": precedent.get("what"),
                "words_en": words_en,
                "words_ja": words_ja,
                "note": finding.public_note,
                "public_at": _iso(finding.public_at, week.tz),
                "new": finding.public_at >= week.start,
                "drift": 0,
            }
        )
    if not items:
        return items
    explained: dict[int, int] = {}
    drifts = Finding.objects.filter(
        shop=shop,
        type=FindingType.DRIFT,
        occurred_at__gte=week.start,
        occurred_at__lt=week.end,
        details__has_key="public_precedents",
    ).values_list("details", flat=True)
    for details in drifts:
        for named in details.get("public_precedents") or ():
            explained[named.get("finding")] = explained.get(named.get("finding"), 0) + 1
    for item in items:
        item["drift"] = explained.get(item["finding"], 0)
    return items


def _num(value):
    """Return a float rounded for storage (so rebuilds compare equal), or None.

    None too for what is no finite number (JSON cannot store it; a report shows nothing).
    """
    if value is None:
        return None
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return round(number, 4) if math.isfinite(number) else None


def _iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """Return the moment in the shop's timezone as ISO 8601, or None."""
    return None if moment is None else moment.astimezone(tz).isoformat()
