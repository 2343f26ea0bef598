"""Erasing a customer's personal data (APPI): service, page button, API, audit."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from commitments.models import Action, Check, Customer, Finding, Occasion
from commitments.privacy import customer_erase

from .conftest import at


@pytest.fixture
def history(shop, make_promise, log):
    """Return customer C-1 with a name, e-mail, an inquiry and a reply with texts, judged."""
    make_promise("handwritten_note", {"min_lines": 10})
    log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-11-16 13:00"), "O-1", lines=6)
    log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-17 10:00"), text="Where is it?")
    log.action("R-1", "C-1", "reply_sent", at("2026-11-17 11:00"), "Q-1", text="Tomorrow!")
    log.occasion("Q-2", "C-2", "inquiry_received", at("2026-11-17 10:00"), text="Hello")
    Customer.objects.filter(shop=shop, external_id="C-1").update(
        name="山田 花子", email="hanako@example.com"
    )
    return Customer.objects.get(shop=shop, external_id="C-1")


def judgements(shop):
    return (
        sorted(Check.objects.filter(shop=shop).values_list("action__external_id", "kept", "level")),
        sorted(Finding.objects.filter(shop=shop).values_list("type", "message_en")),
    )


@pytest.mark.django_db
class TestCustomerErase:
    def test_name_email_and_texts_go_and_the_log_and_judgements_stay(self, shop, history, manager):
        before = judgements(shop)
        assert before[1]  # the 6-line note is a breach
        erasure = customer_erase(customer=history, actor=manager)
        history.refresh_from_db()
        assert (history.name, history.email, history.external_id) == ("", "", "C-1")
        assert history.erased_at is not None
        assert (erasure.name, erasure.email) == (True, True)
        assert (erasure.occasion_texts, erasure.action_texts) == (1, 1)
        assert Occasion.objects.get(external_id="Q-1").attributes == {}
        assert Action.objects.get(external_id="R-1").attributes == {}
        assert Action.objects.get(external_id="N-1").attributes == {"lines": 6}
        assert Occasion.objects.get(external_id="O-1").attributes == {"total": 5000}
        # Another customer's text is untouched.
        assert Occasion.objects.get(external_id="Q-2").attributes == {"text": "Hello"}
        assert judgements(shop) == before

    def test_the_erasure_is_audited_without_the_erased_values(self, shop, history, manager):
        customer_erase(customer=history, actor=manager)
        entry = AuditEntry.objects.get(shop=shop, event="customer.erased")
        assert (entry.object_id, entry.actor_username) == ("C-1", "manager1")
        assert entry.after["occasion_texts"] == 1 and entry.after["name"] is True
        assert "山田" not in str(entry.after) and "hanako" not in str(entry.after)


@pytest.mark.django_db
class TestErasePage:
    def test_the_manager_sees_the_button_and_erases(self, client, shop, history, manager):
        client.force_login(manager)
        page = client.get(f"/shops/{shop.slug}/customers/C-1/")
        assert b'name="confirm"' in page.content
        response = client.post(
            f"/shops/{shop.slug}/privacy/erase/", {"customer": "C-1", "confirm": "yes"}
        )
        assert response.status_code == 302
        history.refresh_from_db()
        assert (history.name, history.email) == ("", "")

    def test_without_the_confirmation_nothing_is_erased(self, client, shop, history, manager):
        client.force_login(manager)
        response = client.post(
            f"/shops/{shop.slug}/privacy/erase/", {"customer": "C-1"}, follow=True
        )
        assert b"Nothing was erased" in response.content
        history.refresh_from_db()
        assert history.name == "山田 花子"

    def test_staff_see_no_button_and_may_not_erase(self, client, shop, history, staff):
        client.force_login(staff)
        page = client.get(f"/shops/{shop.slug}/customers/C-1/")
        assert b'name="confirm"' not in page.content
        response = client.post(
            f"/shops/{shop.slug}/privacy/erase/", {"customer": "C-1", "confirm": "yes"}
        )
        assert response.status_code == 403
        history.refresh_from_db()
        assert history.email == "hanako@example.com"


@pytest.mark.django_db
class TestEraseApi:
    def test_a_manager_erases_through_the_api(self, api, shop, history):
        response = api.post(f"/api/v1/shops/{shop.slug}/customers/C-1/erase/")
        assert response.status_code == 200
        body = response.json()
        assert (body["customer"], body["name"], body["occasion_texts"]) == ("C-1", True, 1)
        history.refresh_from_db()
        assert history.email == ""

    def test_an_unknown_customer_is_404_with_a_code(self, api, shop):
        response = api.post(f"/api/v1/shops/{shop.slug}/customers/NOPE/erase/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "customer"

    def test_staff_get_403(self, shop, history, staff):
        client = APIClient()
        client.force_authenticate(staff)
        response = client.post(f"/api/v1/shops/{shop.slug}/customers/C-1/erase/")
        assert response.status_code == 403
