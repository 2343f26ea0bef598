"""Today's worklist: the staff's page of what is due today in the shop."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role
from policies.kinds.base import KindParams
from policies.views_promises import params_rows

from .forms import record_kind_label
from .views import customer_url, kind_label, message_of, type_label
from .worklist import worklist_count_remember, worklist_for


def _params_text(section) -> str:
    """Return the promise's own parameters in words, e.g. "Cutoff time: 16:00".

    From the kind's parameter fields (their labels, and the words of their values, as the
    promise pages show them: policies.views_promises.params_rows), so a new kind shows its
    own; the reasons every kind shares (excused_reasons) are left to the promise's page.
    """
    rows = [
        row
        for row in params_rows(section.kind, section.params)
        if row["name"] not in KindParams._declared_fields
    ]
    sep = "、" if (get_language() or "").startswith("ja") else "; "
    return sep.join(
        _("%(label)s: %(value)s") % {"label": row["label"], "value": row["value"]} for row in rows
    )


# Actions done at the packing station (the parcel and its note); the others are pre-checked.
PACKED = {"shipped", "note_enclosed"}


def action_url(shop, action_kind: str, occasion) -> str:
    """Return where staff do the action an occasion waits for, filled in for it."""
    if action_kind in PACKED:
        page = reverse("commitments:packing", kwargs={"shop": shop.slug})
        return f"{page}?{urlencode({'order': occasion.external_id})}"
    page = reverse("commitments:precheck", kwargs={"shop": shop.slug})
    query = {
        "customer": occasion.customer.external_id,
        "kind": action_kind,
        "occasion": occasion.external_id,
    }
    return f"{page}?{urlencode(query)}"


@login_required
@require_GET
def worklist_page(request, shop):
    """Render what is due today: shipments, notices, replies, notes, exceptions, findings."""
    shop, role = shop_for(request.user, shop, role=Role.VIEWER)
    acts = ROLE_RANK[Role(role)] >= ROLE_RANK[Role.STAFF]  # viewers only read
    worklist = worklist_for(shop=shop)
    worklist_count_remember(shop=shop, worklist=worklist)
    sections = [
        {
            "label": kind_label(section.kind.id),
            "promise": section.promise,
            "action_kind": section.kind.action_kind,
            "packed": section.kind.action_kind in PACKED,
            "params": _params_text(section),
            "late_more": section.late_more,
            "items": [
                {
                    "item": item,
                    "occasion_label": record_kind_label("occasion", item.occasion.kind),
                    "customer_url": customer_url(shop, item.occasion.customer.external_id),
                    "action_url": (
                        action_url(shop, section.kind.action_kind, item.occasion) if acts else ""
                    ),
                }
                for item in section.items
            ],
        }
        for section in worklist.sections
    ]
    notes = [
        {
            "note": note,
            "customer_url": customer_url(shop, note.occasion.customer.external_id),
            "action_url": action_url(shop, "note_enclosed", note.occasion) if acts else "",
        }
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
