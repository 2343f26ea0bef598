"""The exceptions queue: managers approve or reject; the engine decides what is excused."""

import pytest
from django.test import Client

from accounts.models import Role
from commitments.models import ActionException, Commitment, ExceptionStatus, Finding
from policies.models import Shop

from .conftest import at

URL = "/shops/kobo/exceptions/"


def signed_in(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def holiday_promise(make_promise):
    return make_promise("holiday_replies", {"mode": "none"}, name="No closed-day replies")


@pytest.fixture
def note_promise(make_promise):
    # No reason excuses on its own: only a manager's approval does.
    return make_promise("handwritten_note", {"min_lines": 5, "excused_reasons": []}, name="Notes")


def closed_day_reply(log, reason, note=""):
    log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-23 09:00"))
    return log.action(
        "R-1", "C-1", "reply_sent", at("2026-11-23 10:00"), occasion="Q-1", staff="aki",
        exception={"reason": reason, "note": note},
    )  # fmt: skip


def decide(client, action, decision, note=""):
    exception = ActionException.objects.get(action=action)
    return client.post(f"{URL}{exception.pk}/decide/", {"decision": decision, "note": note})


class TestExceptionQueue:
    def test_lists_requested_exceptions_with_their_findings(self, manager, log, holiday_promise):
        closed_day_reply(log, "goodwill", "Birthday gift question")
        response = signed_in(manager).get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Goodwill" in body and "Birthday gift question" in body
        assert "R-1" in body and 'href="/shops/kobo/customers/C-1/"' in body
        assert '<span class="badge precedent">precedent</span>' in body
        assert "aki" in body  # requested by (the staff of the action, no user given)

    def test_decided_exceptions_leave_the_queue(self, manager, log, holiday_promise):
        action = closed_day_reply(log, "goodwill")
        client = signed_in(manager)
        decide(client, action, "approved")
        row = f'id="exception-{action.exception.pk}"'
        assert row not in client.get(URL).content.decode()
        assert row in client.get(URL, {"status": "approved"}).content.decode()

    def test_staff_and_viewer_get_403(self, staff, viewer, log, holiday_promise):
        action = closed_day_reply(log, "goodwill")
        for user in (staff, viewer):
            client = signed_in(user)
            assert client.get(URL).status_code == 403
            assert decide(client, action, "approved").status_code == 403
        assert ActionException.objects.get().status == ExceptionStatus.REQUESTED

    def test_non_member_gets_404(self, make_user, log, holiday_promise):
        action = closed_day_reply(log, "goodwill")
        other = Shop.objects.create(slug="other", name="Other")
        stranger = make_user("stranger", shop=other, role=Role.MANAGER)
        assert signed_in(stranger).get(URL).status_code == 404
        assert decide(signed_in(stranger), action, "approved").status_code == 404


class TestExceptionDecisions:
    def test_approved_goodwill_excuses_but_still_sets_the_precedent(
        self, manager, log, holiday_promise
    ):
        action = closed_day_reply(log, "goodwill")
        finding = Finding.objects.get(action=action)
        assert (finding.type, finding.excused) == ("precedent", False)
        response = decide(signed_in(manager), action, "approved", "Regular customer")
        assert response.status_code == 302
        exception = ActionException.objects.get()
        assert (exception.status, exception.decided_by, exception.decision_note) == (
            ExceptionStatus.APPROVED,
            manager,
            "Regular customer",
        )
        assert Finding.objects.get(action=action).excused is True
        commitment = Commitment.objects.get(promise=holiday_promise)
        assert [p["what"] for p in commitment.precedents] == ["closed_day_reply"]

    def test_approved_our_mistake_sets_no_precedent(self, manager, log, holiday_promise):
        action = closed_day_reply(log, "our_mistake")
        decide(signed_in(manager), action, "approved")
        assert Finding.objects.get(action=action).excused is True
        assert Commitment.objects.get(promise=holiday_promise).precedents == []

    def test_rejected_exception_excuses_nothing_even_for_an_excused_reason(
        self, manager, log, holiday_promise
    ):
        action = closed_day_reply(log, "deadline")
        assert Finding.objects.get(action=action).excused is True  # by the promise's reasons
        decide(signed_in(manager), action, "rejected", "It could wait")
        assert Finding.objects.get(action=action).excused is False
        assert ActionException.objects.get().status == ExceptionStatus.REJECTED

    def test_approval_excuses_what_the_promise_alone_would_not(self, manager, log, note_promise):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-20 10:00"), total=5000)
        action = log.action(
            "N-1", "C-1", "note_enclosed", at("2026-11-20 12:00"), occasion="O-1", lines=2,
            exception={"reason": "our_mistake"},
        )  # fmt: skip
        assert Finding.objects.get(action=action).excused is False
        decide(signed_in(manager), action, "approved")
        assert Finding.objects.get(action=action).excused is True

    def test_unknown_decision_changes_nothing(self, manager, log, holiday_promise):
        action = closed_day_reply(log, "goodwill")
        response = decide(signed_in(manager), action, "maybe")
        assert response.status_code == 302
        assert ActionException.objects.get().status == ExceptionStatus.REQUESTED

    def test_exception_of_another_shop_is_404(self, manager, make_user, log, holiday_promise):
        action = closed_day_reply(log, "goodwill")
        other = Shop.objects.create(slug="other", name="Other")
        other_manager = make_user("boss", shop=other, role=Role.MANAGER)
        exception = ActionException.objects.get(action=action)
        response = signed_in(other_manager).post(
            f"/shops/other/exceptions/{exception.pk}/decide/", {"decision": "approved"}
        )
        assert response.status_code == 404
        assert ActionException.objects.get().status == ExceptionStatus.REQUESTED
