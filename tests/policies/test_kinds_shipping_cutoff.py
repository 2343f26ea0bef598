"""shipping_cutoff: orders before 16:00 on a shipping day ship that day (seeds/003)."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "shipping_cutoff"


def order(when):
    return event("order_placed", when, "o1", total=5000)


def shipped(when):
    return event("shipped", when, "s1")


# (ordered, shipped, promised_by, business_days_late, verdict types)
CASES = [
    ("2026-11-20 15:30", "2026-11-20 17:00", "2026-11-20", 0, ()),
    ("2026-11-20 15:30", "2026-11-24 11:00", "2026-11-20", 1, ("breach",)),
    ("2026-11-20 15:30", "2026-11-25 11:00", "2026-11-20", 2, ("breach",)),
    ("2026-11-20 15:59", "2026-11-20 18:30", "2026-11-20", 0, ()),
    ("2026-11-20 16:00", "2026-11-24 10:00", "2026-11-24", 0, ()),
    ("2026-11-20 16:30", "2026-11-24 10:00", "2026-11-24", 0, ()),
    ("2026-11-20 16:30", "2026-11-25 10:00", "2026-11-24", 1, ("breach",)),
    ("2026-11-20 18:00", "2026-11-20 18:40", "2026-11-24", -1, ("precedent",)),
    ("2026-11-21 09:00", "2026-11-24 15:00", "2026-11-24", 0, ()),
    ("2026-11-23 10:00", "2026-11-24 09:00", "2026-11-24", 0, ()),
    ("2026-11-23 10:00", "2026-11-23 15:00", "2026-11-24", -1, ("precedent",)),
    ("2026-11-20 15:30", "2026-11-21 10:00", "2026-11-20", 1, ("breach",)),
    ("2026-11-19 17:00", "2026-11-21 10:00", "2026-11-20", 1, ("breach",)),
    ("2026-12-28 15:00", "2026-12-28 17:30", "2026-12-28", 0, ()),
    ("2026-12-28 16:10", "2027-01-04 10:00", "2027-01-04", 0, ()),
    ("2026-12-28 16:10", "2027-01-05 10:00", "2027-01-04", 1, ("breach",)),
    ("2026-12-31 11:00", "2027-01-04 10:00", "2027-01-04", 0, ()),
    ("2026-12-25 17:00", "2026-12-28 10:00", "2026-12-28", 0, ()),
    ("2026-12-25 17:00", "2027-01-04 10:00", "2026-12-28", 1, ("breach",)),
    ("2026-05-01 16:30", "2026-05-07 10:00", "2026-05-07", 0, ()),
    ("2026-05-01 16:30", "2026-05-01 16:45", "2026-05-07", -1, ("precedent",)),
]
IDS = [
    "friday-15:30-shipped-friday-kept",
    "friday-15:30-shipped-tuesday-after-holiday-monday-1-late",
    "friday-15:30-shipped-wednesday-2-late",
    "friday-15:59-still-before-cutoff",
    "friday-16:00-is-not-before-the-cutoff",
    "friday-16:30-shipped-next-shipping-day-tuesday",
    "friday-16:30-shipped-wednesday-1-late",
    "friday-18:00-shipped-same-day-is-a-precedent",
    "saturday-order-shipped-tuesday",
    "holiday-order-shipped-next-day",
    "holiday-order-shipped-on-the-holiday-early",
    "shipped-on-saturday-after-friday-promise-is-late",
    "thursday-17:00-shipped-saturday-is-late",
    "before-new-year-closure-same-day",
    "after-cutoff-before-closure-ships-january-4",
    "after-closure-one-day-late",
    "order-inside-closure-ships-first-open-day",
    "christmas-friday-evening-ships-monday",
    "christmas-friday-evening-shipped-after-closure",
    "golden-week-friday-evening-ships-thursday",
    "golden-week-friday-evening-shipped-same-day",
]


class TestShippingCutoffJudge:
    @pytest.mark.parametrize(
        ("ordered", "shipped_at", "promised_by", "late", "types"), CASES, ids=IDS
    )
    def test_level_and_verdicts_follow_the_cutoff_and_the_calendar(
        self, ordered, shipped_at, promised_by, late, types
    ):
        result = judge(KIND, occasion=order(ordered), action=shipped(shipped_at))

        assert result.level == late
        assert result.kept is (late <= 0)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["promised_by"] == promised_by
            assert verdict.details["shipped_on"] == shipped_at[:10]
            assert verdict.details["business_days_late"] == late

    def test_breach_message_names_the_days_and_the_delay(self):
        result = judge(KIND, occasion=order("2026-11-20 15:30"), action=shipped("2026-11-24 11:00"))

        (verdict,) = result.verdicts
        assert verdict.message_en == (
            "The order of Fri 2026-11-20 15:30 (cutoff 16:00) was due to ship by Fri 2026-11-20; "
            "it shipped on Tue 2026-11-24, 1 business day late."
        )
        assert "2026年11月20日(金)までに発送する約束" in verdict.message_ja
        assert "1営業日の遅れ" in verdict.message_ja

    def test_early_shipping_after_the_cutoff_is_remembered_as_a_precedent(self):
        result = judge(KIND, occasion=order("2026-11-20 18:00"), action=shipped("2026-11-20 18:40"))

        assert result.precedent == {"what": "early_shipping", "business_days_early": 1}
        assert "1 business day early" in result.verdicts[0].message_en
        assert "1営業日早い発送" in result.verdicts[0].message_ja

    @pytest.mark.parametrize(
        ("last", "types"),
        [(-1.0, ("drift",)), (0.0, ()), (1.0, ()), (None, ())],
        ids=["shipped-early-last-time", "on-time-last-time", "late-last-time", "first-order"],
    )
    def test_on_time_after_early_last_time_is_drift(self, last, types):
        result = judge(
            KIND,
            occasion=order("2026-11-20 15:30"),
            action=shipped("2026-11-20 17:00"),
            past=history(last=last),
        )

        assert result.kept is True
        assert result.types == types
        if types:
            assert result.verdicts[0].details["customer_last"] == -1
            assert "1 business day early" in result.verdicts[0].message_en

    def test_a_breach_is_not_also_drift(self):
        result = judge(
            KIND,
            occasion=order("2026-11-20 15:30"),
            action=shipped("2026-11-24 11:00"),
            past=history(last=-1.0),
        )

        assert result.types == ("breach",)

    def test_an_earlier_cutoff_moves_the_promised_day(self):
        result = judge(
            KIND,
            occasion=order("2026-11-20 15:30"),
            action=shipped("2026-11-24 11:00"),
            params={"cutoff": "15:00"},
        )

        assert result.level == 0
        assert result.types == ()

    @pytest.mark.parametrize(
        ("action", "occasion"),
        [
            (event("note_enclosed", "2026-11-20 17:00", lines=10), order("2026-11-20 15:30")),
            (shipped("2026-11-20 17:00"), event("inquiry_received", "2026-11-20 15:30")),
            (shipped("2026-11-20 17:00"), None),
        ],
        ids=["other-action", "other-occasion", "no-occasion"],
    )
    def test_other_actions_are_not_judged(self, action, occasion):
        assert judge(KIND, occasion=occasion, action=action) is None


class TestShippingCutoffDeadline:
    @pytest.mark.parametrize(
        ("ordered", "due"),
        [
            ("2026-11-20 15:30", "2026-11-21 00:00"),
            ("2026-11-20 16:30", "2026-11-25 00:00"),
            ("2026-12-28 16:10", "2027-01-05 00:00"),
        ],
        ids=["before-cutoff-end-of-today", "after-cutoff-end-of-tuesday", "new-year-closure"],
    )
    def test_deadline_is_the_end_of_the_promised_shipping_day(self, ordered, due):
        assert deadline(KIND, occasion=order(ordered)) == at(due)


class TestShippingCutoffVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"cutoff": "16:00"}, {"cutoff": "15:00"}, True),
            ({"cutoff": "16:00"}, {"cutoff": "17:00"}, False),
            ({"cutoff": "16:00"}, {}, False),
        ],
        ids=["earlier-cutoff-lowers", "later-cutoff-raises", "same-cutoff"],
    )
    def test_an_earlier_cutoff_lowers_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_promised_level_is_zero_days_late(self):
        assert registry.get(KIND).promised_level({"cutoff": "16:00"}) == 0
