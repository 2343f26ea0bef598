"""The sweeper: nothing accepted is left unjudged, and passed deadlines become findings.

Run every few minutes by rqcron (config/cron.py). It
- re-queues actions still unjudged a while after they were stored (Redis was down, a worker
  died), in batches of ids, so every stored action ends up judged;
- re-queues imports still waiting in `queued` (their job was never queued or was lost);
- resumes a running import whose heartbeat stopped (its worker died) from the row it
  reached, or marks it failed with that row (imports.import_dead_recover);
- raises one `overdue` finding per occasion and promise whose deadline (the kind's, with the
  promise version in force at the occasion's time) has passed with no fulfilling action.
  An overdue finding is never withdrawn: an action arriving later is judged late by the
  engine, which leaves overdue findings alone.

Shops with an import queued or running are skipped for overdue until it ends, so an order
whose shipment is further down the same file is not reported overdue in between.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from policies.calendar import ShopCalendar
from policies.kinds.base import date_en, date_ja, moment_en, moment_ja
from policies.models import Shop

from . import engine, imports, jobs
from .models import Action, Finding, FindingType, Import, ImportChunk, ImportStatus, Occasion

BATCH_SIZE = 500
# Actions stored this long ago and still unjudged have lost their job.
UNJUDGED_AFTER = timedelta(minutes=2)
# At most this many actions are re-queued per sweep; the next sweep takes the rest.
UNJUDGED_MAX = 100 * BATCH_SIZE
# The default of settings.IMPORT_QUEUED_STALE_SECONDS: an import queued this long lost its job.
IMPORT_STALE_AFTER = timedelta(minutes=5)
# An import older than this no longer holds back its shop's overdue findings.
IMPORT_HOLD = timedelta(hours=24)
LOOK_BACK = timedelta(days=90)

OCCASION_WORDS = {
    "order_placed": ("ご注文", "order"),
    "inquiry_received": ("お問い合わせ", "inquiry"),
    "review_posted": ("レビュー", "review"),
}
ACTION_WORDS = {
    "shipped": ("発送", "shipment"),
    "note_enclosed": ("手書きメッセージの同封", "handwritten note"),
    "shipping_notice_sent": ("発送通知", "shipping notice"),
    "reply_sent": ("返信", "reply"),
    "review_replied": ("レビューへの返信", "review reply"),
    "thank_you_sent": ("お礼メッセージ", "thank-you message"),
}


@dataclass
class SweepResult:
    """What one sweep did."""

    requeued_actions: int = 0
    requeued_imports: int = 0
    resumed_imports: int = 0
    failed_imports: int = 0
    overdue: int = 0

    def as_dict(self) -> dict:
        """Return the counts as a dict (the job's result)."""
        return asdict(self)


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Re-queue unjudged actions and stale imports, and raise overdue findings."""
    now = now or timezone.now()
    result = SweepResult(
        requeued_actions=unjudged_requeue(now=now),
        requeued_imports=imports_requeue(now=now),
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
    stale = Action.objects.filter(judged_at__isnull=True, created_at__lt=now - UNJUDGED_AFTER)
    while queued < UNJUDGED_MAX:
        ids = list(
            stale.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:BATCH_SIZE]
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


# ------------------------------------------------------------------------------
# Overdue
# ------------------------------------------------------------------------------
def _due_text(calendar: ShopCalendar, deadline: datetime) -> tuple[str, str]:
    """Return the deadline as a manager reads it; midnight is the end of the day before."""
    local = calendar.local(deadline)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        day = local.date() - timedelta(days=1)
        return f"{date_ja(day)}中", f"the end of {date_en(day)}"
    return moment_ja(local), moment_en(local)


def overdue_finding(*, loaded, version, occasion: Occasion, deadline: datetime, calendar):
    """Return the (unsaved) overdue finding of an occasion whose deadline passed."""
    kind = loaded.kind
    occasion_ja, occasion_en = OCCASION_WORDS.get(occasion.kind, (occasion.kind, occasion.kind))
    action_ja, action_en = ACTION_WORDS.get(kind.action_kind, (kind.action_kind, kind.action_kind))
    at = calendar.local(occasion.occurred_at)
    due_ja, due_en = _due_text(calendar, deadline)
    return Finding(
        shop_id=occasion.shop_id,
        customer_id=occasion.customer_id,
        promise=loaded.promise,
        promise_version=version,
        occasion=occasion,
        action=None,
        type=FindingType.OVERDUE,
        occurred_at=deadline,
        message_ja=(
            f"{moment_ja(at)}の{occasion_ja}（{occasion.external_id}）への{action_ja}が、"
            f"期限の{due_ja}を過ぎても記録されていません（{kind.label_ja}）。"
        ),
        message_en=(
            f"No {action_en} is recorded for the {occasion_en} {occasion.external_id} of "
            f"{moment_en(at)}; it was due by {due_en} ({kind.label_en})."
        ),
        details={
            "deadline": calendar.local(deadline).isoformat(),
            "occasion_at": at.isoformat(),
            "occasion": occasion.external_id,
            "awaited": kind.action_kind,
        },
    )


def overdue_raise(*, shop: Shop, now: datetime | None = None) -> int:
    """Raise the overdue findings of the shop's occasions in the look-back window.

    Per promise, only occasions with no fulfilling action and no overdue finding yet are
    loaded, a batch at a time with the actions answering them: a few queries per batch.
    Returns the number of findings raised.
    """
    now = now or timezone.now()
    since = now - LOOK_BACK
    calendar = ShopCalendar.for_shop(shop)
    raised = 0
    for loaded in engine.promises_load(shop=shop):
        kind, promise = loaded.kind, loaded.promise
        if promise.retired_at is not None and promise.retired_at <= since:
            continue
        candidates = (
            Occasion.objects.filter(
                shop=shop, kind=kind.occasion_kind, occurred_at__gte=since, occurred_at__lt=now
            )
            .exclude(
                Exists(Action.objects.filter(occasion_id=OuterRef("pk"), kind=kind.action_kind))
            )
            .exclude(
                Exists(
                    Finding.objects.filter(
                        occasion_id=OuterRef("pk"), promise=promise, type=FindingType.OVERDUE
                    )
                )
            )
            .order_by("id")
        )
        last_id = 0
        while True:
            occasions = list(candidates.filter(id__gt=last_id)[:BATCH_SIZE])
            if not occasions:
                break
            last_id = occasions[-1].pk
            related = defaultdict(list)
            for action in Action.objects.filter(occasion_id__in=[o.pk for o in occasions]):
                related[action.occasion_id].append(engine.event_of(action))
            found = []
            for occasion in occasions:
                version = loaded.version_at(occasion.occurred_at)
                if version is None:
                    continue
                params = loaded.params(version)
                event = engine.event_of(occasion)
                if not kind.applies(occasion=event, params=params, calendar=calendar):
                    continue
                deadline = kind.deadline(
                    occasion=event,
                    related=tuple(related[occasion.pk]),
                    params=params,
                    calendar=calendar,
                )
                if deadline is None or deadline > now:
                    continue
                if promise.retired_at is not None and promise.retired_at <= deadline:
                    continue
                found.append(
                    overdue_finding(
                        loaded=loaded,
                        version=version,
                        occasion=occasion,
                        deadline=deadline,
                        calendar=calendar,
                    )
                )
            # The constraint finding_overdue_once keeps it to one per occasion and promise,
            # also when two sweeps overlap.
            Finding.objects.bulk_create(found, ignore_conflicts=True)
            raised += len(found)
    return raised
