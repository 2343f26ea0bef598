"""The pre-check: "is this consistent?" — judge an action before doing it. Stores nothing.

The action is validated exactly as `services.action_record` validates it, then judged by
the engine's pure walk (`engine.derive`) together with the customer's real actions, as if
it had been recorded. The answer concerns the new action only: its verdict and findings,
what the customer has come to expect from each promise involved (now, as the engine keeps
it, and after this action), and the customer's last experiences of those promises. A
constant number of queries; nothing is written (an unknown customer stays unknown: a
customer with no history).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from rest_framework import serializers

from policies.calendar import ShopCalendar
from policies.kinds import registry
from policies.models import PromiseVersion

from . import engine
from .models import Action, Check, Commitment, Customer, ExceptionStatus, Finding, Occasion
from .services import action_validate

# The unsaved action's external id. "~" sorts after letters and digits, so at the very same
# moment as a recorded action the new one is judged after it (it is the latest).
PRECHECK_ID = "~precheck~"
HISTORY_SIZE = 5
# What judging reads of an action and of its exception: nothing else is loaded.
ACTION_FIELDS = (
    "id",
    "customer_id",
    "external_id",
    "kind",
    "occurred_at",
    "occasion_external_id",
    "occasion_id",
    "staff",
    "attributes",
)
OCCASION_FIELDS = ("id", "external_id", "kind", "occurred_at", "attributes")
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


@dataclass(slots=True)
class LoggedException:
    """An action's exception as judging reads it."""

    reason: str
    status: str


@dataclass(slots=True)
class LoggedAction:
    """An action as the engine's walk reads it (the attributes `engine.derive` uses).

    Loaded from plain rows, not model instances: a long history is read several times
    faster, which is what keeps a pre-check interactive. `id` is None for the action being
    pre-checked.
    """

    id: int | None
    customer_id: int | None
    external_id: str
    kind: str
    occurred_at: datetime
    occasion_external_id: str
    occasion_id: int | None
    staff: str
    attributes: dict
    exception: LoggedException | None = None

    @property
    def pk(self) -> int | None:
        return self.id


@dataclass(slots=True)
class LoggedOccasion:
    """An occasion as judging reads it."""

    id: int
    external_id: str
    kind: str
    occurred_at: datetime
    attributes: dict

    @property
    def pk(self) -> int:
        return self.id


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
        }


def calendar_for(shop) -> ShopCalendar:
    """Return the shop's calendar, shared between pre-checks while the shop's rules are unchanged.

    `ShopCalendar.for_shop` caches by `policies.calendar.calendar_config_key` (the shop's
    calendar fields and its dated weekly rules): a calendar change is a new key, never a
    stale answer.
    """
    return ShopCalendar.for_shop(shop)


def _when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """Return a moment as the API renders it (ISO 8601 in the shop's timezone)."""
    if moment is None:
        return None
    with timezone.override(tz):
        return serializers.DateTimeField().to_representation(moment)


def _promises_judging(*, shop, action_kind: str) -> list[engine.LoadedPromise]:
    """Return the shop's promises whose kind judges this kind of action, with all versions.

    `engine.promises_load` narrowed in the query to those kinds (one query).
    """
    kinds = [kind for kind in registry.all() if kind.action_kind == action_kind]
    if not kinds:
        return []
    by_promise: dict[int, list[PromiseVersion]] = defaultdict(list)
    for version in PromiseVersion.objects.filter(
        promise__shop=shop, promise__kind__in=[kind.id for kind in kinds]
    ).select_related("promise"):
        by_promise[version.promise_id].append(version)
    return [
        engine.LoadedPromise(
            promise=versions[0].promise,
            kind=registry.get(versions[0].promise.kind),
            versions=versions,
        )
        for _promise_id, versions in sorted(by_promise.items())
    ]


def _load_customer(*, shop, external_id: str) -> Customer | None:
    return Customer.objects.filter(shop=shop, external_id=external_id).first()


def _load_actions(*, shop, customer: Customer | None, kind: str, named: str) -> list[LoggedAction]:
    """Return the customer's actions the judges of this kind can look at, exceptions loaded.

    The actions of the kind (the history), and every action answering an occasion one of
    them (or the new one) answers (what a judge sees as `related`, e.g. the shipment of a
    notice). One query reading only the fields judging uses.
    """
    if customer is None:
        return []
    mine = Action.objects.filter(shop=shop, customer=customer)
    answered = mine.filter(kind=kind).exclude(occasion_external_id="")
    wanted = Q(kind=kind) | Q(occasion_external_id__in=answered.values("occasion_external_id"))
    if named:
        wanted |= Q(occasion_external_id=named)
    rows = (
        mine.filter(wanted)
        .order_by("occurred_at", "external_id")
        .values_list(*ACTION_FIELDS, "exception__reason", "exception__status")
    )
    return [
        LoggedAction(*row[:-2], exception=None if row[-2] is None else LoggedException(*row[-2:]))
        for row in rows
    ]


def _can_resume(*, shop, customer: Customer | None, kind: str, moment: datetime) -> bool:
    """Return whether every action of this kind is judged and earlier than the new one.

    Then the stored commitments are exactly the history the new action is judged against.
    One aggregate query.
    """
    if customer is None:
        return False
    state = Action.objects.filter(shop=shop, customer=customer, kind=kind).aggregate(
        latest=Max("occurred_at"), unjudged=Count("pk", filter=Q(judged_at__isnull=True))
    )
    return state["unjudged"] == 0 and (state["latest"] is None or state["latest"] < moment)


def _load_answering(
    *, shop, customer: Customer | None, named: str, not_kind: str
) -> list[LoggedAction]:
    """Return the customer's other actions answering the occasion named (what judges see as
    `related`, e.g. the shipment of a notice); none of the new action's own kind."""
    if customer is None or not named:
        return []
    rows = (
        Action.objects.filter(shop=shop, customer=customer, occasion_external_id=named)
        .exclude(kind=not_kind)
        .order_by("occurred_at", "external_id")
        .values_list(*ACTION_FIELDS, "exception__reason", "exception__status")
    )
    return [
        LoggedAction(*row[:-2], exception=None if row[-2] is None else LoggedException(*row[-2:]))
        for row in rows
    ]


def _load_occasions(
    *, shop, actions: list[LoggedAction], named: str
) -> tuple[dict[int, LoggedOccasion], LoggedOccasion | None]:
    """Return the occasions the actions answer (by id), and the occasion named, if stored."""
    wanted = Q(pk__in=sorted({a.occasion_id for a in actions if a.occasion_id}))
    if named:
        wanted |= Q(shop=shop, external_id=named)
    occasions = {
        row[0]: LoggedOccasion(*row)
        for row in Occasion.objects.filter(wanted).values_list(*OCCASION_FIELDS)
    }
    answered = next((o for o in occasions.values() if named and o.external_id == named), None)
    return occasions, answered


def _stored_commitments(*, owner: Customer | None, involved) -> dict[int, Commitment]:
    """Return the customer's stored commitments to the promises involved, by promise id."""
    if owner is None or not involved:
        return {}
    return {
        commitment.promise_id: commitment
        for commitment in Commitment.objects.filter(
            customer=owner, promise_id__in=[loaded.promise.pk for loaded in involved]
        )
    }


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
    calendar = calendar_for(shop)
    moment = clean["occurred_at"]
    # Only the promises that judge this kind of action: the others' findings cannot change.
    involved = [
        loaded
        for loaded in _promises_judging(shop=shop, action_kind=clean["kind"])
        if loaded.version_at(moment) is not None
    ]
    owner = _load_customer(shop=shop, external_id=clean["customer"])
    # Before: the commitments the engine keeps for this customer (derived from the same log).
    before = _stored_commitments(owner=owner, involved=involved)
    resume = _can_resume(shop=shop, customer=owner, kind=clean["kind"], moment=moment)
    if resume:
        # The new action comes after everything judged: continue from the stored
        # commitments instead of walking the whole history again (constant time).
        actions = _load_answering(
            shop=shop, customer=owner, named=clean["occasion"], not_kind=clean["kind"]
        )
    else:
        actions = _load_actions(
            shop=shop, customer=owner, kind=clean["kind"], named=clean["occasion"]
        )
    occasions, answered = _load_occasions(shop=shop, actions=actions, named=clean["occasion"])

    new = _unsaved_action(owner=owner, clean=clean, answered=answered)
    customer_key = owner.pk if owner is not None else None
    after = engine.derive(
        actions=[*actions, new],
        occasions=occasions,
        promises=involved,
        calendar=calendar,
        resume={(customer_key, pk): row for pk, row in before.items()} if resume else None,
    )

    findings = _findings(
        after=after,
        involved=involved,
        customer=clean["customer"],
        answered=answered,
        moment=moment,
        tz=tz,
    )
    if resume:
        history = _stored_history(customer=owner, involved=involved, tz=tz)
    else:
        history = _history(derived=after, involved=involved, tz=tz)
    commitment = {}
    promise_rows = []
    for loaded in involved:
        promise, version = loaded.promise, loaded.version_at(moment)
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
                "excused_reasons": list(
                    params.get("excused_reasons", engine.DEFAULT_EXCUSED_REASONS)
                ),
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

    notes = _notes(
        owner=owner,
        clean=clean,
        answered=answered,
        involved=involved,
        promise_rows=promise_rows,
        findings=findings,
    )
    return PrecheckResult(
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

    One query per promise involved (at most two promises judge one kind of action).
    """
    history = {}
    for loaded in involved:
        rows = []
        if customer is not None:
            excused = Finding.objects.filter(
                promise=loaded.promise, action_id=OuterRef("action_id"), excused=True
            )
            rows = (
                Check.objects.filter(promise=loaded.promise, action__customer=customer)
                .annotate(excused=Exists(excused))
                .order_by("-occurred_at", "-action__external_id")
                .values_list("action__external_id", "occurred_at", "level", "kept", "excused")
            )[:HISTORY_SIZE]
        history[str(loaded.promise.pk)] = [
            {
                "action": external_id,
                "at": _when(occurred_at, tz),
                "level": level,
                "kept": kept,
                "excused": excused,
            }
            for external_id, occurred_at, level, kept, excused in rows
        ]
    return history


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
    "excused_not_counted": (
        "Findings excused by the exception do not make the verdict worse; they are still listed.",
        "例外で免除された指摘は判定を悪くしません（一覧には表示します）。",
    ),
}


def _note(code: str, **values) -> dict:
    english, japanese = NOTES[code]
    return {
        "code": code,
        "message_en": english.format(**values),
        "message_ja": japanese.format(**values),
    }


def _notes(*, owner, clean, answered, involved, promise_rows, findings) -> list[dict]:
    """Return what the verdict alone does not say (each with a stable code, in both languages)."""
    notes = []
    if owner is None:
        notes.append(_note("new_customer"))
    if clean["occasion"] and answered is None:
        notes.append(_note("occasion_not_recorded", occasion=clean["occasion"]))
    if not involved:
        notes.append(_note("no_promise"))
    elif not any(row["judged"] for row in promise_rows):
        notes.append(_note("not_judged"))
    if any(finding["excused"] for finding in findings):
        notes.append(_note("excused_not_counted"))
    return notes


def known_kinds() -> dict[str, str]:
    """Return, per action kind, the occasion kind the promises expect it to answer."""
    return {kind.action_kind: kind.occasion_kind for kind in registry.all()}
