"""reply_time: inquiries answered within N business hours (lunch break, weekends, New Year)."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "reply_time"


def inquiry(when):
    return event("inquiry_received", when, "q1", channel="email")


def reply(when):
    return event("reply_sent", when, "r1")


# (within, received, replied, business hours, customer's last, verdict types)
CASES = [
    (24, "2026-11-20 17:59", "2026-11-24 10:30", 0.52, None, ()),
    (24, "2026-11-20 18:01", "2026-11-24 10:30", 0.5, None, ()),
    (24, "2026-11-24 11:30", "2026-11-24 13:30", 1.0, None, ()),
    (7, "2026-11-24 10:00", "2026-11-25 11:00", 8.0, None, ("breach",)),
    (24, "2026-11-20 10:00", "2026-11-26 14:00", 24.0, None, ()),
    (24, "2026-11-20 10:00", "2026-11-26 14:30", 24.5, None, ("breach",)),
    (24, "2026-12-28 17:00", "2027-01-04 11:00", 2.0, None, ()),
    (24, "2026-11-24 10:00", "2026-11-24 17:30", 6.5, 2.0, ("drift",)),
    (24, "2026-11-24 10:00", "2026-11-24 17:00", 6.0, 2.0, ()),
    (7, "2026-11-24 10:00", "2026-11-25 11:00", 8.0, 1.0, ("breach",)),
]
IDS = [
    "friday-17:59-one-minute-before-closing",
    "friday-18:01-counts-from-tuesday",
    "lunch-break-does-not-count",
    "more-than-a-business-day-is-breach",
    "exactly-24-business-hours-kept",
    "24.5-business-hours-is-breach",
    "new-year-closure-does-not-count",
    "slower-than-last-time-beyond-tolerance-is-drift",
    "slower-within-tolerance",
    "breach-is-not-also-drift",
]


class TestReplyTimeJudge:
    @pytest.mark.parametrize(
        ("within", "received", "replied", "hours", "last", "types"), CASES, ids=IDS
    )
    def test_business_hours_against_the_promise_and_the_last_reply(
        self, within, received, replied, hours, last, types
    ):
        result = judge(
            KIND,
            occasion=inquiry(received),
            action=reply(replied),
            params={"within_business_hours": within},
            past=history(last=last),
        )

        assert result.level == hours
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["business_hours"] == hours
            assert verdict.details["within_business_hours"] == within

    def test_breach_message_names_the_hours(self):
        result = judge(
            KIND,
            occasion=inquiry("2026-11-24 10:00"),
            action=reply("2026-11-25 11:00"),
            params={"within_business_hours": 7},
        )

        assert result.verdicts[0].message_en == (
            "The reply took 8 business hours; the promise is within 7."
        )
        assert result.verdicts[0].message_ja == (
            "お問い合わせへの返信まで8営業時間かかりました（約束は7営業時間以内）。"
        )

    def test_drift_message_names_the_last_reply(self):
        result = judge(
            KIND,
            occasion=inquiry("2026-11-24 10:00"),
            action=reply("2026-11-24 17:30"),
            past=history(last=2.0),
        )

        assert "got a reply in 2 business hours last time" in result.verdicts[0].message_en
        assert "前回2営業時間で返信" in result.verdicts[0].message_ja
        assert result.verdicts[0].details["customer_last"] == 2

    def test_a_review_reply_is_not_judged(self):
        action = event("review_replied", "2026-11-24 11:00", "rr1")

        assert judge(KIND, occasion=inquiry("2026-11-24 10:00"), action=action) is None


class TestReplyTimeDeadline:
    @pytest.mark.parametrize(
        ("received", "within", "due"),
        [
            ("2026-11-20 10:00", 24, "2026-11-26 14:00"),
            ("2026-11-21 10:00", 24, "2026-11-27 14:00"),
            ("2026-11-24 11:30", 1, "2026-11-24 13:30"),
        ],
        ids=["friday-morning", "saturday-counts-from-tuesday", "over-lunch"],
    )
    def test_deadline_adds_business_hours(self, received, within, due):
        params = {"within_business_hours": within}

        assert deadline(KIND, occasion=inquiry(received), params=params) == at(due)


class TestReplyTimeVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [(24, 48, True), (24, 8, False), (24, 24, False)],
        ids=["more-hours-lowers", "fewer-hours-raises", "unchanged"],
    )
    def test_more_hours_lowers_the_promise(self, old, new, lowers):
        kind = registry.get(KIND)

        assert kind.lowers({"within_business_hours": old}, {"within_business_hours": new}) is lowers

    def test_promised_level_is_the_business_hours(self):
        assert registry.get(KIND).promised_level({"within_business_hours": 8}) == 8
