"""The contract every promise kind follows: events, history, verdicts, judgements, parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

from policies import vocabulary
from policies.calendar import Channel, ShopCalendar
from policies.vocabulary import ExceptionReason, Unit

SHIPPING = Channel.SHIPPING
INQUIRIES = Channel.INQUIRIES

BREACH = "breach"
DRIFT = "drift"
PRECEDENT = "precedent"
OK = "ok"  # what a kind's `read` says of an action in time

DEFAULT_EXCUSED_REASONS = (ExceptionReason.OUR_MISTAKE.value, ExceptionReason.DEADLINE.value)


@dataclass(frozen=True)
class Event:
    """An occasion or an action as the judge sees it."""

    external_id: str
    kind: str
    occurred_at: datetime
    attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class History:
    """This customer's experience of this promise before the action being judged."""

    count: int = 0
    last_level: float | None = None
    best_level: float | None = None
    precedents: tuple = ()


@dataclass(frozen=True)
class Verdict:
    """One finding a judgement produces: breach, drift or precedent, with its numbers."""

    type: str
    message_ja: str
    message_en: str
    details: dict


@dataclass(frozen=True)
class Judgement:
    """The level an action reached, whether it kept the promise, and its verdicts."""

    level: float | None
    kept: bool
    verdicts: tuple[Verdict, ...] = ()
    precedent: dict | None = None

    @property
    def types(self) -> tuple[str, ...]:
        """Return the verdict types, in order."""
        return tuple(v.type for v in self.verdicts)


@dataclass(frozen=True)
class JudgeContext:
    """Everything a judge may look at: nothing else, so judging is a pure function."""

    action: Event
    occasion: Event | None
    related: tuple[Event, ...]
    params: dict
    calendar: ShopCalendar
    history: History = History()


# ---------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """A serializer that rejects keys it does not declare, naming each one."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [
                            serializers.ErrorDetail(
                                _("Unknown parameter “%(name)s”.") % {"name": key},
                                code="invalid_param",
                            )
                        ]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class KindParams(StrictSerializer):
    """Parameters every kind accepts; a kind's Params subclasses this."""

    excused_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=ExceptionReason.choices),
        default=lambda: list(DEFAULT_EXCUSED_REASONS),
        label=_("Reasons excused without approval"),
        help_text=_("Exception reasons that excuse a finding without a manager's approval."),
    )

    def get_fields(self):
        # The kind's own parameters first, the shared ones last (forms follow this order).
        fields = super().get_fields()
        fields["excused_reasons"] = fields.pop("excused_reasons")
        return fields


def _flatten(detail, prefix: str | None = None) -> list[tuple[str | None, str]]:
    """Return (field, message) pairs from a DRF error detail, fields joined with dots."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key == "non_field_errors":
                name = prefix
            elif isinstance(key, int):
                name = f"{prefix}[{key}]" if prefix else f"[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else key
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.extend(_flatten(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
            else:
                out.extend(_flatten(value, prefix))
        return out
    return [(prefix, str(detail))]


def params_error(field_name: str | None, message: str) -> ValidationError:
    """Return the ValidationError for one bad parameter (code invalid_param, the field named)."""
    return ValidationError(
        message.replace("%", "%%"), code="invalid_param", params={"field": field_name}
    )


def _json_default(value):
    return value() if callable(value) else value


def field_schema(f: serializers.Field) -> dict:
    """Return the JSON-schema-like description of one serializer field."""
    if isinstance(f, serializers.ListSerializer):
        out: dict[str, Any] = {"type": "array", "items": serializer_schema(f.child)}
        if not f.allow_empty:
            out["minItems"] = 1
    elif isinstance(f, serializers.Serializer):
        out = serializer_schema(f)
    elif isinstance(f, serializers.BooleanField):
        out = {"type": "boolean"}
    elif isinstance(f, serializers.IntegerField | serializers.FloatField):
        out = {"type": "integer" if isinstance(f, serializers.IntegerField) else "number"}
        if f.min_value is not None:
            out["minimum"] = f.min_value
        if f.max_value is not None:
            out["maximum"] = f.max_value
    elif isinstance(f, serializers.MultipleChoiceField):
        out = {"type": "array", "items": {"type": "string", "enum": list(f.choices)}}
    elif isinstance(f, serializers.ChoiceField):
        out = {"type": "string", "enum": list(f.choices)}
    elif isinstance(f, serializers.ListField):
        out = {"type": "array", "items": field_schema(f.child)}
        if not f.allow_empty:
            out["minItems"] = 1
    elif isinstance(f, serializers.TimeField):
        out = {"type": "string", "format": "time", "pattern": r"^\d{2}:\d{2}$"}
    elif isinstance(f, serializers.DateField):
        out = {"type": "string", "format": "date"}
    elif isinstance(f, serializers.CharField):
        out = {"type": "string"}
        if f.max_length is not None:
            out["maxLength"] = f.max_length
    else:
        raise ImproperlyConfigured(
            f"Parameter field {type(f).__name__} has no schema; use a boolean, integer, number, "
            "choice, list, time, date, string or nested serializer field."
        )
    if f.default is not empty:
        out["default"] = _json_default(f.default)
    if f.help_text:
        out["description"] = str(f.help_text)
    return out


def serializer_schema(serializer: serializers.Serializer) -> dict:
    """Return the JSON-schema-like description of a serializer's fields."""
    fields = serializer.fields
    return {
        "type": "object",
        "properties": {name: field_schema(f) for name, f in fields.items()},
        "required": [name for name, f in fields.items() if f.required],
        "additionalProperties": False,
    }


# ---------------------------------------------------------------------------------------
# Small helpers the kinds share
# ---------------------------------------------------------------------------------------


def num(value: float | int | None):
    """Return a number as an int when it is whole, so messages read "10" and not "10.0"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_time(value: str | time) -> time:
    """Return a time from "HH:MM" (params are stored as JSON)."""
    if isinstance(value, time):
        return value
    hours, minutes = value.split(":")[:2]
    return time(int(hours), int(minutes))


def iso(value: date | datetime | None) -> str | None:
    """Return the ISO form of a date or time for details (JSON)."""
    return value.isoformat() if value is not None else None


def number_attribute(attributes: dict, name: str) -> float | None:
    """Return a numeric attribute, or None when it is absent or not a number."""
    value = attributes.get(name)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def open_days_late(calendar: ShopCalendar, due: date, on: date, channel: str) -> int:
    """Return the open days from due to on (signed); a closed day after due counts as the
    next open day, so acting on a closed day after the due day is never "on time"."""
    if on > due and not calendar.is_open(on, channel):
        on = calendar.next_open_day(on, channel)
    return calendar.open_days_between(due, on, channel)


def shipment_of(related) -> Event | None:
    """Return the first shipment among the occasion's actions, or None before it ships."""
    shipments = [event for event in related if event.kind == "shipped"]
    if not shipments:
        return None
    return min(shipments, key=lambda event: (event.occurred_at, event.external_id))


_WEEKDAYS_JA = "月火水木金土日"


def date_ja(d: date) -> str:
    """Return a date the way a Japanese manager reads it: 2026年11月20日(金)."""
    return f"{d.year}年{d.month}月{d.day}日({_WEEKDAYS_JA[d.weekday()]})"


def date_en(d: date) -> str:
    """Return a date with its weekday: Fri 2026-11-20."""
    return f"{d:%a} {d.isoformat()}"


def moment_ja(moment: datetime) -> str:
    """Return a shop-time moment for a Japanese message: 2026年11月20日(金) 15:30."""
    return f"{date_ja(moment.date())} {moment:%H:%M}"


def moment_en(moment: datetime) -> str:
    """Return a shop-time moment for an English message: Fri 2026-11-20 15:30."""
    return f"{date_en(moment.date())} {moment:%H:%M}"


def plural(count, singular: str, plural_form: str | None = None) -> str:
    """Return "1 business day" / "2 business days" (English messages)."""
    count = num(count)
    word = singular if count in (1, -1) else (plural_form or f"{singular}s")
    return f"{count} {word}"


def within_judgement(
    *,
    level: float,
    within: float,
    last: float | None,
    details: dict,
    breach: Callable[[], tuple[str, str]],
    drift: Callable[[], tuple[str, str]],
    tolerance: float = 0,
) -> Judgement:
    """Judge a promise of "within N" (hours, days): the shape several kinds share.

    Past the promise is a breach (not kept); within it, past what this customer had last
    time by more than the tolerance is a drift (kept); else kept. `breach` and `drift`
    return the (Japanese, English) message, made only when it is needed (the drift's
    words name the last level, which may be absent).
    """
    if level > within:
        return Judgement(level=level, kept=False, verdicts=(Verdict(BREACH, *breach(), details),))
    if last is not None and level > last + tolerance:
        return Judgement(level=level, kept=True, verdicts=(Verdict(DRIFT, *drift(), details),))
    return Judgement(level=level, kept=True)


# ---------------------------------------------------------------------------------------
# The kind
# ---------------------------------------------------------------------------------------


class PromiseKind:
    """One kind of service promise: its parameters, deadline, level and judging.

    Subclasses declare the class attributes and implement ``evaluate`` (and, where they
    have one, ``deadline``); ``judge`` first checks that the action is one this kind judges.
    Instances are stateless: the registry keeps one per kind.
    """

    id: ClassVar[str]
    label_ja: ClassVar[str]
    label_en: ClassVar[str]
    occasion_kind: ClassVar[str]
    action_kind: ClassVar[str]
    # Action kinds this kind reads among an occasion's related actions (besides the one it
    # judges): an action of such a kind answers the same occasion kind, so the pre-check and
    # the open occasions offer that occasion for it, and recording it re-judges the kind.
    reads_action_kinds: ClassVar[tuple[str, ...]] = ()
    # The unit the level is measured in (policies.vocabulary.Unit); the registry sets
    # level_unit (the unit's id, stored with levels and reports) from it.
    unit: ClassVar[Unit]
    level_unit: ClassVar[str]
    higher_is_better: ClassVar[bool]
    Params: ClassVar[type[serializers.Serializer]]
    # The words of each precedent this kind can set ({"what": …} of Judgement.precedent).
    precedent_labels: ClassVar[dict[str, Any]] = {}

    # -- parameters ---------------------------------------------------------------------

    @classmethod
    def validate_params(cls, params: dict | None) -> dict:
        """Return the parameters validated, with defaults filled, as JSON-ready values."""
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise params_error("params", str(_("Parameters must be an object.")))
        serializer = cls.Params(data=params)
        if not serializer.is_valid():
            errors = _flatten(serializer.errors)
            raise ValidationError([params_error(name, message) for name, message in errors])
        return dict(serializer.to_representation(serializer.validated_data))

    @classmethod
    def params_schema(cls) -> dict:
        """Return the JSON-schema-like description of the parameters, with defaults."""
        return serializer_schema(cls.Params())

    @classmethod
    def default_params(cls) -> dict:
        """Return the parameters when none are given."""
        return cls.validate_params({})

    # -- judging ------------------------------------------------------------------------

    def watches(self, ctx: JudgeContext) -> bool:
        """Return whether the action and its occasion are the kinds this promise is about."""
        return (
            ctx.action.kind == self.action_kind
            and ctx.occasion is not None
            and ctx.occasion.kind == self.occasion_kind
        )

    def applies(self, *, occasion: Event, params: dict, calendar: ShopCalendar) -> bool:
        """Return whether the promise asks for an action on this occasion."""
        return occasion.kind == self.occasion_kind

    def deadline(
        self, *, occasion: Event, related: tuple[Event, ...], params: dict, calendar: ShopCalendar
    ) -> datetime | None:
        """Return when the fulfilling action is due, or None when the kind has no deadline."""
        return None

    # -- the worklist's window ------------------------------------------------------------

    # The action kind without which an occasion has no deadline yet (a note is due with the
    # shipment): the worklist reads only the occasions that action already answers.
    deadline_after: ClassVar[str | None] = None

    def deadline_reach(self, *, params: dict, calendar: ShopCalendar, day: date) -> datetime | None:
        """Return a moment before which every occasion's deadline is at or before `day` starts.

        The worklist computes deadlines only for the occasions from that moment on (what can
        fall due on `day` or later); older ones still waiting are late, listed most recent
        first with a count. None (the safe default): no such moment is known, every waiting
        occasion of the worklist's window is read. A kind answers only if its deadline grows
        with the occasion's time and needs neither its attributes nor its related actions.
        """
        return None

    def judge(self, ctx: JudgeContext) -> Judgement | None:
        """Return the judgement of the action, or None when this promise does not judge it."""
        if ctx.action.kind == self.action_kind and ctx.occasion is None:
            # No occasion (none named, or not recorded yet): what needs none is still judged.
            return self.evaluate_without_occasion(ctx)
        if not self.watches(ctx):
            return None
        if not self.applies(occasion=ctx.occasion, params=ctx.params, calendar=ctx.calendar):
            return self.evaluate_unpromised(ctx)
        return self.evaluate(ctx)

    def evaluate(self, ctx: JudgeContext) -> Judgement | None:
        """Return the judgement of an action the promise applies to."""
        raise NotImplementedError(f"{type(self).__name__}.evaluate is not written yet")

    def read(self, ctx: JudgeContext) -> Verdict | None:
        """Return what an action of a kind this kind reads (`reads_action_kinds`) means for
        the promise, or None (the default: nothing to say).

        The pre-check says it in its `counts_for` note: `ctx.action` is the action read,
        `ctx.occasion` the occasion it answers (None when not recorded), `ctx.related` the
        occasion's other actions. A Verdict of type OK or BREACH with its words; it is no
        finding (the kind's own action is judged with it among its related actions).
        """
        return None

    def evaluate_unpromised(self, ctx: JudgeContext) -> Judgement | None:
        """Return the judgement of an action the promise does not ask for (default: none)."""
        return None

    def evaluate_without_occasion(self, ctx: JudgeContext) -> Judgement | None:
        """Return the judgement of an action without its occasion (default: none).

        A kind judges here only what it can know without the occasion (a note's lines, a
        notice's tracking number, extras against the customer's precedents); the action is
        judged again, fully, when its occasion is recorded.
        """
        return None

    # -- the overdue finding's words -----------------------------------------------------

    def overdue_message(
        self, *, occasion: Event, deadline: datetime, calendar: ShopCalendar
    ) -> tuple[str, str]:
        """Return the overdue finding's message in Japanese and English.

        Built from the occasion's and the action's nouns (policies.vocabulary): "No shipment
        is recorded for the order A-1 of Fri 2026-11-20 15:30; it was due by the end of Mon
        2026-11-23 (Same-day shipping before the cutoff)." Override it only where that reads
        wrong for the kind.
        """
        occasion_kind = vocabulary.record_kind_or_none(vocabulary.OCCASION, occasion.kind)
        action_kind = vocabulary.record_kind_or_none(vocabulary.ACTION, self.action_kind)
        at = calendar.local(occasion.occurred_at)
        due = calendar.local(deadline)
        messages = []
        for language, label, moment, day in (
            ("ja", self.label_ja, moment_ja, date_ja),
            ("en", self.label_en, moment_en, date_en),
        ):
            if (due.hour, due.minute, due.second) == (0, 0, 0):
                # Midnight is the end of the day before.
                due_words = vocabulary.in_language(_("the end of %(day)s"), language) % {
                    "day": day(due.date() - timedelta(days=1))
                }
            else:
                due_words = moment(due)
            template = vocabulary.in_language(
                _(
                    "No %(action)s is recorded for the %(occasion)s %(id)s of %(at)s; it was "
                    "due by %(due)s (%(kind)s)."
                ),
                language,
            )
            messages.append(
                template
                % {
                    "action": vocabulary.in_language(action_kind.noun, language)
                    if action_kind
                    else self.action_kind,
                    "occasion": vocabulary.in_language(occasion_kind.noun, language)
                    if occasion_kind
                    else occasion.kind,
                    "id": occasion.external_id,
                    "at": moment(at),
                    "due": due_words,
                    "kind": label,
                }
            )
        return messages[0], messages[1]

    # -- comparing versions ---------------------------------------------------------------

    def promised_level(self, params: dict) -> float | None:
        """Return the level the promise guarantees, in level_unit, or None if it has none."""
        return None

    def lowers(self, old: dict, new: dict) -> bool:
        """Return whether the new parameters promise less than the old ones."""
        raise NotImplementedError(f"{type(self).__name__}.lowers is not written yet")

    def is_better(self, level: float | None, than: float | None) -> bool:
        """Return whether one level is better than another (None is never better)."""
        if level is None:
            return False
        if than is None:
            return True
        return level > than if self.higher_is_better else level < than

    def __repr__(self):
        return f"<PromiseKind {self.id}>"


def reach_by_days(
    *,
    calendar: ShopCalendar,
    day: date,
    deadline_at: Callable[[datetime], datetime | None],
    max_days: int = 62,
) -> datetime | None:
    """Return a moment before which every occasion was due by the start of `day`.

    `deadline_at(moment)` is the kind's deadline for an occasion at that moment, growing with
    it: the occasions before a moment due by the start of `day` are due by then too. Walks
    back a day at a time to the latest day whose start was due, then narrows within that day
    to the minute. None when no such day lies within max_days.
    """
    limit = calendar.start_of_day(day)
    current = day
    for _step in range(max_days):
        start = calendar.start_of_day(current)
        deadline = deadline_at(start)
        if deadline is not None and deadline <= limit:
            return _latest_due(start, calendar.end_of_day(current), limit, deadline_at)
        current -= timedelta(days=1)
    return None


class WithinBusinessHours(PromiseKind):
    """A kind whose action is due `within_business_hours` business hours after the occasion
    (its Params declare that field); the level is the business hours the action took."""

    def deadline(self, *, occasion, related, params, calendar):
        return calendar.add_business_hours(occasion.occurred_at, params["within_business_hours"])

    def deadline_reach(self, *, params, calendar, day):
        hours = params["within_business_hours"]
        return reach_by_days(
            calendar=calendar,
            day=day,
            deadline_at=lambda at: calendar.add_business_hours(at, hours),
        )

    @staticmethod
    def business_hours_taken(ctx: JudgeContext) -> float:
        """Return the business hours from the occasion to the action (never below 0)."""
        taken = ctx.calendar.business_hours_between(
            ctx.occasion.occurred_at, ctx.action.occurred_at
        )
        return round(max(taken, 0), 2)


def _latest_due(low: datetime, high: datetime, limit: datetime, deadline_at) -> datetime:
    """Return a moment in [low, high) before which all were due by limit (to the minute).

    deadline_at(low) is due by limit; the deadline grows with the moment: halve the day.
    """
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        deadline = deadline_at(middle)
        if deadline is not None and deadline <= limit:
            low = middle
        else:
            high = middle
    return low
