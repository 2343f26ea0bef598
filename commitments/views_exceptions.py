"""The managers' exceptions queue: requested exceptions, approved or rejected with a note."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import shop_for
from accounts.models import Role

from . import selectors, services
from .forms import EXCEPTION_STATUS_LABELS, ExceptionDecisionForm, record_kind_label
from .models import ExceptionStatus
from .templatetags.commitment_words import AUTO_ID_PREFIX
from .views import customer_url, kind_label, message_of, reason_label, safe_next, type_label

# Exceptions per page of the queue.
PAGE_SIZE = 20
ORDERS = ("oldest", "newest")


def action_name(action) -> str:
    """Return how a person names the action: its shop id, or nothing for an id made up here.

    Actions recorded from the pre-check page get an automatic id (``tsuzuku-<hex>``); showing
    it helps nobody, the kind, customer and time say which action it is.
    """
    return "" if action.external_id.startswith(AUTO_ID_PREFIX) else action.external_id


@login_required
@require_GET
def exception_queue(request, shop):
    """Render one page of the shop's exceptions in a status, oldest or newest first."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    status = request.GET.get("status", ExceptionStatus.REQUESTED)
    if status not in ExceptionStatus.values:
        status = ExceptionStatus.REQUESTED
    order = request.GET.get("order", "oldest")
    if order not in ORDERS:
        order = "oldest"
    page = Paginator(
        selectors.exceptions_of_shop(shop=shop, status=status, newest_first=order == "newest"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    exceptions = list(page.object_list)
    findings = selectors.findings_by_action(action_ids=[e.action_id for e in exceptions])
    rows = [
        {
            "exception": exception,
            "action": exception.action,
            "action_name": action_name(exception.action),
            "action_label": record_kind_label("action", exception.action.kind),
            "reason": reason_label(exception.reason),
            "customer_url": customer_url(shop, exception.action.customer.external_id),
            "findings": [
                {
                    "finding": finding,
                    "message": message_of(finding),
                    "type_label": type_label(finding.type),
                    "promise_label": kind_label(finding.promise.kind),
                }
                for finding in findings.get(exception.action_id, [])
            ],
        }
        for exception in exceptions
    ]
    # After a decision the manager comes back here, at the item after the one decided.
    for row, following in zip(rows, [*rows[1:], None], strict=False):
        anchor = f"#exception-{following['exception'].pk}" if following else ""
        row["next"] = request.get_full_path() + anchor
    query = {"status": status, "order": order}
    context = {
        "shop": shop,
        "rows": rows,
        "page": page,
        "status": status,
        "order": order,
        "here": request.get_full_path(),
        "query": urlencode(query),
        "tabs": [
            (value, EXCEPTION_STATUS_LABELS[value], urlencode({**query, "status": value}))
            for value in ExceptionStatus.values
        ],
        "orders": [
            ("oldest", _("Oldest first"), urlencode({**query, "order": "oldest"})),
            ("newest", _("Newest first"), urlencode({**query, "order": "newest"})),
        ],
    }
    with timezone.override(ZoneInfo(shop.timezone)):
        return render(request, "commitments/exception_queue.html", context)


@login_required
@require_POST
def exception_decide(request, shop, pk):
    """Approve or reject an exception with a note; back to where the manager was."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    exception = selectors.exception_for_shop(shop=shop, pk=pk)
    if exception is None:
        raise Http404("No such exception.")
    back = safe_next(request, reverse("commitments:exception-queue", kwargs={"shop": shop.slug}))
    form = ExceptionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect(back)
    try:
        services.exception_decide(
            exception=exception,
            status=form.cleaned_data["decision"],
            decided_by=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("The exception on %(action)s is %(status)s.")
        % {
            "action": _describe(exception),
            "status": EXCEPTION_STATUS_LABELS[exception.status],
        },
    )
    return redirect(back)


@login_required
@require_POST
def exception_decide_bulk(request, shop):
    """Approve or reject the ticked exceptions with one note; back to the same page."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    back = safe_next(request, reverse("commitments:exception-queue", kwargs={"shop": shop.slug}))
    form = ExceptionDecisionForm(request.POST)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, _("Tick at least one exception, then approve or reject."))
        return redirect(back)
    exceptions = selectors.exceptions_by_ids(shop=shop, ids=ids)
    try:
        decided = services.exceptions_decide(
            exceptions=exceptions,
            status=form.cleaned_data["decision"],
            decided_by=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(n)s exception is %(status)s.", "%(n)s exceptions are %(status)s.", len(decided))
        % {"n": len(decided), "status": EXCEPTION_STATUS_LABELS[form.cleaned_data["decision"]]},
    )
    return redirect(back)


def _describe(exception) -> str:
    action = exception.action
    customer = action.customer
    who = f"{customer.name} ({customer.external_id})" if customer.name else customer.external_id
    label = record_kind_label("action", action.kind)
    return f"{label} · {who}"
