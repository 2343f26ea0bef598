"""Web pages of the reports app: the list of weekly reports and one report with its charts."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role
from commitments.models import ExceptionReason

from .builder import report_build
from .charts import trend_svg
from .selectors import reports_of_shop, week_just_ended
from .services import report_get_or_build
from .weeks import current_week, parse_week

REASON_LABELS = {
    ExceptionReason.OUR_MISTAKE: gettext_lazy("our mistake"),
    ExceptionReason.DEADLINE: gettext_lazy("customer deadline"),
    ExceptionReason.GOODWILL: gettext_lazy("goodwill"),
    ExceptionReason.OTHER: gettext_lazy("other"),
}
# A level's unit in words, after an average ("7.79 lines"); a closed-day reply averages to a share.
UNIT_LABELS = {
    "lines": gettext_lazy("lines"),
    "business_days_late": gettext_lazy("business days late"),
    "business_hours": gettext_lazy("business hours"),
    "days_after_shipment": gettext_lazy("days after shipment"),
    "days": gettext_lazy("days"),
    "hours": gettext_lazy("hours"),
    "extras": gettext_lazy("extras"),
    "closed_day_reply": gettext_lazy("share of inquiries answered on a closed day"),
}


@login_required
@require_GET
def report_list(request, shop):
    """Show the shop's stored reports, and the build form to managers."""
    shop, role = shop_for(request.user, shop)
    now = timezone.now()
    return render(
        request,
        "reports/report_list.html",
        {
            "shop": shop,
            "reports": reports_of_shop(shop=shop),
            "can_build": ROLE_RANK[Role(role)] >= ROLE_RANK[Role.MANAGER],
            "last_week": week_just_ended(now=now, tz=shop.timezone).label,
            "this_week": current_week(now, shop.timezone).label,
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
    messages.success(request, _("The report of %(week)s was built.") % {"week": report.week})
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
    sections = []
    for section in report.data["promises"]:
        unit = str(UNIT_LABELS.get(section["level_unit"], section["level_unit"]))
        chart = trend_svg(
            points=[(point["week"], point["avg_level"]) for point in section["trend"]],
            promised=section["promised_level"],
            title=_("%(promise)s: average level per week") % {"promise": section["name"]},
            unit=unit,
            flagged=section["shop_drift"]["flagged"],
            higher_is_better=section["higher_is_better"],
            better_label=_("better"),
        )
        at_risk = [
            {**row, "last_at": (row["last_at"] or "")[:16].replace("T", " ")}
            for row in section["at_risk"]
        ]
        sections.append({**section, "level_unit": unit, "chart": chart, "at_risk": at_risk})
    exceptions = report.data["exceptions"]
    changes = [
        {
            **change,
            "before": None
            if change["before"] is None
            else json.dumps(change["before"], ensure_ascii=False, sort_keys=True),
            "after": json.dumps(change["after"], ensure_ascii=False, sort_keys=True),
            "effective_from": change["effective_from"][:16].replace("T", " "),
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
