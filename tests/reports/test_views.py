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


class TestLevelWords:
    """Levels read in the kind's own words, never a bare signed number."""

    @pytest.mark.parametrize(
        ("unit", "value", "english", "japanese"),
        [
            ("business_days_late", 1.0, "1 business day late", "1 営業日の遅れ"),
            ("business_days_late", -1.0, "1 business day early", "1 営業日早く発送"),
            ("business_days_late", 0.0, "on the promised day", "約束どおりの日に発送"),
            ("lines", 7.79, "7.79 lines", "7.79 行"),
            ("closed_day_reply", 0.4, "40% of inquiries answered on a closed day", None),
        ],
    )
    def test_words(self, unit, value, english, japanese):
        from django.utils import translation

        from policies.levels import level_words

        with translation.override("en"):
            assert level_words(unit, value) == english
        if japanese:
            with translation.override("ja"):
                assert level_words(unit, value) == japanese

    def test_direction_words_only_where_they_mean_something(self):
        from policies.levels import is_directed

        assert not is_directed("closed_day_reply")
        assert all(is_directed(unit) for unit in ("lines", "business_hours", "business_days_late"))
        assert not is_directed("no_such_unit")

    def test_chart_text_is_readable_and_labelled_with_dates(self):
        svg = trend_svg(
            points=[("11/9", 8.0), ("11/16", 7.0)],
            titles=["Nov 9 – Nov 15", "Nov 16 – Nov 22"],
            promised=None,
            title="t",
            described_by="trend-1",
        )
        sizes = {int(size) for size in re.findall(r'font-size="(\d+)"', svg)}
        # 400-unit view box shown at least 330 px wide: every text is 12 px or more.
        assert min(sizes) * 330 / 400 >= 12
        assert ">11/16</text>" in svg
        assert 'aria-describedby="trend-1"' in svg


@pytest.mark.django_db
class TestReportWords:
    def test_the_detail_page_speaks_in_dates_words_and_explains_its_figures(
        self, client, viewer, dataset
    ):
        client.force_login(viewer)
        html = client.get(DETAIL.format(week=WEEK), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        # The week by its dates, not "2026-W46"; the headline counts distinct customers.
        assert "週次レポート 2026年11月9日(月)～2026年11月15日(日)" in html
        summary = Report.objects.get().data["summary"]
        assert f"注意が必要な常連のお客様 {summary['customers_at_risk']} 人" in html
        assert "数字の見方" in html
        # The chart's numbers as a table, named by the chart.
        assert html.count('class="trend-table"') == 2
        assert 'aria-describedby="trend-' in html
        assert "ISO" not in html

    def test_the_list_offers_weeks_by_their_dates(self, client, manager, dataset):
        client.force_login(manager)
        html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert re.search(r'<option value="\d{4}-W\d{2}"[^>]*>\w{3}, \w{3} \d+, \d{4} – ', html)
        assert "ISO week" not in html
