"""Reads of stored reports, and which shops are due their weekly report."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.models import Role
from policies.models import Shop

from .models import Report
from .weeks import Week, current_week

# The weekly report goes out on the week's first business day (Monday unless the shop is
# closed then, e.g. a Monday holiday) from this hour, shop time.
SEND_WEEKDAY = 0
SEND_HOUR = 9


def first_business_day(shop, monday):
    """Return the week's first day open for shipping or inquiries (Monday if none is)."""
    from policies.calendar import ShopCalendar

    calendar = ShopCalendar.for_shop(shop)
    for offset in range(7):
        day = calendar.day(monday + timedelta(days=offset))
        if day.shipping_open or day.inquiries_open:
            return day.date
    return monday + timedelta(days=SEND_WEEKDAY)


def reports_of_shop(*, shop):
    """Return the shop's stored reports, newest week first."""
    return Report.objects.filter(shop=shop).order_by("-week")


def report_for_week(*, shop, week: str) -> Report | None:
    """Return the shop's stored report of the week, or None."""
    return Report.objects.filter(shop=shop, week=week).first()


def week_just_ended(*, now: datetime, tz: ZoneInfo | str) -> Week:
    """Return the last full ISO week before the moment, in the timezone."""
    return current_week(now, tz).shifted(-1)


def weekly_reports_due(*, now: datetime) -> list[tuple[Shop, str]]:
    """Return (shop, week) for each shop whose report of last week is due and not e-mailed.

    Due from Monday 09:00 shop time; a run missed at 09:00 (worker down) is caught up by
    the next hourly run of the same week, and a report e-mailed once is never due again.
    """
    due = []
    for shop in Shop.objects.order_by("id"):
        tz = ZoneInfo(shop.timezone)
        this_week = current_week(now, tz)
        send_from = datetime.combine(
            first_business_day(shop, this_week.monday), time(SEND_HOUR), tzinfo=tz
        )
        # A shop that did not exist last week has nothing to report for it.
        if now >= send_from and shop.created_at < this_week.start:
            due.append((shop, this_week.shifted(-1).label))
    if not due:
        return []
    sent = set(
        Report.objects.filter(
            Q(emailed_at__isnull=False),
            Q(shop__in=[shop for shop, _week in due]),
            Q(week__in={week for _shop, week in due}),
        ).values_list("shop_id", "week")
    )
    return [(shop, week) for shop, week in due if (shop.id, week) not in sent]


def report_recipients(*, shop) -> list[str]:
    """Return the addresses the manager chose (alerts page), else the shop's managers'."""
    from .hooks import recipients_chosen

    chosen = recipients_chosen(shop)
    if chosen is not None:
        return sorted(set(chosen))
    return sorted(
        set(
            get_user_model()
            .objects.filter(memberships__shop=shop, memberships__role=Role.MANAGER, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
