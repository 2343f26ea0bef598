"""Reads of the platforms app."""

from .models import WebhookDelivery

RECENT = 20


def deliveries_recent(*, shop, limit: int = RECENT) -> list[WebhookDelivery]:
    """Return the shop's latest webhook deliveries, newest first."""
    return list(
        WebhookDelivery.objects.filter(shop=shop)
        .defer("payload")
        .order_by("-received_at", "-id")[:limit]
    )
