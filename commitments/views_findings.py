"""The findings list with its filters, and acknowledging / resolving a finding with a note."""

import csv
import io
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role
from policies.selectors import shop_promises

from . import public_precedents, selectors, services
from .forms import FindingFilterForm, FindingStatusForm, record_kind_label
from .views import customer_url, kind_label, message_of, safe_next, status_label, type_label
from .views_exceptions import action_name

PAGE_SIZE = 50
# The list says how many findings match, counted up to this ("More than 10000 findings"):
# counting every finding of a busy shop on each page would cost a scan of all of them.
COUNT_MAX = 10_000


def _cursor(value: str) -> tuple | None:
    """Return the (occurred_at, id) a `cursor` parameter names, or None when it is not one."""
    moment, _sep, pk = value.rpartition("~")
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return None
    if parsed.tzinfo is None or not pk.isdigit():
        return None
    return parsed, int(pk)


@login_required
@require_GET
def finding_list(request, shop):
    """Render the shop's findings, newest first, filtered and paged by a cursor."""
    shop, role = shop_for(request.user, shop, role=Role.VIEWER)
    tz = ZoneInfo(shop.timezone)
    promises = list(shop_promises(shop=shop, include_retired=True))
    form = FindingFilterForm(request.GET or None, promises=promises)
    rows, following, status, total, total_more = [], None, 200, 0, False
    oldest_first = request.GET.get("order") == "oldest"
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.filters(tz=tz) if form.is_bound else {}
        findings = selectors.findings_for_shop(shop=shop, filters=filters)
        total = selectors.rows_counted(findings, limit=COUNT_MAX + 1)
        total_more = total > COUNT_MAX
        total = min(total, COUNT_MAX)
        page, following = selectors.findings_page(
            findings=findings,
            cursor=_cursor(request.GET.get("cursor", "")),
            limit=PAGE_SIZE,
            oldest_first=oldest_first,
        )
        rows = [
            {
                "finding": finding,
                "action_name": action_name(finding.action) if finding.action else "",
                "message": message_of(finding),
                "type_label": type_label(finding.type),
                "status_label": status_label(finding.status),
                "promise_label": kind_label(finding.promise.kind),
                "customer_url": customer_url(shop, finding.customer.external_id),
            }
            for finding in page
        ]
    kept = [(k, v) for k, v in request.GET.items() if k != "cursor" and v != ""]
    next_url = ""
    if following:
        cursor = f"{following[0].isoformat()}~{following[1]}"
        next_url = f"?{urlencode([*kept, ('cursor', cursor)])}"
    without_order = [(k, v) for k, v in kept if k != "order"]
    context = {
        "shop": shop,
        "form": form,
        "rows": rows,
        "total": total,
        "total_more": total_more,
        "oldest_first": oldest_first,
        "newest_url": f"?{urlencode(without_order)}",
        "oldest_url": f"?{urlencode([*without_order, ('order', 'oldest')])}",
        "csv_url": reverse("commitments:finding-export", kwargs={"shop": shop.slug})
        + (f"?{urlencode(without_order)}" if without_order else ""),
        "can_act": ROLE_RANK[role] >= ROLE_RANK[Role.STAFF],
        "first_url": f"?{urlencode(kept)}" if kept else "?",
        "next_url": next_url,
        "is_first": not request.GET.get("cursor"),
        "here": request.get_full_path(),
    }
    with timezone.override(tz):
        return render(request, "commitments/finding_list.html", context, status=status)


@login_required
@require_POST
def finding_status(request, shop, pk):
    """Acknowledge, resolve or reopen a finding with a note; back to where the user was."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    finding = selectors.finding_for_shop(shop=shop, pk=pk)
    if finding is None:
        raise Http404("No such finding.")
    back = safe_next(request, reverse("commitments:finding-list", kwargs={"shop": shop.slug}))
    form = FindingStatusForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The finding was not changed: choose open, acknowledged or resolved.")
        )
        return redirect(back)
    try:
        services.finding_set_status(
            finding=finding,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("Finding #%(id)s is now %(status)s.")
        % {"id": finding.pk, "status": status_label(finding.status)},
    )
    return redirect(back)


@login_required
@require_POST
def finding_status_bulk(request, shop):
    """Acknowledge (or resolve, reopen) the ticked findings with one note; back to the page."""
    shop, _role = shop_for(request.user, shop, role=Role.STAFF)
    back = safe_next(request, reverse("commitments:finding-list", kwargs={"shop": shop.slug}))
    form = FindingStatusForm(request.POST)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, _("Tick at least one finding, then choose what to do."))
        return redirect(back)
    findings = selectors.findings_by_ids(shop=shop, ids=ids)
    try:
        services.findings_set_status(
            findings=findings,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(n)s finding is now %(status)s.", "%(n)s findings are now %(status)s.", len(findings)
        )
        % {"n": len(findings), "status": status_label(form.cleaned_data["status"])},
    )
    return redirect(back)


# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return the cell value, with a leading quote if text would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# The columns of the findings CSV: (header, value of a row).
EXPORT_COLUMNS = [
    (gettext_lazy("When"), lambda r: r["when"]),
    (gettext_lazy("Type"), lambda r: r["type"]),
    (gettext_lazy("Status"), lambda r: r["status"]),
    (gettext_lazy("Excused"), lambda r: r["excused"]),
    (gettext_lazy("Customer ID"), lambda r: r["finding"].customer.external_id),
    (gettext_lazy("Customer name"), lambda r: r["finding"].customer.name),
    (gettext_lazy("Promise"), lambda r: r["finding"].promise.name),
    (gettext_lazy("Version"), lambda r: r["finding"].promise_version.number),
    (gettext_lazy("Action"), lambda r: r["action"]),
    (gettext_lazy("Staff"), lambda r: r["finding"].action.staff if r["finding"].action else ""),
    (gettext_lazy("What happened"), lambda r: r["message"]),
    (gettext_lazy("Note"), lambda r: r["finding"].status_note),
]


@login_required
@require_GET
def finding_export(request, shop):
    """The filtered findings as CSV (the same filters as the list; every page, newest first)."""
    shop, _role = shop_for(request.user, shop, role=Role.VIEWER)
    tz = ZoneInfo(shop.timezone)
    promises = list(shop_promises(shop=shop, include_retired=True))
    form = FindingFilterForm(request.GET or None, promises=promises)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid: fix them on the list page."))
    filters = form.filters(tz=tz) if form.is_bound else {}
    findings = selectors.findings_for_shop(shop=shop, filters=filters).order_by(
        "-occurred_at", "-id"
    )
    yes, no = _("yes"), _("no")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(header) for header, _value in EXPORT_COLUMNS])
    with timezone.override(tz):
        for finding in findings.iterator(chunk_size=500):
            row = {
                "finding": finding,
                "when": formats.date_format(
                    timezone.localtime(finding.occurred_at), "SHORT_DATETIME_FORMAT"
                ),
                "type": type_label(finding.type),
                "status": status_label(finding.status),
                "excused": yes if finding.excused else no,
                "action": (
                    record_kind_label("action", finding.action.kind)
                    + (f" {action_name(finding.action)}" if action_name(finding.action) else "")
                )
                if finding.action
                else "",
                "message": message_of(finding),
            }
            writer.writerow([neutralise(value(row)) for _header, value in EXPORT_COLUMNS])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"tsuzuku-{shop.slug}-findings.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ------------------------------------------------------------------------------
# One finding, and marking a precedent as told publicly
# ------------------------------------------------------------------------------
@login_required
@require_GET
def finding_detail(request, shop, pk):
    """Render one finding with its numbers; a precedent shows whether it was told publicly."""
    shop, role = shop_for(request.user, shop, role=Role.VIEWER)
    finding = selectors.finding_for_shop(shop=shop, pk=pk)
    if finding is None:
        raise Http404("No such finding.")
    tz = ZoneInfo(shop.timezone)
    context = {
        "shop": shop,
        "f": finding,
        "action_name": action_name(finding.action) if finding.action else "",
        "message": message_of(finding),
        "type_label": type_label(finding.type),
        "status_label": status_label(finding.status),
        "promise_label": kind_label(finding.promise.kind),
        "customer_url": customer_url(shop, finding.customer.external_id),
        "public_named": [
            item["text_ja"] if translation.get_language().startswith("ja") else item["text_en"]
            for item in (finding.details or {}).get("public_precedents", [])
        ],
        "is_precedent": finding.type == "precedent" and finding.action_id is not None,
        "can_publish": ROLE_RANK[role] >= ROLE_RANK[Role.MANAGER],
        "note_max": public_precedents.NOTE_MAX,
        "list_url": reverse("commitments:finding-list", kwargs={"shop": shop.slug}),
    }
    with timezone.override(tz):
        return render(request, "commitments/finding_detail.html", context)


@login_required
@require_POST
def finding_public(request, shop, pk):
    """Mark a precedent as told publicly (with where), or withdraw the mark (managers)."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    finding = selectors.finding_for_shop(shop=shop, pk=pk)
    if finding is None:
        raise Http404("No such finding.")
    back = reverse("commitments:finding-detail", kwargs={"shop": shop.slug, "pk": finding.pk})
    try:
        if request.POST.get("public") == "no":
            public_precedents.precedent_withdraw_public(finding=finding, by=request.user)
            messages.success(request, _("The precedent is no longer marked as public."))
        else:
            public_precedents.precedent_make_public(
                finding=finding, note=request.POST.get("note", ""), by=request.user
            )
            messages.success(
                request,
                _(
                    "The precedent is marked as told publicly: from now on every customer "
                    "may expect it. The shop's customers are being judged again."
                ),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(back)
