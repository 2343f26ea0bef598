"""Customers: the list (search, keyset pages), search-as-you-type JSON, one customer's page."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Role
from commitments import services
from commitments.forms import level_text
from commitments.models import Customer
from policies.models import Shop

from .conftest import at

LIST = "/shops/kobo/customers/"


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def customers(shop):
    rows = [
        ("C-100", "Sato Hanako", "hanako@example.jp"),
        ("C-101", "Suzuki Ichiro", "ichiro@example.jp"),
        ("C-200", "Tanaka Yui", "yui@shop.example"),
        ("X-1", "Hanazawa Ken", "ken@example.jp"),
    ]
    return [Customer.objects.create(shop=shop, external_id=i, name=n, email=e) for i, n, e in rows]


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 5}, name="Notes")


@pytest.fixture
def story(log, note_promise, make_promise, manager):
    """C-1: a 10-line note, a 6-line note (drift), a 3-line note excused by deadline."""
    make_promise("holiday_replies", {"mode": "none"}, name="Closed days")
    services.customer_get_or_create(
        shop=note_promise.shop, external_id="C-1", name="Sato Hanako", email="h@example.jp"
    )
    log.occasion("O-1", "C-1", "order_placed", at("2026-05-11 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-05-12 10:00"), occasion="O-1", lines=10)
    log.occasion("O-2", "C-1", "order_placed", at("2026-06-11 10:00"), total=5000)
    log.action(
        "N-2", "C-1", "note_enclosed", at("2026-06-12 10:00"), occasion="O-2", lines=6, staff="aki"
    )
    log.occasion("O-3", "C-1", "order_placed", at("2026-07-11 10:00"), total=5000)
    log.action(
        "N-3", "C-1", "note_enclosed", at("2026-07-12 10:00"), occasion="O-3", lines=3,
        exception={"reason": "deadline", "note": "needed it Friday"},
    )  # fmt: skip
    log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-23 09:00"))
    log.action("R-1", "C-1", "reply_sent", at("2026-11-23 10:00"), occasion="Q-1")


class TestCustomerList:
    def test_lists_customers_by_id_with_their_links(self, viewer, customers):
        body = signed_in(viewer).get(LIST).content.decode()
        assert re.findall(r'href="/shops/kobo/customers/([^/]+)/"', body) == [
            "C-100",
            "C-101",
            "C-200",
            "X-1",
        ]

    @pytest.mark.parametrize(
        ("q", "found"),
        [
            pytest.param("c-1", ["C-100", "C-101"], id="id-prefix-any-case"),
            pytest.param("hana", ["C-100", "X-1"], id="name-anywhere"),
            pytest.param("yui@", ["C-200"], id="email-prefix"),
            pytest.param("nobody", [], id="no-match"),
        ],
    )
    def test_search_by_id_name_or_email(self, viewer, customers, q, found):
        body = signed_in(viewer).get(LIST, {"q": q}).content.decode()
        assert re.findall(r'href="/shops/kobo/customers/([^/]+)/"', body) == found

    def test_pages_follow_on_from_the_last_id(self, viewer, shop, monkeypatch):
        monkeypatch.setattr("commitments.views_customers.PAGE_SIZE", 2)
        for n in range(5):
            Customer.objects.create(shop=shop, external_id=f"C-{n}")
        client = signed_in(viewer)
        first = client.get(LIST).content.decode()
        assert re.findall(r'href="/shops/kobo/customers/([^/]+)/"', first) == ["C-0", "C-1"]
        assert 'href="?after=C-1"' in first
        second = client.get(LIST, {"after": "C-1"}).content.decode()
        assert re.findall(r'href="/shops/kobo/customers/([^/]+)/"', second) == ["C-2", "C-3"]
        last = client.get(LIST, {"after": "C-3"}).content.decode()
        assert re.findall(r'href="/shops/kobo/customers/([^/]+)/"', last) == ["C-4"]
        assert "after=" not in last.split('class="pager"')[1].split("First page")[1]

    def test_open_findings_are_counted_per_customer(self, viewer, story):
        body = signed_in(viewer).get(LIST).content.decode()
        # N-2's drift and R-1's precedent are open; N-3's breach is excused.
        assert '<span class="badge breach">2</span>' in body

    def test_queries_do_not_grow_with_the_page(self, viewer, shop):
        client = signed_in(viewer)
        for n in range(3):
            Customer.objects.create(shop=shop, external_id=f"A-{n}")
        client.get(LIST)  # the navigation's counts are cached a minute: measure both warm
        with CaptureQueriesContext(connection) as few:
            client.get(LIST)
        for n in range(30):
            Customer.objects.create(shop=shop, external_id=f"B-{n}")
        with CaptureQueriesContext(connection) as many:
            client.get(LIST)
        assert len(few) == len(many)

    def test_non_member_gets_404(self, make_user, customers):
        other = Shop.objects.create(slug="other", name="Other")
        stranger = make_user("stranger", shop=other, role=Role.MANAGER)
        assert signed_in(stranger).get(LIST).status_code == 404

    def test_customers_of_another_shop_are_not_listed(self, viewer, customers):
        other = Shop.objects.create(slug="other", name="Other")
        Customer.objects.create(shop=other, external_id="C-999")
        assert "C-999" not in signed_in(viewer).get(LIST).content.decode()


class TestCustomerSearchJson:
    def test_exact_id_first_then_matches(self, viewer, customers):
        data = signed_in(viewer).get(LIST + "search/", {"q": "C-101"}).json()
        assert [row["external_id"] for row in data["results"]] == ["C-101"]
        data = signed_in(viewer).get(LIST + "search/", {"q": "hana"}).json()
        assert data["results"][0] == {
            "external_id": "C-100",
            "name": "Sato Hanako",
            "email": "hanako@example.jp",
            "url": "/shops/kobo/customers/C-100/",
        }
        assert [row["external_id"] for row in data["results"]] == ["C-100", "X-1"]

    def test_empty_query_finds_nothing(self, viewer, customers):
        assert signed_in(viewer).get(LIST + "search/", {"q": " "}).json() == {"results": []}

    def test_at_most_ten_results(self, viewer, shop):
        for n in range(15):
            Customer.objects.create(shop=shop, external_id=f"C-{n:02d}")
        data = signed_in(viewer).get(LIST + "search/", {"q": "C-"}).json()
        assert len(data["results"]) == 10

    def test_non_member_gets_404(self, make_user, customers):
        outsider = make_user("outsider")
        assert signed_in(outsider).get(LIST + "search/", {"q": "C"}).status_code == 404


class TestCustomerPage:
    def test_everything_in_one_place(self, viewer, story):
        response = signed_in(viewer).get(LIST + "C-1/")
        assert response.status_code == 200
        body = response.content.decode()
        # The timeline, newest first: the reply and its inquiry, then the notes and orders.
        timeline = body.split('class="timeline"')[1].split("</ol>")[0]
        ids = re.findall(r"</strong> ([A-Z]-\d)", timeline)
        assert ids == ["R-1", "Q-1", "N-3", "O-3", "N-2", "O-2", "N-1", "O-1"]
        # Findings as badges on their actions, with the exception.
        n2 = timeline.split("N-2")[1].split("</li>")[0]
        assert '<span class="badge drift"' in n2
        n3 = timeline.split("N-3")[1].split("</li>")[0]
        assert "Customer deadline (requested)" in n3
        assert "breach · excused" in n3
        # Commitments: the levels this customer has come to expect.
        assert "What this customer has come to expect" in body
        assert "6 lines" in body and "10 lines" in body
        assert "a reply on a closed day" in body
        # Findings and exceptions sections.
        assert "this customer got 10 lines last time" in body
        assert "needed it Friday" in body

    def test_staff_get_a_link_to_precheck_this_customer(self, staff, viewer, story):
        link = "/shops/kobo/precheck/?customer=C-1"
        assert link in signed_in(staff).get(LIST + "C-1/").content.decode()
        assert link not in signed_in(viewer).get(LIST + "C-1/").content.decode()

    def test_japanese_page(self, viewer, story):
        body = signed_in(viewer, "ja").get(LIST + "C-1/").content.decode()
        assert "前回10行" in body

    def test_unknown_customer_is_404(self, viewer, story):
        assert signed_in(viewer).get(LIST + "C-404/").status_code == 404

    def test_id_with_a_slash_and_the_reports_link_form(self, viewer, shop):
        Customer.objects.create(shop=shop, external_id="shop/42")
        assert signed_in(viewer).get(LIST + "shop%2F42/").status_code == 200
        assert signed_in(viewer).get(LIST + "shop/42/").status_code == 200

    def test_customer_of_another_shop_is_404(self, viewer, shop):
        other = Shop.objects.create(slug="other", name="Other")
        Customer.objects.create(shop=other, external_id="C-9")
        assert signed_in(viewer).get(LIST + "C-9/").status_code == 404

    def test_non_member_gets_404(self, make_user, story):
        other = Shop.objects.create(slug="other", name="Other")
        stranger = make_user("stranger", shop=other, role=Role.MANAGER)
        assert signed_in(stranger).get(LIST + "C-1/").status_code == 404

    def test_queries_do_not_grow_with_the_history(self, viewer, story, log):
        client = signed_in(viewer)
        client.get(LIST + "C-1/")  # the navigation's counts are cached a minute: both warm
        with CaptureQueriesContext(connection) as before:
            client.get(LIST + "C-1/")
        for n in range(4, 14):
            log.occasion(f"O-{n}", "C-1", "order_placed", at(f"2026-08-{n:02d} 10:00"))
            log.action(
                f"N-{n}", "C-1", "note_enclosed", at(f"2026-08-{n:02d} 12:00"),
                occasion=f"O-{n}", lines=4, exception={"reason": "goodwill"},
            )  # fmt: skip
        with CaptureQueriesContext(connection) as after:
            client.get(LIST + "C-1/")
        assert len(before) == len(after)


class TestLevelWords:
    @pytest.mark.parametrize(
        ("unit", "value", "words"),
        [
            pytest.param("lines", 10.0, "10 lines", id="lines"),
            pytest.param("lines", 1.0, "1 line", id="one-line"),
            pytest.param("business_days_late", 2.0, "2 business days late", id="late"),
            pytest.param("business_days_late", 0.0, "on the promised day", id="on-time"),
            pytest.param("business_days_late", -1.0, "1 business day early", id="early"),
            pytest.param("closed_day_reply", 1.0, "replied on a closed day", id="closed-day"),
            pytest.param("closed_day_reply", 0.0, "waited for an open day", id="waited"),
            pytest.param("business_hours", 2.5, "2.5 business hours", id="fraction"),
            pytest.param("lines", None, "–", id="none"),
        ],
    )
    def test_levels_read_as_words(self, unit, value, words):
        with translation.override("en"):
            assert level_text(unit, value) == words
