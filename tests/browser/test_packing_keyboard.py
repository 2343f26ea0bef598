"""The packing station with the keyboard only (issue 15): scan, lines, Enter, Enter."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from commitments import services
from commitments.models import Action
from policies.services import promise_create

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_parcels_with_the_keyboard_only(shop, manager, staff, open_as, live_server):
    for kind, params in (
        ("handwritten_note", {"min_lines": 5}),
        ("included_extras", {"tiers": [{"min_total": 5000, "extras": ["greeting_card"]}]}),
    ):
        promise_create(
            shop=shop,
            kind=kind,
            name=kind,
            params=params,
            author=manager,
            effective_from=timezone.now() - timedelta(days=30),
        )
    orders = [f"#20{n:02d}" for n in range(5)]
    for n, order in enumerate(orders):
        services.occasion_record(
            shop=shop,
            external_id=order,
            customer=f"C-{n}",
            kind="order_placed",
            occurred_at=timezone.now() - timedelta(hours=n + 1),
            attributes={"total": 6000},
            judge=False,
        )
    page = open_as(staff)
    page.goto(f"{live_server.url}/shops/kobo/packing/")
    started = time.monotonic()
    for order in orders:
        page.locator("#order:focus").wait_for()  # the cursor waits in the order field
        page.keyboard.type(order.lstrip("#"))  # a scanner types the number and Enter
        page.keyboard.press("Enter")
        page.locator("#lines:focus").wait_for()
        page.keyboard.type("6")
        page.keyboard.press("Enter")  # the pre-check's answer, before anything is stored
        page.locator(".answers").wait_for()
        page.locator("button[value=record]:focus").wait_for()
        page.keyboard.press("Enter")  # record
        page.wait_for_load_state()
    elapsed = time.monotonic() - started
    screenshot(page, "15-packing-keyboard")
    notes = Action.objects.filter(kind="note_enclosed").values_list("external_id", "attributes")
    assert sorted(notes) == [(f"{order}-note", {"lines": 6}) for order in orders]
    shipped = Action.objects.filter(kind="shipped").values_list("attributes", flat=True)
    assert list(shipped) == [{"extras": ["greeting_card"]}] * len(orders)  # ticked for ¥6,000
    # 100 parcels an hour leave 36 seconds each; the page's part is a small share of it.
    assert elapsed / len(orders) < 10
