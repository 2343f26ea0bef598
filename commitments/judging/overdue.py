"""Overdue detection: occasions whose deadline passed with no fulfilling action.

The deadline is the kind's, computed with the promise version in force at the occasion's
time (policies.versions); the calendar is the shop's. One `overdue` finding per occasion and
promise (the constraint finding_overdue_once), never withdrawn: an action arriving later is
judged late by the walk, which leaves overdue findings alone. The sweeper calls
`overdue_raise` for every shop not importing.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from policies.models import Shop

from ..models import Action, Customer, Finding, FindingType, Occasion
from .load import calendar_load, promises_load
from .walk import event_of

BATCH_SIZE = 500
LOOK_BACK = timedelta(days=90)


# ------------------------------------------------------------------------------
# Overdue
# ------------------------------------------------------------------------------
def overdue_finding(*, loaded, version, occasion: Occasion, deadline: datetime, calendar):
    """Return the (unsaved) overdue finding of an occasion whose deadline passed."""
    kind = loaded.kind
    at = calendar.local(occasion.occurred_at)
    # The kind words it from the occasion's and action's nouns (policies.vocabulary).
    message_ja, message_en = kind.overdue_message(
        occasion=event_of(occasion), deadline=deadline, calendar=calendar
    )
    return Finding(
        shop_id=occasion.shop_id,
        customer_id=occasion.customer_id,
        promise=loaded.promise,
        promise_version=version,
        occasion=occasion,
        action=None,
        type=FindingType.OVERDUE,
        occurred_at=deadline,
        message_ja=message_ja,
        message_en=message_en,
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
    calendar = calendar_load(shop)
    raised = 0
    for loaded in promises_load(shop=shop):
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
                related[action.occasion_id].append(event_of(action))
            found = []
            for occasion in occasions:
                version = loaded.in_force(occasion.occurred_at)
                if version is None:
                    continue
                params = loaded.params(version)
                event = event_of(occasion)
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
            raised += _findings_store(found)
    return raised


@transaction.atomic
def _findings_store(found: list[Finding]) -> int:
    """Store these overdue findings of occasions still stored; return how many were.

    A finding refers to its customer and occasion without a database constraint (judging
    writes findings by the hundred thousand; models.py, above Check), so it is written as
    judging writes: holding its customers' locks, taken in id order, which every deletion
    of customers, occasions or actions takes first (`import_undo`,
    `selectors.shop_log_delete`). An occasion deleted after the candidates were read is
    left out. The constraint finding_overdue_once keeps it to one per occasion and promise,
    also when two sweeps overlap.
    """
    if not found:
        return 0
    customer_ids = sorted({finding.customer_id for finding in found})
    list(
        Customer.objects.select_for_update(no_key=True)
        .filter(id__in=customer_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )
    stored = set(
        Occasion.objects.filter(id__in=[finding.occasion_id for finding in found]).values_list(
            "id", flat=True
        )
    )
    kept = [finding for finding in found if finding.occasion_id in stored]
    Finding.objects.bulk_create(kept, ignore_conflicts=True)
    return len(kept)
