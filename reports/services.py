"""Writes of the reports app: build on demand, e-mail once, the weekly delivery."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .builder import report_build
from .emails import report_messages
from .models import Report
from .selectors import report_for_week, report_recipients
from .weeks import parse_week


def report_get_or_build(*, shop, week: str, now: datetime | None = None) -> Report:
    """Return the stored report of the week, building it if missing or built before it ended."""
    now = now or timezone.now()
    report_week = parse_week(week, shop.timezone)
    if report_week.start > now:
        raise ValidationError(
            _("The week %(week)s has not started yet."),
            code="invalid_param",
            params={"field": "week", "week": report_week.label},
        )
    report = report_for_week(shop=shop, week=report_week.label)
    # A report built while its week was running is replaced once the week is over.
    stale = report is not None and report.built_at < report_week.end <= now
    if report is None or stale:
        report = report_build(shop=shop, week=report_week.label)
    return report


def report_email(*, report: Report, force: bool = False) -> int:
    """Record the report as e-mailed to the shop's managers; return how many were sent.

    Without `force` a report already e-mailed is not sent again, even by two jobs at once:
    the row is locked while sending.
    """
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("shop").get(pk=report.pk)
        if locked.emailed_at is not None and not force:
            return 0
        recipients = report_recipients(shop=locked.shop)
        messages = report_messages(report=locked, recipients=recipients)
        if messages:
            get_connection().send_messages(messages)
        locked.emailed_at = timezone.now()
        locked.emailed_to = recipients
        locked.full_clean()
        locked.save(update_fields=["emailed_at", "emailed_to"])
    report.emailed_at, report.emailed_to = locked.emailed_at, locked.emailed_to
    return len(messages)


def report_deliver(*, shop, week: str) -> Report:
    """Record the week's report (rebuilt whole) and e-mail it, unless it was e-mailed already."""
    report = report_for_week(shop=shop, week=week)
    if report is not None and report.emailed_at is not None:
        return report
    report = report_build(shop=shop, week=week)
    report_email(report=report)
    return report
