"""The pre-check page: ask, read the answer in plain words, record as done or as an exception."""

import re

import pytest
from django.apps import apps
from django.test import Client

from accounts.models import Role
from commitments.models import Action, ActionException, ExceptionStatus, Finding
from policies.models import Shop

from .conftest import at

URL = "/shops/kobo/precheck/"


@pytest.fixture
def promises(make_promise):
    return {
        "note": make_promise("handwritten_note", {"min_lines": 5}, name="Notes of 5 lines"),
        "holiday": make_promise("holiday_replies", {"mode": "none"}, name="No closed-day replies"),
    }


@pytest.fixture
def history(log, promises):
    log.occasion("O-1", "C-1", "order_placed", at("2026-05-11 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-05-12 10:00"), occasion="O-1", lines=10)
    log.occasion("O-2", "C-1", "order_placed", at("2026-11-20 10:00"), total=5000)
    log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-23 09:00"))


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def note_form(**changes):
    return {
        "customer": "C-1",
        "kind": "note_enclosed",
        "occurred_at": "2026-11-21T10:00",
        "occasion": "O-2",
        "attr_lines": "6",
        "op": "check",
        **changes,
    }


def row_counts() -> dict:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


class TestPrecheckPageAccess:
    def test_staff_gets_the_form_with_now_in_shop_time(self, staff, history):
        response = signed_in(staff).get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'name="customer"' in body and 'list="customer-options"' in body
        assert re.search(r'name="occurred_at" value="\d{4}-\d\d-\d\dT\d\d:\d\d"', body)
        # The inline script carries the request's CSP nonce.
        assert re.search(r'<script nonce="[^"]+">', body)

    def test_customer_and_kind_can_be_given_in_the_link(self, staff, history):
        body = signed_in(staff).get(URL, {"customer": "C-1", "kind": "reply_sent"}).content
        body = body.decode()
        assert 'value="C-1"' in body
        assert '<option value="reply_sent" selected>' in body
        assert 'value="Q-1" data-open-for="reply_sent"' in body

    def test_viewer_cannot_open_or_post(self, viewer, history):
        client = signed_in(viewer)
        assert client.get(URL).status_code == 403
        assert client.post(URL, note_form(op="record")).status_code == 403
        assert Action.objects.count() == 1

    def test_non_member_gets_404(self, make_user, history):
        other = Shop.objects.create(slug="other", name="Other")
        stranger = make_user("stranger", shop=other, role=Role.MANAGER)
        assert signed_in(stranger).get(URL).status_code == 404

    def test_anonymous_is_sent_to_log_in(self, history):
        response = Client().get(URL)
        assert (response.status_code, response.url.split("?")[0]) == (302, "/login/")


class TestPrecheckPageAnswer:
    def test_drift_in_plain_words_with_the_promise_version_and_history(self, staff, history):
        response = signed_in(staff).post(URL, note_form())
        assert response.status_code == 200
        body = response.content.decode()
        assert "⚠️" in body and "Drift" in body
        assert "this customer got 10 lines last time" in body
        assert "Notes of 5 lines" in body and "version 1" in body
        assert "N-1" in body and "10 lines" in body  # the last experience
        assert 'value="record"' in body and 'value="exception"' in body

    def test_japanese_page_shows_the_japanese_explanation(self, staff, history):
        body = signed_in(staff, "ja").post(URL, note_form()).content.decode()
        assert "前回10行" in body

    def test_closed_day_reply_names_the_allowed_reasons(self, staff, history):
        form = note_form(kind="reply_sent", occasion="Q-1", occurred_at="2026-11-23T10:00")
        body = signed_in(staff).post(URL, form).content.decode()
        assert "Precedent" in body
        assert "This customer would expect it next time." in body
        assert "Allowed reasons for an exception: Our mistake, Customer deadline." in body
        assert "a reply on a closed day" in body

    def test_consistent_action_is_a_green_tick(self, staff, history):
        body = signed_in(staff).post(URL, note_form(attr_lines="10")).content.decode()
        assert "✅" in body and "Consistent" in body

    def test_breach_is_a_red_cross(self, staff, history):
        body = signed_in(staff).post(URL, note_form(attr_lines="3")).content.decode()
        assert "❌" in body and "Breach" in body

    def test_invalid_details_are_shown_next_to_their_field(self, staff, history):
        response = signed_in(staff).post(URL, note_form(attr_lines="many"))
        assert response.status_code == 400
        assert (
            '<ul class="errorlist" id="id_attr_lines_error"><li>&#x27;lines&#x27; of '
            "note_enclosed must be an integer"
        ) in response.content.decode()

    def test_bad_time_is_shown_next_to_its_field(self, staff, history):
        response = signed_in(staff).post(URL, note_form(occurred_at="soon"))
        assert response.status_code == 400
        assert "occurred_at must be an ISO 8601 time" in response.content.decode()

    def test_checking_stores_nothing(self, staff, history):
        client = signed_in(staff)  # the session is stored at log-in, before counting
        before = row_counts()
        response = client.post(URL, note_form(customer="C-new", occasion=""))
        assert response.status_code == 200
        assert row_counts() == before

    def test_without_javascript_the_open_occasions_load_on_request(self, staff, history):
        response = signed_in(staff).post(URL, note_form(op="occasions", occasion=""))
        body = response.content.decode()
        assert response.status_code == 200
        assert 'value="O-2" data-open-for="' in body
        # O-1 already got its note; it is still open for the shipment.
        assert re.search(r'value="O-1" data-open-for="[^"]*shipped', body)
        assert not re.search(r'value="O-1" data-open-for="[^"]*note_enclosed', body)


class TestPrecheckPageRecording:
    def test_record_as_done_records_once_under_a_generated_id(self, staff, history):
        client = signed_in(staff)
        answer = client.post(URL, note_form()).content.decode()
        record_id = re.search(r'name="external_id" value="(tsuzuku-[0-9a-f]{32})"', answer)[1]
        response = client.post(URL, note_form(op="record", external_id=record_id))
        again = client.post(URL, note_form(op="record", external_id=record_id))
        action = Action.objects.get(external_id=record_id)
        assert response.status_code == again.status_code == 302
        assert response.url == f"/shops/kobo/customers/C-1/#action-{action.pk}"
        assert (action.staff, action.kind, action.attributes) == (
            "staff1",
            "note_enclosed",
            {"lines": 6},
        )
        assert action.occasion.external_id == "O-2"
        assert Action.objects.count() == 2
        assert list(Finding.objects.filter(action=action).values_list("type", flat=True)) == [
            "drift"
        ]

    def test_record_as_exception_requests_a_decision(self, staff, history):
        response = signed_in(staff).post(
            URL,
            note_form(op="exception", attr_lines="3", exception_reason="our_mistake",
                      exception_note="ran out of cards"),
        )  # fmt: skip
        assert response.status_code == 302
        exception = ActionException.objects.get()
        assert (exception.reason, exception.note, exception.status) == (
            "our_mistake",
            "ran out of cards",
            ExceptionStatus.REQUESTED,
        )
        assert exception.requested_by == staff
        # our_mistake is among the promise's excused reasons: excused before any decision.
        assert list(
            Finding.objects.filter(action=exception.action).values_list("excused", flat=True)
        ) == [True]

    def test_other_without_a_note_records_nothing_and_says_why(self, staff, history):
        response = signed_in(staff).post(
            URL, note_form(op="exception", attr_lines="3", exception_reason="other")
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert "needs a note saying why" in body
        assert "Breach" in body  # the answer stays on the page around the error
        assert Action.objects.count() == 1

    def test_exception_without_a_reason_records_nothing(self, staff, history):
        response = signed_in(staff).post(URL, note_form(op="exception", attr_lines="3"))
        assert response.status_code == 400
        assert "exception.reason is required" in response.content.decode()
        assert Action.objects.count() == 1

    def test_changed_details_under_a_used_id_are_not_merged(self, staff, history):
        client = signed_in(staff)
        record_id = "tsuzuku-" + "a" * 32
        client.post(URL, note_form(op="record", external_id=record_id))
        response = client.post(URL, note_form(op="record", external_id=record_id, attr_lines="9"))
        assert response.status_code == 409
        assert "already recorded with other details" in response.content.decode()
        assert Action.objects.get(external_id=record_id).attributes == {"lines": 6}

    def test_a_made_up_id_is_replaced_by_a_generated_one(self, staff, history):
        signed_in(staff).post(URL, note_form(op="record", external_id="N-1"))
        assert Action.objects.filter(external_id="N-1").get().attributes == {"lines": 10}
        assert Action.objects.filter(external_id__startswith="tsuzuku-").count() == 1


class TestPrecheckOccasionsJson:
    def test_lists_the_open_occasions_with_what_they_wait_for(self, staff, history):
        data = signed_in(staff).get(URL + "occasions/", {"customer": "C-1"}).json()
        by_id = {o["external_id"]: o for o in data["occasions"]}
        assert by_id["Q-1"]["open_for"] == ["reply_sent"]
        assert "note_enclosed" not in by_id["O-1"]["open_for"]
        assert "note_enclosed" in by_id["O-2"]["open_for"]
        # Dates read like the rest of the site (config/formats/), never "2026-11-20 10:00".
        assert by_id["O-2"]["label"] == "Order O-2 · Nov 20, 2026, 10 a.m."

    def test_the_labels_follow_the_language(self, staff, history):
        client = signed_in(staff)
        client.cookies["django_language"] = "ja"
        data = client.get(URL + "occasions/", {"customer": "C-1"}, HTTP_ACCEPT_LANGUAGE="ja").json()
        label = {o["external_id"]: o["label"] for o in data["occasions"]}["O-2"]
        assert label.endswith("O-2 · 2026年11月20日(金) 10:00")

    def test_unknown_customer_has_none(self, staff, history):
        data = signed_in(staff).get(URL + "occasions/", {"customer": "C-404"}).json()
        assert data == {"occasions": []}

    def test_viewer_gets_403(self, viewer, history):
        assert signed_in(viewer).get(URL + "occasions/", {"customer": "C-1"}).status_code == 403
