"""shipping_notice: the tracking number goes out on the day of shipment (seeds/003)."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "shipping_notice"
ORDER = event("order_placed", "2026-11-20 10:00", "o1", total=5000)


def shipped(when="2026-11-20 15:00", tracking="1234-5678-9012", external_id="s1"):
    attributes = {"tracking_number": tracking} if tracking is not None else {}
    return event("shipped", when, external_id, **attributes)


def notice(when, tracking="1234-5678-9012"):
    attributes = {"tracking_number": tracking} if tracking is not None else {}
    return event("shipping_notice_sent", when, "n1", **attributes)


# (params, shipment, notice, days after shipment, tracking present, last, verdict types)
CASES = [
    ({}, shipped(), notice("2026-11-20 16:00"), 0, True, None, ()),
    ({}, shipped(), notice("2026-11-21 09:00"), 1, True, None, ("breach",)),
    ({}, shipped("2026-11-20 23:30"), notice("2026-11-21 00:10"), 1, True, None, ("breach",)),
    ({"same_day": False}, shipped(), notice("2026-11-21 09:00"), 1, True, None, ()),
    ({"same_day": False}, shipped(), notice("2026-11-22 09:00"), 2, True, None, ("breach",)),
    ({}, shipped(tracking=None), notice("2026-11-20 16:00", None), 0, False, None, ("breach",)),
    ({}, shipped(tracking="  "), notice("2026-11-20 16:00", ""), 0, False, None, ("breach",)),
    ({}, shipped(), notice("2026-11-20 16:00", None), 0, False, None, ("breach",)),
    (
        {"tracking_required": False},
        shipped(tracking=None),
        notice("2026-11-20 16:00", None),
        0,
        False,
        None,
        (),
    ),
    ({"same_day": False}, shipped(), notice("2026-11-21 09:00"), 1, True, 0.0, ("drift",)),
    ({"same_day": False}, shipped(), notice("2026-11-21 09:00"), 1, True, 1.0, ()),
    ({}, shipped(), notice("2026-11-20 12:00"), 0, True, None, ()),
]
IDS = [
    "same-day-with-tracking-kept",
    "next-day-is-breach",
    "after-midnight-in-shop-time-is-the-next-day",
    "next-day-allowed-when-not-same-day",
    "two-days-is-breach-when-not-same-day",
    "no-tracking-number-is-breach",
    "blank-tracking-number-is-breach",
    "tracking-number-only-on-the-shipment-is-breach",
    "tracking-not-required",
    "next-day-after-same-day-last-time-is-drift",
    "next-day-like-last-time",
    "notice-before-the-shipment-counts-as-same-day",
]


class TestShippingNoticeJudge:
    @pytest.mark.parametrize(
        ("params", "shipment", "action", "days", "tracking", "last", "types"), CASES, ids=IDS
    )
    def test_days_after_shipment_and_tracking_number(
        self, params, shipment, action, days, tracking, last, types
    ):
        result = judge(
            KIND,
            occasion=ORDER,
            action=action,
            related=[shipment],
            params=params,
            past=history(last=last),
        )

        assert result.level == days
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["days_after_shipment"] == days
            assert verdict.details["tracking_number_present"] is tracking

    def test_late_and_without_tracking_is_one_breach_naming_both(self):
        result = judge(
            KIND,
            occasion=ORDER,
            action=notice("2026-11-21 09:00", None),
            related=[shipped(tracking=None)],
        )

        (verdict,) = result.verdicts
        assert verdict.type == "breach"
        assert verdict.message_en == (
            "The shipping notice went out 1 day after shipment (Sat 2026-11-21, shipped "
            "Fri 2026-11-20); the promise is on the day of shipment. The notice carried no "
            "tracking number; the promise requires one."
        )
        assert "追跡番号がありません" in verdict.message_ja
        assert "発送の1日後" in verdict.message_ja
        assert verdict.details["shipped_on"] == "2026-11-20"
        assert verdict.details["notified_on"] == "2026-11-21"

    def test_the_first_shipment_is_the_one_measured(self):
        result = judge(
            KIND,
            occasion=ORDER,
            action=notice("2026-11-24 10:00"),
            related=[shipped("2026-11-24 09:00", external_id="s2"), shipped("2026-11-20 15:00")],
        )

        assert result.level == 4
        assert result.verdicts[0].details["shipped_on"] == "2026-11-20"

    def test_a_notice_before_its_shipment_is_recorded_is_not_judged_yet(self):
        related = [event("note_enclosed", "2026-11-20 15:00", "n0", lines=10)]

        assert judge(KIND, occasion=ORDER, action=notice("2026-11-20 16:00"), related=related) is (
            None
        )

    def test_a_shipment_is_not_judged_as_a_notice(self):
        assert judge(KIND, occasion=ORDER, action=shipped(), related=[shipped()]) is None


class TestShippingNoticeTrackingNumber:
    """The tracking number must reach the customer, whatever the shipment record holds."""

    def test_a_notice_without_tracking_is_breach_though_the_shipment_has_one(self):
        result = judge(
            KIND,
            occasion=ORDER,
            action=notice("2026-11-20 16:00", None),
            related=[shipped(tracking="1234-5678-9012")],
        )

        assert result.types == ("breach",)
        assert result.verdicts[0].details["tracking_number_present"] is False
        assert result.verdicts[0].message_en == (
            "The notice carried no tracking number; the promise requires one."
        )

    def test_a_notice_without_tracking_before_the_shipment_is_recorded_is_breach(self):
        result = judge(KIND, occasion=ORDER, action=notice("2026-11-20 16:00", None))

        assert result.types == ("breach",)
        assert result.level is None
        assert result.verdicts[0].details["shipped_on"] is None

    def test_a_notice_without_tracking_and_without_an_occasion_is_breach(self):
        result = judge(KIND, occasion=None, action=notice("2026-11-20 16:00", None))

        assert result.types == ("breach",)

    def test_a_notice_with_tracking_and_without_an_occasion_is_not_judged(self):
        assert judge(KIND, occasion=None, action=notice("2026-11-20 16:00")) is None

    def test_no_tracking_is_kept_when_not_required(self):
        action = notice("2026-11-20 16:00", None)

        params = {"tracking_required": False}

        assert judge(KIND, occasion=ORDER, action=action, params=params) is None


class TestShippingNoticeDeadline:
    @pytest.mark.parametrize(
        ("params", "related", "due"),
        [
            ({}, [shipped()], at("2026-11-21 00:00")),
            ({"same_day": False}, [shipped()], at("2026-11-22 00:00")),
            ({}, [], None),
        ],
        ids=["end-of-shipment-day", "end-of-next-day", "not-shipped-yet"],
    )
    def test_deadline_follows_the_shipment(self, params, related, due):
        assert deadline(KIND, occasion=ORDER, related=related, params=params) == due


class TestShippingNoticeVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"same_day": True}, {"same_day": False}, True),
            ({"tracking_required": True}, {"tracking_required": False}, True),
            ({"same_day": False}, {"same_day": True}, False),
            ({}, {}, False),
        ],
        ids=["next-day-lowers", "no-tracking-lowers", "same-day-raises", "unchanged"],
    )
    def test_later_notices_or_no_tracking_lower_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    @pytest.mark.parametrize(("same_day", "level"), [(True, 0), (False, 1)])
    def test_promised_level_is_the_days_allowed(self, same_day, level):
        assert registry.get(KIND).promised_level({"same_day": same_day}) == level
