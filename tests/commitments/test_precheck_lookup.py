"""The pre-check finds the customer staff type, and the occasion they left out (issue 11).

Written from the issue's cases: 阿部 美紀 (C0104, 13 notes, the last one 10 lines) typed by
name; two customers with one name; a name typed by mistake; a pre-check with no occasion
and one, several or no open order; "not judged" shown as such.
"""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client

from commitments import selectors, services
from commitments.models import Action, Customer, Finding

from .conftest import at

URL = "/shops/kobo/precheck/"
API = "/api/v1/shops/kobo/prechecks/"


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def page_answer(response) -> dict | None:
    """Return the answer's JSON the page embeds, or None when it shows no answer."""
    match = re.search(
        r'<script id="precheck-answer" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(unescape(match.group(1))) if match else None


def customer(shop, external_id, name="", email=""):
    """Record a customer (by an occasion, as the log knows customers) and return it."""
    services.occasion_record(
        shop=shop,
        external_id=f"REG-{external_id}",
        customer=external_id,
        kind="inquiry_received",
        occurred_at=at("2026-01-05 10:00"),
        attributes={},
        customer_name=name,
        customer_email=email,
    )
    return Customer.objects.get(shop=shop, external_id=external_id)


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 5}, name="Notes of 5 lines")


@pytest.fixture
def abe(shop, log, note_promise):
    """C0104 阿部 美紀: 13 orders, each with its note, the last note 10 lines."""
    owner = customer(shop, "C0104", name="阿部 美紀", email="Miki.Abe@example.jp")
    for n in range(13):
        ordered = at("2025-12-01 10:00") + timedelta(days=25 * n)
        lines = 10 if n == 12 else 7 + n % 3
        log.occasion(f"O-104-{n}", "C0104", "order_placed", ordered, total=5000)
        log.action(
            f"N-104-{n}", "C0104", "note_enclosed", ordered + timedelta(hours=5), f"O-104-{n}",
            lines=lines,
        )  # fmt: skip
    return owner


def note_form(**changes):
    return {
        "customer": "阿部 美紀",
        "kind": "note_enclosed",
        "occurred_at": "2026-11-21T10:00",
        "occasion": "",
        "attr_lines": "6",
        "op": "check",
        **changes,
    }


class TestCustomersMatching:
    @pytest.mark.parametrize(
        "typed",
        ["C0104", "阿部 美紀", "阿部美紀", "阿部　美紀", " 阿部  美紀 ", "miki.abe@example.jp"],
        ids=["id", "name", "no-space", "ideographic-space", "extra-spaces", "e-mail-any-case"],
    )
    def test_id_name_or_email_finds_the_one_customer(self, shop, typed):
        owner = customer(shop, "C0104", name="阿部 美紀", email="Miki.Abe@example.jp")
        customer(shop, "C0105", name="阿部 美咲")

        assert selectors.customers_matching(shop=shop, text=typed) == [owner]

    def test_full_width_letters_typed_find_a_latin_name(self, shop):
        owner = customer(shop, "C0200", name="Anna Berg")

        assert selectors.customers_matching(shop=shop, text="ＡＮＮＡ ＢＥＲＧ") == [owner]

    def test_the_exact_id_wins_over_a_customer_of_that_name(self, shop):
        by_id = customer(shop, "Sato", name="")
        customer(shop, "C0300", name="Sato")

        assert selectors.customers_matching(shop=shop, text="Sato") == [by_id]

    def test_part_of_a_name_is_not_a_match(self, shop):
        customer(shop, "C0104", name="阿部 美紀")

        assert selectors.customers_matching(shop=shop, text="阿部") == []

    def test_another_shops_customer_is_not_found(self, shop, make_user):
        from policies.models import Shop

        other = Shop.objects.create(slug="other", name="Other")
        customer(other, "C0104", name="阿部 美紀")

        assert selectors.customers_matching(shop=shop, text="阿部 美紀") == []


class TestPrecheckByName:
    @pytest.mark.parametrize("typed", ["阿部 美紀", "阿部美紀", "阿部　美紀"])
    def test_abe_miki_by_name_is_drift_for_a_6_line_note(self, staff, abe, typed):
        response = signed_in(staff).post(URL, note_form(customer=typed))

        answer = page_answer(response)
        assert answer["verdict"] == "drift"
        assert answer["customer"] == {"external_id": "C0104", "known": True, "name": "阿部 美紀"}
        (finding,) = answer["findings"]
        assert finding["details"]["customer_last"] == 10
        body = response.content.decode()
        assert 'value="C0104"' in body  # the form now holds the customer's id
        assert "is the customer 阿部 美紀 (C0104)" in body

    def test_record_by_name_records_under_the_customers_id(self, staff, abe):
        before = Customer.objects.count()

        response = signed_in(staff).post(URL, note_form(op="record"))

        assert response.status_code == 302
        action = Action.objects.get(kind="note_enclosed", staff="staff1")
        assert action.customer.external_id == "C0104"
        assert Customer.objects.count() == before
        assert Finding.objects.get(action=action).type == "drift"

    def test_two_customers_with_one_name_are_a_choice(self, shop, staff, note_promise):
        customer(shop, "C0201", name="佐藤 花子", email="hanako@example.jp")
        customer(shop, "C0202", name="佐藤花子", email="sato.h@example.jp")
        client = signed_in(staff)

        response = client.post(URL, note_form(customer="佐藤 花子"))

        assert page_answer(response) is None  # nothing judged until staff pick one
        body = response.content.decode()
        assert 'name="customer_pick" value="C0201"' in body
        assert 'name="customer_pick" value="C0202"' in body
        picked = page_answer(
            client.post(URL, note_form(customer="佐藤 花子", customer_pick="C0202"))
        )
        assert picked["customer"]["external_id"] == "C0202"

    def test_record_with_a_name_two_customers_share_records_nothing(
        self, shop, staff, note_promise
    ):
        customer(shop, "C0201", name="佐藤 花子")
        customer(shop, "C0202", name="佐藤 花子")

        response = signed_in(staff).post(URL, note_form(customer="佐藤 花子", op="record"))

        assert response.status_code == 400
        assert "Choose the customer first." in response.content.decode()
        assert Action.objects.count() == 0

    def test_an_unknown_name_is_judged_as_new_and_says_so(self, staff, abe):
        response = signed_in(staff).post(URL, note_form(customer="阿部 美紁"))

        answer = page_answer(response)
        assert answer["customer"]["known"] is False
        body = response.content.decode()
        assert "No customer has the id, name or e-mail “阿部 美紁”" in body
        assert 'name="confirm_new"' in body

    def test_record_under_an_unknown_name_needs_confirmation(self, staff, abe):
        customers = Customer.objects.count()
        client = signed_in(staff)

        refused = client.post(URL, note_form(customer="阿部 美紁", op="record"))

        assert refused.status_code == 400
        assert "Tick the box to record a new customer" in refused.content.decode()
        assert page_answer(refused)["customer"]["known"] is False  # the answer stays in view
        assert (Customer.objects.count(), Action.objects.filter(staff="staff1").count()) == (
            customers,
            0,
        )
        confirmed = client.post(URL, note_form(customer="C0999", op="record", confirm_new="1"))
        assert confirmed.status_code == 302
        assert Action.objects.get(staff="staff1").customer.external_id == "C0999"


@pytest.fixture
def orders(shop, log, make_promise):
    """C-1 with shipping_cutoff and notes promised; orders are added by each test."""
    return {
        "cutoff": make_promise("shipping_cutoff", {"cutoff": "16:00"}, name="Ship by 16:00"),
        "note": make_promise("handwritten_note", {"min_lines": 5}, name="Notes"),
    }


def shipment_body(**changes):
    return {
        "customer": "C-1",
        "kind": "shipped",
        "occurred_at": "2026-11-18T15:00:00+09:00",
        "attributes": {},
        **changes,
    }


class TestPrecheckWithoutOccasion:
    def test_the_one_open_order_is_used_and_named(self, api, log, orders):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.action("S-1", "C-1", "shipped", at("2026-11-10 15:00"), "O-1")
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)

        answer = api.post(API, shipment_body(), format="json").json()

        assert answer["occasion"] == "O-2"
        assert answer["occasion_choices"] == []
        assert answer["action"]["occasion"] == "O-2"
        assert answer["verdict"] == "breach"  # ordered Monday, shipped Wednesday
        assert answer["findings"][0]["details"]["business_days_late"] == 2
        assert answer["notes"][0]["code"] == "occasion_chosen"
        assert "O-2" in answer["notes"][0]["message_en"]

    def test_several_open_orders_are_choices_and_none_is_used(self, api, log, orders):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)

        answer = api.post(API, shipment_body(), format="json").json()

        assert answer["occasion"] is None
        assert [c["external_id"] for c in answer["occasion_choices"]] == ["O-2", "O-1"]
        assert answer["occasion_choices"][0]["occurred_at"] == "2026-11-16T10:00:00+09:00"
        assert answer["notes"][0]["code"] == "occasion_choices"
        assert answer["judged"] is False
        assert answer["verdict"] == "ok"

    def test_an_order_after_the_action_is_not_open_for_it(self, api, log, orders):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-19 10:00"), total=5000)

        answer = api.post(API, shipment_body(), format="json").json()

        assert answer["occasion"] == "O-1"

    def test_an_unknown_customers_4_line_note_under_a_5_line_promise_is_breach(self, api, orders):
        body = shipment_body(customer="NEW-1", kind="note_enclosed", attributes={"lines": 4})

        answer = api.post(API, body, format="json").json()

        assert answer["verdict"] == "breach"
        assert answer["judged"] is True
        assert answer["occasion"] is None
        assert [note["code"] for note in answer["notes"]] == ["new_customer"]

    def test_a_note_with_no_open_order_is_drift_after_10_lines(self, api, log, orders):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-10 15:00"), "O-1", lines=10)

        body = shipment_body(kind="note_enclosed", attributes={"lines": 6})
        answer = api.post(API, body, format="json").json()

        assert (answer["verdict"], answer["occasion"]) == ("drift", None)

    def test_an_occasion_sent_is_used_as_sent(self, api, log, orders):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)

        answer = api.post(API, shipment_body(occasion="O-1"), format="json").json()

        assert (answer["occasion"], answer["occasion_choices"]) == ("O-1", [])
        assert answer["findings"][0]["details"]["business_days_late"] == 6


def shipment_form(**changes):
    return {
        "customer": "C-1",
        "kind": "shipped",
        "occurred_at": "2026-11-18T15:00",
        "occasion": "",
        "op": "check",
        **changes,
    }


class TestPrecheckPageOccasion:
    def test_recording_uses_the_occasion_the_precheck_used(self, staff, log, orders):
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        client = signed_in(staff)

        checked = page_answer(client.post(URL, shipment_form()))
        response = client.post(URL, shipment_form(op="record"))

        assert checked["occasion"] == "O-2"
        assert response.status_code == 302
        action = Action.objects.get(staff="staff1")
        assert action.occasion_external_id == "O-2"
        stored = sorted((f.type, f.details) for f in Finding.objects.filter(action=action))
        assert stored == sorted((f["type"], f["details"]) for f in checked["findings"])

    def test_several_open_orders_are_offered_and_a_pick_is_judged(self, staff, log, orders):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-10 10:00"), total=5000)
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        client = signed_in(staff)

        response = client.post(URL, shipment_form())

        body = response.content.decode()
        assert 'name="occasion_pick" value="O-1"' in body
        assert 'name="occasion_pick" value="O-2"' in body
        picked = page_answer(client.post(URL, shipment_form(occasion_pick="O-1")))
        assert (picked["occasion"], picked["verdict"]) == ("O-1", "breach")


class TestNotJudgedIsNeutral:
    def test_an_action_no_promise_judged_is_not_shown_as_consistent(self, staff, make_promise):
        make_promise("reply_time", {"within_business_hours": 8})
        form = {
            "customer": "C-1",
            "kind": "reply_sent",
            "occurred_at": "2026-11-18T10:00",
            "op": "check",
        }

        response = signed_in(staff).post(URL, form)

        body = response.content.decode()
        assert page_answer(response)["judged"] is False
        assert 'class="answer verdict-neutral"' in body
        assert "Not judged" in body
        assert "✅" not in body
        assert "verdict-ok" not in body

    def test_a_kept_note_is_still_consistent(self, staff, make_promise):
        make_promise("handwritten_note", {"min_lines": 5})
        form = {
            "customer": "C-1",
            "kind": "note_enclosed",
            "occurred_at": "2026-11-18T10:00",
            "attr_lines": "6",
            "op": "check",
        }

        body = signed_in(staff).post(URL, form).content.decode()

        assert 'class="answer verdict-ok"' in body
        assert "✅" in body

    def test_not_judged_reads_in_japanese(self, staff, make_promise):
        make_promise("reply_time", {"within_business_hours": 8})
        form = {
            "customer": "C-1",
            "kind": "reply_sent",
            "occurred_at": "2026-11-18T10:00",
            "op": "check",
        }

        body = signed_in(staff, "ja").post(URL, form).content.decode()

        assert "未チェック" in body
