"""POST .../log/: many records per request, per-record answers, constant queries, judged later."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.bulk import MAX_RECORDS
from commitments.models import Action, Finding, Occasion, UnjudgedAction

LOG = "/api/v1/shops/kobo/log/"


def order(external_id="O-1", customer="C-1", **overrides):
    body = {
        "type": "occasion",
        "external_id": external_id,
        "customer": customer,
        "kind": "order_placed",
        "occurred_at": "2026-11-20T10:00:00+09:00",
        "attributes": {"total": 7200, "gift": False},
    }
    body.update(overrides)
    return body


def note(external_id="N-1", customer="C-1", occasion="O-1", lines=6, **overrides):
    body = {
        "type": "action",
        "external_id": external_id,
        "customer": customer,
        "kind": "note_enclosed",
        "occurred_at": "2026-11-21 10:00",
        "occasion": occasion,
        "attributes": {"lines": lines},
    }
    body.update(overrides)
    return body


def statuses(response):
    return [(r["external_id"], r["status"]) for r in response.json()["results"]]


class TestLogBulkRecordApi:
    def test_every_record_is_answered_in_the_order_sent(self, api):
        api.post(LOG, {"records": [order("O-0")]}, format="json")
        response = api.post(
            LOG,
            {
                "records": [
                    note("N-1", occasion="O-1"),  # before its occasion: linked all the same
                    order("O-1"),
                    order("O-0"),  # stored as sent
                    order("O-0", attributes={"total": 1}),  # other content
                    order("O-2", kind="order_cancelled"),
                    {"external_id": "X-1", "customer": "C-1"},
                    "not an object",
                ]
            },
            format="json",
        )
        assert response.status_code == 200
        assert statuses(response) == [
            ("N-1", "created"),
            ("O-1", "created"),
            ("O-0", "duplicate"),
            ("O-0", "conflict"),
            ("O-2", "invalid"),
            ("X-1", "invalid"),
            (None, "invalid"),
        ]
        results = response.json()["results"]
        assert [(e["code"], e["field"]) for e in results[3]["errors"]] == [
            ("conflict", "external_id")
        ]
        assert [(e["code"], e["field"]) for e in results[4]["errors"]] == [("unknown_kind", "kind")]
        assert [(e["code"], e["field"]) for e in results[5]["errors"]] == [("required", "type")]
        assert results[6]["errors"][0]["code"] == "invalid_param"
        assert "errors" not in results[0]
        action = Action.objects.get(external_id="N-1")
        assert action.occasion.external_id == "O-1"
        assert action.judged_at is None
        assert Occasion.objects.count() == 2

    def test_missing_fields_of_a_record_name_the_field(self, api):
        response = api.post(
            LOG, {"records": [{"type": "action", "external_id": "N-9"}]}, format="json"
        )
        [result] = response.json()["results"]
        assert result["status"] == "invalid"
        assert sorted(e["field"] for e in result["errors"]) == ["customer", "kind", "occurred_at"]
        assert {e["code"] for e in result["errors"]} == {"required"}

    def test_the_same_request_again_is_all_duplicates(self, api):
        body = {"records": [order("O-1"), note("N-1"), note("N-2", lines=8)]}
        first = api.post(LOG, body, format="json")
        again = api.post(LOG, body, format="json")
        assert [s for _, s in statuses(first)] == ["created"] * 3
        assert [s for _, s in statuses(again)] == ["duplicate"] * 3
        assert Action.objects.count() == 2

    def test_an_exception_is_stored_with_who_asked(self, api, manager):
        body = {"records": [order(), note(exception={"reason": "goodwill", "note": "rush"})]}
        api.post(LOG, body, format="json")
        exception = Action.objects.get().exception
        assert (exception.reason, exception.requested_by) == ("goodwill", manager)

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "required", id="no-records"),
            pytest.param({"records": {"a": 1}}, "invalid_param", id="not-a-list"),
            pytest.param({"records": [order()] * (MAX_RECORDS + 1)}, "invalid_param", id="1001"),
        ],
    )
    def test_a_bad_request_is_400_and_stores_nothing(self, api, body, code):
        response = api.post(LOG, body, format="json")
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert (error["code"], error["field"]) == (code, "records")
        assert Occasion.objects.count() == 0

    def test_a_thousand_records_are_accepted(self, api):
        records = [order(f"O-{i}", customer=f"C-{i % 50}") for i in range(MAX_RECORDS)]
        response = api.post(LOG, {"records": records}, format="json")
        assert response.status_code == 200
        assert [s for _, s in statuses(response)] == ["created"] * MAX_RECORDS
        assert Occasion.objects.count() == MAX_RECORDS

    def test_the_number_of_queries_does_not_grow_with_the_records(self, api):
        def queries(prefix, count):
            records = []
            for i in range(count):
                records += [
                    order(f"{prefix}O-{i}", customer=f"{prefix}C-{i}"),
                    note(f"{prefix}N-{i}", customer=f"{prefix}C-{i}", occasion=f"{prefix}O-{i}"),
                ]
            with CaptureQueriesContext(connection) as captured:
                response = api.post(LOG, {"records": records}, format="json")
            assert response.status_code == 200
            return len(captured)

        # 50 pairs stay under SQLite's bind-parameter limit, where bulk_create splits inserts.
        assert queries("a", 5) == queries("b", 50)

    def test_actions_are_judged_in_the_background(
        self, api, make_promise, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        make_promise("handwritten_note", {"min_lines": 10})
        with django_capture_on_commit_callbacks(execute=True):
            api.post(LOG, {"records": [order(), note(lines=4)]}, format="json")
        assert rq_queue.count == 1
        assert Finding.objects.count() == 0
        run_worker()
        finding = Finding.objects.get()
        assert (finding.type, finding.action.external_id) == ("breach", "N-1")
        assert Action.objects.get().judged_at is not None

    def test_an_occasion_arriving_later_queues_its_waiting_action(
        self, api, rq_queue, django_capture_on_commit_callbacks
    ):
        api.post(LOG, {"records": [note()]}, format="json")
        UnjudgedAction.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            api.post(LOG, {"records": [order()]}, format="json")
        action = Action.objects.get()
        assert action.occasion is not None and action.judged_at is None
        [job] = rq_queue.jobs
        assert job.args == ([action.pk],)

    def test_viewers_may_not_log(self, viewer):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(viewer)
        response = client.post(LOG, {"records": [order()]}, format="json")
        assert response.status_code == 403
        assert Occasion.objects.count() == 0

    def test_the_endpoint_is_in_the_openapi_schema(self, api):
        schema = api.get("/api/v1/schema/", {"format": "json"}).json()
        operation = schema["paths"]["/api/v1/shops/{shop}/log/"]["post"]
        assert operation["operationId"] == "log_bulk_record"
        assert set(operation["responses"]) >= {"200", "400", "404"}
