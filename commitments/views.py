"""Shared pieces of the commitments pages: words in the user's language, safe redirects.

The pages themselves: views_precheck.py (pre-check and recording), views_customers.py
(customer list, search, customer page), views_findings.py (findings list and status),
views_exceptions.py (the managers' exceptions queue).
"""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from policies.kinds import registry

from .forms import (
    FINDING_STATUS_LABELS,
    FINDING_TYPE_LABELS,
    REASON_LABELS,
    level_text,
    precedent_labels,
)


def is_japanese() -> bool:
    """Return whether the page is shown in Japanese."""
    return (get_language() or "").startswith("ja")


def message_of(finding) -> str:
    """Return a finding's explanation (a model or the pre-check's dict) in the page language."""
    if isinstance(finding, dict):
        return finding["message_ja"] if is_japanese() else finding["message_en"]
    return finding.message_ja if is_japanese() else finding.message_en


def kind_label(kind_id: str) -> str:
    """Return the promise kind's name in the page language (the id for an unknown kind)."""
    if kind_id not in registry.default_registry:
        return kind_id
    kind = registry.get(kind_id)
    return kind.label_ja if is_japanese() else kind.label_en


def level_of(kind_id: str, value) -> str:
    """Return a level of a promise kind in words."""
    unit = registry.get(kind_id).level_unit if kind_id in registry.default_registry else ""
    return level_text(unit, value)


def precedent_label(precedent: dict) -> str:
    """Return what a remembered precedent was, in words."""
    what = precedent.get("what", "")
    return str(precedent_labels().get(what, what))


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


def type_label(value: str) -> str:
    return str(FINDING_TYPE_LABELS.get(value, value))


def status_label(value: str) -> str:
    return str(FINDING_STATUS_LABELS.get(value, value))


def customer_url(shop, external_id: str) -> str:
    return reverse(
        "commitments:customer-detail", kwargs={"shop": shop.slug, "customer": external_id}
    )


def safe_next(request, fallback: str) -> str:
    """Return the `next` URL of the request if it stays on this site, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
