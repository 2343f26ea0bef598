"""The managers' exceptions queue: requested exceptions, approved or rejected with a note."""

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

from accounts.access import shop_for
from accounts.models import Role

from . import selectors, services
from .forms import ACTION_KIND_LABELS, EXCEPTION_STATUS_LABELS, ExceptionDecisionForm
from .models import ExceptionStatus
from .views import customer_url, kind_label, message_of, reason_label, type_label


@login_required
@require_GET
def exception_queue(request, shop):
    """Render the shop's exceptions in one status (requested first), with their findings."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    status = request.GET.get("status", ExceptionStatus.REQUESTED)
    if status not in ExceptionStatus.values:
        status = ExceptionStatus.REQUESTED
    exceptions = selectors.exceptions_for_shop(shop=shop, status=status)
    findings = selectors.findings_by_action(action_ids=[e.action_id for e in exceptions])
    rows = [
        {
            "exception": exception,
            "action": exception.action,
            "action_label": ACTION_KIND_LABELS.get(exception.action.kind, exception.action.kind),
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
    context = {
        "shop": shop,
        "rows": rows,
        "status": status,
        "tabs": [(value, EXCEPTION_STATUS_LABELS[value]) for value in ExceptionStatus.values],
    }
    with timezone.override(ZoneInfo(shop.timezone)):
        return render(request, "commitments/exception_queue.html", context)


@login_required
@require_POST
def exception_decide(request, shop, pk):
    """Approve or reject an exception with a note; the customer is judged again."""
    shop, _role = shop_for(request.user, shop, role=Role.MANAGER)
    exception = selectors.exception_for_shop(shop=shop, pk=pk)
    if exception is None:
        raise Http404("No such exception.")
    back = reverse("commitments:exception-queue", kwargs={"shop": shop.slug})
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
            "action": exception.action.external_id,
            "status": EXCEPTION_STATUS_LABELS[exception.status],
        },
    )
    return redirect(back)
