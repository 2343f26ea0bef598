"""The calendar page: the month view for every member, the editor for managers."""

import re

import pytest
from django.test import Client

from accounts.models import AuditEntry
from policies.models import Shop

URL = "/shops/kobo/calendar/"

EDITOR_FORM = {
    "month": "2026-12",
    "timezone": "Asia/Tokyo",
    "holidays": "JP",
    "closed_weekdays": ["5", "6"],
    "bh_start": ["10:00", "13:00", ""],
    "bh_end": ["12:00", "18:00", ""],
    "closure_start": ["2026-12-29", "2026-08-13"],
    "closure_end": ["2027-01-03", "2026-08-16"],
    "closure_label": ["New Year", "Obon"],
    "closure_applies_to": ["all", "shipping"],
    "open_day": ["2026-11-23", ""],
}


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def cell(html: str, day: str) -> str:
    """Return the HTML of one day's cell of the month view."""
    match = re.search(rf'<td [^>]*data-date="{day}">(.*?)</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


class TestMonthView:
    def test_the_month_view_marks_days_open_or_closed_with_the_reason(
        self, shop, viewer, client_for
    ):
        response = client_for(viewer).get(URL, {"month": "2026-05"})
        html = response.content.decode()
        assert response.status_code == 200
        assert (
            "No shipping" in cell(html, "2026-05-04"),
            "みどりの日" in cell(html, "2026-05-04"),
        ) == (
            True,
            True,
        )
        assert (
            "振替休日" in cell(html, "2026-05-06"),
            "No inquiries" in cell(html, "2026-05-06"),
        ) == (
            True,
            True,
        )
        assert "closed weekday" in cell(html, "2026-05-02")
        assert (
            "✓ Shipping" in cell(html, "2026-05-07"),
            "✓ Inquiries" in cell(html, "2026-05-07"),
        ) == (
            True,
            True,
        )

    def test_the_grid_covers_whole_weeks_monday_first(self, shop, viewer, client_for):
        html = client_for(viewer).get(URL, {"month": "2026-05"}).content.decode()
        dates = re.findall(r'data-date="([\d-]+)"', html)
        # May 2026 starts on a Friday and ends on a Sunday.
        assert (dates[0], dates[-1], len(dates)) == ("2026-04-27", "2026-05-31", 35)

    @pytest.mark.parametrize(
        ("month", "prev_month", "next_month"),
        [("2026-12", "2026-11", "2027-01"), ("2027-01", "2026-12", "2027-02")],
        ids=["december", "january"],
    )
    def test_prev_and_next_month_links(
        self, shop, viewer, client_for, month, prev_month, next_month
    ):
        html = client_for(viewer).get(URL, {"month": month}).content.decode()
        assert (
            f'href="?month={prev_month}" rel="prev"' in html,
            f'href="?month={next_month}" rel="next"' in html,
        ) == (True, True)

    @pytest.mark.parametrize(
        "month", ["2026-13", "0001-01", "may"], ids=["month 13", "year 1", "word"]
    )
    def test_a_bad_month_shows_the_current_month(self, shop, viewer, client_for, month):
        response = client_for(viewer).get(URL, {"month": month})
        assert (
            response.status_code,
            len(re.findall(r'data-date="', response.content.decode())) >= 28,
        ) == (
            200,
            True,
        )

    def test_a_shipping_only_closure_keeps_inquiries_open(self, shop, viewer, client_for):
        shop.closures = [
            {"start": "2026-08-13", "end": "2026-08-16", "label": "Obon", "applies_to": "shipping"}
        ]
        shop.save()
        html = client_for(viewer).get(URL, {"month": "2026-08"}).content.decode()
        day = cell(html, "2026-08-14")
        assert ("No shipping" in day, "✓ Inquiries" in day, "closure: Obon" in day) == (
            True,
            True,
            True,
        )

    @pytest.mark.parametrize("role", ["viewer", "staff"], ids=["viewer", "staff"])
    def test_viewers_and_staff_see_no_editor(self, shop, client_for, request, role):
        html = client_for(request.getfixturevalue(role)).get(URL).content.decode()
        assert ('id="calendar-editor"' in html, "Closed weekdays" in html) == (False, True)

    def test_a_non_member_gets_404(self, shop, make_user, client_for):
        assert client_for(make_user("outsider")).get(URL).status_code == 404

    def test_anonymous_users_are_sent_to_log_in(self, shop):
        response = Client().get(URL)
        assert (response.status_code, response.url.startswith("/login/")) == (302, True)


class TestEditor:
    def test_managers_see_the_editor_filled_with_the_calendar(self, shop, manager, client_for):
        html = client_for(manager).get(URL).content.decode()
        assert 'id="calendar-editor"' in html
        assert re.findall(r'name="bh_start" value="([\d:]+)"', html) == ["10:00", "13:00"]
        assert re.findall(r'name="closed_weekdays" value="(\d)" checked', html) == ["5", "6"]

    def test_saving_the_editor_updates_the_calendar(self, shop, manager, client_for):
        response = client_for(manager).post(URL, EDITOR_FORM)
        shop.refresh_from_db()
        assert (response.status_code, response.url) == (302, f"{URL}?month=2026-12")
        assert (shop.closed_weekdays, shop.business_hours, shop.open_days) == (
            [5, 6],
            [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
            ["2026-11-23"],
        )
        assert shop.closures == [
            {"start": "2026-08-13", "end": "2026-08-16", "label": "Obon", "applies_to": "shipping"},
            {"start": "2026-12-29", "end": "2027-01-03", "label": "New Year", "applies_to": "all"},
        ]
        assert AuditEntry.objects.filter(event="calendar.changed", shop=shop).count() == 1

    def test_removing_every_closure_row_clears_the_closures(self, shop, manager, client_for):
        shop.closures = [
            {"start": "2026-12-29", "end": "2027-01-03", "label": "NY", "applies_to": "all"}
        ]
        shop.save()
        form = {key: value for key, value in EDITOR_FORM.items() if not key.startswith("closure")}
        client_for(manager).post(URL, form)
        shop.refresh_from_db()
        assert shop.closures == []

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                {"bh_start": ["10:00", "13:00"], "bh_end": ["12:00", "12:30"]},
                "To: The period must end after it starts.",
            ),
            (
                {"bh_start": ["10:00", "11:00"], "bh_end": ["12:00", "18:00"]},
                "From: This period overlaps another one (10:00-12:00).",
            ),
            (
                {
                    "closure_start": ["2027-01-03"],
                    "closure_end": ["2026-12-29"],
                    "closure_label": ["New Year"],
                    "closure_applies_to": ["all"],
                },
                "To: The closure must not end before it starts.",
            ),
            ({"timezone": "Mars/Olympus"}, "Unknown timezone; use a name like Asia/Tokyo."),
            ({"bh_start": [""], "bh_end": [""]}, "business_hours"),
        ],
        ids=[
            "period ends before it starts",
            "periods overlap",
            "closure ends before it starts",
            "unknown timezone",
            "no business hours",
        ],
    )
    def test_errors_are_shown_next_to_their_field_and_nothing_is_saved(
        self, shop, manager, client_for, change, message
    ):
        response = client_for(manager).post(URL, {**EDITOR_FORM, **change})
        html = response.content.decode()
        shop.refresh_from_db()
        assert response.status_code == 400
        if message == "business_hours":
            assert re.search(r"Business hours.*?<ul class=\"errorlist\"><li>", html, re.S)
        else:
            assert f"<li>{message}</li>" in html
        assert (shop.closures, AuditEntry.objects.count()) == ([], 0)

    def test_the_form_keeps_what_was_typed_after_an_error(self, shop, manager, client_for):
        form = {**EDITOR_FORM, "bh_start": ["10:00", "13:00"], "bh_end": ["12:00", "12:30"]}
        html = client_for(manager).post(URL, form).content.decode()
        assert re.findall(r'name="closure_label" value="([^"]*)"', html) == ["New Year", "Obon"]

    @pytest.mark.parametrize("role", ["viewer", "staff"], ids=["viewer", "staff"])
    def test_only_managers_may_save(self, shop, client_for, request, role):
        response = client_for(request.getfixturevalue(role)).post(URL, EDITOR_FORM)
        assert (response.status_code, Shop.objects.get(pk=shop.pk).closures) == (403, [])
