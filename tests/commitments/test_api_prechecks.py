"""POST /api/v1/shops/{shop}/prechecks/: the pre-check as a dry run over the API."""

from datetime import timedelta

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from accounts.models import Role
from commitments.models import Action, Customer
from policies.models import Shop

from .conftest import at

URL = "/api/v1/shops/kobo/prechecks/"


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 5}, name="Notes")


@pytest.fixture
def history(log, note_promise):
    log.occasion("O-1", "C-1", "order_placed", at("2026-05-11 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-05-12 10:00"), occasion="O-1", lines=10)
    log.occasion("O-2", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)


def body(**changes):
    return {
        "customer": "C-1",
        "kind": "note_enclosed",
        "occurred_at": "2026-11-18T10:00:00+09:00",
        "occasion": "O-2",
        "attributes": {"lines": 6},
        **changes,
    }


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def row_counts() -> dict:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


class TestPrecheckApi:
    def test_drift_answer_has_the_contract_fields(self, api, history, note_promise):
        response = api.post(URL, body(), format="json")
        assert response.status_code == 200
        data = response.json()
        assert data["verdict"] == "drift"
        [finding] = data["findings"]
        assert finding["type"] == "drift"
        assert finding["promise"] == {
            "id": note_promise.pk,
            "kind": "handwritten_note",
            "version": 1,
            "name": "Notes",
        }
        assert finding["details"]["customer_last"] == 10
        key = str(note_promise.pk)
        assert data["commitment"][key]["kind"] == "handwritten_note"
        assert data["commitment"][key]["before"]["last_level"] == 10.0
        assert (data["commitment"][key]["last_level"], data["commitment"][key]["count"]) == (
            6.0,
            2,
        )
        assert data["history"][key] == [
            {
                "action": "N-1",
                "at": "2026-05-12T10:00:00+09:00",
                "level": 10.0,
                "kept": True,
                "excused": False,
            }
        ]

    def test_stores_nothing(self, api, history):
        before = row_counts()
        response = api.post(URL, body(customer="C-unknown", occasion=""), format="json")
        assert response.status_code == 200
        assert row_counts() == before
        assert not Customer.objects.filter(external_id="C-unknown").exists()

    def test_an_external_id_sent_anyway_is_ignored(self, api, history):
        response = api.post(URL, body(external_id="N-2"), format="json")
        assert response.status_code == 200
        assert not Action.objects.filter(external_id="N-2").exists()

    def test_exception_that_excuses_makes_the_verdict_ok(self, api, history):
        response = api.post(
            URL,
            body(attributes={"lines": 3}, exception={"reason": "deadline", "note": ""}),
            format="json",
        )
        data = response.json()
        assert (data["verdict"], data["findings"][0]["excused"]) == ("ok", True)
        assert [note["code"] for note in data["notes"]] == ["excused_not_counted"]

    @pytest.mark.parametrize(
        ("changes", "code", "field"),
        [
            pytest.param({"kind": "wrapped"}, "unknown_kind", "kind", id="unknown-kind"),
            pytest.param(
                {"attributes": {"lines": -1}},
                "invalid_attribute",
                "attributes.lines",
                id="negative-lines",
            ),
            pytest.param({"occurred_at": "yesterday"}, "invalid_time", "occurred_at", id="time"),
            pytest.param(
                {"exception": {"reason": "other", "note": ""}},
                "required",
                "exception.note",
                id="other-needs-a-note",
            ),
            pytest.param({"customer": ""}, "required", "customer", id="no-customer"),
        ],
    )
    def test_invalid_input_gets_contract_errors(self, api, note_promise, changes, code, field):
        response = api.post(URL, body(**changes), format="json")
        assert response.status_code == 400
        assert {"code": code, "field": field} in [
            {"code": e["code"], "field": e["field"]} for e in response.json()["errors"]
        ]

    def test_staff_may_precheck(self, staff, history):
        assert client_for(staff).post(URL, body(), format="json").status_code == 200

    def test_viewer_gets_403(self, viewer, history):
        response = client_for(viewer).post(URL, body(), format="json")
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"

    def test_non_member_gets_404(self, make_user, history):
        outsider = make_user("outsider")
        response = client_for(outsider).post(URL, body(), format="json")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_anonymous_gets_401(self, history):
        assert APIClient().post(URL, body(), format="json").status_code == 401

    def test_member_of_another_shop_cannot_precheck_this_one(self, make_user, history):
        other = Shop.objects.create(slug="other", name="Other")
        stranger = make_user("stranger", shop=other, role=Role.MANAGER)
        assert client_for(stranger).post(URL, body(), format="json").status_code == 404


class TestPrecheckApiAfterRecording:
    def test_a_later_precheck_sees_the_recorded_action(self, api, history):
        api.post(
            "/api/v1/shops/kobo/actions/",
            {**body(), "external_id": "N-2"},
            format="json",
        )
        later = body(
            occasion="O-3",
            occurred_at=(at("2026-11-19 10:00") + timedelta(hours=1)).isoformat(),
            attributes={"lines": 6},
        )
        data = api.post(URL, later, format="json").json()
        assert data["verdict"] == "ok"
        assert data["history"][next(iter(data["history"]))][0]["action"] == "N-2"


class TestPrecheckJudgedFlag:
    @pytest.mark.parametrize(
        ("changes", "verdict", "judged"),
        [
            pytest.param({}, "drift", True, id="judged"),
            # No promise of this shop judges a thank-you message.
            pytest.param(
                {"kind": "thank_you_sent", "attributes": {}}, "ok", False, id="nothing-judged-it"
            ),
        ],
    )
    def test_judged_says_whether_ok_means_consistent(self, api, history, changes, verdict, judged):
        data = api.post(URL, body(**changes), format="json").json()
        assert (data["verdict"], data["judged"]) == (verdict, judged)
