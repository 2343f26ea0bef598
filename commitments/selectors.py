"""Reads of the log and what it derives, shared by the API, the UI, the pre-check and reports."""

import re
import unicodedata
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace

from policies.kinds import registry

from .models import (
    Action,
    ActionException,
    Check,
    Commitment,
    Customer,
    ExceptionStatus,
    Finding,
    FindingStatus,
    Occasion,
    action_waiting,
)


def customer_by_external_id(*, shop, external_id: str) -> Customer | None:
    """Return the shop's customer with this external id, or None."""
    return Customer.objects.filter(shop=shop, external_id=external_id).first()


def occasion_by_external_id(*, shop, external_id: str) -> Occasion | None:
    """Return the shop's occasion with this external id, or None."""
    return (
        Occasion.objects.select_related("customer")
        .filter(shop=shop, external_id=external_id)
        .first()
    )


def action_by_external_id(*, shop, external_id: str) -> Action | None:
    """Return the shop's action with this external id (customer, exception and whether it
    waits to be judged loaded)."""
    return (
        Action.objects.select_related("customer", "exception")
        .annotate(waiting=action_waiting())
        .filter(shop=shop, external_id=external_id)
        .first()
    )


def _findings() -> QuerySet[Finding]:
    return Finding.objects.select_related(
        "customer", "promise", "promise_version", "action", "occasion"
    )


def findings_for_shop(*, shop, filters: dict | None = None) -> QuerySet[Finding]:
    """Return the shop's findings, newest first, narrowed by the filters given.

    filters: `type`, `status`, `excused` (bool), `customer` (external id), `promise` (id),
    `staff` (who did the action), `since` / `until` (aware datetimes: since <= occurred_at <
    until; an ISO week's start and end in shop time).
    """
    filters = filters or {}
    findings = _findings().filter(shop=shop)
    if filters.get("type"):
        findings = findings.filter(type=filters["type"])
    if filters.get("status"):
        findings = findings.filter(status=filters["status"])
    if filters.get("excused") is not None:
        findings = findings.filter(excused=filters["excused"])
    if filters.get("customer"):
        findings = findings.filter(customer__external_id=filters["customer"])
    if filters.get("promise"):
        findings = findings.filter(promise_id=filters["promise"])
    if filters.get("staff"):
        findings = findings.filter(action__staff=filters["staff"])
    since: datetime | None = filters.get("since")
    until: datetime | None = filters.get("until")
    if since is not None:
        findings = findings.filter(occurred_at__gte=since)
    if until is not None:
        findings = findings.filter(occurred_at__lt=until)
    return findings.order_by("-occurred_at", "-id")


def findings_for_action(*, action) -> QuerySet[Finding]:
    """Return the findings of one action, in promise order then type."""
    return _findings().filter(action=action).order_by("promise_id", "type")


def findings_for_customer(*, customer) -> QuerySet[Finding]:
    """Return one customer's findings, newest first."""
    return _findings().filter(customer=customer).order_by("-occurred_at", "-id")


def commitments_for_customer(*, customer) -> QuerySet[Commitment]:
    """Return one customer's commitments with their promises, in promise order."""
    return (
        Commitment.objects.select_related("promise")
        .filter(customer=customer)
        .order_by("promise_id")
    )


def commitments_for_customers(*, shop, customer_ids) -> QuerySet[Commitment]:
    """Return the commitments of many customers of the shop (for batch reads)."""
    return Commitment.objects.filter(shop=shop, customer_id__in=customer_ids).select_related(
        "promise"
    )


# ------------------------------------------------------------------------------
# Customers: search, list, one customer's page
# ------------------------------------------------------------------------------
RECENT_OCCASIONS = 200


def _customer_match(q: str) -> Q:
    # The id by prefix (the shop's ids are what staff type), name anywhere, e-mail by prefix.
    return Q(external_id__istartswith=q) | Q(name__icontains=q) | Q(email__istartswith=q)


def customers_search(*, shop, q: str, limit: int = 10) -> list[Customer]:
    """Return up to `limit` customers whose id, name or e-mail matches, the exact id first."""
    q = (q or "").strip()
    if not q:
        return []
    exact = Customer.objects.filter(shop=shop, external_id=q).first()
    found = list(
        Customer.objects.filter(_customer_match(q), shop=shop)
        .exclude(external_id=q)
        .order_by("external_id")[: limit - 1 if exact else limit]
    )
    return [exact, *found] if exact else found


_SPACES = re.compile(r"\s+")


def customer_name_key(text: str) -> str:
    """Return a name as compared for an exact match: NFKC, case-folded, without spaces.

    阿部 美紀, 阿部美紀 and 阿部　美紀 (an ideographic space) are one name.
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def customers_matching(*, shop, text: str, limit: int = 20) -> list[Customer]:
    """Return the customers whose external id, name or e-mail is exactly `text`.

    The exact external id wins alone. Otherwise every customer whose name or e-mail equals
    the text (case-insensitive, NFKC; spaces in a name do not matter), by external id. Two
    queries at most; the name is compared in the database without its spaces (ASCII and
    ideographic) and then exactly here, so a stored name in full-width letters is only found
    when typed the same way.
    """
    text = (text or "").strip()
    if not text:
        return []
    exact = Customer.objects.filter(shop=shop, external_id=text).first()
    if exact is not None:
        return [exact]
    key = customer_name_key(text)
    email = unicodedata.normalize("NFKC", text).strip()
    spaceless = Replace(Replace(Lower("name"), Value(" "), Value("")), Value("\u3000"), Value(""))
    candidates = (
        Customer.objects.filter(shop=shop)
        .annotate(name_key=spaceless)
        .filter(Q(name_key=key) | Q(email__iexact=email))
        .order_by("external_id")[: limit * 2]
    )
    return [
        customer
        for customer in candidates
        if customer_name_key(customer.name) == key or customer.email.lower() == email.lower()
    ][:limit]


def customers_page(*, shop, q: str = "", after: str = "", limit: int = 50) -> tuple[list, bool]:
    """Return a page of the shop's customers by external id after `after`, and whether more follow.

    Keyset paging on the (shop, external_id) unique index: a page costs the same wherever it
    is, and nothing counts every customer.
    """
    customers = Customer.objects.filter(shop=shop)
    q = (q or "").strip()
    if q:
        customers = customers.filter(_customer_match(q))
    if after:
        customers = customers.filter(external_id__gt=after)
    rows = list(customers.order_by("external_id")[: limit + 1])
    return rows[:limit], len(rows) > limit


def open_findings_counts(*, shop, customer_ids) -> dict[int, int]:
    """Return, per customer id, the number of open findings that are not excused."""
    rows = (
        Finding.objects.filter(
            shop=shop,
            customer_id__in=list(customer_ids),
            status=FindingStatus.OPEN,
            excused=False,
        )
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    return {row["customer_id"]: row["n"] for row in rows}


def customer_occasions(*, customer) -> list[Occasion]:
    """Return one customer's occasions, newest first."""
    return list(Occasion.objects.filter(customer=customer).order_by("-occurred_at", "-id"))


def customer_actions(*, customer) -> list[Action]:
    """Return one customer's actions with their exceptions and whether they wait to be
    judged (`judged_at`), newest first."""
    return list(
        Action.objects.filter(customer=customer)
        .select_related("customer", "exception", "exception__requested_by", "exception__decided_by")
        .annotate(waiting=action_waiting())
        .order_by("-occurred_at", "-external_id")
    )


def customer_open_occasions(*, customer, action_kinds: dict[str, str], limit: int = 50) -> list:
    """Return the customer's occasions still waiting for an action, newest first.

    `action_kinds` maps each action kind to the occasion kind it answers; an occasion is
    open for an action kind when no action of that kind answers it yet. Each occasion gets
    `open_for` (the action kinds still missing). Two queries; only the customer's latest
    RECENT_OCCASIONS occasions are looked at (an occasion older than that is not "open" in
    any way staff can still act on).
    """
    occasions = list(
        Occasion.objects.filter(customer=customer).order_by("-occurred_at", "-id")[
            :RECENT_OCCASIONS
        ]
    )
    answered: dict[str, set] = {}
    for occasion_id, kind in Action.objects.filter(
        customer=customer, occasion_external_id__in=[o.external_id for o in occasions]
    ).values_list("occasion_external_id", "kind"):
        answered.setdefault(occasion_id, set()).add(kind)
    result = []
    for occasion in occasions:
        done = answered.get(occasion.external_id, set())
        occasion.open_for = sorted(
            action
            for action, occasion_kind in action_kinds.items()
            if occasion_kind == occasion.kind and action not in done
        )
        occasion.answered_by = sorted(done)
        if occasion.open_for:
            result.append(occasion)
    return result[:limit]


# How far back an occasion still counts as open for a pre-check without an occasion: the
# sweeper's look-back (an order older than that is history, not work in progress).
OPEN_LOOK_BACK = timedelta(days=90)


def occasion_kinds_watched(action_kind: str) -> list[str]:
    """Return the occasion kinds the promise kinds judging (or reading) this kind of action
    watch: a kind reading it among an occasion's related actions (`reads_action_kinds`)
    watches that occasion for it too."""
    return sorted(
        {
            k.occasion_kind
            for k in registry.all()
            if k.action_kind == action_kind or action_kind in k.reads_action_kinds
        }
    )


def open_occasions(
    *, shop, customer: Customer | None, action_kind: str, at: datetime | None = None, limit=10
) -> list[Occasion]:
    """Return the customer's occasions still waiting for an action of this kind, newest first.

    An occasion is open when it is of a kind the promises judging this action watch and no
    action of this kind answers it yet (by the occasion's external id, so an action recorded
    before its occasion counts). With `at`, only occasions from OPEN_LOOK_BACK before it up
    to it (an action cannot answer a later occasion). One query.
    """
    kinds = occasion_kinds_watched(action_kind)
    if customer is None or not kinds:
        return []
    occasions = Occasion.objects.filter(shop=shop, customer=customer, kind__in=kinds)
    if at is not None:
        occasions = occasions.filter(occurred_at__lte=at, occurred_at__gte=at - OPEN_LOOK_BACK)
    answered = Action.objects.filter(
        shop=shop, occasion_external_id=OuterRef("external_id"), kind=action_kind
    )
    return list(occasions.exclude(Exists(answered)).order_by("-occurred_at", "-id")[:limit])


# ------------------------------------------------------------------------------
# Findings and exceptions, one by one and in queues
# ------------------------------------------------------------------------------
def finding_for_shop(*, shop, pk: int) -> Finding | None:
    """Return one finding of the shop, or None."""
    return _findings().filter(shop=shop, pk=pk).first()


def rows_counted(queryset: QuerySet, *, limit: int) -> int:
    """Return the queryset's rows counted up to `limit` (one query, at most `limit` rows read)."""
    return queryset.order_by()[:limit].count()


def findings_page(
    *,
    findings: QuerySet[Finding],
    cursor: tuple | None,
    limit: int = 50,
    oldest_first: bool = False,
):
    """Return a page of findings (newest first, or oldest first) after `cursor` (occurred_at,
    id), and the cursor of the next page.

    Keyset paging: a page deep in the list costs the same as the first.
    """
    if cursor is not None:
        moment, last_id = cursor
        if oldest_first:
            findings = findings.filter(
                Q(occurred_at__gt=moment) | Q(occurred_at=moment, id__gt=last_id)
            )
        else:
            findings = findings.filter(
                Q(occurred_at__lt=moment) | Q(occurred_at=moment, id__lt=last_id)
            )
    order = ("occurred_at", "id") if oldest_first else ("-occurred_at", "-id")
    rows = list(findings.order_by(*order)[: limit + 1])
    page = rows[:limit]
    following = (page[-1].occurred_at, page[-1].pk) if len(rows) > limit else None
    return page, following


def exceptions_for_shop(*, shop, status: str = ExceptionStatus.REQUESTED, limit: int = 200):
    """Return the shop's exceptions in this status (oldest request first) with their actions."""
    order = "created_at" if status == ExceptionStatus.REQUESTED else "-decided_at"
    return list(
        ActionException.objects.filter(action__shop=shop, status=status)
        .select_related("action", "action__customer", "requested_by", "decided_by")
        .order_by(order, "id")[:limit]
    )


def exceptions_of_shop(*, shop, status: str, newest_first: bool = False):
    """Return the shop's exceptions in the status, by request time (a queryset to page)."""
    order = "-created_at" if newest_first else "created_at"
    return (
        ActionException.objects.filter(action__shop=shop, status=status)
        .select_related("action", "action__customer", "requested_by", "decided_by")
        .order_by(order, "-id" if newest_first else "id")
    )


def exceptions_by_ids(*, shop, ids) -> list[ActionException]:
    """Return the shop's exceptions with these ids (others' ids are left out), one query."""
    return list(
        ActionException.objects.filter(action__shop=shop, pk__in=list(ids))
        .select_related("action", "action__customer", "action__shop")
        .order_by("id")
    )


def findings_by_ids(*, shop, ids) -> list[Finding]:
    """Return the shop's findings with these ids (others' ids are left out), one query."""
    return list(Finding.objects.filter(shop=shop, pk__in=list(ids)).select_related("shop"))


def exception_for_shop(*, shop, pk: int) -> ActionException | None:
    """Return one exception of the shop's actions, or None."""
    return (
        ActionException.objects.filter(action__shop=shop, pk=pk)
        .select_related("action", "action__customer", "action__shop")
        .first()
    )


def findings_by_action(*, action_ids) -> dict[int, list[Finding]]:
    """Return the findings of these actions, grouped by action id (one query)."""
    grouped: dict[int, list[Finding]] = {}
    for finding in (
        Finding.objects.filter(action_id__in=list(action_ids))
        .select_related("promise", "promise_version")
        .order_by("promise_id", "type")
    ):
        grouped.setdefault(finding.action_id, []).append(finding)
    return grouped


def repeat_customers_above(question) -> tuple[int, list[dict]]:
    """Answer policies.hooks.ImpactQuestion: the repeat customers (2+ orders) whose best
    level of the promise is better than the question's level, best first. One query."""
    from django.db.models import F, IntegerField, Subquery, Window
    from django.db.models.functions import Coalesce

    orders = Subquery(
        Occasion.objects.filter(
            shop_id=question.shop_id,
            customer_id=OuterRef("customer_id"),
            kind="order_placed",
        )
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    level, higher = question.level, question.higher_is_better
    above = Q(best_level__gt=level) if higher else Q(best_level__lt=level)
    best_first = F("best_level").desc() if higher else F("best_level").asc()
    rows = list(
        Commitment.objects.filter(promise_id=question.promise_id)
        .filter(above)
        .annotate(orders=Coalesce(orders, 0))
        .filter(orders__gte=2)
        .annotate(total=Window(Count("pk")))
        .order_by(best_first, "customer__external_id")
        .values(
            "customer__external_id",
            "customer__name",
            "best_level",
            "last_level",
            "orders",
            "total",
        )[: question.limit]
    )
    customers = [
        {
            "customer": row["customer__external_id"],
            "name": row["customer__name"],
            "best_level": row["best_level"],
            "last_level": row["last_level"],
            "orders": row["orders"],
        }
        for row in rows
    ]
    return (rows[0]["total"] if rows else 0), customers


def shop_log_delete(shop_id: int) -> None:
    """Delete the shop's findings and checks (they protect its promise versions): the
    first step of policies.services.shop_delete, through policies.hooks.

    The shop's customers are locked first, in id order as judging locks them: a judging
    batch running now commits before (its rows are deleted here), one starting later finds
    no customer. Checks and commitments have no database constraint to their action and
    customer to catch a batch writing under the deletion (models.py, above Check).
    """
    list(
        Customer.objects.select_for_update()
        .filter(shop_id=shop_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    Finding.objects.filter(shop_id=shop_id).delete()
    Check.objects.filter(shop_id=shop_id).delete()


def actions_unjudged_answering(*, occasion_ids: list[int]) -> list[int]:
    """Return the ids of the unjudged actions that answer these occasions.

    Read by the occasions (their index: the batch's few hundred actions), each asking for its
    row of the actions waiting (`action_waiting`), the unjudged kept here. A condition on the
    waiting alone could be planned on every action waiting in every shop (an import's own):
    30 ms a batch at 100k and growing with the import when it was a partial index
    (docs/PERFORMANCE.md, "Import with judging by the workers").
    """
    return [
        pk
        for pk, waiting in Action.objects.filter(occasion_id__in=occasion_ids)
        .annotate(waiting=action_waiting())
        .values_list("id", "waiting")
        if waiting
    ]
