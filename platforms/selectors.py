"""Reads of the platforms app."""

from .models import ColumnProfile, WebhookDelivery

RECENT = 20


def deliveries_recent(*, shop, limit: int = RECENT) -> list[WebhookDelivery]:
    """Return the shop's latest webhook deliveries, newest first."""
    return list(
        WebhookDelivery.objects.filter(shop=shop)
        .defer("payload")
        .order_by("-received_at", "-id")[:limit]
    )


def column_profiles(*, shop) -> list[ColumnProfile]:
    """Return the shop's own column mappings by name."""
    return list(ColumnProfile.objects.filter(shop=shop).order_by("name"))
