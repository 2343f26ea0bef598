"""Customers: the list with search, search-as-you-type (JSON), and one customer's page."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import ROLE_RANK, shop_for
from accounts.models import Role

from . import selectors
from .forms import EXCEPTION_STATUS_LABELS, action_kind_labels, occasion_kind_labels
from .views import (
    customer_url,
    kind_label,
    level_of,
    message_of,
    precedent_label,
    reason_label,
    status_label,
    type_label,
)

PAGE_SIZE = 50
TIMELINE_PAGE = 100
SEARCH_LIMIT = 10
PRECEDENTS_SHOWN = 3


@login_required
@require_GET
def customer_list(request, shop):
    """Render the shop's customers by id, searched and paged without counting them all."""
    shop, _role = shop_for(request.user, shop, role=Role.VIEWER)
    q = request.GET.get("q", "").strip()[:100]
    after = request.GET.get("after", "")[:100]
    customers, more = selectors.customers_page(shop=shop, q=q, after=after, limit=PAGE_SIZE)
    counts = selectors.open_findings_counts(shop=shop, customer_ids=[c.pk for c in customers])
    rows = [
        {"customer": c, "url": customer_url(shop, c.external_id), "open": counts.get(c.pk, 0)}
        for c in customers
    ]
    context = {
        "shop": shop,
        "q": q,
        "rows": rows,
        "after": after,
        "next_after": customers[-1].external_id if more else "",
    }
    return render(request, "commitments/customer_list.html", context)


@login_required
@require_GET
def customer_search(request, shop):
    """Return up to 10 customers matching `q` (id, name or e-mail) as JSON."""
    shop, _role = shop_for(request.user, shop, role=Role.VIEWER)
    q = request.GET.get("q", "").strip()[:100]
    found = selectors.customers_search(shop=shop, q=q, limit=SEARCH_LIMIT)
    return JsonResponse(
        {
            "results": [
                {
                    "external_id": c.external_id,
                    "name": c.name,
                    "email": c.email,
                    "url": customer_url(shop, c.external_id),
                }
                for c in found
            ]
        }
    )


def _finding_row(finding) -> dict:
    return {
        "finding": finding,
        "message": message_of(finding),
        "type_label": type_label(finding.type),
        "status_label": status_label(finding.status),
        "promise_label": kind_label(finding.promise.kind),
    }


def _timeline(*, occasions, actions, findings) -> list[dict]:
    """Return occasions and actions on one timeline, newest first, each with its findings."""
    by_action: dict[int, list] = {}
    by_occasion: dict[int, list] = {}
    for finding in findings:
        if finding.action_id is not None:
            by_action.setdefault(finding.action_id, []).append(_finding_row(finding))
        elif finding.occasion_id is not None:
            by_occasion.setdefault(finding.occasion_id, []).append(_finding_row(finding))
    occasion_labels, action_labels = occasion_kind_labels(), action_kind_labels()
    entries = [
        {
            "what": "occasion",
            "record": occasion,
            "at": occasion.occurred_at,
            "label": occasion_labels.get(occasion.kind, occasion.kind),
            "findings": by_occasion.get(occasion.pk, []),
        }
        for occasion in occasions
    ]
    for action in actions:
        exception = getattr(action, "exception", None)
        entries.append(
            {
                "what": "action",
                "record": action,
                "at": action.occurred_at,
                "label": action_labels.get(action.kind, action.kind),
                "findings": by_action.get(action.pk, []),
                "exception": exception,
                "exception_reason": reason_label(exception.reason) if exception else "",
                "exception_status": EXCEPTION_STATUS_LABELS.get(exception.status, "")
                if exception
                else "",
            }
        )
    # Same moment: the action after the occasion it answers (newest first, so it shows above).
    entries.sort(key=lambda e: (e["at"], e["what"] == "action", e["record"].pk), reverse=True)
    return entries


@login_required
@require_GET
def customer_detail(request, shop, customer):
    """Render everything about one customer: timeline, commitments, findings, exceptions."""
    shop, role = shop_for(request.user, shop, role=Role.VIEWER)
    found = selectors.customer_by_external_id(shop=shop, external_id=customer)
    if found is None:
        raise Http404("No such customer.")
    tz = ZoneInfo(shop.timezone)
    occasions = selectors.customer_occasions(customer=found)
    actions = selectors.customer_actions(customer=found)
    findings = list(selectors.findings_for_customer(customer=found))
    timeline = _timeline(occasions=occasions, actions=actions, findings=findings)
    page = Paginator(timeline, TIMELINE_PAGE).get_page(request.GET.get("page"))
    commitments = [
        {
            "commitment": commitment,
            "label": kind_label(commitment.promise.kind),
            "last_text": level_of(commitment.promise.kind, commitment.last_level),
            "best_text": level_of(commitment.promise.kind, commitment.best_level),
            # The latest few; a customer may have many of one kind.
            "precedents": [
                {
                    **precedent,
                    "label": precedent_label(precedent),
                    "at_text": str(precedent.get("at", ""))[:16].replace("T", " "),
                }
                for precedent in (commitment.precedents or [])[-PRECEDENTS_SHOWN:][::-1]
            ],
            "more_precedents": max(0, len(commitment.precedents or []) - PRECEDENTS_SHOWN),
        }
        for commitment in selectors.commitments_for_customer(customer=found)
    ]
    exceptions = [
        {
            "exception": action.exception,
            "action": action,
            "reason": reason_label(action.exception.reason),
            "status": EXCEPTION_STATUS_LABELS.get(action.exception.status, ""),
        }
        for action in actions
        if getattr(action, "exception", None) is not None
    ]
    context = {
        "shop": shop,
        "customer": found,
        "page": page,
        "commitments": commitments,
        "findings": [_finding_row(finding) for finding in findings],
        "exceptions": exceptions,
        "can_act": ROLE_RANK[role] >= ROLE_RANK[Role.STAFF],
        "counts": {"occasions": len(occasions), "actions": len(actions)},
    }
    with timezone.override(tz):
        return render(request, "commitments/customer_detail.html", context)
