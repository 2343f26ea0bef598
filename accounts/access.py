"""Who may see a shop: every view and API call gets its shop through here.

A user who is not a member of the shop gets 404 (never 403: other shops do not exist for
them); a member whose role is too low for the operation gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from policies.models import Shop

from .models import Membership, Role

ROLE_RANK = {Role.VIEWER: 1, Role.STAFF: 2, Role.MANAGER: 3}


def role_in(user, shop) -> str | None:
    """Return the user's role in the shop, or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.MANAGER
    return Membership.objects.filter(user=user, shop=shop).values_list("role", flat=True).first()


def shop_for(user, slug: str, *, role: str = Role.VIEWER) -> tuple[Shop, str]:
    """Return the shop and the user's role, if the user has at least `role` there."""
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        raise Http404("No such shop.")
    have = role_in(user, shop)
    if have is None:
        raise Http404("No such shop.")
    if ROLE_RANK[Role(have)] < ROLE_RANK[Role(role)]:
        raise PermissionDenied(f"This needs the {role} role in this shop.")
    return shop, have


def start_url(shop_slug: str, role: str | None) -> str:
    """Return where a member starts in a shop: staff at Today, the others at its overview."""
    if role == Role.STAFF:
        return reverse("commitments:worklist", kwargs={"shop": shop_slug})
    return reverse("policies:shop-home", kwargs={"shop": shop_slug})


def shops_of(user):
    """Return the shops the user belongs to."""
    if user.is_superuser:
        return Shop.objects.all()
    return Shop.objects.filter(memberships__user=user)
