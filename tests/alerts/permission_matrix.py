"""Permission matrix entries of the alerts app."""

from accounts.permissions import Case, page, signed_in


def _subscription(world):
    from alerts.models import AlertSubscription

    subscription = AlertSubscription.objects.create(
        shop=world.shop, channel="email", target="alerts@example.com"
    )
    return {"shop": world.shop.slug, "pk": subscription.pk}


MATRIX = {
    "alerts:settings": Case(
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={"op": "subscribe", "channel": "email", "target": "a@example.com", "breaches": "on"},
    ),
    "alerts:remove": Case(
        kwargs=_subscription, GET=signed_in(ok=405), POST=page("manager", ok=302)
    ),
}
