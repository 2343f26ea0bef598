"""Reads of the log and what it derives, shared by the API, the UI, the pre-check and reports."""

from datetime import datetime

from django.db.models import QuerySet

from .models import Action, Commitment, Customer, Finding, Occasion


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
    """Return the shop's action with this external id (customer and exception loaded)."""
    return (
        Action.objects.select_related("customer", "exception")
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
    `since` / `until` (aware datetimes: since <= occurred_at < until; an ISO week's start and
    end in shop time).
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
