"""The calendar page: the day the weekly rules take effect, their history, and impossible
calendars refused next to their field."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts.models import AuditEntry
from policies.models import WeeklyRule

URL = "/shops/kobo/calendar/"
NOW = datetime(2026, 11, 30, 12, tzinfo=ZoneInfo("Asia/Tokyo"))
FORM = {
    "month": "2027-01",
    "timezone": "Asia/Tokyo",
    "holidays": "JP",
    "closed_weekdays": ["2", "5", "6"],
    "bh_start": ["09:00"],
    "bh_end": ["18:00"],
    "effective_from": "2027-01-04",
}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("policies.calendar_selectors.dj_timezone.now", lambda: NOW)
    monkeypatch.setattr("policies.views_calendar.dj_timezone.now", lambda: NOW)


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def cell(html: str, day: str) -> str:
    match = re.search(rf'<td [^>]*data-date="{day}">(.*?)</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


def rule_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="weekly-rules">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    return [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells]
        for cells in (re.findall(r"<td>(.*?)</td>", row, re.S) for row in table.split("</tr>"))
        if cells
    ]


class TestWeeklyRulesOnThePage:
    def test_a_manager_sets_rules_from_a_day_and_earlier_days_keep_theirs(
        self, shop, manager, client_for
    ):
        client = client_for(manager)
        response = client.post(URL, FORM)
        january = client.get(URL, {"month": "2027-01"}).content.decode()
        december = client.get(URL, {"month": "2026-12"}).content.decode()
        assert response.status_code == 302
        assert list(WeeklyRule.objects.values_list("effective_from", "closed_weekdays")) == [
            (date(2000, 1, 1), [5, 6]),
            (date(2027, 1, 4), [2, 5, 6]),
        ]
        assert (
            "closed weekday" in cell(january, "2027-01-06"),
            "No shipping" in cell(december, "2026-12-23"),
        ) == (True, False)

    def test_the_page_lists_the_rules_past_in_force_and_upcoming(
        self, shop, manager, viewer, client_for
    ):
        client_for(manager).post(URL, FORM)
        html = client_for(viewer).get(URL).content.decode()
        assert rule_rows(html) == [
            ["Sat, Jan 1, 2000", "Saturday, Sunday", "10:00–12:00, 13:00–18:00", "in force"],
            ["Mon, Jan 4, 2027", "Wednesday, Saturday, Sunday", "09:00–18:00", "upcoming"],
        ]

    def test_the_editor_shows_the_rule_in_force_today(self, shop, manager, client_for):
        client = client_for(manager)
        client.post(URL, FORM)
        html = client.get(URL).content.decode()
        assert (
            re.findall(r'name="closed_weekdays" value="(\d)" checked', html),
            re.findall(r'name="bh_start" value="([\d:]+)"', html),
            'name="effective_from" value=""' in html,
        ) == (["5", "6"], ["10:00", "13:00"], True)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                {"closed_weekdays": [str(i) for i in range(7)]},
                "All seven weekdays are closed, so the shop would never open.",
            ),
            (
                {
                    "closure_start": ["2026-07-01"],
                    "closure_end": ["2026-07-30"],
                    "closure_label": ["Move"],
                    "closure_applies_to": ["all"],
                },
                "To: With this closure, the closed weekdays and the holidays, shipping would be "
                "closed for 30 days in a row",
            ),
            ({"effective_from": "1999-12-31"}, "Enter a date between 2000-01-01 and 2100-12-31."),
        ],
        ids=["seven closed weekdays", "30 days closed", "effective date before 2000"],
    )
    def test_impossible_calendars_are_refused_next_to_their_field(
        self, shop, manager, client_for, change, message
    ):
        response = client_for(manager).post(URL, {**FORM, **change})
        html = response.content.decode()
        assert (response.status_code, message in html) == (400, True)
        assert (WeeklyRule.objects.count(), AuditEntry.objects.count()) == (0, 0)

    def test_the_date_typed_is_kept_after_an_error(self, shop, manager, client_for):
        form = {**FORM, "closed_weekdays": [str(i) for i in range(7)]}
        html = client_for(manager).post(URL, form).content.decode()
        assert 'name="effective_from" value="2027-01-04"' in html
