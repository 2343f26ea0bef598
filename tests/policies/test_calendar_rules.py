"""Weekly rules over time: each day is answered with the closed weekdays and business hours
in force on that day, so a rule "from June" never rewrites May."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from policies.calendar import (
    CalendarError,
    Channel,
    ShopCalendar,
    calendar_config_key,
)
from policies.models import Shop, WeeklyRule

TOKYO = ZoneInfo("Asia/Tokyo")
HOURS = [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
OLD = {
    "effective_from": "2000-01-01",
    "closed_weekdays": [5, 6],
    "business_hours": [{"start": "10:00", "end": "18:00"}],
}
# From Monday 1 June 2026 the inbox opens at 9:00 and Wednesdays are closed.
NEW = {
    "effective_from": "2026-06-01",
    "closed_weekdays": [2, 5, 6],
    "business_hours": [{"start": "09:00", "end": "18:00"}],
}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.fixture(scope="module")
def changing():
    return ShopCalendar(holidays="", rules=[OLD, NEW])


class TestRulesOverTime:
    def test_each_day_has_the_rule_in_force_that_day(self, changing):
        assert [
            (changing.rule_on(d).effective_from, sorted(changing.rule_on(d).closed_weekdays))
            for d in (date(1999, 5, 1), date(2026, 5, 31), date(2026, 6, 1), date(2030, 1, 1))
        ] == [
            (date.min, [5, 6]),
            (date.min, [5, 6]),
            (date(2026, 6, 1), [2, 5, 6]),
            (date(2026, 6, 1), [2, 5, 6]),
        ]

    def test_a_weekday_closed_from_june_stays_open_in_may(self, changing):
        may, june = changing.day(date(2026, 5, 27)), changing.day(date(2026, 6, 3))
        assert (may.shipping_open, may.reasons, june.shipping_open, june.reasons) == (
            True,
            (),
            False,
            ("closed weekday",),
        )

    def test_a_reply_across_the_rule_change_counts_each_days_own_hours(self, changing):
        # Friday 29 May 17:00 (old rule: open until 18:00) to Monday 1 June 10:00 (new rule:
        # open from 9:00): one hour on Friday and one on Monday.
        assert changing.business_hours_between(at(2026, 5, 29, 17), at(2026, 6, 1, 10)) == 2.0

    def test_business_hours_changed_from_a_date(self, changing):
        # Two business hours after Friday 17:00: 18:00 Friday ends the first hour; Monday
        # opens at 9:00 under the new rule, so the deadline is 10:00 (11:00 under the old).
        old_only = ShopCalendar(holidays="", rules=[OLD])
        assert (
            changing.add_business_hours(at(2026, 5, 29, 17), 2),
            old_only.add_business_hours(at(2026, 5, 29, 17), 2),
        ) == (at(2026, 6, 1, 10), at(2026, 6, 1, 11))

    def test_add_and_between_agree_across_the_change(self, changing):
        start = at(2026, 5, 28, 15, 30)
        end = changing.add_business_hours(start, 20)
        assert (end, changing.business_hours_between(start, end)) == (at(2026, 6, 2, 9, 30), 20.0)

    @pytest.mark.parametrize(
        ("ordered_at", "expected"),
        [
            # Tuesday after the cutoff: Wednesday ships before June...
            (at(2026, 5, 26, 17), date(2026, 5, 27)),
            # ... and from June Wednesday is closed, so Thursday.
            (at(2026, 6, 2, 17), date(2026, 6, 4)),
            # Friday 29 May after the cutoff: the next shipping day is Monday 1 June.
            (at(2026, 5, 29, 17), date(2026, 6, 1)),
        ],
        ids=["before the change", "after the change", "across the change"],
    )
    def test_ship_by_before_and_after_the_change(self, changing, ordered_at, expected):
        assert changing.ship_by(ordered_at, time(16)) == expected

    def test_the_rule_given_last_wins_on_the_same_day(self):
        again = {**NEW, "closed_weekdays": [5, 6]}
        calendar = ShopCalendar(holidays="", rules=[OLD, NEW, again])
        assert (len(calendar.rules), calendar.is_open(date(2026, 6, 3), Channel.SHIPPING)) == (
            2,
            True,
        )

    def test_the_first_rule_answers_before_its_own_date(self):
        calendar = ShopCalendar(holidays="", rules=[NEW])
        assert calendar.is_open(date(2026, 5, 27), Channel.SHIPPING) is False

    def test_a_bad_rule_names_its_place(self):
        bad = {**NEW, "business_hours": [{"start": "18:00", "end": "09:00"}]}
        with pytest.raises(CalendarError, match=r"rules\[1\]\.business_hours\[0\]"):
            ShopCalendar(rules=[OLD, bad])

    def test_questions_at_the_end_of_time_are_clear_errors(self, changing):
        with pytest.raises(CalendarError, match="beyond the last date"):
            changing.next_open_day(date.max, Channel.SHIPPING)
        with pytest.raises(CalendarError, match="beyond the last date"):
            changing.end_of_day(date.max)


@pytest.mark.django_db
class TestForShop:
    def test_for_shop_reads_the_dated_rules_without_a_query(self, shop, django_assert_num_queries):
        shop.weekly_rule_timeline = [OLD, NEW]
        shop.save()
        loaded = Shop.objects.get(pk=shop.pk)
        with django_assert_num_queries(0):
            calendar = ShopCalendar.for_shop(loaded)
        assert (
            calendar.is_open(date(2026, 5, 27), Channel.SHIPPING),
            calendar.is_open(date(2026, 6, 3), Channel.SHIPPING),
        ) == (True, False)

    def test_a_shop_without_rules_uses_its_fields_for_all_time(self, shop):
        calendar = ShopCalendar.for_shop(shop)
        assert (
            len(calendar.rules),
            sorted(calendar.rule_on(date(2001, 1, 1)).closed_weekdays),
        ) == (
            1,
            [5, 6],
        )

    def test_the_cache_key_changes_with_a_new_rule(self, shop):
        shop.weekly_rule_timeline = [OLD]
        first = ShopCalendar.for_shop(shop)
        key = calendar_config_key(shop)
        assert ShopCalendar.for_shop(shop) is first
        shop.weekly_rule_timeline = [OLD, NEW]
        assert (calendar_config_key(shop) != key, ShopCalendar.for_shop(shop) is first) == (
            True,
            False,
        )

    def test_weekly_rules_are_immutable(self, shop):
        rule = WeeklyRule.objects.create(shop=shop, effective_from=date(2026, 6, 1), **_weekly(NEW))
        with pytest.raises(Exception, match="immutable"):
            rule.save()
        with pytest.raises(Exception, match="immutable"):
            rule.delete()

    def test_the_migration_gives_each_shop_its_rule_so_far(self, shop):
        import importlib

        from django.apps import apps

        migration = importlib.import_module("policies.migrations.0003_calendar_weekly_rules")
        migration.first_rules(apps, None)
        shop.refresh_from_db()
        assert list(
            WeeklyRule.objects.values_list("shop__slug", "effective_from", "closed_weekdays")
        ) == [("kobo", date(2000, 1, 1), [5, 6])]
        assert shop.weekly_rule_timeline == [
            {"effective_from": "2000-01-01", "closed_weekdays": [5, 6], "business_hours": HOURS}
        ]


def _weekly(rule: dict) -> dict:
    return {"closed_weekdays": rule["closed_weekdays"], "business_hours": rule["business_hours"]}
