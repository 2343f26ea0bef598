"""The calendar page: a month of open and closed days, and the manager's calendar editor."""

import re
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role

from .calendar import APPLIES_TO, ShopCalendar
from .calendar_selectors import shop_with_calendar
from .shop_services import HOLIDAY_COUNTRIES, calendar_update

_PATH = re.compile(r"^(?P<name>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>\w+))?$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _month_from(value: str | None, today: date) -> date:
    """Return the first day of the month in `?month=YYYY-MM`, or of today's month."""
    match = _MONTH.match(value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if 1900 <= year <= 2999 and 1 <= month <= 12:
            return date(year, month, 1)
    return today.replace(day=1)


def _shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _reason_text(reason: str) -> str:
    """Return one closing reason of a Day in the user's language."""
    kind, _sep, rest = reason.partition(": ")
    if kind == "holiday":
        return _("holiday: %(name)s") % {"name": rest}
    if reason == "closed weekday":
        return _("closed weekday")
    if kind == "closure":
        return _("closure: %(label)s") % {"label": rest} if rest else _("closure")
    return reason


def _month_weeks(calendar: ShopCalendar, first: date, today: date) -> list[list[dict]]:
    """Return the weeks (Monday first) covering the month, each day with what is open."""
    last = _shift_month(first, 1) - timedelta(days=1)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    cells = [
        {
            "day": day,
            "in_month": day.date.month == first.month,
            "today": day.date == today,
            # The holiday's name is shown on its own; the other reasons are listed.
            "reasons": [
                _reason_text(reason) for reason in day.reasons if not reason.startswith("holiday: ")
            ],
            "open_override": day.date in calendar.open_days,
        }
        for day in calendar.days(grid_start, grid_end)
    ]
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def _rows(post, names: tuple[str, ...], keys: tuple[str, ...], *, ignore=()) -> list[dict]:
    """Return the non-empty rows of a repeated group of form fields."""
    columns = [post.getlist(name) for name in names]
    rows = []
    for values in zip(*columns, strict=False):
        row = {key: value.strip() for key, value in zip(keys, values, strict=True)}
        if any(value for key, value in row.items() if key not in ignore):
            rows.append(row)
    return rows


def _payload(post) -> tuple[dict, dict]:
    """Return the calendar payload from the editor form, and its rows for redisplay."""
    rows = {
        "business_hours": _rows(post, ("bh_start", "bh_end"), ("start", "end")),
        "closures": _rows(
            post,
            ("closure_start", "closure_end", "closure_label", "closure_applies_to"),
            ("start", "end", "label", "applies_to"),
            ignore=("applies_to",),
        ),
        "open_days": _rows(post, ("open_day",), ("date",)),
    }
    payload = {
        "timezone": post.get("timezone", "").strip(),
        "holidays": post.get("holidays", ""),
        "closed_weekdays": post.getlist("closed_weekdays"),
        "business_hours": rows["business_hours"],
        "closures": rows["closures"],
        "open_days": [row["date"] for row in rows["open_days"]],
        # Empty: the weekly rules apply from today (shop time).
        "effective_from": post.get("effective_from", "").strip() or None,
    }
    return payload, rows


def _field_labels() -> dict[str, str]:
    return {"start": _("From"), "end": _("To"), "label": _("Label"), "applies_to": _("Closes")}


def _applies_to_labels() -> dict[str, str]:
    return {"all": _("all"), "shipping": _("shipping only"), "inquiries": _("inquiries only")}


def _attach_errors(error: ValidationError, rows: dict) -> dict:
    """Put each error of the service next to its row and field; return the others by field."""
    general: dict[str, list[str]] = {}
    for path, messages_ in error.message_dict.items():
        match = _PATH.match(path)
        name = match["name"] if match else path
        if match and match["index"] is not None and name in rows:
            index = int(match["index"])
            if index < len(rows[name]):
                label = _field_labels().get(match["sub"] or "")
                rows[name][index].setdefault("errors", []).extend(
                    f"{label}: {message}" if label else message for message in messages_
                )
                continue
        key = "form" if name == NON_FIELD_ERRORS else name
        general.setdefault(key, []).extend(messages_)
    return general


def _stored_rows(shop, shown: dict) -> dict:
    """Return the shop's calendar lists as editor rows (the weekly rule in force today)."""
    return {
        "business_hours": [dict(period) for period in shown["business_hours"]],
        "closures": [dict(closure) for closure in shop.closures or []],
        "open_days": [{"date": value} for value in shop.open_days or []],
    }


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request, shop):
    """Render the month view; managers also get the editor, which saves the calendar."""
    needed = Role.MANAGER if request.method == "POST" else Role.VIEWER
    shop, role = shop_for(request.user, shop, role=needed)
    can_edit = ROLE_RANK[Role(role)] >= ROLE_RANK[Role.MANAGER]
    errors: dict = {}
    failed = False
    shown = shop_with_calendar(shop)
    rows = _stored_rows(shop, shown)
    form_values = {
        "timezone": shop.timezone,
        "holidays": shop.holidays,
        "closed_weekdays": [str(value) for value in shown["closed_weekdays"]],
        "effective_from": "",
    }
    if request.method == "POST":
        payload, rows = _payload(request.POST)
        try:
            calendar_update(shop=shop, actor=request.user, calendar=payload)
        except ValidationError as error:
            failed = True
            errors = _attach_errors(error, rows)
            form_values = {
                "timezone": payload["timezone"],
                "holidays": payload["holidays"],
                "closed_weekdays": payload["closed_weekdays"],
                "effective_from": payload["effective_from"] or "",
            }
            messages.error(request, _("The calendar was not saved: see the errors below."))
        else:
            messages.success(request, _("The calendar was saved."))
            url = reverse("policies:calendar", kwargs={"shop": shop.slug})
            month = request.POST.get("month", "")
            return redirect(f"{url}?month={month}" if _MONTH.match(month) else url)

    labels = _applies_to_labels()
    for row in rows["closures"]:
        row["applies_to_label"] = labels.get(row.get("applies_to"), row.get("applies_to"))
    calendar = ShopCalendar.for_shop(shop)
    today = dj_timezone.now().astimezone(calendar.tz).date()
    in_force = calendar.rule_on(today)
    weekly_rules = [
        {
            **rule,
            "closed_names": [WEEKDAYS[i] for i in rule["closed_weekdays"]],
            "state": _("upcoming")
            if rule["upcoming"]
            else _("in force")
            if rule["in_force"]
            else _("past"),
        }
        for rule in shown["weekly_rules"]
    ]
    first = _month_from(request.GET.get("month") or request.POST.get("month"), today)
    context = {
        "shop": shop,
        "role": role,
        "can_edit": can_edit,
        "calendar": calendar,
        "month": first,
        "month_param": f"{first:%Y-%m}",
        "prev_month": f"{_shift_month(first, -1):%Y-%m}",
        "next_month": f"{_shift_month(first, 1):%Y-%m}",
        "this_month": f"{today:%Y-%m}",
        "weekday_heads": [WEEKDAYS_ABBR[i] for i in range(7)],
        "weekdays": [(str(i), WEEKDAYS[i]) for i in range(7)],
        "closed_weekday_names": [WEEKDAYS[i] for i in sorted(in_force.closed_weekdays)],
        "business_hours_now": in_force.business_hours,
        "weekly_rules": weekly_rules,
        "today": today,
        "weeks": _month_weeks(calendar, first, today),
        "holiday_choices": [
            (code, _("Japan") if code else _("None")) for code in HOLIDAY_COUNTRIES
        ],
        "applies_to_choices": [(value, labels[value]) for value in APPLIES_TO],
        "rows": rows,
        "form_values": form_values,
        "errors": errors,
    }
    return render(request, "policies/calendar.html", context, status=400 if failed else 200)
