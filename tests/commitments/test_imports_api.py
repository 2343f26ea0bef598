"""The imports API: upload (202), progress and errors, limits, and other shops."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Role
from commitments.models import Import, ImportStatus
from policies.models import Shop

from .import_support import action, csv_bytes, order

IMPORTS = "/api/v1/shops/kobo/imports/"


def upload(data: bytes, name: str = "log.csv", content_type: str = "text/csv"):
    return {"file": SimpleUploadedFile(name, data, content_type=content_type)}


def good_file() -> bytes:
    return csv_bytes(
        [order(), action("shipped", "A-1"), order("O-2", total="lots"), order(), order("O-3")]
    )


@pytest.mark.django_db
class TestImportCreateApi:
    def test_an_upload_is_accepted_with_202_and_queued(
        self, api, rq_queue, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(IMPORTS, upload(good_file()), format="multipart")
        assert response.status_code == 202
        body = response.json()
        imp = Import.objects.get()
        assert (body["id"], body["status"], body["filename"]) == (imp.pk, "queued", "log.csv")
        assert body["counts"] == {"rows": 0, "stored": 0, "duplicates": 0, "rejected": 0}
        assert body["progress"] == 0
        assert [rq_queue.fetch_job(i).func_name for i in rq_queue.job_ids] == [
            "commitments.jobs.import_process"
        ]
        assert imp.created_by.username == "manager1"

    def test_the_worker_runs_it_and_the_detail_shows_counts_and_row_errors(
        self, api, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            created = api.post(IMPORTS, upload(good_file()), format="multipart").json()
        run_worker()
        response = api.get(f"{IMPORTS}{created['id']}/")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "done"
        assert body["encoding"] == "utf-8"
        assert body["progress"] == 1
        assert body["counts"] == {"rows": 5, "stored": 3, "duplicates": 1, "rejected": 1}
        assert body["errors"] == [
            {
                "row": 4,
                "column": "total",
                "code": "invalid_attribute",
                "message": body["errors"][0]["message"],
            }
        ]
        assert "lots" in body["errors"][0]["message"]
        assert body["warnings"] == []
        assert body["finished_at"] is not None

    def test_the_list_shows_the_latest_imports(self, api, shop):
        Import.objects.create(shop=shop, filename="a.csv", status=ImportStatus.DONE, rows=3)
        response = api.get(IMPORTS)
        assert response.status_code == 200
        assert [(i["filename"], i["counts"]["rows"]) for i in response.json()] == [("a.csv", 3)]

    @pytest.mark.parametrize(
        ("data", "name", "status", "code"),
        [
            pytest.param(b"PK\x03\x04xlsx", "log.xlsx", 400, "not_csv", id="xlsx name"),
            pytest.param(b"PK\x03\x04xlsx", "log.csv", 400, "not_csv", id="xlsx renamed .csv"),
            pytest.param(b"", "log.csv", 400, "empty_file", id="empty"),
            pytest.param(b"x" * 2000, "log.csv", 413, "too_large", id="over the limit"),
        ],
    )
    def test_files_that_cannot_be_imported_are_refused_with_a_code(
        self, api, settings, data, name, status, code
    ):
        settings.IMPORT_MAX_BYTES = 1000
        response = api.post(IMPORTS, upload(data, name=name), format="multipart")
        assert response.status_code == status
        assert [(e["code"], e["field"]) for e in response.json()["errors"]] == [(code, "file")]
        assert Import.objects.count() == 0

    def test_a_missing_file_is_a_required_field(self, api):
        response = api.post(IMPORTS, {}, format="multipart")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "file"
        assert response.json()["errors"][0]["code"] == "required"


@pytest.mark.django_db
class TestImportAccess:
    def test_another_shops_import_is_404(self, api, make_user):
        other = Shop.objects.create(slug="other", name="Other")
        make_user("m2", shop=other, role=Role.MANAGER)
        theirs = Import.objects.create(shop=other, filename="theirs.csv")
        response = api.get(f"{IMPORTS}{theirs.pk}/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_a_viewer_may_not_import(self, viewer):
        client = APIClient()
        client.force_authenticate(viewer)
        response = client.post(IMPORTS, upload(good_file()), format="multipart")
        assert response.status_code == 403
        assert Import.objects.count() == 0

    def test_the_schema_documents_the_upload(self, api):
        schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
        post = schema["paths"]["/api/v1/shops/{shop}/imports/"]["post"]
        assert "multipart/form-data" in post["requestBody"]["content"]
        assert "202" in post["responses"]
