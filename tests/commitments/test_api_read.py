"""GET findings (filters, pages, shape) and a customer's commitments, with error bodies."""

import pytest
from rest_framework.test import APIClient

from commitments.models import Finding, FindingStatus

from .conftest import at

FINDINGS = "/api/v1/shops/kobo/findings/"


def commitments_url(customer):
    return f"/api/v1/shops/kobo/customers/{customer}/commitments/"


@pytest.fixture
def as_viewer(viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 5}, name="手書きメッセージ")


@pytest.fixture
def history(log, note_promise):
    """C-1: 10 lines in May, 6 in week 47 (drift); C-2: 3 lines on Monday of week 48, 00:30."""
    log.occasion("O-1", "C-1", "order_placed", at("2026-05-11 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-05-12 10:00"), occasion="O-1", lines=10)
    log.occasion("O-2", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
    log.action("N-2", "C-1", "note_enclosed", at("2026-11-17 10:00"), occasion="O-2", lines=6)
    log.occasion("O-3", "C-2", "order_placed", at("2026-11-20 10:00"), total=5000)
    log.action("N-3", "C-2", "note_enclosed", at("2026-11-23 00:30"), occasion="O-3", lines=3)


def ids(response):
    return [finding["action"] for finding in response.json()["results"]]


class TestFindingListApi:
    def test_finding_has_the_contract_shape(self, as_viewer, history, note_promise):
        response = as_viewer.get(FINDINGS, {"type": "drift"})
        assert response.status_code == 200
        [finding] = response.json()["results"]
        stored = Finding.objects.get(type="drift")
        assert finding == {
            "id": stored.pk,
            "type": "drift",
            "excused": False,
            "status": "open",
            "promise": {"id": note_promise.pk, "kind": "handwritten_note", "version": 1},
            "customer": "C-1",
            "action": "N-2",
            "occasion": "O-2",
            "occurred_at": "2026-11-17T10:00:00+09:00",
            "message_ja": stored.message_ja,
            "message_en": stored.message_en,
            "details": {"lines": 6, "min_lines": 5, "customer_last": 10, "customer_best": 10},
            "created_at": finding["created_at"],
            "public": None,
        }
        assert finding["created_at"].endswith("+09:00")

    def test_newest_first_and_paginated(self, as_viewer, history):
        response = as_viewer.get(FINDINGS, {"page_size": 1})
        body = response.json()
        assert body["count"] == 2
        assert ids(response) == ["N-3"]
        assert body["next"] is not None
        assert ids(as_viewer.get(body["next"])) == ["N-2"]

    def test_the_count_is_bounded_and_every_page_still_follows(
        self, as_viewer, history, monkeypatch
    ):
        assert as_viewer.get(FINDINGS).json()["count_more"] is False
        monkeypatch.setattr("commitments.api.COUNT_MAX", 1)
        body = as_viewer.get(FINDINGS, {"page_size": 1}).json()
        assert (body["count"], body["count_more"]) == (1, True)
        assert [f["action"] for f in body["results"]] == ["N-3"]
        second = as_viewer.get(body["next"]).json()
        assert [f["action"] for f in second["results"]] == ["N-2"]
        assert second["next"] is None and second["previous"] is not None
        assert as_viewer.get(FINDINGS, {"page_size": 1, "page": 3}).status_code == 404
        assert as_viewer.get(FINDINGS, {"page_size": 1, "page": "x"}).status_code == 404
        monkeypatch.setattr("commitments.api.COUNT_MAX", 2)
        body = as_viewer.get(FINDINGS, {"page_size": 1}).json()
        assert (body["count"], body["count_more"]) == (2, False)
        assert as_viewer.get(FINDINGS, {"page_size": 1, "page": 3}).status_code == 404

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param({}, ["N-3", "N-2"], id="all"),
            pytest.param({"type": "breach"}, ["N-3"], id="type"),
            pytest.param({"customer": "C-1"}, ["N-2"], id="customer"),
            pytest.param({"week": "2026-W47"}, ["N-2"], id="week-47"),
            pytest.param({"week": "2026-W48"}, ["N-3"], id="week-48-starts-monday-shop-time"),
            pytest.param({"week": "2026-W46"}, [], id="empty-week"),
            pytest.param({"status": "acknowledged"}, ["N-2"], id="status"),
            pytest.param({"excused": "false"}, ["N-3", "N-2"], id="not-excused"),
            pytest.param({"type": "drift", "customer": "C-2"}, [], id="combined"),
            pytest.param({"type": ""}, ["N-3", "N-2"], id="blank-is-no-filter"),
        ],
    )
    def test_filters(self, as_viewer, history, query, expected):
        Finding.objects.filter(action__external_id="N-2").update(status=FindingStatus.ACKNOWLEDGED)
        response = as_viewer.get(FINDINGS, query)
        assert response.status_code == 200
        assert ids(response) == expected

    def test_promise_filter(self, as_viewer, history, note_promise, make_promise):
        other = make_promise("shipping_cutoff")
        assert ids(as_viewer.get(FINDINGS, {"promise": note_promise.pk})) == ["N-3", "N-2"]
        assert ids(as_viewer.get(FINDINGS, {"promise": other.pk})) == []

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            pytest.param({"week": "2026-47"}, "week", id="week-format"),
            pytest.param({"week": "2026-W54"}, "week", id="week-54"),
            pytest.param({"type": "bad"}, "type", id="type"),
            pytest.param({"status": "closed"}, "status", id="status"),
            pytest.param({"promise": "first"}, "promise", id="promise"),
            pytest.param({"excused": "maybe"}, "excused", id="excused"),
        ],
    )
    def test_bad_filter_is_400_invalid_param(self, as_viewer, shop, query, field):
        response = as_viewer.get(FINDINGS, query)
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert (error["code"], error["field"]) == ("invalid_param", field)

    def test_non_member_gets_404(self, shop, make_user):
        client = APIClient()
        client.force_authenticate(make_user("outsider"))
        response = client.get(FINDINGS)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_findings_of_other_shops_are_not_listed(self, as_viewer, history, make_user):
        from commitments import services
        from policies.models import Shop

        other = Shop.objects.create(slug="other", name="Other")
        services.occasion_record(
            shop=other,
            external_id="X",
            customer="C-1",
            kind="order_placed",
            occurred_at="2026-11-16 10:00",
            attributes={},
        )
        assert as_viewer.get(FINDINGS).json()["count"] == 2


class TestCustomerCommitmentListApi:
    def test_commitments_have_the_contract_shape(self, as_viewer, history, note_promise):
        response = as_viewer.get(commitments_url("C-1"))
        assert response.status_code == 200
        assert response.json() == [
            {
                "promise": {
                    "id": note_promise.pk,
                    "kind": "handwritten_note",
                    "name": "手書きメッセージ",
                },
                "kind": "handwritten_note",
                "last_level": 6.0,
                "best_level": 10.0,
                "count": 2,
                "first_at": "2026-05-12T10:00:00+09:00",
                "last_at": "2026-11-17T10:00:00+09:00",
                "precedents": [],
            }
        ]

    def test_precedents_are_listed(self, as_viewer, log, make_promise):
        make_promise("handwritten_note", {"min_lines": 5, "precedent_above": 3})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-17 10:00"), occasion="O-1", lines=12)
        [commitment] = as_viewer.get(commitments_url("C-1")).json()
        assert commitment["precedents"] == [
            {"action": "N-1", "at": "2026-11-17T10:00:00+09:00", "what": "long_note", "lines": 12}
        ]

    def test_customer_without_commitments_gets_an_empty_list(self, as_viewer, log, shop):
        log.occasion("O-1", "C-9", "order_placed", at("2026-11-16 10:00"))
        response = as_viewer.get(commitments_url("C-9"))
        assert (response.status_code, response.json()) == (200, [])

    def test_unknown_customer_is_404_not_found(self, as_viewer, shop):
        response = as_viewer.get(commitments_url("nobody"))
        assert response.status_code == 404
        [error] = response.json()["errors"]
        assert (error["code"], error["field"]) == ("not_found", "customer")
