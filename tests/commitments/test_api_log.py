"""POST occasions and actions: status codes, bodies, idempotency, conflicts and error bodies."""

import pytest
from rest_framework.test import APIClient

from commitments.models import Action, ActionException, Customer, Occasion

OCCASIONS = "/api/v1/shops/kobo/occasions/"
ACTIONS = "/api/v1/shops/kobo/actions/"


@pytest.fixture
def client_as():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def order(**overrides):
    body = {
        "external_id": "O-1",
        "customer": "C-1",
        "kind": "order_placed",
        "occurred_at": "2026-11-20T15:30:00+09:00",
        "attributes": {"total": 7200, "gift": False},
    }
    body.update(overrides)
    return body


def note(**overrides):
    body = {
        "external_id": "A-1",
        "customer": "C-1",
        "kind": "note_enclosed",
        "occurred_at": "2026-11-21 10:00",
        "occasion": "O-1",
        "attributes": {"lines": 6},
    }
    body.update(overrides)
    return body


class TestOccasionRecordApi:
    def test_new_occasion_is_201_with_the_stored_record(self, api):
        response = api.post(OCCASIONS, order(customer_name="Hanako"), format="json")
        assert response.status_code == 201
        body = response.json()
        assert body == {
            "id": Occasion.objects.get().pk,
            "external_id": "O-1",
            "customer": "C-1",
            "kind": "order_placed",
            "occurred_at": "2026-11-20T15:30:00+09:00",
            "attributes": {"total": 7200, "gift": False},
        }
        assert Customer.objects.get().name == "Hanako"

    def test_same_occasion_again_is_200_with_the_stored_one(self, api):
        first = api.post(OCCASIONS, order(), format="json").json()
        again = api.post(OCCASIONS, order(occurred_at="2026-11-20T06:30:00Z"), format="json")
        assert again.status_code == 200
        assert again.json() == first
        assert Occasion.objects.count() == 1

    def test_other_content_under_the_same_id_is_409_conflict(self, api):
        api.post(OCCASIONS, order(), format="json")
        response = api.post(OCCASIONS, order(attributes={"total": 1}), format="json")
        assert response.status_code == 409
        [error] = response.json()["errors"]
        assert (error["code"], error["field"]) == ("conflict", "external_id")
        assert "differs in: attributes" in error["message"]

    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            pytest.param(order(kind="order_cancelled"), [("unknown_kind", "kind")], id="kind"),
            pytest.param(
                order(attributes={"total": -1}),
                [("invalid_attribute", "attributes.total")],
                id="attribute",
            ),
            pytest.param(
                order(attributes={"coupon": "X"}),
                [("invalid_attribute", "attributes.coupon")],
                id="unknown-attribute",
            ),
            pytest.param(
                order(occurred_at="tomorrow"), [("invalid_time", "occurred_at")], id="time"
            ),
            pytest.param(
                {key: value for key, value in order().items() if key != "customer"},
                [("required", "customer")],
                id="missing-customer",
            ),
        ],
    )
    def test_bad_occasion_is_400_with_code_and_field(self, api, body, errors):
        response = api.post(OCCASIONS, body, format="json")
        assert response.status_code == 400
        assert [(e["code"], e["field"]) for e in response.json()["errors"]] == errors
        assert Occasion.objects.count() == 0

    def test_viewer_may_not_record(self, viewer, client_as):
        response = client_as(viewer).post(OCCASIONS, order(), format="json")
        assert response.status_code == 403
        assert Occasion.objects.count() == 0

    def test_staff_may_record(self, staff, client_as):
        assert client_as(staff).post(OCCASIONS, order(), format="json").status_code == 201

    def test_non_member_gets_404_not_found(self, make_user, client_as):
        outsider = make_user("outsider")
        response = client_as(outsider).post(OCCASIONS, order(), format="json")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_anonymous_is_refused(self, shop):
        response = APIClient().post(OCCASIONS, order(), format="json")
        assert response.status_code in (401, 403)
        assert Occasion.objects.count() == 0


class TestActionRecordApi:
    def test_new_action_is_201_judged_with_its_findings(self, api):
        api.post(OCCASIONS, order(), format="json")
        response = api.post(ACTIONS, note(staff="sato"), format="json")
        assert response.status_code == 201
        body = response.json()
        action = Action.objects.get()
        assert body["id"] == action.pk
        assert {key: body[key] for key in body if key not in ("id", "judged_at")} == {
            "external_id": "A-1",
            "customer": "C-1",
            "kind": "note_enclosed",
            "occurred_at": "2026-11-21T10:00:00+09:00",
            "occasion": "O-1",
            "staff": "sato",
            "attributes": {"lines": 6},
            "exception": None,
            "findings": [],
        }
        assert body["judged_at"] is not None

    def test_exception_is_returned_with_its_status(self, api):
        response = api.post(
            ACTIONS,
            note(exception={"reason": "other", "note": "gift for a sick child"}),
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["exception"] == {
            "reason": "other",
            "note": "gift for a sick child",
            "status": "requested",
        }
        assert ActionException.objects.get().requested_by.username == "manager1"

    def test_action_without_occasion_is_stored_with_occasion_null(self, api):
        response = api.post(
            ACTIONS, {k: v for k, v in note().items() if k != "occasion"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["occasion"] is None

    def test_same_action_again_is_200(self, api):
        first = api.post(ACTIONS, note(), format="json").json()
        again = api.post(ACTIONS, note(), format="json")
        assert again.status_code == 200
        assert again.json()["id"] == first["id"]
        assert Action.objects.count() == 1

    def test_other_content_under_the_same_id_is_409(self, api):
        api.post(ACTIONS, note(), format="json")
        response = api.post(ACTIONS, note(attributes={"lines": 7}), format="json")
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "conflict"

    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            pytest.param(note(kind="called"), [("unknown_kind", "kind")], id="kind"),
            pytest.param(
                note(attributes={"lines": -3}),
                [("invalid_attribute", "attributes.lines")],
                id="negative-lines",
            ),
            pytest.param(
                note(attributes={}),
                [("invalid_attribute", "attributes.lines")],
                id="lines-missing",
            ),
            pytest.param(
                note(exception={"reason": "other"}),
                [("required", "exception.note")],
                id="other-without-note",
            ),
            pytest.param(
                note(exception={"reason": "lazy"}),
                [("invalid_param", "exception.reason")],
                id="bad-reason",
            ),
            pytest.param(note(external_id=""), [("required", "external_id")], id="blank-id"),
        ],
    )
    def test_bad_action_is_400_with_code_and_field(self, api, body, errors):
        response = api.post(ACTIONS, body, format="json")
        assert response.status_code == 400
        assert [(e["code"], e["field"]) for e in response.json()["errors"]] == errors
        assert Action.objects.count() == 0

    def test_body_that_is_not_an_object_is_400(self, api):
        response = api.post(ACTIONS, ["A-1"], format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "invalid_param"

    def test_viewer_may_not_record(self, viewer, client_as):
        assert client_as(viewer).post(ACTIONS, note(), format="json").status_code == 403


class TestActionFindingsInTheResponse:
    def test_drift_found_in_the_request_is_returned(self, api, make_promise):
        promise = make_promise("handwritten_note", {"min_lines": 5})
        api.post(OCCASIONS, order(external_id="O-0", occurred_at="2026-05-11 10:00"), format="json")
        api.post(
            ACTIONS,
            note(
                external_id="A-0",
                occasion="O-0",
                occurred_at="2026-05-12 10:00",
                attributes={"lines": 10},
            ),
            format="json",
        )
        api.post(OCCASIONS, order(), format="json")
        response = api.post(ACTIONS, note(), format="json")
        assert response.status_code == 201
        [finding] = response.json()["findings"]
        assert {
            key: finding[key]
            for key in (
                "type",
                "excused",
                "promise",
                "customer",
                "action",
                "occasion",
                "details",
                "status",
            )
        } == {
            "type": "drift",
            "excused": False,
            "promise": {"id": promise.pk, "kind": "handwritten_note", "version": 1},
            "customer": "C-1",
            "action": "A-1",
            "occasion": "O-1",
            "details": {"lines": 6, "min_lines": 5, "customer_last": 10, "customer_best": 10},
            "status": "open",
        }
        assert finding["message_en"].startswith("The note had 6 lines")

    def test_retry_returns_the_same_findings(self, api, make_promise):
        make_promise("handwritten_note", {"min_lines": 5})
        api.post(OCCASIONS, order(), format="json")
        first = api.post(ACTIONS, note(attributes={"lines": 2}), format="json").json()
        again = api.post(ACTIONS, note(attributes={"lines": 2}), format="json")
        assert again.status_code == 200
        assert [f["type"] for f in again.json()["findings"]] == ["breach"]
        assert again.json()["findings"] == first["findings"]

    def test_viewer_403_body_has_a_code(self, viewer, client_as):
        response = client_as(viewer).post(ACTIONS, note(), format="json")
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"
