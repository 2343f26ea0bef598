"""Permission matrix entries of the policies app (see accounts/permissions.py).

Promises (API and pages) and the shop overview; the shop and calendar entries belong here too.
"""

from accounts.permissions import Case, api, page, signed_in
from policies.services import promise_create

API_SIGNED_IN = {**signed_in(ok=200), "anonymous": 401}


def _promise(world):
    """Return the kwargs of a fresh promise of the world's shop (reply within 24 hours)."""
    promise = promise_create(
        shop=world.shop,
        kind="reply_time",
        name="Replies",
        params={},
        author=world.users["manager"],
    )
    return {"shop": world.shop.slug, "promise_id": promise.pk}


MATRIX = {
    # --- promises API -------------------------------------------------------------
    "promise-kinds": Case(GET=API_SIGNED_IN),
    "promises": Case(
        GET=api("viewer"),
        POST=api("manager", ok=201),
        data={"kind": "reply_time", "name": "Replies", "params": {"within_business_hours": 12}},
    ),
    "promise": Case(
        kwargs=_promise,
        GET=api("viewer"),
        PATCH=api("manager"),
        DELETE=api("manager", ok=204),
        data={"params": {"within_business_hours": 12}, "reason": "Faster replies"},
    ),
    "promise-versions": Case(kwargs=_promise, GET=api("viewer")),
    "promise-impact": Case(
        kwargs=_promise,
        POST=api("manager"),
        data={"params": {"within_business_hours": 48}},
    ),
    # --- shop overview and promise pages -------------------------------------------
    "policies:shop-home": Case(GET=page("viewer")),
    "policies:promise-list": Case(GET=page("viewer")),
    "policies:promise-create": Case(
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={
            "kind": "reply_time",
            "name": "Replies",
            "params-within_business_hours": "24",
            "params-drift_tolerance_hours": "4",
            "params-excused_reasons": ["our_mistake", "deadline"],
        },
    ),
    "policies:promise-detail": Case(kwargs=_promise, GET=page("viewer")),
    "policies:promise-versions": Case(kwargs=_promise, GET=page("viewer")),
    "policies:promise-edit": Case(
        kwargs=_promise,
        GET=page("manager"),
        # Faster replies raise the promise: saved at once, no impact confirmation.
        POST=page("manager", ok=302),
        data={
            "params-within_business_hours": "12",
            "params-drift_tolerance_hours": "4",
            "params-excused_reasons": ["our_mistake", "deadline"],
            "reason": "Faster replies",
        },
    ),
    "policies:promise-retire": Case(
        kwargs=_promise,
        GET=page("manager"),
        POST=page("manager", ok=302),
        data={"confirm": "on"},
    ),
}
