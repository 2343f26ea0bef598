"""Recompute every customer's checks, findings and commitments from the log."""

from django.core.management.base import BaseCommand, CommandError

from commitments import judging
from commitments.judging import marks
from commitments.order_counts import customer_orders_refresh, shop_orders_refresh
from policies.models import Shop


class Command(BaseCommand):
    help = (
        "Recompute checks, findings (breach, drift, precedent) and commitments of every "
        "customer from the log of occasions and actions, in batches of customers. A customer "
        "whose judging fails is skipped, recorded (Customer.judge_error) and listed. With "
        "--part K/N only the K-th of N ranges of customer ids: run N processes side by side "
        "(one per core) with --part 1/N ... --part N/N to rebuild a shop in parallel."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Only this shop (its slug).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=judging.BATCH_SIZE,
            help=f"Customers per batch and transaction (default {judging.BATCH_SIZE}).",
        )
        parser.add_argument(
            "--part",
            help="K/N: only the K-th of N equal ranges of each shop's customer ids (e.g. 1/2 "
            "and 2/2 in two processes at once). All N parts together are the whole rebuild.",
        )

    def handle(self, *args, shop=None, batch_size=judging.BATCH_SIZE, part=None, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        part, parts = _part(part)
        shops = Shop.objects.order_by("slug")
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop with slug {shop!r}.")
        failed = 0
        for one in shops:
            low, high = judging.customer_part(shop=one, part=part, parts=parts)
            in_part = one.customers.all()
            if low is not None:
                in_part = in_part.filter(id__gte=low)
            if high is not None:
                in_part = in_part.filter(id__lt=high)
            customers = in_part.count()
            where = "" if parts == 1 else f" (part {part}/{parts}: ids {low or ''}..{high or ''})"
            self.stdout.write(f"{one.slug}: {customers} customers{where}")

            def progress(total, slug=one.slug, customers=customers):
                self.stdout.write(f"  {slug}: {total.customers}/{customers} customers judged")

            # The customers' stored order counts, recounted from the log too (weekly report):
            # the whole shop at once, or a part's customers.
            if parts == 1:
                shop_orders_refresh(shop=one)
            else:
                customer_orders_refresh(customer_ids=in_part.values_list("pk", flat=True))
            total = judging.judge_shop(
                shop=one, batch_size=batch_size, on_batch=progress, ids=(low, high)
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"{one.slug}: {total.customers} customers, {total.actions} actions; "
                    f"created {_counts(total.created)}; updated {_counts(total.updated)}; "
                    f"deleted {_counts(total.deleted)}"
                )
            )
            failures = marks.failed_customers(shop=one)
            if low is not None:
                failures = failures.filter(id__gte=low)
            if high is not None:
                failures = failures.filter(id__lt=high)
            for customer in failures:
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


def _part(text: str | None) -> tuple[int, int]:
    """Return (K, N) of --part K/N (1, 1 without it); raise CommandError when malformed."""
    if text is None:
        return 1, 1
    try:
        part, parts = (int(number) for number in text.split("/"))
    except ValueError:
        raise CommandError(f"--part must be K/N, e.g. 1/2 (got {text!r}).") from None
    if not 1 <= part <= parts:
        raise CommandError(f"--part K/N needs 1 <= K <= N (got {text!r}).")
    return part, parts


def _counts(counts: dict) -> str:
    return ", ".join(f"{value} {name}s" for name, value in counts.items())
