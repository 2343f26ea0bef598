"""Promise kinds as the seeds mean them, through the log: recording and the pre-check agree.

Each case of issue 11's "Promise kinds as the seeds mean them" is recorded through
`action_record` (the engine) and asked through `precheck_run` first: both must say the same.
"""

import pytest

from commitments.models import Finding
from commitments.prechecks import precheck_run

from .conftest import at


def stored(external_id):
    return sorted(
        Finding.objects.filter(action__external_id=external_id).values_list("type", flat=True)
    )


def ask_then_record(shop, log, external_id, customer, kind, when, occasion="", **attributes):
    """Return (pre-check finding types, stored finding types) of the same action."""
    answer = precheck_run(
        shop=shop,
        customer=customer,
        kind=kind,
        occurred_at=when,
        occasion=occasion,
        attributes=attributes,
    )
    log.action(external_id, customer, kind, when, occasion, **attributes)
    return sorted(finding["type"] for finding in answer.findings), stored(external_id)


@pytest.fixture
def extras(make_promise):
    return make_promise("included_extras", name="Card from ¥6,800")


class TestIncludedExtrasThroughTheLog:
    def test_a_smaller_order_after_a_larger_one_that_earned_a_card_is_not_drift(
        self, shop, log, extras
    ):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-02 10:00"), total=9000)
        log.action("S-1", "C-1", "shipped", at("2026-11-02 15:00"), "O-1", extras=["greeting_card"])
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=4000)

        asked, recorded = ask_then_record(
            shop, log, "S-2", "C-1", "shipped", at("2026-11-16 15:00"), "O-2", extras=[]
        )

        assert asked == recorded == []

    def test_no_card_after_a_card_given_as_a_precedent_on_a_small_order_is_drift(
        self, shop, log, extras
    ):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-02 10:00"), total=4000)
        log.action("S-1", "C-1", "shipped", at("2026-11-02 15:00"), "O-1", extras=["greeting_card"])
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=4000)

        asked, recorded = ask_then_record(
            shop, log, "S-2", "C-1", "shipped", at("2026-11-16 15:00"), "O-2", extras=[]
        )

        assert stored("S-1") == ["precedent"]
        assert asked == recorded == ["drift"]
        finding = Finding.objects.get(action__external_id="S-2")
        assert finding.details["dropped_extras"] == ["greeting_card"]

    def test_without_the_order_no_card_after_a_precedent_card_is_drift(self, shop, log, extras):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-02 10:00"), total=4000)
        log.action("S-1", "C-1", "shipped", at("2026-11-02 15:00"), "O-1", extras=["greeting_card"])

        asked, recorded = ask_then_record(
            shop, log, "S-2", "C-1", "shipped", at("2026-11-16 15:00"), extras=[]
        )

        assert asked == recorded == ["drift"]


class TestShippingNoticeThroughTheLog:
    def test_a_notice_without_tracking_is_breach_though_the_shipment_has_one(
        self, shop, log, make_promise
    ):
        make_promise("shipping_notice", {"tracking_required": True})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.action(
            "S-1", "C-1", "shipped", at("2026-11-16 15:00"), "O-1", tracking_number="1234-5678"
        )

        asked, recorded = ask_then_record(
            shop, log, "M-1", "C-1", "shipping_notice_sent", at("2026-11-16 16:00"), "O-1"
        )

        assert asked == recorded == ["breach"]


class TestHandwrittenNoteThroughTheLog:
    def test_a_note_without_an_order_is_drift_against_the_last_note(self, shop, log, make_promise):
        make_promise("handwritten_note", {"min_lines": 5})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-02 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-02 14:00"), "O-1", lines=10)

        asked, recorded = ask_then_record(
            shop, log, "N-2", "C-1", "note_enclosed", at("2026-11-16 14:00"), lines=6
        )

        assert asked == recorded == ["drift"]

    def test_a_note_below_the_promise_is_breach_in_any_case(self, shop, log, make_promise):
        make_promise("handwritten_note", {"min_lines": 5})

        asked, recorded = ask_then_record(
            shop, log, "N-1", "NEW-1", "note_enclosed", at("2026-11-16 14:00"), lines=4
        )

        assert asked == recorded == ["breach"]
