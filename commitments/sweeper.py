"""The sweeper: nothing accepted is left unjudged, and passed deadlines become findings.

Run every few minutes by rqcron (config/cron.py). It
- re-queues actions still unjudged a while after they were stored (Redis was down, a worker
  died), in batches of ids, so every stored action ends up judged; actions of customers
  whose judging failed are left to the retries below;
- finishes re-judges a dead worker left: shops with re-judge marks older than a few
  minutes get their batches queued again (commitments/judging/marks.py);
- retries customers whose judging failed, with backoff (5 minutes doubling, at most a
  day), and reports them (the result's `failed`, and the log);
- re-queues imports still waiting in `queued` (their job was never queued or was lost);
- resumes a running import whose heartbeat stopped (its worker died) from the row it
  reached, or marks it failed with that row (imports.import_dead_recover);
- raises overdue findings (commitments/judging/overdue.py).

Shops with an import queued or running are skipped for overdue until it ends, so an order
whose shipment is further down the same file is not reported overdue in between.
"""

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from policies.models import Shop

from . import imports, jobs
from .judging import marks
from .judging.overdue import overdue_raise
from .models import Customer, Import, ImportChunk, ImportStatus, UnjudgedAction

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Actions stored this long ago and still unjudged have lost their job.
UNJUDGED_AFTER = timedelta(minutes=2)
# At most this many actions are re-queued per sweep; the next sweep takes the rest.
UNJUDGED_MAX = 100 * BATCH_SIZE
# The default of settings.IMPORT_QUEUED_STALE_SECONDS: an import queued this long lost its job.
IMPORT_STALE_AFTER = timedelta(minutes=5)
# An import older than this no longer holds back its shop's overdue findings.
IMPORT_HOLD = timedelta(hours=24)
# Re-judge marks this old were left by a worker that died (a batch takes seconds).
MARK_STALE_AFTER = timedelta(minutes=3)
RETRY_FIRST = timedelta(minutes=5)
RETRY_MAX = timedelta(days=1)


def retry_backoff(attempts: int) -> timedelta:
    """Return how long to wait before judging again a customer that failed `attempts` times."""
    return min(RETRY_MAX, RETRY_FIRST * 2 ** max(0, min(attempts, 20) - 1))


@dataclass
class SweepResult:
    """What one sweep did."""

    requeued_actions: int = 0
    requeued_imports: int = 0
    resumed_imports: int = 0
    failed_imports: int = 0
    overdue: int = 0
    rejudge_resumed: int = 0
    retried_customers: int = 0
    # Customers whose judging is failing: [{"shop", "customer", "attempts", "error"}].
    failed: list = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the counts as a dict (the job's result)."""
        return asdict(self)


@jobs.job_body("sweep")
def sweep(*, now: datetime | None = None) -> SweepResult:
    """Re-queue unjudged actions, re-judges and failed customers, stale imports; raise overdue."""
    now = now or timezone.now()
    result = SweepResult(
        requeued_actions=unjudged_requeue(now=now),
        requeued_imports=imports_requeue(now=now),
        rejudge_resumed=rejudges_resume(now=now),
        retried_customers=failed_retry(now=now),
        failed=failed_report(),
    )
    recovered = imports_recover(now=now)
    result.resumed_imports, result.failed_imports = recovered["resumed"], recovered["failed"]
    busy = Import.objects.filter(
        status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING), created_at__gte=now - IMPORT_HOLD
    ).values("shop_id")
    for shop in Shop.objects.exclude(id__in=busy).order_by("id"):
        result.overdue += overdue_raise(shop=shop, now=now)
    return result


def unjudged_requeue(*, now: datetime) -> int:
    """Queue the judging of actions left unjudged, a batch of ids per job; return how many."""
    queued, last_id = 0, 0
    failing = Customer.objects.filter(
        pk=OuterRef("action__customer_id"), judge_failed_at__isnull=False
    )
    stale = UnjudgedAction.objects.filter(since__lt=now - UNJUDGED_AFTER).exclude(Exists(failing))
    while queued < UNJUDGED_MAX:
        ids = list(
            stale.filter(action_id__gt=last_id)
            .order_by("action_id")
            .values_list("action_id", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            break
        jobs.judge_actions_enqueue(ids)
        queued += len(ids)
        last_id = ids[-1]
    return queued


def imports_requeue(*, now: datetime) -> int:
    """Queue again the imports still waiting to start; return how many."""
    stale_after = timedelta(seconds=settings.IMPORT_QUEUED_STALE_SECONDS)
    has_chunks = Exists(ImportChunk.objects.filter(import_ref_id=OuterRef("pk")))
    waiting = list(
        Import.objects.filter(status=ImportStatus.QUEUED, created_at__lt=now - stale_after)
        .filter(has_chunks | ~Q(file=""))
        .order_by("id")
        .values_list("id", flat=True)[:100]
    )
    for import_id in waiting:
        jobs.import_process_enqueue(import_id)
    return len(waiting)


def imports_recover(*, now: datetime) -> dict[str, int]:
    """Resume or fail the running imports whose heartbeat stopped; return the counts."""
    dead_before = now - timedelta(seconds=settings.IMPORT_DEAD_AFTER_SECONDS)
    dead = Import.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=dead_before) | Q(heartbeat_at__isnull=True, created_at__lt=dead_before)
    )
    counts = {"resumed": 0, "failed": 0}
    for imp in dead.order_by("id")[:100]:
        outcome = imports.import_dead_recover(imp=imp, resumes_max=settings.IMPORT_RESUMES_MAX)
        counts[outcome] += 1
    return counts


def rejudges_resume(*, now: datetime) -> int:
    """Queue again the re-judges a dead worker left (marks older than a few minutes).

    A re-judge still running only has its next batch judged twice at worst: judging locks
    the customers and skips those whose mark is gone. Returns the shops queued.
    """
    shops = marks.marks_stale(now=now, older_than=MARK_STALE_AFTER)
    for shop_id in shops:
        jobs.rejudge_batch_enqueue(shop_id)
    return len(shops)


def failed_retry(*, now: datetime) -> int:
    """Queue judging again the failed customers whose backoff has passed; return how many."""
    due = marks.failed_due(now=now, backoff=retry_backoff)
    by_shop: dict[int, list[int]] = {}
    for shop_id, customer_id in due:
        by_shop.setdefault(shop_id, []).append(customer_id)
    for shop_id, ids in sorted(by_shop.items()):
        jobs.judge_customers_enqueue(shop_id, ids)
    return len(due)


def failed_report(*, limit: int = 50) -> list[dict]:
    """Return (and log) the customers whose judging is failing, oldest failure first."""
    rows = [
        {
            "shop": customer.shop.slug,
            "customer": customer.external_id,
            "attempts": customer.judge_attempts,
            "failed_at": customer.judge_failed_at.isoformat(),
            "error": customer.judge_error,
        }
        for customer in marks.failed_customers()[:limit]
    ]
    for row in rows:
        logger.warning(
            "Judging fails for customer %s of shop %s (%s attempts): %s",
            row["customer"],
            row["shop"],
            row["attempts"],
            row["error"],
        )
    return rows
