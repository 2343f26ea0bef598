"""The report pages, the server-drawn trend chart and the CSV cell neutralisation."""

import re

import pytest
from django.core import mail

from reports.charts import trend_svg
from reports.csv_export import neutralise
from reports.models import Report

from .conftest import WEEK

LIST = "/shops/kobo/reports/"
DETAIL = "/shops/kobo/reports/{week}/"


class TestChart:
    def test_each_week_with_data_is_a_point_and_a_missing_week_is_a_gap(self):
        svg = trend_svg(
            points=[("2026-W44", 10.2), ("2026-W45", None), ("2026-W46", 9.1), ("2026-W47", 7.8)],
            promised=5.0,
            title="Note <script>",
            unit="lines",
        )
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
        assert len(circles) == 3
        assert "<title>2026-W44: 10.2</title>" in svg
        assert "<title>2026-W47: 7.8</title>" in svg
        # Falling values are drawn lower: a larger y.
        ys = [float(y) for _x, y in circles]
        assert ys[0] < ys[1] < ys[2]
        # The gap splits the line: one polyline for W46-W47; W44 stands alone.
        assert len(re.findall(r"<polyline ", svg)) == 1
        assert 'class="promised"' in svg
        assert "<script>" not in svg
        assert "Note &lt;script&gt;" in svg

    def test_a_chart_without_data_has_no_points(self):
        svg = trend_svg(points=[("2026-W46", None)], promised=None, title="t")
        assert "<circle" not in svg and "<polyline" not in svg


class TestNeutralise:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
            ("+8190", "'+8190"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            (-0.5, -0.5),
            (3, 3),
        ],
        ids=[
            "equals",
            "plus",
            "minus",
            "at",
            "tab",
            "cr",
            "plain",
            "inner equals",
            "negative number",
            "number",
        ],
    )
    def test_cells(self, value, expected):
        assert neutralise(value) == expected


@pytest.mark.django_db
class TestPages:
    def test_the_detail_page_has_tables_charts_customers_changes_and_exceptions(
        self, client, viewer, dataset
    ):
        client.force_login(viewer)
        response = client.get(DETAIL.format(week=WEEK))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="trend"') == 2
        assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;note&quot;)" in html
        assert 'href="/shops/kobo/customers/%2B819012345678/"' in html
        assert "Busy season" in html
        assert "/api/v1/shops/kobo/reports/2026-W46/?format=csv" in html
        assert "Shop-level drift" in html
        # A viewer does not get the rebuild button.
        assert "reports/build/" not in html
        report = Report.objects.get()
        assert report.week == WEEK

    def test_the_list_page_shows_stored_weeks_and_the_build_form_to_managers(
        self, client, manager, dataset
    ):
        client.force_login(manager)
        client.get(DETAIL.format(week=WEEK))
        response = client.get(LIST)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'href="/shops/kobo/reports/{WEEK}/"' in html
        assert 'action="/shops/kobo/reports/build/"' in html

    def test_a_manager_builds_a_week_from_the_page(self, client, manager, dataset):
        client.force_login(manager)
        response = client.post("/shops/kobo/reports/build/", {"week": WEEK})
        assert response.status_code == 302
        assert response["Location"] == DETAIL.format(week=WEEK)
        assert Report.objects.filter(week=WEEK).count() == 1
        assert mail.outbox == []

    @pytest.mark.parametrize("week", ["nonsense", "2099-W01"], ids=["bad", "future"])
    def test_a_bad_or_future_week_is_refused_with_a_message(self, client, manager, week):
        client.force_login(manager)
        response = client.post("/shops/kobo/reports/build/", {"week": week}, follow=True)
        assert response.status_code == 200
        assert Report.objects.count() == 0
        assert len(list(response.context["messages"])) == 1

    def test_a_viewer_may_not_build(self, client, viewer, dataset):
        client.force_login(viewer)
        response = client.post("/shops/kobo/reports/build/", {"week": WEEK})
        assert response.status_code == 403
        assert Report.objects.count() == 0

    def test_a_non_member_gets_not_found(self, client, make_user, dataset):
        client.force_login(make_user("stranger"))
        assert client.get(LIST).status_code == 404
        assert client.get(DETAIL.format(week=WEEK)).status_code == 404
        assert Report.objects.count() == 0

    def test_anonymous_visitors_are_sent_to_log_in(self, client, dataset):
        response = client.get(LIST)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
