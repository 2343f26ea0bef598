"""Permission matrix entries of the reports app (see accounts/permissions.py).

The weekly drift report: the list and build pages, one report as a page and through the API.
Every member reads reports; only managers build them.
"""

from datetime import UTC, datetime

from accounts.permissions import Case, api, page, signed_in
from commitments import services
from policies.services import promise_create

# A week that has ended (Monday 2026-11-09 to Sunday 2026-11-15, Tokyo).
WEEK = "2026-W46"


def _report_week(world):
    """Return the kwargs of the ended week, with a breach in it so the report has content."""
    promise_create(
        shop=world.shop,
        kind="handwritten_note",
        name="Notes",
        params={"min_lines": 10},
        author=world.users["manager"],
        effective_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    services.occasion_record(
        shop=world.shop,
        external_id="MX-O-46",
        customer="MX-C-46",
        kind="order_placed",
        occurred_at="2026-11-10 10:00",
        attributes={"total": 5000},
    )
    services.action_record(
        shop=world.shop,
        external_id="MX-N-46",
        customer="MX-C-46",
        kind="note_enclosed",
        occurred_at="2026-11-10 12:00",
        occasion="MX-O-46",
        attributes={"lines": 4},
    )
    return {"shop": world.shop.slug, "week": WEEK}


MATRIX = {
    "reports:report-list": Case(GET=page("viewer")),
    "reports:report-build": Case(
        GET=signed_in(ok=405),
        POST=page("manager", ok=302),
        data={"week": WEEK},
    ),
    # Reading a missing report builds it: a read, open to every member.
    "reports:report-detail": Case(kwargs=_report_week, GET=page("viewer")),
    # As CSV: its refusals must still be the API's JSON errors (401 with its body, 404).
    "api-report-detail": Case(kwargs=_report_week, GET=api("viewer"), query="format=csv"),
}
