"""The project's foundation: health endpoint, real Redis jobs, settings, API schema."""

import uuid

import django_rq
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import override_settings
from rest_framework.exceptions import ErrorDetail, ValidationError

from config.api_errors import ApiError, exception_handler
from tests import jobs_for_tests


@pytest.mark.django_db
class TestHealth:
    def test_health_reports_database_and_redis_ok(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")

    def test_health_names_redis_when_it_is_down_but_stays_ready(self, client):
        # Ingest works without Redis: a load balancer must keep the web process (issue 16).
        queues = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 5}}
        with override_settings(RQ_QUEUES=queues):
            response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["database"] == "ok"
        assert body["redis"].startswith("down")
        assert body["status"] == "degraded"


class TestJobs:
    def test_job_enqueued_through_django_rq_runs_on_a_real_worker(self, rq_queue, run_worker):
        key = f"tsuzuku-test:{uuid.uuid4()}"
        job = django_rq.enqueue(jobs_for_tests.remember, key, "done")
        assert rq_queue.count == 1
        run_worker()
        job.refresh()
        assert job.is_finished
        assert job.return_value() == "done"
        connection = rq_queue.connection
        assert connection.get(key) == b"done"
        connection.delete(key)
        assert rq_queue.count == 0


class TestSettings:
    def test_time_zone_language_and_redis_db_of_the_tests(self):
        assert settings.TIME_ZONE == "Asia/Tokyo"
        assert settings.USE_TZ is True
        assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]
        # The tests never share a Redis db with a running app (db 0).
        assert not settings.RQ_QUEUES["default"]["URL"].endswith("/0")


@pytest.mark.django_db
class TestSchema:
    def test_openapi_schema_is_served(self, api):
        response = api.get("/api/v1/schema/")
        assert response.status_code == 200
        assert b"openapi" in response.content


class TestApiErrors:
    @pytest.mark.parametrize(
        ("raised", "status", "code"),
        [
            pytest.param(
                PermissionDenied("needs manager"), 403, "permission_denied", id="django-403"
            ),
            pytest.param(Http404("gone"), 404, "not_found", id="django-404"),
            pytest.param(
                ApiError(code="conflict", message="taken", field="slug", status_code=409),
                409,
                "conflict",
                id="api-error",
            ),
        ],
    )
    def test_every_error_is_rendered_in_the_contract_shape(self, raised, status, code):
        response = exception_handler(raised, {})
        assert response.status_code == status
        assert response.data["errors"][0]["code"] == code
        assert set(response.data["errors"][0]) == {"code", "field", "message"}

    def test_nested_validation_errors_name_the_field_path(self):
        error = ValidationError(
            {"params": {"min_lines": [ErrorDetail("Too low.", code="min_value")]}}
        )
        response = exception_handler(error, {})
        assert response.data == {
            "errors": [{"code": "min_value", "field": "params.min_lines", "message": "Too low."}]
        }
