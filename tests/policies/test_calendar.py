"""The shop calendar, against hand-computed days and times (no database)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from policies.calendar import (
    MAX_SEARCH_DAYS,
    MAX_SPAN_DAYS,
    CalendarError,
    Channel,
    Day,
    ShopCalendar,
    national_holidays,
)

TOKYO = ZoneInfo("Asia/Tokyo")
LUNCH = [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
NEW_YEAR = {"start": "2026-12-29", "end": "2027-01-03", "label": "New Year", "applies_to": "all"}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.fixture
def weekdays_only():
    """A shop closed on weekends and national holidays, 10-12 and 13-18 on open days."""
    return ShopCalendar(closed_weekdays=[5, 6], business_hours=LUNCH, closures=[NEW_YEAR])


@pytest.fixture
def every_day():
    """A shop with no closed weekday: only national holidays close it."""
    return ShopCalendar(closed_weekdays=[], business_hours=LUNCH)


class TestDays:
    @pytest.mark.parametrize(
        ("day", "shipping_open", "inquiries_open", "reason"),
        [
            (date(2026, 4, 28), True, True, ""),
            (date(2026, 4, 29), False, False, "holiday: 昭和の日"),
            (date(2026, 5, 1), True, True, ""),
            (date(2026, 5, 2), False, False, "closed weekday"),
            (date(2026, 5, 3), False, False, "holiday: 憲法記念日; closed weekday"),
            (date(2026, 5, 4), False, False, "holiday: みどりの日"),
            (date(2026, 5, 5), False, False, "holiday: こどもの日"),
            # Constitution Day fell on a Sunday: the substitute is the next non-holiday, 5/6.
            (date(2026, 5, 6), False, False, "holiday: 振替休日"),
            (date(2026, 5, 7), True, True, ""),
        ],
        ids=[
            "4-28 plain tuesday",
            "4-29 showa day",
            "5-1 friday between",
            "5-2 saturday",
            "5-3 constitution day on sunday",
            "5-4 greenery day",
            "5-5 childrens day",
            "5-6 substitute holiday",
            "5-7 back to work",
        ],
    )
    def test_golden_week_2026(self, weekdays_only, day, shipping_open, inquiries_open, reason):
        found = weekdays_only.day(day)
        assert (found.shipping_open, found.inquiries_open, found.reason) == (
            shipping_open,
            inquiries_open,
            reason,
        )

    @pytest.mark.parametrize(
        ("day", "open_", "reason"),
        [
            (date(2025, 11, 23), False, "holiday: 勤労感謝の日"),
            (date(2025, 11, 24), False, "holiday: 振替休日"),
            (date(2025, 11, 25), True, ""),
            (date(2027, 3, 21), False, "holiday: 春分の日"),
            (date(2027, 3, 22), False, "holiday: 振替休日"),
        ],
        ids=[
            "2025 labour thanksgiving on sunday",
            "2025 substitute monday",
            "2025 tuesday after",
            "2027 vernal equinox on sunday",
            "2027 substitute monday",
        ],
    )
    def test_a_holiday_on_a_sunday_moves_to_monday(self, every_day, day, open_, reason):
        found = every_day.day(day)
        assert (found.shipping_open, found.inquiries_open, found.reason) == (open_, open_, reason)

    @pytest.mark.parametrize(
        ("day", "reason"),
        [
            (date(2026, 9, 21), "holiday: 敬老の日"),
            (date(2026, 9, 22), "holiday: 国民の休日"),
            (date(2026, 9, 23), "holiday: 秋分の日"),
            (date(2015, 9, 22), "holiday: 国民の休日"),
            (date(2019, 4, 30), "holiday: 国民の休日"),
        ],
        ids=["2026 respect for the aged", "2026 bridge", "2026 equinox", "2015 bridge", "2019"],
    )
    def test_a_day_between_two_holidays_is_a_national_holiday(self, every_day, day, reason):
        found = every_day.day(day)
        assert (found.shipping_open, found.inquiries_open, found.reason) == (False, False, reason)

    @pytest.mark.parametrize(
        ("day", "shipping_open", "reason"),
        [
            (date(2026, 12, 28), True, ""),
            (date(2026, 12, 29), False, "closure: New Year"),
            (date(2026, 12, 31), False, "closure: New Year"),
            (date(2027, 1, 1), False, "holiday: 元日; closure: New Year"),
            (date(2027, 1, 2), False, "closed weekday; closure: New Year"),
            (date(2027, 1, 3), False, "closed weekday; closure: New Year"),
            (date(2027, 1, 4), True, ""),
        ],
        ids=["12-28 open", "12-29", "12-31", "1-1", "1-2 saturday", "1-3 sunday", "1-4 open"],
    )
    def test_new_year_closure_crosses_the_year(self, weekdays_only, day, shipping_open, reason):
        found = weekdays_only.day(day)
        assert (found.shipping_open, found.inquiries_open, found.reason) == (
            shipping_open,
            shipping_open,
            reason,
        )

    def test_a_closure_only_for_shipping_keeps_the_inbox_open(self):
        calendar = ShopCalendar(
            closures=[
                {"start": "2026-08-13", "end": "2026-08-16", "label": "Obon carriers"}
                | {"applies_to": "shipping"}
            ]
        )
        found = calendar.day(date(2026, 8, 14))
        assert (found.shipping_open, found.inquiries_open, found.reason) == (
            False,
            True,
            "closure: Obon carriers",
        )

    def test_a_closure_only_for_inquiries_keeps_shipping_open(self):
        calendar = ShopCalendar(
            closures=[{"start": "2026-08-14", "end": "2026-08-14", "applies_to": "inquiries"}]
        )
        found = calendar.day(date(2026, 8, 14))
        assert (found.shipping_open, found.inquiries_open, found.reason) == (True, False, "closure")

    @pytest.mark.parametrize(
        ("day", "holiday"),
        [(date(2026, 11, 23), "勤労感謝の日"), (date(2026, 11, 21), "")],
        ids=["holiday opened", "saturday opened"],
    )
    def test_open_days_override_everything(self, day, holiday):
        calendar = ShopCalendar(
            closed_weekdays=[5, 6],
            closures=[{"start": "2026-11-20", "end": "2026-11-30", "label": "Stocktaking"}],
            open_days=["2026-11-23", "2026-11-21"],
        )
        assert calendar.day(day) == Day(day, True, True, "", (), holiday)

    def test_no_national_holidays_when_the_shop_does_not_observe_them(self):
        calendar = ShopCalendar(holidays="")
        assert calendar.day(date(2026, 1, 1)) == Day(date(2026, 1, 1), True, True, "", (), "")

    def test_days_lists_every_day_inclusive(self, weekdays_only):
        days = weekdays_only.days(date(2026, 12, 30), date(2027, 1, 4))
        assert [(d.date.isoformat(), d.shipping_open) for d in days] == [
            ("2026-12-30", False),
            ("2026-12-31", False),
            ("2027-01-01", False),
            ("2027-01-02", False),
            ("2027-01-03", False),
            ("2027-01-04", True),
        ]

    def test_days_is_empty_when_the_end_is_before_the_start(self, weekdays_only):
        assert weekdays_only.days(date(2026, 5, 2), date(2026, 5, 1)) == []

    def test_a_span_too_long_is_refused(self, weekdays_only):
        with pytest.raises(CalendarError, match=str(MAX_SPAN_DAYS)):
            weekdays_only.days(date(2000, 1, 1), date(2030, 1, 1))

    def test_holidays_are_cached_per_country_and_year(self):
        national_holidays.cache_clear()
        ShopCalendar().day(date(2026, 1, 1))
        ShopCalendar().day(date(2026, 5, 5))
        assert national_holidays.cache_info().misses == 1


class TestNextOpenDay:
    @pytest.mark.parametrize(
        ("start", "channel", "include", "expected"),
        [
            (date(2026, 5, 1), Channel.SHIPPING, False, date(2026, 5, 7)),
            (date(2026, 5, 1), Channel.SHIPPING, True, date(2026, 5, 1)),
            (date(2026, 5, 2), Channel.INQUIRIES, True, date(2026, 5, 7)),
            (date(2026, 12, 28), "shipping", False, date(2027, 1, 4)),
        ],
        ids=["after friday in golden week", "include an open day", "include a closed day", "str"],
    )
    def test_next_open_day(self, weekdays_only, start, channel, include, expected):
        assert weekdays_only.next_open_day(start, channel, include=include) == expected

    def test_a_calendar_that_never_opens_gives_a_clear_error(self):
        calendar = ShopCalendar(closed_weekdays=range(7))
        with pytest.raises(CalendarError, match=f"within {MAX_SEARCH_DAYS} days"):
            calendar.next_open_day(date(2026, 5, 1), Channel.SHIPPING)


class TestShipBy:
    @pytest.mark.parametrize(
        ("ordered_at", "expected"),
        [
            (at(2026, 11, 18, 15, 59), date(2026, 11, 18)),
            (at(2026, 11, 18, 16, 0), date(2026, 11, 19)),
            (at(2026, 11, 20, 15, 30), date(2026, 11, 20)),
            (at(2026, 11, 20, 16, 1), date(2026, 11, 24)),
            (at(2026, 11, 13, 16, 1), date(2026, 11, 16)),
            (at(2026, 11, 21, 9, 0), date(2026, 11, 24)),
            (at(2026, 11, 23, 10, 0), date(2026, 11, 24)),
            (datetime(2026, 11, 20, 6, 59, tzinfo=ZoneInfo("UTC")), date(2026, 11, 20)),
            (datetime(2026, 11, 20, 7, 1, tzinfo=ZoneInfo("UTC")), date(2026, 11, 24)),
        ],
        ids=[
            "wednesday 15:59 same day",
            "wednesday 16:00 exactly is after the cutoff",
            "friday 15:30 same day",
            "friday 16:01, monday 11-23 is a holiday: tuesday",
            "friday 16:01, plain monday",
            "saturday morning: first shipping day",
            "holiday monday morning: tuesday",
            "utc 06:59 is 15:59 in tokyo",
            "utc 07:01 is 16:01 in tokyo",
        ],
    )
    def test_ship_by_with_a_16_00_cutoff(self, weekdays_only, ordered_at, expected):
        assert weekdays_only.ship_by(ordered_at, time(16, 0)) == expected

    def test_cutoff_may_be_given_as_text(self, weekdays_only):
        assert weekdays_only.ship_by(at(2026, 11, 18, 15, 0), "15:00") == date(2026, 11, 19)

    def test_a_naive_moment_is_refused(self, weekdays_only):
        with pytest.raises(CalendarError, match="no timezone"):
            weekdays_only.ship_by(datetime(2026, 11, 18, 15, 0), time(16))


class TestOpenDaysBetween:
    @pytest.mark.parametrize(
        ("start", "end", "channel", "expected"),
        [
            (date(2026, 11, 20), date(2026, 11, 20), Channel.SHIPPING, 0),
            (date(2026, 11, 20), date(2026, 11, 24), Channel.SHIPPING, 1),
            (date(2026, 11, 20), date(2026, 11, 25), Channel.SHIPPING, 2),
            (date(2026, 11, 25), date(2026, 11, 20), Channel.SHIPPING, -2),
            (date(2026, 4, 28), date(2026, 5, 7), Channel.INQUIRIES, 3),
            (date(2026, 12, 25), date(2027, 1, 5), Channel.SHIPPING, 3),
        ],
        ids=[
            "same day",
            "over a weekend and a holiday",
            "two days",
            "signed backwards",
            "golden week: 4-30, 5-1, 5-7",
            "new year: 12-28, 1-4, 1-5",
        ],
    )
    def test_open_days_between(self, weekdays_only, start, end, channel, expected):
        assert weekdays_only.open_days_between(start, end, channel) == expected


class TestBusinessHours:
    @pytest.mark.parametrize(
        ("start", "end", "hours"),
        [
            (at(2026, 11, 18, 9, 0), at(2026, 11, 18, 19, 0), 7.0),
            (at(2026, 11, 18, 11, 0), at(2026, 11, 18, 14, 0), 2.0),
            (at(2026, 11, 18, 12, 0), at(2026, 11, 18, 13, 0), 0.0),
            (at(2026, 11, 18, 17, 59), at(2026, 11, 19, 10, 0), 1 / 60),
            (at(2026, 11, 18, 18, 1), at(2026, 11, 19, 10, 0), 0.0),
            (at(2026, 11, 20, 17, 0), at(2026, 11, 24, 11, 0), 2.0),
            (at(2026, 11, 19, 11, 0), at(2026, 11, 18, 11, 0), -7.0),
            (at(2026, 12, 28, 17, 0), at(2027, 1, 4, 10, 30), 1.5),
        ],
        ids=[
            "a whole day is 7 hours",
            "lunch break not counted",
            "only the lunch break",
            "inquiry 17:59: one minute before tomorrow",
            "inquiry 18:01: nothing before tomorrow",
            "friday to tuesday over a weekend and a holiday",
            "signed backwards",
            "over the new year closure",
        ],
    )
    def test_business_hours_between(self, weekdays_only, start, end, hours):
        assert weekdays_only.business_hours_between(start, end) == pytest.approx(hours)

    @pytest.mark.parametrize(
        ("start", "hours", "expected"),
        [
            (at(2026, 11, 18, 17, 59), 1, at(2026, 11, 19, 10, 59)),
            (at(2026, 11, 18, 18, 1), 1, at(2026, 11, 19, 11, 0)),
            (at(2026, 11, 18, 11, 30), 1, at(2026, 11, 18, 13, 30)),
            (at(2026, 11, 18, 10, 0), 7, at(2026, 11, 18, 18, 0)),
            (at(2026, 11, 18, 10, 0), 24, at(2026, 11, 24, 14, 0)),
            (at(2026, 11, 20, 17, 30), 1, at(2026, 11, 24, 10, 30)),
            (at(2026, 11, 21, 9, 0), 2, at(2026, 11, 24, 12, 0)),
            (at(2026, 11, 18, 15, 0), 0, at(2026, 11, 18, 15, 0)),
            (at(2026, 12, 28, 17, 0), 1.5, at(2027, 1, 4, 10, 30)),
        ],
        ids=[
            "inquiry 17:59 plus 1h: 10:59 next day",
            "inquiry 18:01 plus 1h: 11:00 next day",
            "over the lunch break",
            "exactly to closing time",
            "24 business hours: 3 days of 7, then 3 on tuesday after the holiday",
            "friday evening to tuesday over a holiday monday",
            "from a closed saturday",
            "zero hours",
            "over the new year closure",
        ],
    )
    def test_add_business_hours(self, weekdays_only, start, hours, expected):
        assert weekdays_only.add_business_hours(start, hours) == expected

    def test_add_business_hours_answers_in_shop_time(self, weekdays_only):
        result = weekdays_only.add_business_hours(at(2026, 11, 18, 17, 0), 2)
        assert (result.tzinfo, result.isoformat()) == (TOKYO, "2026-11-19T11:00:00+09:00")

    def test_add_and_between_agree(self, weekdays_only):
        start = at(2026, 4, 27, 16, 45)
        end = weekdays_only.add_business_hours(start, 30.25)
        assert weekdays_only.business_hours_between(start, end) == pytest.approx(30.25)

    def test_business_hours_skip_days_closed_only_for_inquiries(self):
        calendar = ShopCalendar(
            business_hours=LUNCH,
            closures=[{"start": "2026-11-19", "end": "2026-11-19", "applies_to": "inquiries"}],
        )
        assert calendar.add_business_hours(at(2026, 11, 18, 17, 0), 2) == at(2026, 11, 20, 11, 0)

    def test_business_hours_count_on_days_closed_only_for_shipping(self):
        calendar = ShopCalendar(
            business_hours=LUNCH,
            closures=[{"start": "2026-11-19", "end": "2026-11-19", "applies_to": "shipping"}],
        )
        assert calendar.add_business_hours(at(2026, 11, 18, 17, 0), 2) == at(2026, 11, 19, 11, 0)

    def test_a_calendar_without_business_time_gives_a_clear_error(self):
        calendar = ShopCalendar(business_hours=[])
        with pytest.raises(CalendarError, match="no business time"):
            calendar.add_business_hours(at(2026, 11, 18, 17, 0), 1)

    def test_business_hours_follow_the_shop_timezone(self):
        calendar = ShopCalendar(
            timezone="Europe/Berlin",
            holidays="",
            business_hours=[{"start": "01:00", "end": "04:00"}],
        )
        # 2026-03-29 is the spring-forward Sunday in Berlin: 01:00-04:00 lasts 2 real hours.
        day = date(2026, 3, 29)
        assert calendar.business_hours_between(
            calendar.start_of_day(day), calendar.end_of_day(day)
        ) == pytest.approx(2.0)


class TestConstruction:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"timezone": "Mars/Olympus"}, "Unknown timezone"),
            ({"closed_weekdays": [7]}, "0 \\(Monday\\) to 6"),
            ({"holidays": "XX"}, "No national holidays"),
            ({"business_hours": [{"start": "18:00", "end": "10:00"}]}, "start before it ends"),
            ({"business_hours": [{"start": "25:00", "end": "26:00"}]}, "between 00:00 and 23:59"),
            (
                {"business_hours": [*LUNCH, {"start": "11:00", "end": "14:00"}]},
                "must not overlap",
            ),
            ({"closures": [{"start": "2026-01-05", "end": "2026-01-04"}]}, "not end before"),
            ({"closures": [{"start": "x", "end": "2026-01-04"}]}, "YYYY-MM-DD"),
            (
                {"closures": [{"start": "2026-01-05", "end": "2026-01-06", "applies_to": "x"}]},
                "applies_to must be",
            ),
        ],
        ids=[
            "unknown timezone",
            "weekday 7",
            "unknown country",
            "period ends before it starts",
            "hour 25",
            "overlapping periods",
            "closure ends before it starts",
            "closure date not a date",
            "closure applies to nothing known",
        ],
    )
    def test_a_bad_calendar_is_refused(self, kwargs, message):
        with pytest.raises(CalendarError, match=message):
            ShopCalendar(**kwargs)

    def test_for_shop_reads_the_shop_fields(self):
        class FakeShop:  # only the fields the calendar reads
            timezone = "Asia/Tokyo"
            closed_weekdays = [6]
            holidays = "JP"
            business_hours = LUNCH
            closures = [NEW_YEAR]
            open_days = ["2026-11-23"]

        calendar = ShopCalendar.for_shop(FakeShop())
        assert (
            calendar.closed_weekdays,
            calendar.business_hours,
            calendar.is_open(date(2026, 11, 23), Channel.SHIPPING),
            calendar.is_open(date(2027, 1, 2), Channel.INQUIRIES),
        ) == (frozenset({6}), ((time(10), time(12)), (time(13), time(18))), True, False)

    def test_start_and_end_of_day_are_aware_shop_midnights(self, weekdays_only):
        assert (
            weekdays_only.start_of_day(date(2026, 11, 18)).isoformat(),
            weekdays_only.end_of_day(date(2026, 11, 18)).isoformat(),
        ) == ("2026-11-18T00:00:00+09:00", "2026-11-19T00:00:00+09:00")

    def test_a_datetime_is_not_taken_for_a_date(self, weekdays_only):
        with pytest.raises(TypeError, match="Expected a date"):
            weekdays_only.day(at(2026, 11, 18, 10, 0))
