"""The import pages: upload form with the columns, progress page, status JSON, example file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.imports import column_names
from commitments.models import Import, ImportStatus

from .import_support import csv_bytes, order


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def url(name, **kwargs):
    return reverse(f"commitments:{name}", kwargs={"shop": "kobo", **kwargs})


@pytest.mark.django_db
class TestImportListPage:
    def test_the_page_documents_every_column_and_links_the_example(self, staff_client):
        response = staff_client.get(url("import-list"))
        assert response.status_code == 200
        page = response.content.decode()
        for name in column_names():
            assert f"<code>{name}</code>" in page
        assert url("import-example") in page
        assert 'enctype="multipart/form-data"' in page

    def test_an_upload_is_queued_and_redirects_to_its_page(
        self, staff_client, staff, rq_queue, django_capture_on_commit_callbacks
    ):
        upload = SimpleUploadedFile("orders.csv", csv_bytes([order()]), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(url("import-list"), {"file": upload})
        imp = Import.objects.get()
        assert response.status_code == 302
        assert response["Location"] == url("import-detail", import_id=imp.pk)
        assert (imp.status, imp.filename, imp.created_by) == (
            ImportStatus.QUEUED,
            "orders.csv",
            staff,
        )
        assert rq_queue.count == 1

    @pytest.mark.parametrize(
        ("name", "data", "shown"),
        [
            pytest.param("orders.xlsx", b"PK\x03\x04", "Upload a .csv file", id="not .csv"),
            pytest.param("orders.csv", b"PK\x03\x04", "Excel workbook", id="xlsx inside"),
            pytest.param("orders.csv", b"x" * 600, "the limit is 500 bytes", id="too large"),
        ],
    )
    def test_a_file_that_cannot_be_imported_is_refused_with_a_reason(
        self, staff_client, settings, name, data, shown
    ):
        settings.IMPORT_MAX_BYTES = 500
        upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        response = staff_client.post(url("import-list"), {"file": upload})
        assert response.status_code == 400
        assert shown in response.content.decode()
        assert Import.objects.count() == 0

    def test_past_imports_are_listed(self, staff_client, shop):
        Import.objects.create(shop=shop, filename="june.csv", status=ImportStatus.DONE, rows=7)
        page = staff_client.get(url("import-list")).content.decode()
        assert "june.csv" in page


@pytest.mark.django_db
class TestImportDetailPage:
    def test_a_running_import_polls_its_status_with_a_nonced_script(self, staff_client, shop):
        imp = Import.objects.create(
            shop=shop, filename="big.csv", size=1000, bytes_read=250, status=ImportStatus.RUNNING
        )
        response = staff_client.get(url("import-detail", import_id=imp.pk))
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-finished="0"' in page
        assert url("import-status", import_id=imp.pk) in page
        nonce = response.wsgi_request.csp_nonce
        assert f'<script nonce="{nonce}">' in page
        assert 'id="import-percent">25<' in page

    def test_a_finished_import_lists_its_rejected_rows(self, staff_client, shop):
        imp = Import.objects.create(
            shop=shop,
            filename="done.csv",
            status=ImportStatus.DONE,
            rows=2,
            stored=1,
            rejected=1,
            errors=[{"row": 3, "column": "total", "code": "invalid_attribute", "message": "bad"}],
        )
        page = staff_client.get(url("import-detail", import_id=imp.pk)).content.decode()
        assert 'data-finished="1"' in page
        assert "<code>invalid_attribute</code>" in page
        assert "<td>3</td>" in page

    def test_the_status_json_has_progress_and_counts(self, staff_client, shop):
        imp = Import.objects.create(
            shop=shop,
            filename="big.csv",
            size=400,
            bytes_read=100,
            rows=10,
            stored=9,
            rejected=1,
            status=ImportStatus.RUNNING,
        )
        body = staff_client.get(url("import-status", import_id=imp.pk)).json()
        assert body["progress"] == 0.25
        assert body["finished"] is False
        assert body["counts"] == {"rows": 10, "stored": 9, "duplicates": 0, "rejected": 1}

    def test_the_example_file_downloads_as_csv(self, staff_client):
        response = staff_client.get(url("import-example"))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert text.startswith("type,external_id,customer")


@pytest.mark.django_db
class TestDryRun:
    def test_a_check_counts_and_shows_errors_stores_nothing_then_confirm_imports(
        self, staff_client, staff, rq_queue, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        from commitments.models import Occasion

        settings.MEDIA_ROOT = str(tmp_path)
        rows = [order("O-1"), order("O-2"), order("O-3", when="not a time")]
        upload = SimpleUploadedFile("orders.csv", csv_bytes(rows), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = staff_client.post(url("import-list"), {"file": upload, "op": "check"})
        assert response.status_code == 200
        check = response.context["check"]
        assert (check["rows"], check["stored"], check["rejected"]) == (3, 2, 1)
        assert check["errors"][0]["row"] == 4
        assert "nothing was stored" in response.content.decode()
        # Nothing stored, nothing queued.
        assert Import.objects.count() == 0 and Occasion.objects.count() == 0
        assert callbacks == [] and rq_queue.count == 0

        with django_capture_on_commit_callbacks(execute=True):
            confirmed = staff_client.post(url("import-list"), {"op": "confirm"})
        imp = Import.objects.get()
        assert confirmed["Location"] == url("import-detail", import_id=imp.pk)
        assert (imp.filename, imp.size, imp.created_by) == ("orders.csv", upload.size, staff)
        assert rq_queue.count == 1
        # The checked copy is gone; confirming again has nothing to import.
        assert not list((tmp_path / "import-checks").iterdir())
        again = staff_client.post(url("import-list"), {"op": "confirm"})
        assert again.status_code == 302 and Import.objects.count() == 1
