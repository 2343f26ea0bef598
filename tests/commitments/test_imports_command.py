"""`manage.py import_log FILE --shop SLUG`: inline import with a progress bar and counts."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from commitments.imports import import_from_path
from commitments.models import Action, Import, ImportStatus, Occasion

from .import_support import action, csv_bytes, order


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_log", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
class TestImportLogCommand:
    def test_a_clean_file_is_imported_with_counts_and_a_progress_bar(self, shop, tmp_path):
        path = tmp_path / "log.csv"
        rows = [order(customer_name="髙橋"), action("shipped", "A-1")]
        path.write_bytes(csv_bytes(rows, encoding="cp932"))
        out, err = run(str(path), "--shop", "kobo")
        assert "2 rows, 2 stored, 0 duplicates, 0 rejected" in out
        assert "(cp932)" in out
        assert "\r[" in err and "100.0%" in err
        imp = Import.objects.get()
        assert (imp.status, imp.filename, imp.file.name) == (ImportStatus.DONE, "log.csv", "")
        assert (Occasion.objects.count(), Action.objects.count()) == (1, 1)

    def test_rejected_rows_are_printed_and_exit_with_an_error(self, shop, tmp_path):
        path = tmp_path / "log.csv"
        path.write_bytes(csv_bytes([order(), order("O-2", when="yesterday")]))
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 rows were rejected"):
            call_command(
                "import_log", str(path), "--shop", "kobo", stdout=out, stderr=io.StringIO()
            )
        assert "row 3, occurred_at: [invalid_time]" in out.getvalue()
        assert Occasion.objects.count() == 1

    def test_judge_now_judges_the_imported_actions_here(self, shop, tmp_path, make_promise):
        make_promise("shipping_cutoff")
        path = tmp_path / "log.csv"
        path.write_bytes(csv_bytes([order(), action("shipped", "A-1")]))
        out, _err = run(str(path), "--shop", "kobo", "--judge-now")
        assert "Judged 1 actions of 1 customers." in out
        assert Action.objects.get().judged_at is not None

    def test_judge_now_queues_no_job_and_counts_every_action_judged(
        self, shop, tmp_path, make_promise, rq_queue, django_capture_on_commit_callbacks
    ):
        make_promise("shipping_cutoff")
        path = tmp_path / "log.csv"
        rows = [order(), action("shipped", "A-1"), action("thank_you_sent", "A-2")]
        rows += [
            order("O-2", customer="C-2"),
            action("shipped", "A-3", occasion="O-2", customer="C-2"),
        ]
        path.write_bytes(csv_bytes(rows))
        with django_capture_on_commit_callbacks(execute=True):
            out, _err = run(str(path), "--shop", "kobo", "--judge-now")
        # Every action of the two customers was judged here; no worker has it to redo.
        assert "Judged 3 actions of 2 customers." in out
        assert rq_queue.count == 0
        assert not Action.objects.filter(unjudged__isnull=False).exists()

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            pytest.param(["missing.csv", "--shop", "kobo"], "No such file", id="no file"),
            pytest.param(["{file}", "--shop", "nope"], "No shop", id="no shop"),
            pytest.param(["{file}", "--shop", "kobo", "--user", "ghost"], "No user", id="no user"),
        ],
    )
    def test_bad_arguments_are_errors(self, shop, tmp_path, args, message):
        path = tmp_path / "log.csv"
        path.write_bytes(csv_bytes([order()]))
        args = [arg.format(file=path) for arg in args]
        with pytest.raises(CommandError, match=message):
            run(*args)
        assert Import.objects.count() == 0

    def test_a_failed_import_is_an_error(self, shop, tmp_path):
        path = tmp_path / "log.csv"
        path.write_bytes(b"type,kind\r\noccasion,order_placed\r\n")
        with pytest.raises(CommandError, match="The import failed"):
            run(str(path), "--shop", "kobo")
        assert Import.objects.get().status == ImportStatus.FAILED


@pytest.mark.django_db
class TestInterruptedImport:
    def test_an_import_stopped_midway_is_failed_and_keeps_the_rows_before(self, shop, tmp_path):
        path = tmp_path / "log.csv"
        path.write_bytes(csv_bytes([order(f"O-{n}", f"C-{n}") for n in range(5)]))

        def stop(imp):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            import_from_path(shop=shop, path=str(path), batch_rows=2, on_progress=stop)
        imp = Import.objects.get()
        assert imp.status == ImportStatus.FAILED
        assert [e["code"] for e in imp.errors] == ["failed"]
        assert (imp.stored, Occasion.objects.count()) == (2, 2)
