"""Recompute every customer's checks, findings and commitments from the log."""

from django.core.management.base import BaseCommand, CommandError

from commitments import judging
from commitments.judging import marks
from commitments.order_counts import shop_orders_refresh
from policies.models import Shop


class Command(BaseCommand):
    help = (
        "Recompute checks, findings (breach, drift, precedent) and commitments of every "
        "customer from the log of occasions and actions, in batches of customers. A customer "
        "whose judging fails is skipped, recorded (Customer.judge_error) and listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Only this shop (its slug).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=judging.BATCH_SIZE,
            help=f"Customers per batch and transaction (default {judging.BATCH_SIZE}).",
        )

    def handle(self, *args, shop=None, batch_size=judging.BATCH_SIZE, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        shops = Shop.objects.order_by("slug")
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop with slug {shop!r}.")
        failed = 0
        for one in shops:
            customers = one.customers.count()
            self.stdout.write(f"{one.slug}: {customers} customers")

            def progress(total, slug=one.slug, customers=customers):
                self.stdout.write(f"  {slug}: {total.customers}/{customers} customers judged")

            # The customers' stored order counts, recounted from the log too (weekly report).
            shop_orders_refresh(shop=one)
            total = judging.judge_shop(shop=one, batch_size=batch_size, on_batch=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{one.slug}: {total.customers} customers, {total.actions} actions; "
                    f"created {_counts(total.created)}; updated {_counts(total.updated)}; "
                    f"deleted {_counts(total.deleted)}"
                )
            )
            for customer in marks.failed_customers(shop=one):
                failed += 1
                self.stdout.write(
                    self.style.ERROR(
                        f"  not judged: customer {customer.external_id} "
                        f"({customer.judge_attempts} attempts): {customer.judge_error}"
                    )
                )
        if failed:
            self.stdout.write(
                self.style.WARNING(
                    f"{failed} customers could not be judged (skipped; see above). The sweeper "
                    "retries them; fix their records, then run this command again."
                )
            )


def _counts(counts: dict) -> str:
    return ", ".join(f"{value} {name}s" for name, value in counts.items())
