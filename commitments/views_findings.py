"""The findings list with its filters, and acknowledging / resolving a finding with a note."""

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role
from policies.selectors import shop_promises

from . import selectors, services
from .forms import FindingFilterForm, FindingStatusForm
from .views import customer_url, kind_label, message_of, safe_next, status_label, type_label

PAGE_SIZE = 50


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
    rows, following, status = [], None, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.filters(tz=tz) if form.is_bound else {}
        findings = selectors.findings_for_shop(shop=shop, filters=filters)
        page, following = selectors.findings_page(
            findings=findings, cursor=_cursor(request.GET.get("cursor", "")), limit=PAGE_SIZE
        )
        rows = [
            {
                "finding": finding,
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
    context = {
        "shop": shop,
        "form": form,
        "rows": rows,
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
