"""holiday_replies: a closed-day reply raises the expectation (seeds/004)."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "holiday_replies"


def inquiry(when):
    return event("inquiry_received", when, "q1", channel="email")


def reply(when):
    return event("reply_sent", when, "r1")


# (mode, received, replied, customer's best, level, verdict types)
CASES = [
    ("none", "2026-11-21 10:00", "2026-11-21 14:00", None, 1.0, ("precedent",)),
    ("none", "2026-11-21 10:00", "2026-11-23 09:00", None, 1.0, ("precedent",)),
    ("none", "2026-11-21 10:00", "2026-11-24 10:30", None, 0.0, ()),
    ("none", "2026-11-21 10:00", "2026-11-24 10:30", 1.0, 0.0, ("drift",)),
    ("none", "2026-11-21 10:00", "2026-11-24 10:30", 0.0, 0.0, ()),
    ("none", "2026-11-21 10:00", "2026-11-27 10:30", 1.0, 0.0, ("drift",)),
    ("none", "2026-12-31 09:00", "2027-01-01 11:00", None, 1.0, ("precedent",)),
    ("none", "2026-12-31 09:00", "2027-01-04 11:00", 1.0, 0.0, ("drift",)),
    ("always", "2026-11-21 10:00", "2026-11-21 14:00", None, 1.0, ()),
    ("always", "2026-11-21 10:00", "2026-11-22 09:00", None, 1.0, ()),
    ("always", "2026-11-21 10:00", "2026-11-24 10:30", None, 0.0, ("breach",)),
    ("always", "2026-11-21 10:00", "2026-11-24 10:30", 1.0, 0.0, ("breach",)),
]
IDS = [
    "none-saturday-reply-same-day-is-a-precedent",
    "none-reply-on-the-holiday-monday-is-a-precedent",
    "none-reply-on-reopening-is-kept",
    "none-waited-after-a-closed-day-reply-before-is-drift",
    "none-waited-like-every-time",
    "none-reply-later-in-the-week-after-closed-day-reply-is-drift",
    "none-new-years-day-reply-is-a-precedent",
    "none-after-new-year-closure-having-had-one-is-drift",
    "always-reply-same-closed-day-kept",
    "always-reply-next-closed-day-kept",
    "always-reply-after-reopening-is-breach",
    "always-breach-is-not-also-drift",
]


class TestHolidayRepliesJudge:
    @pytest.mark.parametrize(
        ("mode", "received", "replied", "best", "level", "types"), CASES, ids=IDS
    )
    def test_closed_day_replies_against_the_mode_and_the_customers_past(
        self, mode, received, replied, best, level, types
    ):
        result = judge(
            KIND,
            occasion=inquiry(received),
            action=reply(replied),
            params={"mode": mode},
            past=history(last=best, best=best),
        )

        assert result.level == level
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["replied_on"] == replied[:10]
            assert verdict.details["received_on"] == received[:10]

    def test_a_closed_day_reply_remembers_why_the_day_was_closed(self):
        result = judge(KIND, occasion=inquiry("2026-11-21 10:00"), action=reply("2026-11-23 09:00"))

        assert result.precedent == {"what": "closed_day_reply", "reason": "holiday: 勤労感謝の日"}
        assert result.verdicts[0].details["closed_day_reason"] == "closed weekday"
        assert "Mon 2026-11-23" in result.verdicts[0].message_en
        assert "2026年11月23日(月)" in result.verdicts[0].message_ja

    def test_a_new_years_day_reply_names_the_holiday_and_the_closure(self):
        result = judge(KIND, occasion=inquiry("2026-12-31 09:00"), action=reply("2027-01-01 11:00"))

        assert result.precedent["reason"] == "holiday: 元日; closure: New Year"
        assert result.verdicts[0].details["reopens_on"] == "2027-01-04"

    def test_drift_message_says_the_customer_now_waits(self):
        result = judge(
            KIND,
            occasion=inquiry("2026-11-21 10:00"),
            action=reply("2026-11-24 10:30"),
            past=history(last=0.0, best=1.0, count=2),
        )

        (verdict,) = result.verdicts
        assert verdict.message_en.startswith(
            "This customer got a reply on a closed day before; now they waited for the next "
            "business day (Tue 2026-11-24)"
        )
        assert "以前、休業日に返信を受け取っています" in verdict.message_ja
        assert verdict.details["customer_best"] == 1

    @pytest.mark.parametrize("mode", ["none", "always"])
    @pytest.mark.parametrize(
        "received",
        ["2026-11-20 11:00", "2026-11-20 20:00"],
        ids=["open-day-in-hours", "open-day-after-hours"],
    )
    def test_inquiries_received_on_open_days_are_not_judged(self, mode, received):
        result = judge(
            KIND,
            occasion=inquiry(received),
            action=reply("2026-11-21 10:00"),
            params={"mode": mode},
        )

        assert result is None


class TestHolidayRepliesDeadline:
    @pytest.mark.parametrize(
        ("mode", "received", "due"),
        [
            ("always", "2026-11-21 10:00", at("2026-11-24 00:00")),
            ("always", "2026-12-31 09:00", at("2027-01-04 00:00")),
            ("always", "2026-11-20 11:00", None),
            ("none", "2026-11-21 10:00", None),
        ],
        ids=["always-before-the-inbox-reopens", "always-new-year", "open-day", "none"],
    )
    def test_under_always_the_reply_is_due_before_the_inbox_reopens(self, mode, received, due):
        assert deadline(KIND, occasion=inquiry(received), params={"mode": mode}) == due


class TestHolidayRepliesVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [("always", "none", True), ("none", "always", False), ("none", "none", False)],
        ids=["always-to-none-lowers", "none-to-always-raises", "unchanged"],
    )
    def test_stopping_closed_day_replies_lowers_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers({"mode": old}, {"mode": new}) is lowers

    @pytest.mark.parametrize(("mode", "level"), [("always", 1.0), ("none", 0.0)])
    def test_promised_level_is_whether_closed_days_are_answered(self, mode, level):
        assert registry.get(KIND).promised_level({"mode": mode}) == level


class TestClosedDayInWords:
    """Managers read why the inbox was closed in words, not the calendar's code (issue 14/17)."""

    def test_a_holiday_reads_as_closed_for_the_holiday(self):
        from datetime import date

        from policies.calendar import ShopCalendar

        day = ShopCalendar(holidays="JP").day(date(2026, 11, 23))
        assert day.reason == "holiday: 勤労感謝の日"
        assert day.closed_words() == (
            "勤労感謝の日のため休業",
            "closed for 勤労感謝の日 (national holiday)",
        )

    def test_weekday_and_closure_read_in_words(self):
        from datetime import date

        from policies.calendar import ShopCalendar

        calendar = ShopCalendar(
            holidays="",
            closed_weekdays=[6],
            closures=[{"start": "2026-12-27", "end": "2026-12-27", "label": "年末"}],
        )
        assert calendar.day(date(2026, 12, 27)).closed_words() == (
            "定休日、臨時休業（年末）",
            "regular closed weekday; closed: 年末",
        )
        assert calendar.day(date(2026, 12, 28)).closed_words() == ("", "")
