"""thank_you_message: a thank-you within N clock hours of the order."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "thank_you_message"


def order(when="2026-11-20 10:00"):
    return event("order_placed", when, "o1", total=5000)


def thanks(when):
    return event("thank_you_sent", when, "t1")


# (params, ordered, sent, hours, customer's last, verdict types)
CASES = [
    ({}, "2026-11-20 10:00", "2026-11-20 10:30", 0.5, None, ()),
    ({}, "2026-11-20 10:00", "2026-11-21 10:00", 24.0, None, ()),
    ({}, "2026-11-20 10:00", "2026-11-21 10:01", 24.02, None, ("breach",)),
    ({}, "2026-11-20 17:00", "2026-11-21 16:00", 23.0, None, ()),
    ({"within_hours": 12}, "2026-11-20 17:00", "2026-11-21 16:00", 23.0, None, ("breach",)),
    ({}, "2026-11-20 10:00", "2026-11-21 00:00", 14.0, 1.0, ("drift",)),
    ({}, "2026-11-20 10:00", "2026-11-20 23:00", 13.0, 1.0, ()),
    ({"drift_tolerance_hours": 0}, "2026-11-20 10:00", "2026-11-20 12:00", 2.0, 1.0, ("drift",)),
    ({}, "2026-11-20 10:00", "2026-11-22 10:00", 48.0, 1.0, ("breach",)),
]
IDS = [
    "half-an-hour-kept",
    "exactly-24-hours-kept",
    "one-minute-late-is-breach",
    "clock-hours-count-on-closed-days",
    "shorter-promise-breached",
    "much-slower-than-last-time-is-drift",
    "slower-within-tolerance",
    "no-tolerance",
    "breach-is-not-also-drift",
]


class TestThankYouMessageJudge:
    @pytest.mark.parametrize(
        ("params", "ordered", "sent", "hours", "last", "types"), CASES, ids=IDS
    )
    def test_hours_after_the_order(self, params, ordered, sent, hours, last, types):
        result = judge(
            KIND, occasion=order(ordered), action=thanks(sent), params=params, past=history(last)
        )

        assert result.level == hours
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["hours"] == hours
            assert verdict.details["within_hours"] == params.get("within_hours", 24)

    def test_messages_name_the_hours(self):
        result = judge(KIND, occasion=order(), action=thanks("2026-11-22 10:00"))

        assert result.verdicts[0].message_en == (
            "The thank-you went out 48 hours after the order; the promise is within 24."
        )
        assert result.verdicts[0].message_ja == (
            "お礼メッセージはご注文から48時間後でした（約束は24時間以内）。"
        )

    def test_a_note_is_not_judged_as_a_thank_you(self):
        action = event("note_enclosed", "2026-11-20 11:00", "n1", lines=10)

        assert judge(KIND, occasion=order(), action=action) is None


class TestThankYouMessageDeadline:
    def test_deadline_is_the_order_time_plus_the_hours(self):
        result = deadline(KIND, occasion=order("2026-11-20 17:00"), params={"within_hours": 24})

        assert result == at("2026-11-21 17:00")


class TestThankYouMessageVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [(24, 48, True), (24, 12, False), (24, 24, False)],
        ids=["more-hours-lowers", "fewer-hours-raises", "unchanged"],
    )
    def test_more_hours_lowers_the_promise(self, old, new, lowers):
        kind = registry.get(KIND)

        assert kind.lowers({"within_hours": old}, {"within_hours": new}) is lowers

    def test_promised_level_is_the_hours(self):
        assert registry.get(KIND).promised_level({"within_hours": 12}) == 12
