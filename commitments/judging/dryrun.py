"""The dry run (the pre-check): "is this consistent?" judged before the action is done.

Pre-check = load + walk + present, storing nothing. The action is validated exactly as
`services.action_record` validates it, added unsaved to the customer's log as the one
loader (`precheck_load.precheck_load`) reads it, and walked by the same pure walk that judging
stores (`walk.derive`): the answer is what recording the action would store. It concerns
the new action only: its verdict and findings, what the customer has come to expect from
each promise involved (now, as stored, and after this action), and the customer's last
experiences of those promises. A constant number of queries; an unknown customer stays
unknown (a customer with no history).

The walk resumes from the stored commitments only when the new action is the customer's
latest and no re-judge is pending for the customer (`precheck_load.can_resume`); otherwise it walks
the customer's whole log of that kind, so a pending re-judge never answers from stale rows.
The commitments "before" the action are the stored ones when they are current
(`precheck_load.stored_current`: the log walked without the new action would give them), else that
walk.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from rest_framework import serializers

from policies.kinds import registry
from policies.kinds.base import JudgeContext

from ..models import Check, Customer, ExceptionStatus, Finding
from ..services import action_validate
from .load import LoggedAction, LoggedException
from .precheck_load import HISTORY_SIZE, precheck_load, precheck_promises_customer
from .walk import DEFAULT_EXCUSED_REASONS, derive, event_of

# The unsaved action's external id. "~" sorts after letters and digits, so at the very same
# moment as a recorded action the new one is judged after it (it is the latest).
PRECHECK_ID = "~precheck~"
VERDICTS = ("ok", "drift", "precedent", "breach")  # best to worst
# Finding types as verdicts, worst first.
SEVERITY = ("breach", "precedent", "drift")
EMPTY = {
    "last_level": None,
    "best_level": None,
    "count": 0,
    "first_at": None,
    "last_at": None,
    "precedents": [],
}


@dataclass
class PrecheckResult:
    """The answer of a pre-check: a verdict for the new action, and why."""

    verdict: str
    findings: list[dict]
    commitment: dict
    history: dict
    promises: list[dict]
    action: dict
    customer: dict
    notes: list[dict] = field(default_factory=list)
    # False when no promise judged the action: "ok" then means "not judged", shown neutrally.
    judged: bool = False

    def as_dict(self) -> dict:
        """Return the answer as JSON-ready data (the API and the command print this)."""
        return {
            "verdict": self.verdict,
            "findings": self.findings,
            "commitment": self.commitment,
            "history": self.history,
            "promises": self.promises,
            "action": self.action,
            "customer": self.customer,
            "notes": self.notes,
            "judged": self.judged,
        }


def _when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """Return a moment as the API renders it (ISO 8601 in the shop's timezone)."""
    if moment is None:
        return None
    with timezone.override(tz):
        return serializers.DateTimeField().to_representation(moment)


def _hide_sentinel(precedents: list) -> list:
    """Return precedents with the pre-checked action shown as `null` instead of its dummy id."""
    return [
        {**item, "action": None} if item.get("action") == PRECHECK_ID else item
        for item in precedents
    ]


def _commitment(row, tz: ZoneInfo) -> dict | None:
    if row is None:
        return None
    return {
        "last_level": row.last_level,
        "best_level": row.best_level,
        "count": row.count,
        "first_at": _when(row.first_at, tz),
        "last_at": _when(row.last_at, tz),
        "precedents": _hide_sentinel(list(row.precedents)),
    }


def _verdict(findings: list[dict]) -> str:
    """Return the worst type among the findings that are not excused ("ok" if none)."""
    types = {finding["type"] for finding in findings if not finding["excused"]}
    return next((kind for kind in SEVERITY if kind in types), "ok")


def precheck_run(
    *,
    shop,
    customer: str,
    kind: str,
    occurred_at,
    occasion: str = "",
    attributes: dict | None,
    staff: str = "",
    exception: dict | None = None,
) -> PrecheckResult:
    """Return the verdict an action would get if it were recorded now. Stores nothing.

    Raises the ValidationError `action_record` would raise for the same input.
    """
    clean = action_validate(
        shop=shop,
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        occasion=occasion,
        staff=staff,
        exception=exception,
        attributes=attributes,
    )
    tz = ZoneInfo(shop.timezone)
    moment = clean["occurred_at"]
    involved, owner, shop_promises = precheck_promises_customer(
        shop=shop,
        external_id=clean["customer"],
        kind=clean["kind"],
        moment=moment,
        occasion=clean["occasion"],
    )
    log = precheck_load(
        shop=shop,
        customer=owner,
        kind=clean["kind"],
        moment=moment,
        occasion=clean["occasion"],
        promises=involved,
    )
    involved, before, answered, resume = log.promises, log.stored, log.answered, log.resume
    new = _unsaved_action(owner=owner, clean=clean, answered=answered)
    customer_key = owner.pk if owner is not None else None
    if resume is None and owner is not None and not log.current:
        # Walked, not resumed, and the stored rows may be stale (a pending re-judge may be
        # about to change them, an action of the kind is not judged yet): "before" is the
        # walk of the log without the new action. When they are current they are that walk
        # (`precheck_load.stored_current`), and only the walk with the new action is made.
        walked = derive(
            actions=log.actions,
            occasions=log.occasions,
            promises=involved,
            calendar=log.calendar,
            public=log.public,
        )
        before = {
            promise_id: row
            for (customer_id, promise_id), row in walked.commitments.items()
            if customer_id == customer_key
        }
    after = derive(
        actions=[*log.actions, new],
        occasions=log.occasions,
        promises=involved,
        calendar=log.calendar,
        resume=resume,
        public=log.public,
    )

    findings = _findings(
        after=after,
        involved=involved,
        customer=clean["customer"],
        answered=answered,
        moment=moment,
        tz=tz,
    )
    if resume is not None:
        history = _stored_history(customer=owner, involved=involved, tz=tz)
    else:
        history = _history(derived=after, involved=involved, tz=tz)
    commitment = {}
    promise_rows = []
    for loaded in involved:
        promise, version = loaded.promise, loaded.in_force(moment)
        key = str(promise.pk)
        check = after.checks.get((PRECHECK_ID, promise.pk))
        params = loaded.params(version)
        promise_rows.append(
            {
                "id": promise.pk,
                "kind": promise.kind,
                "name": promise.name,
                "version": version.number,
                "label_ja": loaded.kind.label_ja,
                "label_en": loaded.kind.label_en,
                "level_unit": loaded.kind.level_unit,
                "judged": check is not None,
                "level": None if check is None else check.level,
                "kept": None if check is None else check.kept,
                "excused_reasons": list(params.get("excused_reasons", DEFAULT_EXCUSED_REASONS)),
            }
        )
        # After: what recording the action would make the customer expect; before: now.
        commitment[key] = {
            "promise": {
                "id": promise.pk,
                "kind": promise.kind,
                "name": promise.name,
                "version": version.number,
            },
            "kind": promise.kind,
            **(_commitment(after.commitments.get((customer_key, promise.pk)), tz) or EMPTY),
            "before": _commitment(before.get(promise.pk), tz),
        }

    counts_for = _counts_for(
        shop_promises=shop_promises, log=log, new=new, answered=answered, moment=moment
    )
    notes = _notes(
        owner=owner,
        clean=clean,
        answered=answered,
        involved=involved,
        promise_rows=promise_rows,
        findings=findings,
        counts_for=counts_for,
    )
    return PrecheckResult(
        judged=any(row["judged"] for row in promise_rows),
        verdict=_verdict(findings),
        findings=findings,
        commitment=commitment,
        history=history,
        promises=promise_rows,
        action={
            "customer": clean["customer"],
            "kind": clean["kind"],
            "occurred_at": _when(moment, tz),
            "occasion": clean["occasion"] or None,
            "staff": clean["staff"],
            "attributes": clean["attributes"],
            "exception": clean["exception"],
        },
        customer={
            "external_id": clean["customer"],
            "known": owner is not None,
            "name": owner.name if owner is not None else "",
        },
        notes=notes,
    )


def _unsaved_action(*, owner, clean: dict, answered) -> LoggedAction:
    """Return the action as it would be recorded, never stored (no id, the dummy external id)."""
    exception = clean["exception"]
    return LoggedAction(
        id=None,
        customer_id=owner.pk if owner is not None else None,
        external_id=PRECHECK_ID,
        kind=clean["kind"],
        occurred_at=clean["occurred_at"],
        occasion_external_id=clean["occasion"],
        occasion_id=answered.id if answered is not None else None,
        staff=clean["staff"],
        attributes=clean["attributes"],
        # Recorded now, an exception is "requested": the promise's excused_reasons decide.
        exception=None
        if exception is None
        else LoggedException(reason=exception["reason"], status=ExceptionStatus.REQUESTED),
    )


def _counts_for(*, shop_promises, log, new: LoggedAction, answered, moment) -> list[dict]:
    """Return what the promises reading this kind of action (`reads_action_kinds`) say of it.

    A booking confirmation counts for the consultation promise, which judges the reminder
    with it among the booking's related actions: recording it judges the reminder again
    (the customer's whole log is walked). The pre-check names the promise and what the kind
    reads in it (`PromiseKind.read`), as notes. No query: `shop_promises` are every promise
    of the shop (`precheck_load.precheck_promises_customer`).
    """
    if answered is None:
        return []
    reading = [
        loaded
        for loaded in shop_promises
        if new.kind in loaded.kind.reads_action_kinds and loaded.in_force(moment) is not None
    ]
    related = tuple(
        event_of(action)
        for action in log.actions
        if action.occasion_external_id == answered.external_id
        and action.customer_id == new.customer_id
        and action.external_id != new.external_id
    )
    said = []
    for loaded in reading:
        version = loaded.in_force(moment)
        verdict = loaded.kind.read(
            JudgeContext(
                action=event_of(new),
                occasion=event_of(answered),
                related=related,
                params=loaded.params(version),
                calendar=log.calendar,
            )
        )
        if verdict is not None:
            said.append({"promise": loaded.promise, "kind": loaded.kind, "verdict": verdict})
    return said


def _findings(*, after, involved, customer: str, answered, moment, tz) -> list[dict]:
    versions = {v.pk: v for loaded in involved for v in loaded.versions}
    promises = {loaded.promise.pk: loaded.promise for loaded in involved}
    rows = [
        row
        for (external_id, promise_id, _type), row in after.findings.items()
        if external_id == PRECHECK_ID and promise_id in promises
    ]
    rows.sort(key=lambda row: (row.promise_id, row.type))
    return [
        {
            "type": row.type,
            "excused": row.excused,
            "status": "open",
            "promise": {
                "id": row.promise_id,
                "kind": promises[row.promise_id].kind,
                "version": versions[row.promise_version_id].number,
                "name": promises[row.promise_id].name,
            },
            "customer": customer,
            "action": None,
            "occasion": answered.external_id if answered is not None else None,
            "occurred_at": _when(moment, tz),
            "message_ja": row.message_ja,
            "message_en": row.message_en,
            "details": row.details,
        }
        for row in rows
    ]


def _history(*, derived, involved, tz) -> dict:
    """Return, per promise, the customer's last experiences (recorded actions, newest first)."""
    by_promise: dict[int, list] = defaultdict(list)
    wanted = {loaded.promise.pk for loaded in involved}
    for (external_id, promise_id), check in derived.checks.items():
        if promise_id in wanted and external_id != PRECHECK_ID:
            by_promise[promise_id].append(check)
    excused = {
        (row.action.external_id, row.promise_id)
        for row in derived.findings.values()
        if row.excused and row.action.external_id != PRECHECK_ID
    }
    history = {}
    for loaded in involved:
        checks = sorted(
            by_promise.get(loaded.promise.pk, ()),
            key=lambda check: (check.action.occurred_at, check.action.external_id),
            reverse=True,
        )[:HISTORY_SIZE]
        history[str(loaded.promise.pk)] = [
            {
                "action": check.action.external_id,
                "at": _when(check.action.occurred_at, tz),
                "level": check.level,
                "kept": check.kept,
                "excused": (check.action.external_id, loaded.promise.pk) in excused,
            }
            for check in checks
        ]
    return history


def _stored_history(*, customer: Customer | None, involved, tz) -> dict:
    """Return, per promise, the customer's last stored checks (newest first), as `_history`.

    Each promise's newest HISTORY_SIZE checks, numbered per promise by a window function:
    read with the customer on PostgreSQL (`precheck_load.precheck_customer`), else one query for all
    the promises involved.
    """
    history: dict[str, list] = {str(loaded.promise.pk): [] for loaded in involved}
    if customer is None or not involved:
        return history
    ids = [loaded.promise.pk for loaded in involved]
    read = getattr(customer, "history_read", None)  # with the customer (PostgreSQL)
    rows = read[1] if read is not None and read[0] == ids else _stored_history_rows(customer, ids)
    for promise_id, _rank, external_id, occurred_at, level, kept, excused in sorted(
        rows, key=lambda row: (row[0], row[1])
    ):
        history[str(promise_id)].append(
            {
                "action": external_id,
                "at": _when(occurred_at, tz),
                "level": level,
                "kept": kept,
                "excused": excused,
            }
        )
    return history


def _stored_history_rows(customer: Customer, ids: list[int]):
    """Return each promise's newest HISTORY_SIZE checks of the customer (one query)."""
    excused = Finding.objects.filter(
        promise_id=OuterRef("promise_id"), action_id=OuterRef("action_id"), excused=True
    )
    return (
        Check.objects.filter(promise_id__in=ids, action__customer=customer)
        .annotate(
            excused=Exists(excused),
            rank=Window(
                RowNumber(),
                partition_by=[F("promise_id")],
                order_by=[F("occurred_at").desc(), F("action__external_id").desc()],
            ),
        )
        .filter(rank__lte=HISTORY_SIZE)
        .values_list(
            "promise_id", "rank", "action__external_id", "occurred_at", "level", "kept", "excused"
        )
    )


NOTES = {
    "new_customer": (
        "No history for this customer yet: judged as a first experience.",
        "このお客様の履歴はまだありません。初めての対応として判定しました。",
    ),
    "occasion_not_recorded": (
        "The occasion {occasion} is not recorded yet; promises that measure against it could "
        "not judge this action.",
        "{occasion} はまだ記録されていません。これを基準にする約束はこの対応を判定できません。",
    ),
    "no_promise": (
        "No promise in force at that time covers this kind of action.",
        "その時点で有効な約束に、この種類の対応を対象とするものはありません。",
    ),
    "not_judged": (
        "No promise judged this action (it answers no occasion the promises cover, or they do "
        "not apply to it).",
        "この対応を判定した約束はありません（約束の対象となる案件への対応ではないか、"
        "約束が当てはまりません）。",
    ),
    "counts_for": (
        "It counts for the promise “{name}” ({label_en}): {message_en}",
        "約束「{name}」（{label_ja}）の対象です：{message_ja}",
    ),
    "excused_not_counted": (
        "Findings excused by the exception do not make the verdict worse; they are still listed.",
        "例外で免除された指摘は判定を悪くしません（一覧には表示します）。",
    ),
    "public_precedent": (
        "Public precedent: {told_en}. It was told publicly, so every customer of the shop may "
        "expect it.",
        "公開された前例：{told_ja}。公に伝わっているため、どのお客様も同じ対応を"
        "期待するかもしれません。",
    ),
}


def _note(code: str, **values) -> dict:
    english, japanese = NOTES[code]
    return {
        "code": code,
        "message_en": english.format(**values),
        "message_ja": japanese.format(**values),
    }


def _notes(
    *, owner, clean, answered, involved, promise_rows, findings, counts_for=()
) -> list[dict]:
    """Return what the verdict alone does not say (each with a stable code, in both languages)."""
    notes = []
    if owner is None:
        notes.append(_note("new_customer"))
    if clean["occasion"] and answered is None:
        notes.append(_note("occasion_not_recorded", occasion=clean["occasion"]))
    for said in counts_for:
        notes.append(
            _note(
                "counts_for",
                name=said["promise"].name,
                label_en=said["kind"].label_en,
                label_ja=said["kind"].label_ja,
                message_en=said["verdict"].message_en,
                message_ja=said["verdict"].message_ja,
            )
        )
    if not involved:
        if not counts_for:
            notes.append(_note("no_promise"))
    elif not any(row["judged"] for row in promise_rows):
        notes.append(_note("not_judged"))
    if any(finding["excused"] for finding in findings):
        notes.append(_note("excused_not_counted"))
    public = [
        named for finding in findings for named in finding["details"].get("public_precedents", ())
    ]
    if public:
        notes.append(
            _note(
                "public_precedent",
                told_en="; ".join(dict.fromkeys(named["text_en"] for named in public)),
                told_ja="、".join(dict.fromkeys(named["text_ja"] for named in public)),
            )
        )
    return notes


def known_kinds() -> dict[str, str]:
    """Return, per action kind, the occasion kind the promises expect it to answer.

    The kind a promise judges, and the kinds it reads among the occasion's related actions
    (`PromiseKind.reads_action_kinds`: a booking confirmation answers the booking).
    """
    kinds = {kind.action_kind: kind.occasion_kind for kind in registry.all()}
    for kind in registry.all():
        for read in kind.reads_action_kinds:
            kinds.setdefault(read, kind.occasion_kind)
    return kinds
