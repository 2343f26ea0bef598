"""Recompute every customer's checks, findings and commitments from the log."""

from django.core.management.base import BaseCommand, CommandError

from commitments import engine
from commitments.models import Customer
from policies.models import Shop


class Command(BaseCommand):
    help = (
        "Recompute checks, findings (breach, drift, precedent) and commitments of every "
        "customer from the log of occasions and actions, in batches of customers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Only this shop (its slug).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=engine.BATCH_SIZE,
            help=f"Customers per batch and transaction (default {engine.BATCH_SIZE}).",
        )

    def handle(self, *args, shop=None, batch_size=engine.BATCH_SIZE, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        shops = Shop.objects.order_by("slug")
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop with slug {shop!r}.")
        for one in shops:
            customers = Customer.objects.filter(shop=one).count()
            self.stdout.write(f"{one.slug}: {customers} customers")

            def progress(total, slug=one.slug, customers=customers):
                self.stdout.write(f"  {slug}: {total.customers}/{customers} customers judged")

            total = engine.judge_shop(shop=one, batch_size=batch_size, on_batch=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{one.slug}: {total.customers} customers, {total.actions} actions; "
                    f"created {_counts(total.created)}; updated {_counts(total.updated)}; "
                    f"deleted {_counts(total.deleted)}"
                )
            )


def _counts(counts: dict) -> str:
    return ", ".join(f"{value} {name}s" for name, value in counts.items())
