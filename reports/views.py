"""Web pages of the reports app: the list of weekly reports and one report with its charts."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role
from policies.levels import gap_words, is_directed, level_words, unit_name
from policies.vocabulary import ExceptionReason

from .builder import report_build
from .charts import trend_svg
from .selectors import reports_of_shop, week_just_ended
from .services import report_get_or_build
from .weeks import current_week, parse_week, week_words

# How many ended weeks the week picker offers.
WEEK_CHOICES = 26
# Why staff made an exception, in words (policies.vocabulary.ExceptionReason, defined once).
REASON_LABELS = dict(ExceptionReason.choices)


@login_required
@require_GET
def report_list(request, shop):
    """Show the shop's stored reports, and the build form to managers."""
    shop, role = shop_for(request.user, shop)
    now = timezone.now()
    this_week = current_week(now, shop.timezone)
    reports = list(reports_of_shop(shop=shop))
    for report in reports:
        report.week_words = week_words(parse_week(report.week, shop.timezone))
    return render(
        request,
        "reports/report_list.html",
        {
            "shop": shop,
            "reports": reports,
            "can_build": ROLE_RANK[Role(role)] >= ROLE_RANK[Role.MANAGER],
            "last_week": week_just_ended(now=now, tz=shop.timezone).label,
            "this_week": this_week.label,
            "this_week_words": week_words(this_week),
            # The week picker: the weeks that have ended, newest first, named by their dates.
            "week_choices": [
                {"value": week.label, "label": week_words(week)}
                for week in (this_week.shifted(-offset) for offset in range(1, WEEK_CHOICES + 1))
            ],
        },
    )


@login_required
@require_POST
def report_build_view(request, shop):
    """Build (or rebuild) the report of the posted week, then show it."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    week = request.POST.get("week", "")
    try:
        report_week = parse_week(week, shop.timezone)
        if report_week.start > timezone.now():
            raise ValidationError(_("That week has not started yet."), code="invalid_param")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:report-list", shop=shop.slug)
    report = report_build(shop=shop, week=report_week.label)
    messages.success(
        request, _("The report of %(week)s was built.") % {"week": week_words(report_week)}
    )
    return redirect("reports:report-detail", shop=shop.slug, week=report.week)


@login_required
@require_GET
def report_detail(request, shop, week):
    """Show one week's report: tables and a trend chart per promise, customers, changes."""
    shop, role = shop_for(request.user, shop)
    try:
        report = report_get_or_build(shop=shop, week=week)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:report-list", shop=shop.slug)
    sections = [_section(section, shop=shop) for section in report.data["promises"]]
    exceptions = report.data["exceptions"]
    changes = [
        {
            **change,
            "before": None
            if change["before"] is None
            else json.dumps(change["before"], ensure_ascii=False, sort_keys=True),
            "after": json.dumps(change["after"], ensure_ascii=False, sort_keys=True),
            "effective_from": change["effective_from"],
        }
        for change in report.data["changes"]
    ]
    csv_url = (
        reverse("api-report-detail", kwargs={"shop": shop.slug, "week": report.week})
        + "?format=csv"
    )
    return render(
        request,
        "reports/report_detail.html",
        {
            "shop": shop,
            "report": report,
            "week_words": week_words(parse_week(report.week, shop.timezone)),
            "data": report.data,
            "sections": sections,
            "changes": changes,
            "exception_reasons": [
                {**row, "label": REASON_LABELS.get(row["reason"], row["reason"])}
                for row in exceptions["by_reason"]
            ],
            "reason_labels": list(REASON_LABELS.values()),
            "exception_staff": [
                {**row, "counts": [row["by_reason"].get(reason, 0) for reason in REASON_LABELS]}
                for row in exceptions["by_staff"]
            ],
            "csv_url": csv_url,
            "can_build": ROLE_RANK[Role(role)] >= ROLE_RANK[Role.MANAGER],
        },
    )


def _section(section: dict, *, shop) -> dict:
    """Return one promise's part of the report, with its levels in words and its chart."""
    unit_code = section["level_unit"]
    unit = unit_name(unit_code)
    rows = []
    for point in section["trend"]:
        week = parse_week(point["week"], shop.timezone)
        rows.append(
            {
                "label": formats.date_format(week.monday, "n/j"),
                "title": week_words(week),
                "value": point["avg_level"],
                "words": level_words(unit_code, point["avg_level"]),
                "measured": point["measured"],
            }
        )
    table_id = f"trend-{section['id']}"
    chart = trend_svg(
        points=[(row["label"], row["value"]) for row in rows],
        titles=[row["title"] for row in rows],
        promised=section["promised_level"],
        title=_("%(promise)s: average level per week") % {"promise": section["name"]},
        unit=unit,
        flagged=section["shop_drift"]["flagged"],
        higher_is_better=section["higher_is_better"] if is_directed(unit_code) else None,
        better_label=_("better"),
        described_by=table_id,
    )
    at_risk = [
        {
            **row,
            "best_words": level_words(unit_code, row["best_level"]),
            "last_words": level_words(unit_code, row["last_level"]),
            "gap_words": gap_words(unit_code, row["gap"]),
        }
        for row in section["at_risk"]
    ]
    drift = section["shop_drift"]
    return {
        **section,
        "level_unit": unit,
        "chart": chart,
        "trend_rows": rows,
        "trend_table_id": table_id,
        "at_risk": at_risk,
        "promised_words": level_words(unit_code, section["promised_level"]),
        "avg_words": level_words(unit_code, section["avg_level"]),
        "drift_words": {
            "start": level_words(unit_code, drift.get("start")),
            "latest": level_words(unit_code, drift.get("latest")),
            "threshold": gap_words(unit_code, drift.get("threshold")),
            "start_week": week_words(parse_week(drift["start_week"], shop.timezone))
            if drift.get("start_week")
            else "",
            "latest_week": week_words(parse_week(drift["latest_week"], shop.timezone))
            if drift.get("latest_week")
            else "",
        },
    }
