"""Reads of the alerts app."""

from .models import AlertSubscription, ReportRecipient


def subscriptions_of(*, shop) -> list[AlertSubscription]:
    return list(AlertSubscription.objects.filter(shop=shop).order_by("pk"))


def report_recipients_chosen(shop) -> list[str] | None:
    """Return the chosen report recipients, or None when the manager chose none."""
    emails = list(ReportRecipient.objects.filter(shop=shop).values_list("email", flat=True))
    return emails or None
