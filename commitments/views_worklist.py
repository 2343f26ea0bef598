"""Today's worklist: the staff's page of what is due today in the shop."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import shop_for
from accounts.models import Role

from .forms import record_kind_label
from .views import customer_url, kind_label, message_of, type_label
from .worklist import worklist_for


def _params_text(section) -> str:
    """Return the promise's deciding parameter in words, e.g. the cutoff time."""
    params = section.params
    if "cutoff" in params:
        return _("orders before %(cutoff)s ship the same day") % {"cutoff": params["cutoff"]}
    if "within_business_hours" in params:
        return _("within %(n)s business hours") % {"n": params["within_business_hours"]}
    if "within_hours" in params:
        return _("within %(n)s hours") % {"n": params["within_hours"]}
    if "within_days" in params:
        return _("within %(n)s business days") % {"n": params["within_days"]}
    return ""


@login_required
@require_GET
def worklist_page(request, shop):
    """Render what is due today: shipments, notices, replies, notes, exceptions, findings."""
    shop, _role = shop_for(request.user, shop, role=Role.VIEWER)
    worklist = worklist_for(shop=shop)
    sections = [
        {
            "label": kind_label(section.kind.id),
            "promise": section.promise,
            "action_kind": section.kind.action_kind,
            "params": _params_text(section),
            "late_more": section.late_more,
            "items": [
                {
                    "item": item,
                    "occasion_label": record_kind_label("occasion", item.occasion.kind),
                    "customer_url": customer_url(shop, item.occasion.customer.external_id),
                }
                for item in section.items
            ],
        }
        for section in worklist.sections
    ]
    notes = [
        {"note": note, "customer_url": customer_url(shop, note.occasion.customer.external_id)}
        for note in worklist.notes
    ]
    findings = [
        {
            "finding": finding,
            "type_label": type_label(finding.type),
            "promise_label": kind_label(finding.promise.kind),
            "message": message_of(finding),
            "customer_url": customer_url(shop, finding.customer.external_id),
        }
        for finding in worklist.findings
    ]
    exceptions = [
        {
            "exception": exception,
            "customer_url": customer_url(shop, exception.action.customer.external_id),
        }
        for exception in worklist.exceptions
    ]
    context = {
        "shop": shop,
        "worklist": worklist,
        "sections": sections,
        "notes": notes,
        "findings": findings,
        "exceptions": exceptions,
    }
    with timezone.override(ZoneInfo(shop.timezone)):
        return render(request, "commitments/worklist.html", context)
