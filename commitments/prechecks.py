"""The pre-check: "is this consistent?" — judge an action before doing it. Stores nothing.

The action is validated exactly as `services.action_record` validates it, then judged by
the engine's pure walk (`engine.derive`) together with the customer's real actions, as if
it had been recorded. The answer concerns the new action only: its verdict and findings,
what the customer has come to expect from each promise involved (before and after), and
the customer's last experiences of those promises. A constant number of queries; nothing
is written (an unknown customer stays unknown: a customer with no history).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers

from policies.calendar import ShopCalendar
from policies.kinds import registry

from . import engine
from .models import Action, ActionException, Customer, Occasion
from .services import action_validate

# The unsaved action's external id. "~" sorts after letters and digits, so at the very same
# moment as a recorded action the new one is judged after it (it is the latest).
PRECHECK_ID = "~precheck~"
HISTORY_SIZE = 5
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


def _when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """Return a moment as the API renders it (ISO 8601 in the shop's timezone)."""
    if moment is None:
        return None
    with timezone.override(tz):
        return serializers.DateTimeField().to_representation(moment)


def _no_exception(action: Action) -> Action:
    # Mark the reverse one-to-one as loaded-and-empty so the engine asks no query.
    Action.exception.related.set_cached_value(action, None)
    return action


def _load_customer(*, shop, external_id: str) -> Customer | None:
    return Customer.objects.filter(shop=shop, external_id=external_id).first()


def _load_actions(*, shop, customer: Customer | None) -> list[Action]:
    if customer is None:
        return []
    actions = list(
        Action.objects.filter(shop=shop, customer=customer)
        .select_related("exception")
        .order_by("occurred_at", "external_id")
    )
    for action in actions:
        action.customer = customer  # no query when the engine or the output reads it
    return actions


def _load_occasions(
    *, shop, customer: Customer | None, actions: list[Action], named: str
) -> tuple[dict[int, Occasion], Occasion | None]:
    """Return the occasions the actions answer (by id), and the occasion named, if stored."""
    wanted = []
    if customer is not None:
        wanted.append(Q(customer=customer))
    if named:
        wanted.append(Q(external_id=named))
    occasions = {}
    if wanted:
        either = wanted[0] if len(wanted) == 1 else wanted[0] | wanted[1]
        occasions = {o.pk: o for o in Occasion.objects.filter(either, shop=shop)}
    # An action may answer another customer's occasion; rare, so usually no query here.
    missing = {a.occasion_id for a in actions if a.occasion_id and a.occasion_id not in occasions}
    if missing:
        occasions.update({o.pk: o for o in Occasion.objects.filter(pk__in=missing)})
    answered = next((o for o in occasions.values() if named and o.external_id == named), None)
    return occasions, answered


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
    calendar = ShopCalendar.for_shop(shop)
    promises = engine.promises_load(shop=shop)
    owner = _load_customer(shop=shop, external_id=clean["customer"])
    actions = _load_actions(shop=shop, customer=owner)
    occasions, answered = _load_occasions(
        shop=shop, customer=owner, actions=actions, named=clean["occasion"]
    )

    new = _unsaved_action(shop=shop, owner=owner, clean=clean, answered=answered)
    before = engine.derive(
        actions=actions, occasions=occasions, promises=promises, calendar=calendar
    )
    after = engine.derive(
        actions=[*actions, new], occasions=occasions, promises=promises, calendar=calendar
    )
    customer_key = owner.pk if owner is not None else None
    moment = clean["occurred_at"]
    involved = [
        loaded
        for loaded in promises
        if loaded.kind.action_kind == clean["kind"] and loaded.version_at(moment) is not None
    ]

    findings = _findings(
        after=after,
        involved=involved,
        customer=clean["customer"],
        answered=answered,
        moment=moment,
        tz=tz,
    )
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
            "before": _commitment(before.commitments.get((customer_key, promise.pk)), tz),
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
            "actions": len(actions),
        },
        notes=notes,
    )


def _unsaved_action(*, shop, owner, clean: dict, answered: Occasion | None) -> Action:
    """Return the action as it would be stored, never saved (pk None, the dummy id)."""
    action = Action(
        shop=shop,
        customer=owner,
        external_id=PRECHECK_ID,
        kind=clean["kind"],
        occurred_at=clean["occurred_at"],
        occasion_external_id=clean["occasion"],
        occasion=answered,
        staff=clean["staff"],
        attributes=clean["attributes"],
    )
    exception = clean["exception"]
    if exception is None:
        return _no_exception(action)
    # Recorded now, an exception is "requested": the promise's excused_reasons decide.
    Action.exception.related.set_cached_value(
        action, ActionException(action=action, reason=exception["reason"], note=exception["note"])
    )
    return action


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
        "この対応を判定した約束はありません（約束の対象となるきっかけに答えていないか、"
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
