"""Reads of the accounts app shared by pages."""


def shops_of(user) -> list[dict]:
    """Return the shops the user belongs to (slug, name), by name; every shop for a superuser."""
    from policies.models import Shop

    shops = Shop.objects.all() if user.is_superuser else Shop.objects.filter(memberships__user=user)
    return list(shops.order_by("name", "slug").values("slug", "name")[:200])
