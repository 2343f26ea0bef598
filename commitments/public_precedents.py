"""Marking a precedent as public, and reading the public precedents (DESIGN: "if told
publicly, everyone's").

A manager marks a precedent finding as public, with a note of where it was told ("a review
on Rakuten"), or withdraws the mark. The mark takes effect from the moment it is made
(`Finding.public_at`): from then on the precedent raises the expectation of every customer
of the shop for that promise (judging/public.py). Both are audited and ask for a re-judge
of the shop's customers with actions or occasions since the mark (policies.hooks), in the
same transaction, as promise changes do.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from policies.hooks import RejudgeRequest, rejudge_needed

from .error_codes import LogErrorCode
from .models import Check, Commitment, Finding, FindingType

NOTE_MAX = 200


def _error(message: str, *, code: str, field: str) -> ValidationError:
    return ValidationError(message.replace("%", "%%"), code=code, params={"field": field})


def _note_clean(note) -> str:
    from .services import _text  # noqa: PLC0415 - one text rule for the log's notes

    value, errors = _text(note, field="note", max_length=NOTE_MAX, required=False)
    if errors:
        raise ValidationError(errors)
    return value


def _snapshot(finding: Finding) -> tuple[float | None, dict]:
    """Return the precedent's level and its remembered precedent, as they are now."""
    action = finding.action
    level = (
        Check.objects.filter(action=action, promise_id=finding.promise_id)
        .values_list("level", flat=True)
        .first()
    )
    remembered = (
        Commitment.objects.filter(customer_id=finding.customer_id, promise_id=finding.promise_id)
        .values_list("precedents", flat=True)
        .first()
    ) or []
    precedent = next(
        (dict(item) for item in remembered if item.get("action") == action.external_id), None
    )
    if precedent is None:
        # Excused for our mistake or a deadline: the customer was not told to expect it, but
        # the public was. What it was is still named by the kind's words (`what` unknown).
        local = action.occurred_at.astimezone(ZoneInfo(finding.shop.timezone))
        precedent = {"action": action.external_id, "at": local.isoformat(), "what": None}
    return level, precedent


def _state(finding: Finding) -> dict:
    return {
        "public": finding.public_at is not None,
        "public_at": finding.public_at,
        "note": finding.public_note,
    }


def precedent_make_public(
    *, finding: Finding, note: str = "", by=None, now: datetime | None = None
) -> Finding:
    """Mark a precedent finding as told publicly (or change its note); return it.

    From the marking time on it raises every customer's expectation of the promise. A
    finding already public keeps its time; only the note changes.
    """
    if finding.type != FindingType.PRECEDENT or finding.action_id is None:
        raise _error(
            _("Only a precedent can be marked as public; this finding is a %(type)s.")
            % {"type": finding.type},
            code=LogErrorCode.NOT_A_PRECEDENT,
            field="finding",
        )
    note = _note_clean(note)
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("action", "shop")
            .get(pk=finding.pk)
        )
        before = _state(finding)
        if finding.public_at is None:
            finding.public_at = now or timezone.now()
            finding.public_level, finding.public_precedent = _snapshot(finding)
        elif finding.public_note == note:
            return finding
        finding.public_note = note
        finding.public_by = by if getattr(by, "is_authenticated", False) else None
        finding.save(
            update_fields=[
                "public_at",
                "public_note",
                "public_by",
                "public_level",
                "public_precedent",
            ]
        )
        audit_record(
            shop=finding.shop,
            actor=by,
            event="finding.made_public",
            object_type="finding",
            object_id=finding.pk,
            before=before,
            after=_state(finding),
        )
        # The note is named in the findings it explains: those are judged again too.
        rejudge_needed(
            RejudgeRequest(
                shop_id=finding.shop_id, reason="finding.made_public", since=finding.public_at
            )
        )
    return finding


def precedent_withdraw_public(*, finding: Finding, by=None) -> Finding:
    """Withdraw a precedent's public mark; return it. Withdrawing a private one changes nothing."""
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("action", "shop")
            .get(pk=finding.pk)
        )
        if finding.public_at is None:
            return finding
        before = _state(finding)
        since = finding.public_at
        finding.public_at = None
        finding.public_note = ""
        finding.public_by = by if getattr(by, "is_authenticated", False) else None
        finding.public_level = None
        finding.public_precedent = {}
        finding.save(
            update_fields=[
                "public_at",
                "public_note",
                "public_by",
                "public_level",
                "public_precedent",
            ]
        )
        audit_record(
            shop=finding.shop,
            actor=by,
            event="finding.public_withdrawn",
            object_type="finding",
            object_id=finding.pk,
            before=before,
            after=_state(finding),
        )
        rejudge_needed(
            RejudgeRequest(shop_id=finding.shop_id, reason="finding.public_withdrawn", since=since)
        )
    return finding


def public_precedents(*, shop, promise_ids=None, since=None, until=None):
    """Return the shop's public precedents (newest mark first), optionally of these promises
    and marked public in [since, until)."""
    rows = Finding.objects.filter(
        shop=shop, type=FindingType.PRECEDENT, public_at__isnull=False, action__isnull=False
    ).select_related("action", "customer", "promise")
    if promise_ids is not None:
        rows = rows.filter(promise_id__in=promise_ids)
    if since is not None:
        rows = rows.filter(public_at__gte=since)
    if until is not None:
        rows = rows.filter(public_at__lt=until)
    return rows.order_by("-public_at", "-id")
