"""The shops and calendar API: create, read, change the calendar, list its days."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Membership, Role
from policies.models import Shop

CALENDAR = {
    "closed_weekdays": [6, 5],
    "holidays": "JP",
    "business_hours": [{"start": "13:00", "end": "18:00"}, {"start": "10:00", "end": "12:00"}],
    "closures": [
        {"start": "2026-12-29", "end": "2027-01-03", "label": "New Year", "applies_to": "all"},
        {"start": "2026-08-13", "end": "2026-08-16", "label": "Obon", "applies_to": "shipping"},
    ],
    "open_days": ["2026-11-23"],
}


def errors(response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in response.json()["errors"]]


@pytest.fixture
def outsider(make_user):
    client = APIClient()
    client.force_authenticate(make_user("outsider"))
    return client


@pytest.fixture
def as_user():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


class TestShopCreate:
    def test_any_signed_in_user_creates_a_shop_and_becomes_its_manager(self, outsider):
        response = outsider.post(
            "/api/v1/shops/", {"slug": "atelier", "name": "Atelier"}, format="json"
        )
        shop = Shop.objects.get(slug="atelier")
        assert (response.status_code, response.json()["slug"], response.json()["timezone"]) == (
            201,
            "atelier",
            "Asia/Tokyo",
        )
        assert list(Membership.objects.filter(shop=shop).values_list("user__username", "role")) == [
            ("outsider", Role.MANAGER)
        ]
        entry = AuditEntry.objects.get(shop=shop)
        assert (entry.event, entry.object_id, entry.before, entry.after["slug"]) == (
            "shop.created",
            str(shop.pk),
            None,
            "atelier",
        )

    def test_the_new_shop_has_the_default_calendar(self, outsider):
        body = outsider.post(
            "/api/v1/shops/",
            {"slug": "nord", "name": "Nord", "timezone": "Europe/Berlin"},
            format="json",
        ).json()
        assert {key: body[key] for key in ("timezone", "holidays", "business_hours")} == {
            "timezone": "Europe/Berlin",
            "holidays": "JP",
            "business_hours": [{"start": "10:00", "end": "18:00"}],
        }

    def test_a_taken_slug_is_a_conflict(self, shop, outsider):
        response = outsider.post("/api/v1/shops/", {"slug": "kobo", "name": "Other"}, format="json")
        assert (response.status_code, errors(response)) == (409, [("conflict", "slug")])
        assert Shop.objects.count() == 1

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (
                {"slug": "a", "name": "A", "timezone": "Mars/Olympus"},
                [("invalid_param", "timezone")],
            ),
            ({"slug": "a", "name": "A", "timezone": "localtime"}, [("invalid_param", "timezone")]),
            ({"slug": "no spaces", "name": "A"}, [("invalid_param", "slug")]),
            ({"slug": "a" * 51, "name": "A"}, [("invalid_param", "slug")]),
            ({"name": "A"}, [("required", "slug")]),
            ({"slug": "a"}, [("required", "name")]),
            ({"slug": "a", "name": ""}, [("required", "name")]),
            ({"slug": 123, "name": "A"}, [("invalid_param", "slug")]),
            ({"slug": "a", "name": True}, [("invalid_param", "name")]),
        ],
        ids=[
            "unknown timezone",
            "server timezone alias",
            "slug with spaces",
            "slug too long",
            "no slug",
            "no name",
            "empty name",
            "slug a number",
            "name a boolean",
        ],
    )
    def test_a_bad_shop_is_refused_with_a_field_error(self, outsider, body, expected):
        response = outsider.post("/api/v1/shops/", body, format="json")
        assert (response.status_code, errors(response)) == (400, expected)
        assert Shop.objects.count() == 0

    def test_anonymous_users_cannot_create_shops(self, db):
        response = APIClient().post("/api/v1/shops/", {"slug": "a", "name": "A"}, format="json")
        assert (response.status_code, Shop.objects.count()) == (401, 0)


class TestShopDetail:
    def test_a_viewer_reads_the_shop_with_its_calendar(self, shop, viewer, as_user):
        response = as_user(viewer).get("/api/v1/shops/kobo/")
        body = response.json()
        assert response.status_code == 200
        assert {
            key: body[key] for key in ("slug", "name", "closed_weekdays", "business_hours")
        } == {
            "slug": "kobo",
            "name": "Kobo",
            "closed_weekdays": [5, 6],
            "business_hours": [
                {"start": "10:00", "end": "12:00"},
                {"start": "13:00", "end": "18:00"},
            ],
        }
        assert (body["holidays"], body["closures"], body["open_days"]) == ("JP", [], [])

    def test_a_non_member_gets_404(self, shop, outsider):
        response = outsider.get("/api/v1/shops/kobo/")
        assert (response.status_code, errors(response)) == (404, [("not_found", None)])

    def test_an_unknown_shop_is_404(self, api):
        assert api.get("/api/v1/shops/nowhere/").status_code == 404


class TestCalendarUpdate:
    def test_the_manager_replaces_the_calendar(self, shop, api):
        response = api.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        shop.refresh_from_db()
        assert response.status_code == 200
        assert (
            shop.closed_weekdays,
            shop.business_hours,
            [c["label"] for c in shop.closures],
            shop.open_days,
        ) == (
            [5, 6],
            [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
            ["Obon", "New Year"],
            ["2026-11-23"],
        )
        assert response.json()["closures"][1] == CALENDAR["closures"][0]

    def test_a_change_is_recorded_in_the_audit_trail(self, shop, api, manager):
        api.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        entry = AuditEntry.objects.get(event="calendar.changed")
        assert (entry.actor_id, entry.object_type, entry.object_id) == (
            manager.pk,
            "shop",
            str(shop.pk),
        )
        assert (entry.before["closures"], len(entry.after["closures"])) == ([], 2)

    def test_saving_the_same_calendar_twice_records_one_change(self, shop, api):
        api.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        api.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        assert AuditEntry.objects.filter(event="calendar.changed").count() == 1

    def test_the_timezone_may_be_changed_with_the_calendar(self, shop, api):
        api.put("/api/v1/shops/kobo/calendar/", {**CALENDAR, "timezone": "UTC"}, format="json")
        shop.refresh_from_db()
        assert shop.timezone == "UTC"

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"closed_weekdays": [7]}, [("invalid_param", "closed_weekdays[0]")]),
            ({"closed_weekdays": [5, "x"]}, [("invalid_param", "closed_weekdays[1]")]),
            ({"closed_weekdays": [5, 5]}, [("invalid_param", "closed_weekdays")]),
            ({"holidays": "US"}, [("invalid_param", "holidays")]),
            (
                {
                    "business_hours": [
                        {"start": "10:00", "end": "12:00"},
                        {"start": "13:00", "end": "12:30"},
                    ]
                },
                [("invalid_param", "business_hours[1].end")],
            ),
            (
                {
                    "business_hours": [
                        {"start": "10:00", "end": "12:00"},
                        {"start": "11:30", "end": "18:00"},
                    ]
                },
                [("invalid_param", "business_hours[1].start")],
            ),
            (
                {
                    "business_hours": [
                        {"start": "13:00", "end": "18:00"},
                        {"start": "10:00", "end": "13:30"},
                    ]
                },
                [("invalid_param", "business_hours[0].start")],
            ),
            (
                {"business_hours": [{"start": "9:75", "end": "12:00"}]},
                [("invalid_param", "business_hours[0].start")],
            ),
            ({"business_hours": [{"start": "10:00"}]}, [("required", "business_hours[0].end")]),
            ({"business_hours": []}, [("invalid_param", "business_hours")]),
            (
                {"closures": [{"start": "2027-01-03", "end": "2026-12-29", "label": "x"}]},
                [("invalid_param", "closures[0].end")],
            ),
            (
                {
                    "closures": [
                        {"start": "2026-12-29", "end": "2027-01-03", "applies_to": "carriers"}
                    ]
                },
                [("invalid_param", "closures[0].applies_to")],
            ),
            (
                {"closures": [{"start": "29/12/2026", "end": "2027-01-03"}]},
                [("invalid_param", "closures[0].start")],
            ),
            ({"open_days": ["2026-11-23", "2026-13-01"]}, [("invalid_param", "open_days[1]")]),
            ({"timezone": "Mars/Olympus"}, [("invalid_param", "timezone")]),
        ],
        ids=[
            "weekday 7",
            "weekday not a number",
            "weekday twice",
            "holidays of another country",
            "period ends before it starts",
            "periods overlap",
            "periods overlap, reported on the one given first",
            "minute 75",
            "period without an end",
            "no business hours",
            "closure ends before it starts",
            "closure applies to an unknown channel",
            "closure date in another format",
            "open day in month 13",
            "unknown timezone",
        ],
    )
    def test_a_bad_calendar_is_refused_with_field_paths(self, shop, api, change, expected):
        response = api.put("/api/v1/shops/kobo/calendar/", {**CALENDAR, **change}, format="json")
        shop.refresh_from_db()
        assert (response.status_code, errors(response)) == (400, expected)
        assert (shop.closures, AuditEntry.objects.count()) == ([], 0)

    def test_every_calendar_field_is_required(self, shop, api):
        response = api.put("/api/v1/shops/kobo/calendar/", {}, format="json")
        assert sorted(errors(response)) == [
            ("required", "business_hours"),
            ("required", "closed_weekdays"),
            ("required", "closures"),
            ("required", "holidays"),
            ("required", "open_days"),
        ]

    def test_a_body_that_is_not_an_object_is_refused(self, shop, api):
        response = api.put("/api/v1/shops/kobo/calendar/", [1, 2], format="json")
        assert (response.status_code, errors(response)) == (400, [("invalid_param", None)])

    def test_error_messages_say_what_is_wrong(self, shop, api):
        body = {**CALENDAR, "holidays": "US"}
        response = api.put("/api/v1/shops/kobo/calendar/", body, format="json")
        assert response.json() == {
            "errors": [
                {
                    "code": "invalid_param",
                    "field": "holidays",
                    "message": 'Only "JP" (Japan) or "" (no national holidays) is supported.',
                }
            ]
        }

    @pytest.mark.parametrize("role", ["staff", "viewer"])
    def test_only_managers_change_the_calendar(self, shop, as_user, request, role):
        user = request.getfixturevalue(role)
        response = as_user(user).put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        shop.refresh_from_db()
        assert (response.status_code, errors(response), shop.closures) == (
            403,
            [("permission_denied", None)],
            [],
        )

    def test_a_non_member_gets_404(self, shop, outsider):
        response = outsider.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        assert (response.status_code, errors(response)) == (404, [("not_found", None)])


class TestCalendarDays:
    def test_days_say_what_is_open_and_why(self, shop, api, viewer, as_user):
        api.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        response = as_user(viewer).get(
            "/api/v1/shops/kobo/calendar/days/", {"from": "2026-12-27", "to": "2027-01-04"}
        )
        days = response.json()
        assert (response.status_code, len(days)) == (200, 9)
        assert [
            (d["date"], d["shipping_open"], d["inquiries_open"], d["reason"]) for d in days
        ] == [
            ("2026-12-27", False, False, "closed weekday"),
            ("2026-12-28", True, True, ""),
            ("2026-12-29", False, False, "closure: New Year"),
            ("2026-12-30", False, False, "closure: New Year"),
            ("2026-12-31", False, False, "closure: New Year"),
            ("2027-01-01", False, False, "holiday: 元日; closure: New Year"),
            ("2027-01-02", False, False, "closed weekday; closure: New Year"),
            ("2027-01-03", False, False, "closed weekday; closure: New Year"),
            ("2027-01-04", True, True, ""),
        ]

    def test_a_shipping_closure_and_an_open_holiday(self, shop, api):
        api.put("/api/v1/shops/kobo/calendar/", CALENDAR, format="json")
        obon = api.get(
            "/api/v1/shops/kobo/calendar/days/", {"from": "2026-08-14", "to": "2026-08-14"}
        ).json()
        opened = api.get(
            "/api/v1/shops/kobo/calendar/days/", {"from": "2026-11-23", "to": "2026-11-23"}
        ).json()
        assert obon + opened == [
            {
                "date": "2026-08-14",
                "shipping_open": False,
                "inquiries_open": True,
                "reason": "closure: Obon",
                "holiday": "",
            },
            {
                "date": "2026-11-23",
                "shipping_open": True,
                "inquiries_open": True,
                "reason": "",
                "holiday": "勤労感謝の日",
            },
        ]

    def test_400_days_can_be_listed_at_once(self, shop, api):
        response = api.get(
            "/api/v1/shops/kobo/calendar/days/", {"from": "2026-01-01", "to": "2027-02-04"}
        )
        assert (response.status_code, len(response.json())) == (200, 400)

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"to": "2026-01-31"}, [("invalid_param", "from")]),
            ({"from": "2026-01-01"}, [("invalid_param", "to")]),
            ({"from": "2026-02-30", "to": "2026-03-31"}, [("invalid_param", "from")]),
            ({"from": "2026-01-01", "to": "tomorrow"}, [("invalid_param", "to")]),
            ({"from": "2026-01-31", "to": "2026-01-01"}, [("invalid_param", "to")]),
            ({"from": "2026-01-01", "to": "2027-02-05"}, [("invalid_param", "to")]),
        ],
        ids=["no from", "no to", "february 30", "not a date", "to before from", "401 days"],
    )
    def test_bad_ranges_are_refused(self, shop, api, params, expected):
        response = api.get("/api/v1/shops/kobo/calendar/days/", params)
        assert (response.status_code, errors(response)) == (400, expected)

    def test_a_non_member_gets_404(self, shop, outsider):
        response = outsider.get(
            "/api/v1/shops/kobo/calendar/days/", {"from": "2026-01-01", "to": "2026-01-02"}
        )
        assert (response.status_code, errors(response)) == (404, [("not_found", None)])


class TestSchema:
    def test_the_schema_documents_the_shop_endpoints(self, api):
        schema = api.get("/api/v1/schema/", {"format": "json"}).json()
        paths = schema["paths"]
        assert {
            "post" in paths["/api/v1/shops/"],
            "get" in paths["/api/v1/shops/{shop}/"],
            "put" in paths["/api/v1/shops/{shop}/calendar/"],
            "get" in paths["/api/v1/shops/{shop}/calendar/days/"],
        } == {True}
        days = paths["/api/v1/shops/{shop}/calendar/days/"]["get"]
        assert sorted(p["name"] for p in days["parameters"] if p["in"] == "query") == ["from", "to"]
