"""The promises API: kinds, create, list, detail, edit, versions, impact, retire; errors, roles."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Role
from commitments.models import Commitment, Customer, Occasion
from policies.kinds import registry
from policies.models import Promise, PromiseVersion, Shop
from policies.services import promise_create, promise_edit, promise_retire

TOKYO = ZoneInfo("Asia/Tokyo")
BASE = "/api/v1/shops/kobo/promises/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def error(response):
    """Return (code, field) of the single error in the body."""
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]["code"], errors[0]["field"]


@pytest.fixture
def note(shop, manager):
    return promise_create(
        shop=shop,
        kind="handwritten_note",
        name="Handwritten note",
        params={"min_lines": 10},
        author=manager,
        effective_from=datetime(2026, 1, 1, tzinfo=TOKYO),
    )


@pytest.fixture
def other_shop_promise(make_user):
    other = Shop.objects.create(slug="other", name="Other")
    owner = make_user("owner", shop=other, role=Role.MANAGER)
    return promise_create(shop=other, kind="reply_time", name="R", params={}, author=owner)


@pytest.mark.django_db
class TestPromiseKinds:
    def test_lists_every_kind_with_schema_and_defaults(self, api):
        response = api.get("/api/v1/promise-kinds/")
        assert response.status_code == 200
        body = response.json()
        assert [kind["id"] for kind in body] == registry.ids()
        note = next(kind for kind in body if kind["id"] == "handwritten_note")
        assert note["label_en"] == "Handwritten note"
        assert (note["occasion_kind"], note["action_kind"]) == ("order_placed", "note_enclosed")
        assert note["level_unit"] == "lines"
        assert note["higher_is_better"] is True
        assert note["params_schema"]["properties"]["min_lines"]["default"] == 10
        assert note["defaults"]["min_lines"] == 10
        assert note["defaults"]["excused_reasons"] == ["our_mistake", "deadline"]

    def test_needs_a_signed_in_user(self, db):
        response = APIClient().get("/api/v1/promise-kinds/")
        assert response.status_code in (401, 403)


@pytest.mark.django_db
class TestPromiseCreateApi:
    def test_creates_version_1_with_defaults(self, api, shop):
        response = api.post(
            BASE,
            {"kind": "handwritten_note", "name": "Note", "params": {"min_lines": 8}},
            format="json",
        )
        assert response.status_code == 201
        body = response.json()
        assert body["version"] == 1
        assert body["kind"] == "handwritten_note"
        assert body["params"] == {
            "min_lines": 8,
            "drift_tolerance": 0,
            "precedent_above": 5,
            "excused_reasons": ["our_mistake", "deadline"],
        }
        assert body["retired_at"] is None
        assert set(body) >= {"id", "name", "effective_from", "created_at"}
        assert Promise.objects.get(pk=body["id"]).shop == shop
        assert AuditEntry.objects.filter(event="promise.created").count() == 1

    def test_params_may_be_left_out(self, api):
        response = api.post(BASE, {"kind": "reply_time", "name": "Replies"}, format="json")
        assert response.status_code == 201
        assert response.json()["params"] == registry.get("reply_time").validate_params({})

    def test_effective_from_without_offset_is_shop_time(self, api):
        response = api.post(
            BASE,
            {"kind": "reply_time", "name": "R", "effective_from": "2026-12-01 09:00"},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["effective_from"] == "2026-12-01T09:00:00+09:00"
        version = PromiseVersion.objects.get()
        assert version.effective_from == datetime(2026, 12, 1, 9, tzinfo=TOKYO)

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ({"kind": "teleport", "name": "x"}, ("unknown_kind", "kind")),
            (
                {"kind": "handwritten_note", "name": "x", "params": {"min_lines": 0}},
                ("invalid_param", "params.min_lines"),
            ),
            (
                {"kind": "handwritten_note", "name": "x", "params": {"min_lines": "many"}},
                ("invalid_param", "params.min_lines"),
            ),
            (
                {"kind": "shipping_cutoff", "name": "x", "params": {"cutoff": "4pm"}},
                ("invalid_param", "params.cutoff"),
            ),
            (
                {"kind": "handwritten_note", "name": "x", "params": {"colour": "blue"}},
                ("invalid_param", "params.colour"),
            ),
            ({"kind": "reply_time", "name": "x", "params": [1]}, ("invalid_param", "params")),
            ({"kind": "reply_time"}, ("required", "name")),
            ({"name": "x"}, ("required", "kind")),
            (
                {"kind": "reply_time", "name": "x", "effective_from": "soon"},
                ("invalid_param", "effective_from"),
            ),
        ],
        ids=[
            "unknown-kind",
            "param-below-minimum",
            "param-not-a-number",
            "param-bad-time",
            "param-unknown",
            "params-not-an-object",
            "name-missing",
            "kind-missing",
            "bad-time",
        ],
    )
    def test_bad_input_is_400_with_code_and_field(self, api, body, expected):
        response = api.post(BASE, body, format="json")
        assert response.status_code == 400
        assert error(response) == expected
        assert Promise.objects.count() == 0

    def test_viewer_and_staff_cannot_create(self, viewer, staff):
        for user in (viewer, staff):
            response = client_for(user).post(
                BASE, {"kind": "reply_time", "name": "R"}, format="json"
            )
            assert response.status_code == 403
        assert Promise.objects.count() == 0

    def test_non_member_gets_404(self, shop, make_user):
        stranger = make_user("stranger")
        response = client_for(stranger).post(
            BASE, {"kind": "reply_time", "name": "R"}, format="json"
        )
        assert response.status_code == 404
        assert error(response) == ("not_found", None)


@pytest.mark.django_db
class TestPromiseListApi:
    def test_lists_promises_in_force_now_with_their_current_version(self, api, shop, manager, note):
        promise_edit(promise=note, params={"min_lines": 6}, reason="Busy", author=manager)
        promise_edit(
            promise=note,
            params={"min_lines": 12},
            reason="Next year",
            author=manager,
            effective_from=timezone.now() + timedelta(days=30),
        )
        later = promise_create(
            shop=shop,
            kind="reply_time",
            name="Later",
            params={},
            author=manager,
            effective_from=timezone.now() + timedelta(days=1),
        )
        retired = promise_create(shop=shop, kind="review_reply", name="Old", params={}, author=None)
        promise_retire(promise=retired, author=manager)
        response = api.get(BASE)
        assert response.status_code == 200
        body = response.json()
        assert [(p["name"], p["version"], p["params"]["min_lines"]) for p in body] == [
            ("Handwritten note", 2, 6)
        ]
        assert later.pk not in [p["id"] for p in body]

    def test_viewer_can_list(self, viewer, note):
        response = client_for(viewer).get(BASE)
        assert response.status_code == 200
        assert [p["id"] for p in response.json()] == [note.pk]

    def test_non_member_gets_404(self, note, make_user):
        response = client_for(make_user("stranger")).get(BASE)
        assert response.status_code == 404
        assert error(response)[0] == "not_found"


@pytest.mark.django_db
class TestPromiseDetailApi:
    def test_shows_the_version_in_force(self, api, note):
        response = api.get(f"{BASE}{note.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["version"], body["params"]["min_lines"]) == (note.pk, 1, 10)
        assert body["effective_from"] == "2026-01-01T00:00:00+09:00"

    def test_another_shops_promise_is_404(self, api, other_shop_promise):
        response = api.get(f"{BASE}{other_shop_promise.pk}/")
        assert response.status_code == 404
        assert error(response) == ("not_found", None)

    def test_viewer_can_read(self, viewer, note):
        response = client_for(viewer).get(f"{BASE}{note.pk}/")
        assert response.status_code == 200
        assert response.json()["name"] == "Handwritten note"


@pytest.mark.django_db
class TestPromiseEditApi:
    def test_partial_params_make_a_new_version_merged_over_the_current(self, api, manager, note):
        promise_edit(
            promise=note,
            params={"min_lines": 10, "drift_tolerance": 2},
            reason="Tolerance",
            author=manager,
        )
        response = api.patch(
            f"{BASE}{note.pk}/",
            {"params": {"min_lines": 5}, "reason": "Busy season"},
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert body["version"] == 3
        assert body["params"]["min_lines"] == 5
        assert body["params"]["drift_tolerance"] == 2
        assert list(note.versions.values_list("number", "params__min_lines")) == [
            (1, 10),
            (2, 10),
            (3, 5),
        ]

    def test_effective_from_is_accepted(self, api, note):
        response = api.patch(
            f"{BASE}{note.pk}/",
            {"params": {"min_lines": 7}, "reason": "x", "effective_from": "2027-01-01T00:00:00"},
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["effective_from"] == "2027-01-01T00:00:00+09:00"

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ({"params": {"min_lines": 5}}, ("required", "reason")),
            ({"params": {"min_lines": 5}, "reason": ""}, ("required", "reason")),
            ({"params": {"min_lines": -1}, "reason": "x"}, ("invalid_param", "params.min_lines")),
            ({"params": {"min_lines": 10}, "reason": "x"}, ("unchanged", "params")),
            (
                {"params": {"min_lines": 5}, "reason": "x", "effective_from": "2025-12-31T00:00"},
                ("effective_too_early", "effective_from"),
            ),
        ],
        ids=["reason-missing", "reason-blank", "bad-param", "unchanged", "effective-too-early"],
    )
    def test_bad_edits_are_400_and_write_nothing(self, api, note, body, expected):
        response = api.patch(f"{BASE}{note.pk}/", body, format="json")
        assert response.status_code == 400
        assert error(response) == expected
        assert note.versions.count() == 1

    def test_a_retired_promise_is_409(self, api, manager, note):
        promise_retire(promise=note, author=manager)
        response = api.patch(
            f"{BASE}{note.pk}/", {"params": {"min_lines": 5}, "reason": "x"}, format="json"
        )
        assert response.status_code == 409
        assert error(response) == ("promise_retired", None)

    def test_viewer_cannot_edit(self, viewer, note):
        response = client_for(viewer).patch(
            f"{BASE}{note.pk}/", {"params": {"min_lines": 5}, "reason": "x"}, format="json"
        )
        assert response.status_code == 403
        assert note.versions.count() == 1

    def test_another_shops_promise_is_404(self, api, other_shop_promise):
        response = api.patch(
            f"{BASE}{other_shop_promise.pk}/",
            {"params": {"within_business_hours": 1}, "reason": "x"},
            format="json",
        )
        assert response.status_code == 404
        assert other_shop_promise.versions.count() == 1


@pytest.mark.django_db
class TestPromiseVersionsApi:
    def test_lists_every_version_oldest_first(self, api, manager, note):
        promise_edit(promise=note, params={"min_lines": 6}, reason="Busy", author=manager)
        response = api.get(f"{BASE}{note.pk}/versions/")
        assert response.status_code == 200
        body = response.json()
        assert [(v["number"], v["params"]["min_lines"], v["reason"]) for v in body] == [
            (1, 10, ""),
            (2, 6, "Busy"),
        ]
        assert [v["author"] for v in body] == ["manager1", "manager1"]
        assert body[0]["effective_from"] == "2026-01-01T00:00:00+09:00"
        assert "created_at" in body[1]

    def test_a_version_without_author_shows_null(self, api, shop):
        promise = promise_create(shop=shop, kind="reply_time", name="R", params={}, author=None)
        response = api.get(f"{BASE}{promise.pk}/versions/")
        assert [v["author"] for v in response.json()] == [None]

    def test_viewer_can_read_and_others_shop_is_404(self, viewer, note, other_shop_promise):
        client = client_for(viewer)
        assert client.get(f"{BASE}{note.pk}/versions/").status_code == 200
        response = client.get(f"{BASE}{other_shop_promise.pk}/versions/")
        assert response.status_code == 404


def repeat_customer(shop, promise, name, *, best, orders=2):
    customer = Customer.objects.create(shop=shop, external_id=name)
    Occasion.objects.bulk_create(
        Occasion(
            shop=shop,
            customer=customer,
            external_id=f"{name}-{index}",
            kind="order_placed",
            occurred_at=timezone.now(),
            content_hash=hashlib.sha256(f"{name}-{index}".encode()).hexdigest(),
        )
        for index in range(orders)
    )
    Commitment.objects.create(
        shop=shop, customer=customer, promise=promise, best_level=best, last_level=best, count=2
    )


@pytest.mark.django_db
class TestPromiseImpactApi:
    def test_reports_repeat_customers_above_the_new_level_and_stores_nothing(self, api, shop, note):
        repeat_customer(shop, note, "above", best=10)
        repeat_customer(shop, note, "at-new-level", best=5)
        repeat_customer(shop, note, "one-order", best=12, orders=1)
        response = api.post(f"{BASE}{note.pk}/impact/", {"params": {"min_lines": 5}}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert body["lowers"] is True
        assert body["repeat_customers_above_new_level"] == 1
        assert body["customers"] == [
            {"customer": "above", "best_level": 10.0, "last_level": 10.0, "orders": 2}
        ]
        assert note.versions.count() == 1

    def test_raising_does_not_lower(self, api, note):
        response = api.post(
            f"{BASE}{note.pk}/impact/", {"params": {"min_lines": 12}}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["lowers"] is False
        assert response.json()["repeat_customers_above_new_level"] == 0

    def test_bad_param_is_400(self, api, note):
        response = api.post(f"{BASE}{note.pk}/impact/", {"params": {"min_lines": 0}}, format="json")
        assert response.status_code == 400
        assert error(response) == ("invalid_param", "params.min_lines")

    def test_viewer_cannot_preview_and_other_shop_is_404(
        self, viewer, api, note, other_shop_promise
    ):
        response = client_for(viewer).post(
            f"{BASE}{note.pk}/impact/", {"params": {"min_lines": 5}}, format="json"
        )
        assert response.status_code == 403
        response = api.post(f"{BASE}{other_shop_promise.pk}/impact/", {"params": {}}, format="json")
        assert response.status_code == 404


@pytest.mark.django_db
class TestPromiseRetireApi:
    def test_retires_keeps_history_and_leaves_the_list(self, api, note):
        response = api.delete(f"{BASE}{note.pk}/")
        assert response.status_code == 204
        note.refresh_from_db()
        assert note.retired_at is not None
        assert note.versions.count() == 1
        assert api.get(BASE).json() == []
        detail = api.get(f"{BASE}{note.pk}/").json()
        assert detail["retired_at"] is not None
        assert len(api.get(f"{BASE}{note.pk}/versions/").json()) == 1
        assert AuditEntry.objects.filter(event="promise.retired").count() == 1

    def test_retiring_twice_is_409(self, api, note):
        api.delete(f"{BASE}{note.pk}/")
        response = api.delete(f"{BASE}{note.pk}/")
        assert response.status_code == 409
        assert error(response) == ("promise_retired", None)

    def test_staff_cannot_retire(self, staff, note):
        response = client_for(staff).delete(f"{BASE}{note.pk}/")
        assert response.status_code == 403
        note.refresh_from_db()
        assert note.retired_at is None

    def test_another_shops_promise_is_404(self, api, other_shop_promise):
        response = api.delete(f"{BASE}{other_shop_promise.pk}/")
        assert response.status_code == 404
        other_shop_promise.refresh_from_db()
        assert other_shop_promise.retired_at is None


@pytest.mark.django_db
class TestSchema:
    def test_every_promise_operation_is_in_the_openapi_schema(self, api):
        response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        operations = {
            op["operationId"]
            for path in response.json()["paths"].values()
            for op in path.values()
            if isinstance(op, dict) and "operationId" in op
        }
        assert operations >= {
            "promise_kind_list",
            "promise_list",
            "promise_create",
            "promise_detail",
            "promise_edit",
            "promise_retire",
            "promise_version_list",
            "promise_impact",
        }
