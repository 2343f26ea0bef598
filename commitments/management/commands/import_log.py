"""Import a CSV file of occasions and actions into a shop, with a progress bar."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from commitments import judging
from commitments.imports import import_from_path, import_progress
from commitments.models import Action, ImportStatus
from policies.models import Shop

BAR_WIDTH = 30
ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import a CSV file of occasions and actions (UTF-8 or CP932; columns as in the README "
        "'CSV import' section) into a shop. Shows a progress bar on stderr, then the counts "
        "and the first errors. Exits with 1 if any row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument("--shop", required=True, help="The shop's slug.")
        parser.add_argument("--user", help="Record the import as made by this username.")
        parser.add_argument(
            "--judge-now",
            action="store_true",
            help="Judge the customers with unjudged actions here after the import, instead "
            "of leaving them to the background worker (no judging job is queued).",
        )

    def handle(self, *args, file, shop, user=None, judge_now=False, **options):
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        found = Shop.objects.filter(slug=shop).first()
        if found is None:
            raise CommandError(f"No shop with slug {shop!r}.")
        creator = None
        if user:
            creator = get_user_model().objects.filter(username=user).first()
            if creator is None:
                raise CommandError(f"No user {user!r}.")
        imp = import_from_path(
            shop=found,
            path=file,
            created_by=creator,
            on_progress=self._show_progress,
            enqueue_judging=not judge_now,
        )
        self.stderr.write("")
        self.stdout.write(
            f"{imp.filename} ({imp.encoding or '?'}): {imp.rows} rows, {imp.stored} stored, "
            f"{imp.duplicates} duplicates, {imp.rejected} rejected; import id {imp.pk}"
        )
        for warning in imp.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning['message']}"))
        for error in imp.errors[:ERRORS_SHOWN]:
            where = f"row {error['row']}" if error.get("row") else "file"
            if error.get("column"):
                where += f", {error['column']}"
            self.stdout.write(self.style.ERROR(f"{where}: [{error['code']}] {error['message']}"))
        if len(imp.errors) > ERRORS_SHOWN:
            self.stdout.write(f"... {len(imp.errors) - ERRORS_SHOWN} more errors listed.")
        if judge_now:
            judged = self._judge(found)
            self.stdout.write(
                f"Judged {judged.actions} actions of {judged.customers} customers"
                + (f"; {len(judged.failed)} customers failed." if judged.failed else ".")
            )
        if imp.status == ImportStatus.FAILED:
            raise CommandError("The import failed; see the errors above.")
        if imp.rejected:
            raise CommandError(f"{imp.rejected} rows were rejected; see the errors above.")
        self.stdout.write(self.style.SUCCESS("Import done."))

    def _show_progress(self, imp) -> None:
        share = import_progress(imp)
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stderr.write(
            f"\r[{bar}] {share * 100:5.1f}%  {imp.rows} rows  {imp.stored} stored  "
            f"{imp.duplicates} duplicates  {imp.rejected} rejected",
            ending="",
        )
        self.stderr.flush()

    def _judge(self, shop) -> judging.JudgeResult:
        """Judge the shop's customers that have unjudged actions, a batch at a time."""
        total, last_id = judging.JudgeResult(), 0
        while True:
            # Keyset over the customers: each batch reads from where the last one stopped.
            ids = list(
                Action.objects.filter(shop=shop, unjudged__isnull=False, customer_id__gt=last_id)
                .order_by("customer_id")
                .values_list("customer_id", flat=True)
                .distinct()[: judging.BATCH_SIZE]
            )
            if not ids:
                return total
            total.add(judging.judge_customers(shop=shop, customer_ids=ids))
            last_id = ids[-1]
