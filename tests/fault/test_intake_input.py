"""Fault suite, issue 12 items 1 and 5: input judging cannot judge is refused at the door.

Each poison value of the probe (numbers out of range, times in year 1 or 9999, NUL and
lone surrogates, JSON nested 100,000 deep, a week in 9999) is a 400 with a code and a field
through the API, a row error in the CSV import (the other rows stored) and a form error;
the same customer's next valid record is recorded and judged.
"""

import io
import json

import pytest
from django.test import Client
from django.utils import translation

from commitments import services
from commitments.imports import import_run
from commitments.models import Action, Import, ImportStatus, Occasion
from config.parsers import json_depth_exceeds
from tests.commitments.import_support import action, csv_bytes, order

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

WHEN = "2026-11-20T10:00:00+09:00"


def occasion_body(**changes):
    body = {
        "external_id": "O-1",
        "customer": "C-1",
        "kind": "order_placed",
        "occurred_at": WHEN,
        "attributes": {"total": 5000},
    }
    return {**body, **changes}


def action_body(**changes):
    body = {
        "external_id": "A-1",
        "customer": "C-1",
        "kind": "note_enclosed",
        "occurred_at": WHEN,
        "attributes": {"lines": 10},
    }
    return {**body, **changes}


def errors(response) -> list[tuple]:
    return [(error["code"], error["field"]) for error in response.json()["errors"]]


@pytest.fixture
def client(api):
    api.raise_request_exception = False
    return api


class TestApiRefusesPoison:
    @pytest.mark.parametrize(
        ("path", "body", "expected"),
        [
            pytest.param(
                "actions",
                action_body(attributes={"lines": 10**400}),
                ("invalid_attribute", "attributes.lines"),
                id="lines 10**400",
            ),
            pytest.param(
                "actions",
                action_body(attributes={"lines": 1001}),
                ("invalid_attribute", "attributes.lines"),
                id="lines above 1000",
            ),
            pytest.param(
                "occasions",
                occasion_body(attributes={"total": 10**400}),
                ("invalid_attribute", "attributes.total"),
                id="total 10**400",
            ),
            pytest.param(
                "occasions",
                occasion_body(attributes={"total": 100_000_001}),
                ("invalid_attribute", "attributes.total"),
                id="total above 100,000,000",
            ),
            pytest.param(
                "occasions",
                occasion_body(occurred_at="9999-12-31T10:00:00+09:00"),
                ("invalid_time", "occurred_at"),
                id="occasion in 9999",
            ),
            pytest.param(
                "occasions",
                occasion_body(occurred_at="0001-01-01T05:00:00"),
                ("invalid_time", "occurred_at"),
                id="occasion in year 1",
            ),
            pytest.param(
                "actions",
                action_body(occurred_at="2100-01-01T09:00:00+09:00"),
                ("invalid_time", "occurred_at"),
                id="action at the window's end",
            ),
            pytest.param(
                "actions",
                action_body(occurred_at="1999-12-31T23:59:00+00:00"),
                ("invalid_time", "occurred_at"),
                id="action before 2000",
            ),
            pytest.param(
                "occasions",
                occasion_body(kind="inquiry_received", attributes={"text": "a\x00b"}),
                ("invalid_text", "attributes.text"),
                id="NUL in an attribute",
            ),
            pytest.param(
                "occasions",
                occasion_body(customer_name="Yamada\x00"),
                ("invalid_text", "customer_name"),
                id="NUL in a name",
            ),
            pytest.param(
                "actions",
                action_body(staff="sato\x00"),
                ("invalid_text", "staff"),
                id="NUL in staff",
            ),
            pytest.param(
                "actions",
                action_body(exception={"reason": "other", "note": "why\x00"}),
                ("invalid_text", "exception.note"),
                id="NUL in an exception note",
            ),
        ],
    )
    def test_poison_is_a_400_with_code_and_field_and_nothing_stored(
        self, client, shop, path, body, expected
    ):
        response = client.post(f"/api/v1/shops/{shop.slug}/{path}/", body, format="json")
        assert response.status_code == 400, response.content
        assert errors(response) == [expected]
        assert (Occasion.objects.count(), Action.objects.count()) == (0, 0)

    @pytest.mark.parametrize(
        ("field", "raw"),
        [
            ("attributes.text", '"attributes": {"text": "a\\ud800b"}'),
            ("customer_name", '"attributes": {}, "customer_name": "\\udfff"'),
        ],
    )
    def test_a_lone_surrogate_is_a_400(self, client, shop, field, raw):
        body = (
            '{"external_id": "I-1", "customer": "C-1", "kind": "inquiry_received", '
            f'"occurred_at": "{WHEN}", {raw}}}'
        )
        response = client.post(
            f"/api/v1/shops/{shop.slug}/occasions/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert errors(response) == [("invalid_text", field)]

    @pytest.mark.parametrize("depth", [33, 100_000])
    def test_json_nested_too_deep_is_400_invalid_json(self, client, shop, depth):
        body = "[" * depth + "]" * depth
        response = client.post(
            f"/api/v1/shops/{shop.slug}/occasions/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert errors(response) == [("invalid_json", None)]
        assert "32" in response.json()["errors"][0]["message"]

    def test_json_at_the_depth_limit_is_parsed(self):
        nested = json.loads("[" * 32 + "]" * 32)
        assert (json_depth_exceeds(nested, 32), json_depth_exceeds([nested], 32)) == (False, True)

    def test_the_next_valid_action_of_the_customer_is_recorded_and_judged(self, client, shop):
        url = f"/api/v1/shops/{shop.slug}/actions/"
        refused = client.post(url, action_body(attributes={"lines": 10**400}), format="json")
        stored = client.post(url, action_body(external_id="A-2"), format="json")
        assert (refused.status_code, stored.status_code) == (400, 201)
        assert stored.json()["judged_at"] is not None

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("week=9999-W52", "week"),
            ("week=0001-W01", "week"),
            ("page_size=null", "page_size"),
            ("page_size=0", "page_size"),
            ("page_size=201", "page_size"),
        ],
    )
    def test_findings_query_out_of_range_is_400(self, client, shop, query, field):
        response = client.get(f"/api/v1/shops/{shop.slug}/findings/?{query}")
        assert response.status_code == 400
        assert errors(response) == [("invalid_param", field)]

    def test_a_valid_page_size_is_used(self, client, shop):
        response = client.get(f"/api/v1/shops/{shop.slug}/findings/?page_size=200")
        assert (response.status_code, response.json()["count"]) == (200, 0)

    def test_precheck_time_out_of_window_is_400(self, client, shop):
        response = client.post(
            f"/api/v1/shops/{shop.slug}/prechecks/",
            {
                "customer": "C-1",
                "kind": "note_enclosed",
                "occurred_at": "9999-01-01T10:00:00+09:00",
                "attributes": {"lines": 10},
            },
            format="json",
        )
        assert response.status_code == 400
        assert ("invalid_time", "occurred_at") in errors(response)


class TestPromiseParameters:
    @pytest.mark.parametrize(
        ("kind", "params", "field"),
        [
            ("handwritten_note", {"min_lines": 10**400}, "params.min_lines"),
            ("handwritten_note", {"min_lines": 1001}, "params.min_lines"),
            ("thank_you_message", {"within_hours": 24 * 90 + 1}, "params.within_hours"),
            ("reply_time", {"within_business_hours": 10**6}, "params.within_business_hours"),
            ("review_reply", {"within_days": 366}, "params.within_days"),
            (
                "included_extras",
                {"tiers": [{"min_total": 100_000_001, "extras": ["greeting_card"]}]},
                "params.tiers[0].min_total",
            ),
        ],
    )
    def test_parameters_above_their_maximum_are_400(self, client, shop, kind, params, field):
        response = client.post(
            f"/api/v1/shops/{shop.slug}/promises/",
            {"kind": kind, "name": "p", "params": params},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert field in [error["field"] for error in response.json()["errors"]]

    def test_effective_from_outside_the_window_is_400(self, client, shop):
        response = client.post(
            f"/api/v1/shops/{shop.slug}/promises/",
            {"kind": "handwritten_note", "name": "p", "effective_from": "2100-06-01T00:00:00Z"},
            format="json",
        )
        assert response.status_code == 400
        assert errors(response) == [("invalid_time", "effective_from")]


class TestMessages:
    def test_an_out_of_window_time_says_what_and_how_in_japanese(self, shop):
        with translation.override("ja"), pytest.raises(services.ValidationError) as raised:
            services.occasion_validate(
                shop=shop,
                external_id="O-1",
                customer="C-1",
                kind="order_placed",
                occurred_at="9999-01-01 10:00",
                attributes={},
            )
        (error,) = raised.value.error_list
        message = " ".join(error.messages)
        assert (error.code, error.params["field"]) == ("invalid_time", "occurred_at")
        assert "2000-01-01" in message and "2100-01-01" in message and "年" in message


class TestCsvRowErrors:
    def test_bad_dates_and_numbers_are_row_errors_and_the_other_rows_stored(self, shop):
        rows = [
            order("O-1"),
            order("O-2", when="0001-01-01 05:00"),
            order("O-3", when="2026-02-30 10:00"),
            order("O-4", total=str(10**400)),
            action("note_enclosed", "A-1", when="9999-12-31 10:00", lines="10"),
            action("note_enclosed", "A-2", lines="10"),
        ]
        data = csv_bytes(rows)
        imp = Import.objects.create(shop=shop, filename="t.csv", size=len(data))
        imp = import_run(imp=imp, stream=io.BytesIO(data))
        assert imp.status == ImportStatus.DONE
        assert (imp.rows, imp.stored, imp.rejected) == (6, 2, 4)
        assert [(e["row"], e["column"], e["code"]) for e in imp.errors] == [
            (3, "occurred_at", "invalid_time"),
            (4, "occurred_at", "invalid_time"),
            (5, "total", "invalid_attribute"),
            (6, "occurred_at", "invalid_time"),
        ]
        assert sorted(Occasion.objects.values_list("external_id", flat=True)) == ["O-1"]
        assert sorted(Action.objects.values_list("external_id", flat=True)) == ["A-2"]


class TestForms:
    def test_precheck_page_shows_the_time_window_error(self, shop, manager):
        client = Client()
        client.force_login(manager)
        response = client.post(
            f"/shops/{shop.slug}/precheck/",
            {
                "customer": "C-1",
                "kind": "note_enclosed",
                "occurred_at": "9999-01-01 10:00",
                "attr_lines": "10",
            },
        )
        assert response.status_code == 400
        assert "2100-01-01" in response.content.decode()


class TestContractDetails:
    def test_an_empty_multipart_body_to_impact_is_400(self, client, shop, manager):
        from policies.services import promise_create

        promise = promise_create(
            shop=shop, kind="handwritten_note", name="Notes", params={}, author=manager
        )
        response = client.post(
            f"/api/v1/shops/{shop.slug}/promises/{promise.pk}/impact/", {}, format="multipart"
        )
        assert response.status_code == 400
        assert errors(response) == [("required", "params")]

    def test_the_schema_documents_every_error_status_and_the_ranges(self, client):
        schema = client.get("/api/v1/schema/?format=json").json()
        missing = [
            (method, path, status)
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
            for status in ("400", "401", "403", "404", "503")
            if status not in operation["responses"]
        ]
        assert missing == []
        findings = schema["paths"]["/api/v1/shops/{shop}/findings/"]["get"]
        page_size = next(p for p in findings["parameters"] if p["name"] == "page_size")
        assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 200)
        occasion = schema["components"]["schemas"]["OccasionIn"]["properties"]
        assert (occasion["external_id"]["maxLength"], occasion["customer_name"]["maxLength"]) == (
            100,
            200,
        )

    def test_an_unknown_api_path_is_a_json_404(self, client):
        response = client.delete("/api/v1/shops/kobo/promises/null,null/")
        assert response.status_code == 404
        assert errors(response) == [("not_found", None)]
