"""django-rq jobs of the reports app: they take ids and wrap services."""

from datetime import datetime

import django_rq
from django.conf import settings
from django.utils import timezone

from policies.models import Shop

from . import selectors, services


def weekly_reports_due(now: datetime | None = None) -> list[tuple[int, str]]:
    """Enqueue the delivery of every report due now (run hourly); return (shop id, week)."""
    due = selectors.weekly_reports_due(now=now or timezone.now())
    queue = django_rq.get_queue(settings.JOB_QUEUES.get("reports", "reports"))
    for shop, week in due:
        queue.enqueue(report_deliver, shop.id, week)
    return [(shop.id, week) for shop, week in due]


def report_deliver(shop_id: int, week: str) -> str:
    """Build and e-mail the shop's report of the week (once); return the week."""
    shop = Shop.objects.get(pk=shop_id)
    return services.report_deliver(shop=shop, week=week).week
