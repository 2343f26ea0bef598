"""Reads of a shop's calendar: its weekly rules over time and the rule in force on a day."""

from datetime import date

from django.utils import timezone as dj_timezone

from .calendar import MIN_DATE, ShopCalendar
from .models import Shop, WeeklyRule


def weekly_rules_of(shop: Shop) -> list[dict]:
    """Return the shop's weekly rules in the order they take effect, one per day (the later
    written wins) and each different from the one before, as JSON values. A shop without
    rules has its fields as one rule for all time, shown from the first date a calendar
    answers for. One query, none if prefetched."""
    prefetched = getattr(shop, "_prefetched_objects_cache", {}).get("weekly_rules")
    found = (
        prefetched
        if prefetched is not None
        else WeeklyRule.objects.filter(shop=shop).select_related("created_by")
    )
    rules = sorted(found, key=lambda rule: (rule.effective_from, rule.pk))
    by_day: dict[date, WeeklyRule] = {}
    for rule in rules:
        by_day[rule.effective_from] = rule
    if not by_day:
        return [
            {
                "effective_from": MIN_DATE,
                "closed_weekdays": list(shop.closed_weekdays or ()),
                "business_hours": list(shop.business_hours or ()),
                "reason": "",
                "created_by": None,
                "created_at": None,
            }
        ]
    # A rule that repeats the one before it changes nothing (e.g. a scheduled change that
    # was called off by writing the old rule for its day): shown once, from the first.
    timeline: list[WeeklyRule] = []
    for rule in by_day.values():
        previous = timeline[-1] if timeline else None
        if previous is None or (previous.closed_weekdays, previous.business_hours) != (
            rule.closed_weekdays,
            rule.business_hours,
        ):
            timeline.append(rule)
    return [
        {
            "effective_from": rule.effective_from,
            "closed_weekdays": list(rule.closed_weekdays or ()),
            "business_hours": list(rule.business_hours or ()),
            "reason": rule.reason,
            "created_by": rule.created_by.get_username() if rule.created_by_id else None,
            "created_at": rule.created_at,
        }
        for rule in timeline
    ]


def rule_in_force(rules: list[dict], day: date) -> dict:
    """Return the rule of `weekly_rules_of` in force on the day (the first one before it)."""
    found = rules[0]
    for rule in rules:
        if rule["effective_from"] <= day:
            found = rule
    return found


def shop_today(shop: Shop) -> date:
    """Return today's date in the shop's time."""
    return dj_timezone.now().astimezone(ShopCalendar(timezone=shop.timezone).tz).date()


def shop_with_calendar(shop: Shop) -> dict:
    """Return the shop as the API shows it: its calendar with the weekly rule in force today
    (`closed_weekdays`, `business_hours`) and every weekly rule (`weekly_rules`)."""
    rules = weekly_rules_of(shop)
    today = shop_today(shop)
    now = rule_in_force(rules, today)
    return {
        "id": shop.pk,
        "slug": shop.slug,
        "name": shop.name,
        "timezone": shop.timezone,
        "closed_weekdays": now["closed_weekdays"],
        "holidays": shop.holidays,
        "business_hours": now["business_hours"],
        "closures": shop.closures or [],
        "open_days": shop.open_days or [],
        "created_at": shop.created_at,
        "weekly_rules": [
            {**rule, "in_force": rule is now, "upcoming": rule["effective_from"] > today}
            for rule in rules
        ],
    }
