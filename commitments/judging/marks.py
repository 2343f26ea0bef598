"""Re-judge marks: what a promise or calendar change must redo, written down durably.

A policy change calls `policies.hooks.rejudge_needed` inside its transaction; the receiver
(`commitments.jobs.rejudge_on_policy_change`) calls `rejudge_mark`, which sets
`Customer.rejudge_requested_at` on every customer whose judgements the change may alter, in
that same transaction: committed together with the change, or not at all. Jobs then judge
the marked customers a batch at a time (`rejudge_marked_batch`); each mark is cleared only
in the transaction that stores that customer's new judgements. A worker killed midway
leaves marks, which the sweeper finds and queues again (`marks_stale`).
"""

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from policies.models import Shop

from ..models import Action, Customer, Occasion
from .reconcile import BATCH_SIZE, JudgeResult, judge_customers


def _in_window(model, *, since: datetime | None, until: datetime | None):
    records = model.objects.filter(customer_id=OuterRef("pk"))
    if since is not None:
        records = records.filter(occurred_at__gte=since)
    if until is not None:
        records = records.filter(occurred_at__lt=until)
    return Exists(records)


def rejudge_mark(
    *,
    shop_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Mark the shop's customers with actions or occasions in [since, until); return how many.

    Every customer of the shop when both are None. Call inside the policy change's
    transaction. The customers are locked in id order first, the order judging locks them
    in, so a mark and a judging of the same customers never deadlock.
    """
    now = now or timezone.now()
    customers = Customer.objects.filter(shop_id=shop_id)
    if since is not None or until is not None:
        customers = customers.filter(
            _in_window(Action, since=since, until=until)
            | _in_window(Occasion, since=since, until=until)
        )
    ids = list(customers.select_for_update().order_by("id").values_list("id", flat=True))
    marked = 0
    for start in range(0, len(ids), 900):
        marked += Customer.objects.filter(id__in=ids[start : start + 900]).update(
            rejudge_requested_at=now
        )
    return marked


def rejudge_progress(*, shop) -> int:
    """Return how many of the shop's customers are still waiting for their re-judge."""
    shop_id = shop if isinstance(shop, int) else shop.pk
    return Customer.objects.filter(shop_id=shop_id, rejudge_requested_at__isnull=False).count()


def rejudge_pending_count(shop_id: int) -> int:
    """Return `rejudge_progress` for a shop id (the policies.hooks provider)."""
    return rejudge_progress(shop=shop_id)


def rejudge_marked_batch(*, shop: Shop, batch_size: int = BATCH_SIZE) -> tuple[JudgeResult, bool]:
    """Judge the next `batch_size` marked customers of the shop; return what changed, and
    whether marked customers remain (then the caller queues the next batch)."""
    ids = list(
        Customer.objects.filter(shop=shop, rejudge_requested_at__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    result = judge_customers(shop=shop, customer_ids=ids, only_marked=True)
    remaining = Customer.objects.filter(
        shop=shop, rejudge_requested_at__isnull=False, id__gt=ids[-1] if ids else 0
    ).exists()
    return result, remaining


def marks_stale(*, now: datetime, older_than) -> list[int]:
    """Return the shops with re-judge marks older than `older_than` (a dead worker's work)."""
    return sorted(
        set(
            Customer.objects.filter(rejudge_requested_at__lt=now - older_than)
            .order_by()
            .values_list("shop_id", flat=True)
            .distinct()
        )
    )


def failed_due(*, now: datetime, backoff) -> list[tuple[int, int]]:
    """Return (shop id, customer id) of failed customers whose retry is due, per `backoff`.

    `backoff(attempts)` is the wait after that many failures in a row.
    """
    rows = Customer.objects.filter(judge_failed_at__isnull=False).values_list(
        "shop_id", "id", "judge_failed_at", "judge_attempts"
    )
    return [
        (shop_id, customer_id)
        for shop_id, customer_id, failed_at, attempts in rows.order_by("id")[:5000]
        if failed_at + backoff(attempts) <= now
    ]


def failed_customers(*, shop=None):
    """Return the customers whose last judging failed (for operators), oldest failure first."""
    customers = Customer.objects.filter(judge_failed_at__isnull=False)
    if shop is not None:
        customers = customers.filter(shop=shop)
    return customers.select_related("shop").order_by("judge_failed_at", "id")
