"""Permission matrix entries of the policies app (see accounts/permissions.py).

Shops and their calendar (API and page), promises (API and pages) and the shop overview.
"""

from accounts.permissions import Case, api, page, signed_in
from policies.services import promise_create

API_SIGNED_IN = {**signed_in(ok=200), "anonymous": 401}

# A whole calendar: Saturdays and Sundays closed, Japan's holidays, two periods a day.
CALENDAR = {
    "timezone": "Asia/Tokyo",
    "closed_weekdays": [5, 6],
    "holidays": "JP",
    "business_hours": [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
    "closures": [
        {"start": "2026-12-29", "end": "2027-01-03", "label": "New Year", "applies_to": "all"}
    ],
    "open_days": ["2026-11-23"],
}
# The same calendar as the calendar page's editor form posts it (blank rows are ignored).
CALENDAR_FORM = {
    "month": "2026-12",
    "timezone": "Asia/Tokyo",
    "holidays": "JP",
    "closed_weekdays": ["5", "6"],
    "bh_start": ["10:00", "13:00", ""],
    "bh_end": ["12:00", "18:00", ""],
    "closure_start": ["2026-12-29"],
    "closure_end": ["2027-01-03"],
    "closure_label": ["New Year"],
    "closure_applies_to": ["all"],
    "open_day": ["2026-11-23", ""],
}


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
    # --- shops and calendar API ---------------------------------------------------
    # Any signed-in user may open a shop (and becomes its manager), whatever their shops.
    "shop-create": Case(
        POST={**signed_in(ok=201), "anonymous": 401},
        data={"slug": "matrix-new", "name": "Matrix", "timezone": "Asia/Tokyo"},
    ),
    "shop-detail": Case(GET=api("viewer")),
    "shop-calendar": Case(PUT=api("manager"), data=CALENDAR),
    "shop-calendar-days": Case(GET=api("viewer"), query="from=2026-12-28&to=2027-01-05"),
    # --- calendar page ------------------------------------------------------------
    # Every member sees the month; only managers may save the editor.
    "policies:calendar": Case(
        GET=page("viewer"), POST=page("manager", ok=302), data=CALENDAR_FORM, query="month=2026-12"
    ),
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
