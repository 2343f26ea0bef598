"""Uploads kept in the database, deleted after their import; heartbeats; dead workers."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from commitments import imports, sweeper
from commitments.models import Import, ImportChunk, ImportStatus, Occasion

from .import_support import csv_bytes, order


def orders(count: int) -> bytes:
    return csv_bytes([order(f"O-{n}", f"C-{n}") for n in range(count)])


class Died(BaseException):
    """Stands for a worker killed in the middle of an import."""


@pytest.fixture
def small_chunks(settings):
    settings.IMPORT_CHUNK_BYTES = 100
    return settings


def upload(shop, data: bytes, name="log.csv") -> Import:
    return imports.import_create(shop=shop, upload=SimpleUploadedFile(name, data), max_bytes=10**6)


@pytest.mark.django_db
class TestUploadStorage:
    def test_the_upload_is_kept_in_the_database_in_chunks(self, shop, small_chunks, tmp_path):
        small_chunks.MEDIA_ROOT = str(tmp_path)
        data = orders(12)
        imp = upload(shop, data)
        chunks = list(ImportChunk.objects.filter(import_ref=imp).order_by("index"))
        assert len(chunks) == -(-len(data) // 100)
        assert b"".join(bytes(chunk.data) for chunk in chunks) == data
        assert not imp.file
        assert list(tmp_path.iterdir()) == []  # nothing on this machine's disk

    @pytest.mark.parametrize("size", [1, 7, 100, 101, 4096, -1], ids=lambda s: f"read({s})")
    def test_the_chunk_reader_gives_the_bytes_back_whatever_the_read_size(
        self, shop, small_chunks, size
    ):
        data = orders(9)
        imp = upload(shop, data)
        reader = imports.ChunkReader(imp.pk)
        parts = []
        while part := reader.read(size):
            parts.append(part)
            if size > 0:
                assert len(part) <= size
        assert b"".join(parts) == data

    def test_the_worker_imports_from_the_database_and_deletes_the_file(
        self, shop, small_chunks, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            imp = upload(shop, orders(12))
        assert ImportChunk.objects.filter(import_ref=imp).count() > 1
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
        imp.refresh_from_db()
        assert (imp.status, imp.rows, imp.stored) == (ImportStatus.DONE, 12, 12)
        assert imp.heartbeat_at is not None
        # APPI: the rows are what is kept, not the uploaded file.
        assert ImportChunk.objects.filter(import_ref=imp).count() == 0
        assert Occasion.objects.filter(shop=shop).count() == 12

    def test_a_failed_import_deletes_its_file_too(
        self, shop, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            imp = upload(shop, b"type,external_id\noccasion,O-1\n")
        run_worker()
        imp.refresh_from_db()
        assert imp.status == ImportStatus.FAILED
        assert imp.errors[0]["code"] == "missing_column"
        assert ImportChunk.objects.filter(import_ref=imp).count() == 0


@pytest.mark.django_db
class TestDeadWorker:
    def start_and_die(self, shop, *, rows: int, die_after_batches: int = 1) -> Import:
        """Return an import whose worker recorded some batches, then died (no clean-up)."""
        imp = upload(shop, orders(rows))
        Import.objects.filter(pk=imp.pk).update(status=ImportStatus.RUNNING)
        imp.refresh_from_db()
        batches = []

        def progress(current):
            batches.append(current.rows)
            if len(batches) == die_after_batches:
                raise Died

        with pytest.raises(Died):
            imports.import_run(
                imp=imp, stream=imports.ChunkReader(imp.pk), batch_rows=5, on_progress=progress
            )
        imp.refresh_from_db()
        return imp

    def test_each_batch_beats_the_heartbeat_with_its_counts(self, shop):
        imp = self.start_and_die(shop, rows=12)
        assert (imp.status, imp.rows, imp.stored) == (ImportStatus.RUNNING, 5, 5)
        assert timezone.now() - imp.heartbeat_at < timedelta(seconds=30)

    def test_the_sweeper_resumes_from_the_row_reached_and_counts_each_row_once(
        self, shop, rq_queue, run_worker, django_capture_on_commit_callbacks
    ):
        imp = self.start_and_die(shop, rows=12)
        alive = sweeper.sweep(now=imp.heartbeat_at + timedelta(seconds=60))
        assert alive.resumed_imports == 0
        later = imp.heartbeat_at + timedelta(minutes=4)
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeper.sweep(now=later).resumed_imports == 1
        imp.refresh_from_db()
        assert (imp.status, imp.resumes) == (ImportStatus.QUEUED, 1)
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
        imp.refresh_from_db()
        # The 5 rows of the dead run are not read again: no duplicates, nothing twice.
        assert (imp.status, imp.rows, imp.stored, imp.duplicates) == (
            ImportStatus.DONE,
            12,
            12,
            0,
        )
        assert Occasion.objects.filter(shop=shop).count() == 12
        assert ImportChunk.objects.filter(import_ref=imp).count() == 0

    @override_settings(IMPORT_RESUMES_MAX=0)
    def test_an_import_that_cannot_be_resumed_fails_with_the_row_it_reached(self, shop):
        imp = self.start_and_die(shop, rows=12)
        result = sweeper.sweep(now=imp.heartbeat_at + timedelta(minutes=4))
        assert (result.resumed_imports, result.failed_imports) == (0, 1)
        imp.refresh_from_db()
        assert imp.status == ImportStatus.FAILED
        assert (imp.errors[0]["code"], imp.errors[0]["row"]) == ("worker_lost", 6)
        assert imp.finished_at is not None
        assert ImportChunk.objects.filter(import_ref=imp).count() == 0

    def test_a_dead_import_no_longer_holds_back_the_shops_overdue_findings(self, shop):
        imp = self.start_and_die(shop, rows=12)
        Import.objects.filter(pk=imp.pk).update(resumes=99)
        sweeper.sweep(now=imp.heartbeat_at + timedelta(minutes=4))
        busy = Import.objects.filter(
            shop=shop, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
        )
        assert busy.count() == 0

    def test_a_superseded_run_stops_without_recording_its_batch(self, shop):
        imp = upload(shop, orders(12))
        Import.objects.filter(pk=imp.pk).update(status=ImportStatus.RUNNING, resumes=2)
        imp.refresh_from_db()
        imp.resumes = 1  # this run was started before the sweeper took the import up again
        with pytest.raises(imports.ImportSuperseded):
            imports.import_run(imp=imp, stream=io.BytesIO(orders(12)), batch_rows=5)
        assert Occasion.objects.filter(shop=shop).count() == 0
