"""Template context shared by every page: the navigation of the current shop."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, lowest role that sees it). Apps add their pages here.
SHOP_NAV = [
    ("commitments:worklist", _("Today"), "viewer"),
    ("commitments:precheck", _("Pre-check"), "staff"),
    ("commitments:packing", _("Packing"), "staff"),
    ("commitments:finding-list", _("Findings"), "viewer"),
    ("commitments:customer-list", _("Customers"), "viewer"),
    ("commitments:exception-queue", _("Exceptions"), "manager"),
    ("reports:report-list", _("Weekly reports"), "viewer"),
    ("policies:promise-list", _("Promises"), "viewer"),
    ("policies:calendar", _("Calendar"), "viewer"),
    ("commitments:import-list", _("Import"), "staff"),
    ("platforms:profile-import", _("Platform exports"), "staff"),
    ("platforms:shopify", _("Shopify"), "manager"),
    ("alerts:settings", _("Alerts"), "manager"),
    ("accounts:member-list", _("Members"), "manager"),
    ("accounts:audit-list", _("Audit trail"), "manager"),
]
_RANK = {"viewer": 1, "staff": 2, "manager": 3}
# Work waiting, shown as a number beside its link: (url name, label of the number).
NAV_COUNT_LABELS = {
    "commitments:worklist": _("items due today"),
    "commitments:exception-queue": _("exceptions waiting for a decision"),
    "commitments:finding-list": _("open findings"),
}
# A number beside a link is counted up to this, then shown as "999+": counting a busy shop's
# open findings to the last one on every page would cost a scan of all of them.
NAV_COUNT_MAX = 999


def _bounded(queryset) -> int:
    """Return the rows of the queryset, counted up to NAV_COUNT_MAX + 1 (one LIMITed query)."""
    return queryset.order_by()[: NAV_COUNT_MAX + 1].count()


def _nav_counts(shop) -> dict[str, int]:
    """Return today's work, the pending exceptions and the open findings of the shop."""
    from commitments.models import ActionException, ExceptionStatus, Finding, FindingStatus
    from commitments.worklist import worklist_count

    return {
        "commitments:worklist": worklist_count(shop=shop),  # cached by its provider
        "commitments:exception-queue": _bounded(
            ActionException.objects.filter(action__shop=shop, status=ExceptionStatus.REQUESTED)
        ),
        "commitments:finding-list": _bounded(
            Finding.objects.filter(shop=shop, status=FindingStatus.OPEN)
        ),
    }


def shop_nav(request):
    """Return the links of the shop in the URL, for the roles the user has there."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("shop") if match else None
    user = getattr(request, "user", None)  # absent on pages made before the auth middleware
    if user is None or not user.is_authenticated:
        return {}
    from accounts.selectors import shops_of

    switch = {"nav_shops": shops_of(request.user)}  # the shop switcher (several shops)
    if not slug:
        return switch
    from accounts.access import role_in
    from policies.models import Shop

    shop = Shop.objects.filter(slug=slug).first()
    role = role_in(request.user, shop) if shop else None
    if role is None:
        return switch
    links = []
    counts = _nav_counts(shop)
    for name, label, lowest in SHOP_NAV:
        if _RANK[role] < _RANK[lowest]:
            continue
        try:
            url = reverse(name, kwargs={"shop": slug})
        except NoReverseMatch:
            continue
        links.append(
            {
                "url": url,
                "label": label,
                "count": min(counts.get(name, 0), NAV_COUNT_MAX),
                "count_more": counts.get(name, 0) > NAV_COUNT_MAX,
                "count_label": NAV_COUNT_LABELS.get(name, ""),
            }
        )
    return {"nav_shop": shop, "nav_links": links, "nav_role": role, **switch}
