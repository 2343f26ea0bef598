"""GET /api/v1/shops/{shop}/reports/{week}/ as JSON and CSV, and its errors."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reports.csv_export import COLUMNS
from reports.models import Report
from reports.weeks import current_week

from .conftest import WEEK

URL = "/api/v1/shops/kobo/reports/{week}/"


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.django_db
class TestReportJson:
    def test_the_report_is_built_on_demand_then_served_from_storage(self, api, dataset):
        response = api.get(URL.format(week=WEEK))
        assert response.status_code == 200
        body = response.json()
        assert body["shop"] == "kobo"
        assert body["week"] == WEEK
        assert body["start"] == "2026-11-09T00:00:00+09:00"
        assert [p["id"] for p in body["promises"]] == [dataset.note.id, dataset.shipping.id]
        assert body["summary"]["volume"] == sum(p["volume"] for p in body["promises"])
        assert body["changes"][0]["after"] == {"min_lines": 8}
        assert body["exceptions"]["total"] > 0
        assert Report.objects.count() == 1
        built_at = Report.objects.get().built_at
        again = api.get(URL.format(week=WEEK))
        assert again.json() == body
        assert Report.objects.get().built_at == built_at

    def test_a_viewer_may_read_it(self, viewer, dataset):
        client = APIClient()
        client.force_authenticate(viewer)
        assert client.get(URL.format(week=WEEK)).status_code == 200

    def test_a_report_built_while_its_week_ran_is_rebuilt_after_it(self, api, dataset):
        response = api.get(URL.format(week=WEEK))
        report = Report.objects.get()
        Report.objects.filter(pk=report.pk).update(
            built_at=report.built_at.replace(year=2026, month=11, day=10), data={"stale": True}
        )
        again = api.get(URL.format(week=WEEK))
        assert again.json()["promises"] == response.json()["promises"]


@pytest.mark.django_db
class TestReportCsv:
    def test_one_row_per_promise_with_formulas_neutralised(self, api, dataset):
        response = api.get(URL.format(week=WEEK), {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="tsuzuku-kobo-2026-W46.csv"' in response["Content-Disposition"]
        rows = read_csv(response)
        header, note, shipping = rows
        # Japanese headers by default, one per column of COLUMNS.
        assert header[:4] == ["週", "約束 ID", "約束", "種類"]
        assert len(header) == len(COLUMNS)
        assert len(rows) == 3
        record = dict(zip(COLUMNS, note, strict=True))
        # The promise name is a formula: it stays text, behind a single quote.
        assert record["promise"] == '\'=HYPERLINK("http://evil.example","note")'
        # The top customer's id starts with "+": neutralised too.
        assert record["top_customers_at_risk"].startswith("'+819012345678 ")
        body = api.get(URL.format(week=WEEK)).json()
        section = body["promises"][0]
        for column in ("volume", "kept", "breach", "overdue", "drift", "precedent", "excused"):
            assert record[column] == str(section[column]), column
        assert record["kept_pct"] == str(section["kept_pct"])
        assert record["customers_at_risk"] == str(section["customers_at_risk"])
        assert record["shop_level_drift"] == "はい"
        shipping_record = dict(zip(COLUMNS, shipping, strict=True))
        assert shipping_record["promise"] == "Same-day shipping"
        # Numbers stay numbers: a negative average level is not text.
        assert not shipping_record["avg_level"].startswith("'")

    def test_the_csv_is_also_chosen_by_the_accept_header(self, api, dataset):
        response = api.get(URL.format(week=WEEK), HTTP_ACCEPT="text/csv")
        assert response.status_code == 200
        assert read_csv(response)[0][0] == "週"

    def test_english_headers_with_lang_en(self, api, dataset):
        response = api.get(URL.format(week=WEEK), {"format": "csv", "lang": "en"})
        header, note, _shipping = read_csv(response)
        assert header[:4] == ["Week", "Promise id", "Promise", "Kind"]
        assert dict(zip(COLUMNS, note, strict=True))["shop_level_drift"] == "yes"


@pytest.mark.django_db
class TestReportErrors:
    @pytest.mark.parametrize("fmt", [None, "csv"], ids=["json", "csv"])
    def test_a_bad_week_is_invalid_param_in_json(self, api, fmt):
        params = {"format": fmt} if fmt else {}
        response = api.get(URL.format(week="2026-47"), params)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "errors": [
                {
                    "code": "invalid_param",
                    "field": "week",
                    "message": "Not an ISO week such as 2026-W47: 2026-47",
                }
            ]
        }

    @pytest.mark.parametrize("fmt", [None, "csv"], ids=["json", "csv"])
    def test_an_unknown_lang_is_invalid_param(self, api, shop, fmt):
        params = {"lang": "fr", **({"format": fmt} if fmt else {})}
        response = api.get(URL.format(week=WEEK), params)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "invalid_param"
        assert response.json()["errors"][0]["field"] == "lang"
        assert Report.objects.count() == 0

    def test_a_week_that_has_not_started_is_invalid_param(self, api, shop):
        future = current_week(timezone.now() + timedelta(weeks=2), shop.timezone).label
        response = api.get(URL.format(week=future))
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "invalid_param"
        assert response.json()["errors"][0]["field"] == "week"
        assert Report.objects.count() == 0

    def test_the_current_week_can_be_read_so_far(self, api, shop):
        week = current_week(timezone.now(), shop.timezone).label
        response = api.get(URL.format(week=week))
        assert response.status_code == 200
        assert response.json()["week"] == week

    def test_a_non_member_gets_not_found(self, make_user, dataset):
        stranger = make_user("stranger")
        client = APIClient()
        client.force_authenticate(stranger)
        for params in ({}, {"format": "csv"}):
            response = client.get(URL.format(week=WEEK), params)
            assert response.status_code == 404
            assert response.json()["errors"][0]["code"] == "not_found"
        assert Report.objects.count() == 0

    def test_an_unknown_shop_gets_not_found(self, api):
        response = api.get("/api/v1/shops/nope/reports/2026-W46/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_anonymous_requests_are_refused(self, dataset):
        response = APIClient().get(URL.format(week=WEEK))
        assert response.status_code in (401, 403)
        assert "errors" in response.json()
