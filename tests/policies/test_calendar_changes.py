"""Calendar changes over the API: weekly rules from a date, their history, impossible
calendars refused with a code and a field, and the re-judge window each change asks for."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import AuditEntry
from policies import hooks
from policies.models import WeeklyRule
from policies.shop_services import DEADLINE_REACH_DAYS

URL = "/api/v1/shops/kobo/calendar/"
TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 30, 12, tzinfo=TOKYO)  # a Monday
HOURS = [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
CALENDAR = {
    "closed_weekdays": [5, 6],
    "holidays": "JP",
    "business_hours": HOURS,
    "closures": [],
    "open_days": [],
}
REACH = timedelta(days=DEADLINE_REACH_DAYS)


def midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=TOKYO)


def errors(response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in response.json()["errors"]]


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("policies.calendar_selectors.dj_timezone.now", lambda: NOW)


@pytest.fixture
def requests_seen():
    """Collect the re-judge requests; the receiver is removed afterwards."""
    seen = []
    receiver = hooks.rejudge_receiver(seen.append)
    yield seen
    hooks._receivers.remove(receiver)


def days(api, start, end) -> dict[str, bool]:
    response = api.get(f"{URL}days/", {"from": start, "to": end})
    return {day["date"]: day["shipping_open"] for day in response.json()}


class TestWeeklyRulesFromADate:
    def test_a_rule_from_january_leaves_december_as_it_was(self, shop, api):
        body = {**CALENDAR, "closed_weekdays": [2, 5, 6], "effective_from": "2027-01-04"}
        response = api.put(URL, body, format="json")
        assert response.status_code == 200
        # Wednesdays close from 4 January on; 23 December (a Wednesday) stays open.
        assert days(api, "2026-12-23", "2026-12-23") | days(api, "2027-01-06", "2027-01-06") == {
            "2026-12-23": True,
            "2027-01-06": False,
        }

    def test_the_shop_shows_the_rule_in_force_and_the_history(self, shop, api):
        body = {
            **CALENDAR,
            "business_hours": [{"start": "09:00", "end": "18:00"}],
            "effective_from": "2027-01-04",
        }
        api.put(URL, body, format="json")
        shown = api.get("/api/v1/shops/kobo/").json()
        assert (shown["closed_weekdays"], shown["business_hours"]) == ([5, 6], HOURS)
        assert [
            (r["effective_from"], r["business_hours"], r["in_force"], r["upcoming"])
            for r in shown["weekly_rules"]
        ] == [
            ("2000-01-01", HOURS, True, False),
            ("2027-01-04", [{"start": "09:00", "end": "18:00"}], False, True),
        ]

    def test_without_a_date_the_rules_apply_from_today(self, shop, api):
        api.put(URL, {**CALENDAR, "closed_weekdays": [0, 5, 6]}, format="json")
        assert list(WeeklyRule.objects.values_list("effective_from", "closed_weekdays")) == [
            (date(2000, 1, 1), [5, 6]),
            (date(2026, 11, 30), [0, 5, 6]),
        ]
        # Last Monday keeps the old rule; today (a Monday) is closed.
        assert days(api, "2026-11-23", "2026-11-23") | days(api, "2026-11-30", "2026-11-30") == {
            "2026-11-23": False,  # 勤労感謝の日
            "2026-11-30": False,
        } and days(api, "2026-11-16", "2026-11-16") == {"2026-11-16": True}

    def test_the_same_rules_again_add_no_rule(self, shop, api):
        api.put(URL, {**CALENDAR, "effective_from": "2027-01-04"}, format="json")
        assert WeeklyRule.objects.filter(effective_from=date(2027, 1, 4)).count() == 0

    def test_a_later_rule_for_the_same_day_replaces_it(self, shop, api):
        api.put(URL, {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-01-04"}, "json")
        api.put(
            URL, {**CALENDAR, "closed_weekdays": [0, 6], "effective_from": "2027-01-04"}, "json"
        )
        shown = api.get("/api/v1/shops/kobo/").json()["weekly_rules"]
        assert [(r["effective_from"], r["closed_weekdays"]) for r in shown] == [
            ("2000-01-01", [5, 6]),
            ("2027-01-04", [0, 6]),
        ]

    def test_a_later_scheduled_rule_stays_when_an_earlier_one_is_added(self, shop, api):
        api.put(URL, {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-04-01"}, "json")
        api.put(
            URL, {**CALENDAR, "closed_weekdays": [0, 6], "effective_from": "2027-01-04"}, "json"
        )
        assert days(api, "2027-02-01", "2027-02-01") | days(api, "2027-04-05", "2027-04-05") == {
            "2027-02-01": False,  # Monday under the January rule
            "2027-04-05": True,  # Monday under the April rule
        }

    def test_the_audit_trail_records_the_rules_before_and_after(self, shop, api, manager):
        api.put(URL, {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-01-04"}, "json")
        entry = AuditEntry.objects.get(event="calendar.changed")
        assert (
            [r["effective_from"] for r in entry.before["weekly_rules"]],
            [(r["effective_from"], r["closed_weekdays"]) for r in entry.after["weekly_rules"]],
        ) == (["2000-01-01"], [("2000-01-01", [5, 6]), ("2027-01-04", [6])])
        assert WeeklyRule.objects.get(effective_from=date(2027, 1, 4)).created_by == manager


@pytest.mark.fault  # issue 12 item 1: a calendar that never opens is refused
class TestImpossibleCalendars:
    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"closed_weekdays": [0, 1, 2, 3, 4, 5, 6]}, [("invalid_param", "closed_weekdays")]),
            (
                # Monday 3 to Friday 28 August with the weekends around it: 30 days closed.
                {
                    "closures": [
                        {"start": "2026-05-01", "end": "2026-05-02", "label": "GW"},
                        {"start": "2026-08-03", "end": "2026-08-28", "label": "Summer"},
                    ]
                },
                [("invalid_param", "closures[1].end")],
            ),
            (
                # Two closures that only together close shipping for 30 days.
                {
                    "closures": [
                        {"start": "2026-08-17", "end": "2026-08-28", "applies_to": "shipping"},
                        {"start": "2026-08-03", "end": "2026-08-14", "applies_to": "all"},
                    ]
                },
                # The closure given last that closes shipping within the run is named.
                [("invalid_param", "closures[1].end")],
            ),
            (
                {"closures": [{"start": "2026-07-01", "end": "2026-07-30", "label": "Move"}]},
                [("invalid_param", "closures[0].end")],
            ),
            (
                {"closures": [{"start": "1999-12-31", "end": "2000-01-02"}]},
                [("invalid_param", "closures[0].start")],
            ),
            ({"open_days": ["2101-01-01"]}, [("invalid_param", "open_days[0]")]),
            ({"effective_from": "1999-12-31"}, [("invalid_param", "effective_from")]),
            ({"effective_from": "2027-02-30"}, [("invalid_param", "effective_from")]),
        ],
        ids=[
            "all seven weekdays closed",
            "closure with the weekends around it",
            "two closures together, shipping",
            "30-day closure",
            "closure before 2000",
            "open day after 2100",
            "effective date before 2000",
            "effective date that does not exist",
        ],
    )
    def test_refused_with_a_code_and_a_field(self, shop, api, change, expected):
        response = api.put(URL, {**CALENDAR, **change}, format="json")
        shop.refresh_from_db()
        assert (response.status_code, errors(response)) == (400, expected)
        assert (shop.closures, WeeklyRule.objects.count(), AuditEntry.objects.count()) == (
            [],
            0,
            0,
        )

    def test_the_message_says_what_is_closed_and_how_to_fix_it(self, shop, api):
        closures = [{"start": "2026-08-03", "end": "2026-08-28", "applies_to": "shipping"}]
        response = api.put(URL, {**CALENDAR, "closures": closures}, format="json")
        assert response.json()["errors"][0]["message"] == (
            "With this closure, the closed weekdays and the holidays, shipping would be closed "
            "for 30 days in a row (2026-08-01 to 2026-08-30). Every channel needs at least one "
            "open day within any 30 days: shorten the closure or add an open day within it."
        )

    def test_seven_closed_weekdays_say_how_to_fix_it(self, shop, api):
        response = api.put(URL, {**CALENDAR, "closed_weekdays": list(range(7))}, format="json")
        assert "Leave at least one weekday open" in response.json()["errors"][0]["message"]

    def test_an_open_day_inside_a_long_break_makes_it_possible(self, shop, api):
        closures = [{"start": "2026-08-03", "end": "2026-08-28"}]
        body = {**CALENDAR, "closures": closures, "open_days": ["2026-08-14"]}
        assert api.put(URL, body, format="json").status_code == 200

    def test_the_weekly_rule_in_force_on_those_days_counts(self, shop, api):
        # Fridays to Sundays closed from July: Friday 31 July to Sunday 30 August is closed
        # around a closure of Monday 3 to Thursday 27 August (31 days): refused.
        closures = [{"start": "2026-08-03", "end": "2026-08-27"}]
        body = {**CALENDAR, "closed_weekdays": [4, 5, 6], "effective_from": "2026-07-01"}
        refused = api.put(URL, {**body, "closures": closures}, format="json")
        # From today only, Fridays in August are still open: accepted.
        accepted = api.put(URL, {**body, "closures": closures, "effective_from": None}, "json")
        assert (refused.status_code, errors(refused), accepted.status_code) == (
            400,
            [("invalid_param", "closures[0].end")],
            200,
        )

    def test_29_days_closed_in_a_row_are_allowed(self, shop, api):
        # Wednesday 29 July to Wednesday 26 August closed (29 days), Thursday 27 open; then
        # Friday 28 August to Wednesday 23 September (weekend, 21-23 September holidays).
        closures = [{"start": "2026-07-29", "end": "2026-08-26"}]
        closures.append({"start": "2026-08-28", "end": "2026-09-18"})
        body = {**CALENDAR, "closures": closures}
        assert api.put(URL, body, format="json").status_code == 200


class TestRejudgeWindow:
    def test_a_new_weekly_rule_rejudges_from_its_date_on(self, shop, api, requests_seen):
        api.put(URL, {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-01-04"}, "json")
        assert [(r.shop_id, r.reason, r.since, r.until) for r in requests_seen] == [
            (shop.pk, "calendar.changed", midnight(date(2027, 1, 4) - REACH), None)
        ]

    def test_an_added_closure_rejudges_the_days_around_it(self, shop, api, requests_seen):
        closures = [{"start": "2027-02-10", "end": "2027-02-12", "label": "Stocktaking"}]
        api.put(URL, {**CALENDAR, "closures": closures}, format="json")
        assert [(r.since, r.until) for r in requests_seen] == [
            (midnight(date(2027, 2, 10) - REACH), midnight(date(2027, 2, 13) + REACH))
        ]

    def test_a_removed_open_day_rejudges_the_days_around_it(self, shop, api, requests_seen):
        api.put(URL, {**CALENDAR, "open_days": ["2026-11-23"]}, format="json")
        api.put(URL, CALENDAR, format="json")
        assert [(r.since, r.until) for r in requests_seen][1] == (
            midnight(date(2026, 11, 23) - REACH),
            midnight(date(2026, 11, 24) + REACH),
        )

    def test_rules_and_dates_together_ask_once_for_the_whole_span(self, shop, api, requests_seen):
        closures = [{"start": "2027-02-10", "end": "2027-02-12"}]
        body = {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-03-01"}
        api.put(URL, {**body, "closures": closures}, format="json")
        assert [(r.since, r.until) for r in requests_seen] == [
            (midnight(date(2027, 2, 10) - REACH), None)
        ]

    @pytest.mark.parametrize(
        "change",
        [{"timezone": "UTC"}, {"holidays": ""}],
        ids=["timezone", "national holidays"],
    )
    def test_timezone_or_holidays_rejudge_everything(self, shop, api, requests_seen, change):
        api.put(URL, {**CALENDAR, **change}, format="json")
        assert [(r.since, r.until) for r in requests_seen] == [(None, None)]

    def test_no_change_asks_for_nothing(self, shop, api, requests_seen):
        closures = [{"start": "2027-02-10", "end": "2027-02-12", "label": "A"}]
        api.put(URL, {**CALENDAR, "closures": closures}, format="json")
        api.put(URL, {**CALENDAR, "closures": closures}, format="json")
        # A new label closes the same days: nothing to re-judge either.
        api.put(URL, {**CALENDAR, "closures": [{**closures[0], "label": "B"}]}, format="json")
        assert len(requests_seen) == 1

    def test_a_refused_calendar_asks_for_nothing(self, shop, api, requests_seen):
        api.put(URL, {**CALENDAR, "closed_weekdays": list(range(7))}, format="json")
        assert requests_seen == []


class TestSchema:
    def test_the_schema_documents_effective_from_and_weekly_rules(self, api):
        schema = api.get("/api/v1/schema/", {"format": "json"}).json()
        components = schema["components"]["schemas"]
        assert (
            "effective_from" in components["Calendar"]["properties"],
            "weekly_rules" in components["ShopOutput"]["properties"],
        ) == (True, True)


class TestCallingOffAScheduledRule:
    def test_writing_the_old_rule_for_its_day_calls_it_off(self, shop, api):
        api.put(URL, {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-01-04"}, "json")
        api.put(URL, {**CALENDAR, "effective_from": "2027-01-04"}, "json")
        shown = api.get("/api/v1/shops/kobo/").json()["weekly_rules"]
        assert (
            [(r["effective_from"], r["closed_weekdays"]) for r in shown],
            days(api, "2027-01-09", "2027-01-09"),
        ) == ([("2000-01-01", [5, 6])], {"2027-01-09": False})


class TestDaysWithinTheSupportedYears:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "1999-12-31", "to": "2000-01-02"}, "from"),
            ({"from": "2100-12-30", "to": "2101-01-01"}, "to"),
        ],
    )
    def test_days_outside_2000_to_2100_are_refused(self, shop, api, params, field):
        response = api.get(f"{URL}days/", params)
        assert (response.status_code, errors(response)) == (400, [("invalid_param", field)])


class TestTimelineAndHistoryAgree:
    def test_the_shop_row_holds_the_timeline_the_history_rows_record(self, shop, api):
        api.put(URL, {**CALENDAR, "closed_weekdays": [6], "effective_from": "2027-01-04"}, "json")
        shop.refresh_from_db()
        assert shop.weekly_rule_timeline == [
            {"effective_from": r.effective_from.isoformat(), **_weekly_of(r)}
            for r in WeeklyRule.objects.order_by("effective_from")
        ]


def _weekly_of(rule) -> dict:
    return {"closed_weekdays": rule.closed_weekdays, "business_hours": rule.business_hours}


class TestOldClosuresDoNotBlockOtherChanges:
    @pytest.fixture
    def long_closure_of_2020(self, shop):
        # Stored before calendars were checked: 40 days closed in 2020.
        shop.closures = [
            {"start": "2020-04-01", "end": "2020-05-10", "label": "Lockdown", "applies_to": "all"}
        ]
        shop.save()
        return shop.closures[0]

    def test_an_unrelated_change_is_saved(self, shop, api, long_closure_of_2020):
        new = {"start": "2027-02-10", "end": "2027-02-12", "label": "", "applies_to": "all"}
        body = {**CALENDAR, "closures": [long_closure_of_2020, new]}
        response = api.put(URL, body, format="json")
        assert (response.status_code, len(response.json()["closures"])) == (200, 2)

    def test_a_new_long_closure_is_still_refused(self, shop, api, long_closure_of_2020):
        new = {"start": "2027-02-01", "end": "2027-03-05", "label": "", "applies_to": "all"}
        body = {**CALENDAR, "closures": [long_closure_of_2020, new]}
        response = api.put(URL, body, format="json")
        assert (response.status_code, errors(response)) == (
            400,
            [("invalid_param", "closures[1].end")],
        )

    def test_changing_the_holidays_checks_every_closure(self, shop, api, long_closure_of_2020):
        body = {**CALENDAR, "holidays": "", "closures": [long_closure_of_2020]}
        response = api.put(URL, body, format="json")
        assert (response.status_code, errors(response)) == (
            400,
            [("invalid_param", "closures[0].end")],
        )
