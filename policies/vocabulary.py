"""The words of the log: occasion kinds, action kinds, their attributes, units, reasons.

The bottom of the judging vocabulary, below both `policies.kinds` and `commitments`: it imports
nothing of either. Occasion and action kinds are registered like promise kinds, with their
words (English msgids, Japanese in the catalogue), their attributes (type, bounds, label, the
help text of their CSV column) — everything the API, the CSV import, the forms, the pre-check,
the sweeper's messages, the reports and the OpenAPI schema need, so that a new promise kind
that brings its own occasion or action is one module (plus its tests and its .po entries).

The built-in occasions and actions, shared by several promise kinds, are declared at the end
of this file; a promise kind module registers the ones only it uses (`occasion_register`,
`action_register`) and may add attributes to a shared one (`attributes_extend`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from config.limits import LINES_MAX, RATING_MAX, RATING_MIN, TOTAL_MAX

OCCASION = "occasion"
ACTION = "action"
RECORDS = (OCCASION, ACTION)

TEXT_MAX = 10_000
SHORT_MAX = 200

_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ATTRIBUTE_TYPES = ("int", "bool", "str", "str_list", "date", "datetime")


def in_language(words, language: str) -> str:
    """Return lazy words rendered in one language ("ja" or "en"): stored messages carry both."""
    with translation.override(language):
        return str(words)


def words_ja(words) -> str:
    return in_language(words, "ja")


def words_en(words) -> str:
    return in_language(words, "en")


# ---------------------------------------------------------------------------------------
# Exception reasons (why staff made an exception; promise kinds excuse some of them)
# ---------------------------------------------------------------------------------------


class ExceptionReason(models.TextChoices):
    OUR_MISTAKE = "our_mistake", _("Our mistake")
    DEADLINE = "deadline", _("Customer deadline")
    GOODWILL = "goodwill", _("Goodwill")
    OTHER = "other", _("Other")


# ---------------------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """One attribute an occasion or action kind accepts.

    `type`: "int", "bool", "str", "str_list" (a JSON list; `;`-separated in a CSV cell),
    "date" (YYYY-MM-DD) or "datetime" (ISO 8601; shop time when it has no offset). The CSV
    column has the attribute's name; `label` is what forms show, `help` what the CSV column
    reference and the API say of it.
    """

    name: str
    type: str
    label: Any
    help: Any = ""
    required: bool = False
    min: int | None = None
    max: int | None = None
    max_length: int = SHORT_MAX

    @property
    def column(self) -> str:
        """The CSV column that carries this attribute."""
        return self.name

    def describe(self) -> str:
        """Return a short description of the accepted values (error messages, help)."""
        if self.type == "int":
            if self.min is not None and self.max is not None:
                return _("an integer from %(min)s to %(max)s") % {"min": self.min, "max": self.max}
            if self.min is not None:
                return _("an integer >= %(min)s") % {"min": self.min}
            return str(_("an integer"))
        if self.type == "bool":
            return str(_("true or false"))
        if self.type == "str_list":
            return str(_("a list of non-empty strings"))
        if self.type == "date":
            return str(_("a date such as 2026-11-20"))
        if self.type == "datetime":
            return str(_("a time such as 2026-11-20T15:30:00+09:00"))
        return _("a string of at most %(max_length)s characters") % {"max_length": self.max_length}


# ---------------------------------------------------------------------------------------
# Occasion and action kinds
# ---------------------------------------------------------------------------------------


@dataclass
class RecordKind:
    """An occasion kind (what a customer did) or an action kind (what the shop did).

    noun:   "order" / 「ご注文」 — in messages ("No shipment is recorded for the order …").
    phrase: "places an order" / "ships the parcel" — the list of promise kinds.
    done:   actions only, "Shipped the parcel" — the pre-check's and packing page's choices.
    """

    id: str
    record: str
    noun: Any
    phrase: Any
    done: Any = None
    attributes: tuple[Attribute, ...] = ()
    help: Any = ""

    @property
    def label(self) -> str:
        """The kind as a choice or a column heading: "Order", 「ご注文」."""
        return capfirst(str(self.noun))

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


_kinds: dict[str, dict[str, RecordKind]] = {OCCASION: {}, ACTION: {}}


def _check_words(owner: str, **words) -> None:
    for name, value in words.items():
        if value is None or not str(value).strip():
            raise ImproperlyConfigured(f"{owner}: {name} must be words, got {value!r}.")


def _register(kind: RecordKind) -> RecordKind:
    owner = f"{kind.record} kind {kind.id!r}"
    if kind.record not in RECORDS:
        raise ImproperlyConfigured(f"{owner}: record must be one of {RECORDS}.")
    if not isinstance(kind.id, str) or not _ID.match(kind.id) or len(kind.id) > 32:
        raise ImproperlyConfigured(f"{owner}: id must be snake_case of at most 32 characters.")
    if kind.id in _kinds[OCCASION] or kind.id in _kinds[ACTION]:
        raise ImproperlyConfigured(f"{owner}: already registered.")
    _check_words(owner, noun=kind.noun, phrase=kind.phrase)
    if kind.record == ACTION:
        _check_words(owner, done=kind.done)
    for attribute in kind.attributes:
        _attribute_check(kind, attribute)
    _kinds[kind.record][kind.id] = kind
    return kind


def _attribute_check(kind: RecordKind, attribute: Attribute) -> None:
    owner = f"{kind.record} kind {kind.id!r}, attribute {attribute.name!r}"
    if not _ID.match(attribute.name):
        raise ImproperlyConfigured(f"{owner}: the name must be snake_case.")
    if attribute.type not in ATTRIBUTE_TYPES:
        raise ImproperlyConfigured(f"{owner}: type must be one of {ATTRIBUTE_TYPES}.")
    _check_words(owner, label=attribute.label)
    if [a.name for a in kind.attributes].count(attribute.name) > 1:
        raise ImproperlyConfigured(f"{owner}: declared twice.")
    # One CSV column per name: the same name has the same type in every kind.
    for other in attributes_all():
        if other.name == attribute.name and other.type != attribute.type:
            raise ImproperlyConfigured(f"{owner}: {other.name!r} is already a {other.type}.")


def occasion_register(
    id: str, *, noun, phrase, attributes: tuple[Attribute, ...] = (), help=""
) -> RecordKind:
    """Register an occasion kind (what a customer did that the shop must respond to)."""
    return _register(RecordKind(id, OCCASION, noun, phrase, None, tuple(attributes), help))


def action_register(
    id: str, *, noun, phrase, done, attributes: tuple[Attribute, ...] = (), help=""
) -> RecordKind:
    """Register an action kind (what the shop did, answering an occasion)."""
    return _register(RecordKind(id, ACTION, noun, phrase, done, tuple(attributes), help))


def attributes_extend(record: str, kind_id: str, *attributes: Attribute) -> None:
    """Add attributes to an occasion or action kind registered before (a promise kind's own)."""
    kind = record_kind(record, kind_id)
    for attribute in attributes:
        kind.attributes = (*kind.attributes, attribute)
        _attribute_check(kind, attribute)


def record_kinds(record: str) -> dict[str, RecordKind]:
    """Return the occasion or action kinds by id, in registration order."""
    return dict(_kinds[record])


def occasion_kinds() -> dict[str, RecordKind]:
    return record_kinds(OCCASION)


def action_kinds() -> dict[str, RecordKind]:
    return record_kinds(ACTION)


def record_kind(record: str, kind_id: str) -> RecordKind:
    """Return a registered kind; KeyError when there is none (the door validates first)."""
    return _kinds[record][kind_id]


def record_kind_or_none(record: str, kind_id) -> RecordKind | None:
    return _kinds[record].get(kind_id) if isinstance(kind_id, str) else None


def attributes_all() -> list[Attribute]:
    """Every attribute of every kind, each name once (the CSV columns), in order."""
    seen: dict[str, Attribute] = {}
    for record in RECORDS:
        for kind in _kinds[record].values():
            for attribute in kind.attributes:
                seen.setdefault(attribute.name, attribute)
    return list(seen.values())


# ---------------------------------------------------------------------------------------
# Units of a promise's level
# ---------------------------------------------------------------------------------------


def unit_number(value: float) -> str:
    """Return a level's number as a reader sees it: grouped, up to two decimals."""
    return _shown(value)


def unit_count(value: float) -> int:
    """Return the number ngettext chooses the plural form by."""
    return _count(value)


def _shown(value: float) -> str:
    from django.utils.formats import number_format

    value = round(float(value), 2)
    if value == int(value):
        return number_format(int(value), use_l10n=True, force_grouping=True)
    return number_format(value, decimal_pos=None, use_l10n=True, force_grouping=True).rstrip("0")


def _count(value: float) -> int:
    """The number the plural form is chosen by (1 only when the value is exactly one)."""
    return 1 if abs(round(float(value), 2)) == 1 else 2


@dataclass(frozen=True)
class Unit:
    """The unit a promise kind measures its level in.

    `amount`: ngettext_lazy("%(n)s line", "%(n)s lines", "count") — a level in words.
    `name`:   "lines" — a chart's axis, a column heading.
    `directed`: whether higher/lower is better means something to a reader (a yes/no habit
    such as a closed-day reply is not a quantity with a better direction).
    `words`:  optional, a function (unit, value) -> words for units whose sign changes the
    words (business days late / early) or that are shares; default: `amount`.
    `gap`:    optional, a function (unit, size) -> words for the gap between two levels.
    `measured`: optional, a function (unit, value) -> words for one measured level (a
    closed-day reply is "replied on a closed day", its average a share); default: `words`.
    """

    id: str
    amount: Any
    name: Any
    directed: bool = True
    words: Callable[[Unit, float], str] | None = field(default=None, compare=False)
    gap: Callable[[Unit, float], str] | None = field(default=None, compare=False)
    measured: Callable[[Unit, float], str] | None = field(default=None, compare=False)

    def amount_words(self, value: float) -> str:
        return self.amount % {"n": _shown(abs(value)), "count": _count(value)}

    def level_words(self, value: float | None) -> str:
        """Return a level (measured or averaged) in words; "—" when there is none."""
        if value is None:
            return "—"
        if self.words is not None:
            return self.words(self, float(value))
        return self.amount % {"n": _shown(value), "count": _count(value)}

    def measured_words(self, value: float | None) -> str:
        """Return one measured level (an action's) in words; "—" when there is none."""
        if value is None:
            return "—"
        if self.measured is not None:
            return self.measured(self, float(value))
        return self.level_words(value)

    def gap_words(self, value: float | None) -> str:
        """Return a gap between two levels (a size, never a direction) in words."""
        if value is None:
            return "—"
        if self.gap is not None:
            return self.gap(self, abs(float(value)))
        return self.amount_words(abs(float(value)))


_units: dict[str, Unit] = {}


def unit_register(unit: Unit) -> Unit:
    """Register a unit; registering the same unit again (a shared one) is allowed."""
    if not _ID.match(unit.id):
        raise ImproperlyConfigured(f"Unit {unit.id!r}: the id must be snake_case.")
    _check_words(f"Unit {unit.id!r}", amount=unit.amount % {"n": "1", "count": 1}, name=unit.name)
    known = _units.get(unit.id)
    if known is not None and known != unit:
        raise ImproperlyConfigured(f"Unit {unit.id!r} is already registered with other words.")
    _units.setdefault(unit.id, unit)
    return _units[unit.id]


def unit(unit_id: str) -> Unit | None:
    """Return the registered unit, or None (a level in an unknown unit shows as a number)."""
    return _units.get(unit_id)


def units() -> dict[str, Unit]:
    return dict(_units)


def level_words(unit_id: str, value: float | None) -> str:
    """Return a level in its unit's words ("10 lines", 「3営業日遅れ」); "—" for none."""
    found = _units.get(unit_id)
    if found is None:
        return "—" if value is None else _shown(value)
    return found.level_words(value)


def gap_words(unit_id: str, value: float | None) -> str:
    found = _units.get(unit_id)
    if found is None:
        return "—" if value is None else _shown(abs(value))
    return found.gap_words(value)


# Units more than one kind measures in.
BUSINESS_HOURS = unit_register(
    Unit(
        "business_hours",
        ngettext_lazy("%(n)s business hour", "%(n)s business hours", "count"),
        _("business hours"),
    )
)
HOURS = unit_register(
    Unit("hours", ngettext_lazy("%(n)s hour", "%(n)s hours", "count"), _("hours"))
)
DAYS = unit_register(Unit("days", ngettext_lazy("%(n)s day", "%(n)s days", "count"), _("days")))


# ---------------------------------------------------------------------------------------
# The built-in occasions and actions (shared by several promise kinds)
# ---------------------------------------------------------------------------------------

ORDER_PLACED = occasion_register(
    "order_placed",
    noun=_("order"),
    phrase=_("places an order"),
    attributes=(
        Attribute(
            "total",
            "int",
            _("Order total (yen)"),
            _("Orders: the order total in yen, without separators (6800)"),
            min=0,
            max=TOTAL_MAX,
        ),
        Attribute(
            "gift",
            "bool",
            _("Gift order"),
            _("Orders: true when the order is a gift (true/false, 1/0)"),
        ),
    ),
)
INQUIRY_RECEIVED = occasion_register(
    "inquiry_received",
    noun=_("inquiry"),
    phrase=_("sends an inquiry"),
    attributes=(
        Attribute(
            "channel",
            "str",
            _("Channel"),
            _("Inquiries: where it came from (mail, form, LINE…)"),
            max_length=50,
        ),
        Attribute(
            "text",
            "str",
            _("Text"),
            _("Inquiries and replies: the message's text"),
            max_length=TEXT_MAX,
        ),
    ),
)
REVIEW_POSTED = occasion_register(
    "review_posted",
    noun=_("review"),
    phrase=_("posts a review"),
    attributes=(
        Attribute(
            "rating",
            "int",
            _("Rating"),
            _("Reviews: the rating, 1 to 5"),
            min=RATING_MIN,
            max=RATING_MAX,
        ),
        Attribute(
            "text",
            "str",
            _("Text"),
            _("Inquiries and replies: the message's text"),
            max_length=TEXT_MAX,
        ),
    ),
)

# Shipments and shipping notices carry the same tracking number (one CSV column).
TRACKING_NUMBER = Attribute(
    "tracking_number",
    "str",
    _("Tracking number"),
    _("Shipments and shipping notices: the carrier's tracking number"),
    max_length=100,
)

# The parcel a delivery delay or a delivery is about: one definition for both kinds'
# occasions (delay_apology, delivery_followup), so their CSV columns and checks agree.
PARCEL_ATTRIBUTES = (
    Attribute(
        "tracking_number",
        "str",
        _("Tracking number"),
        _("Delivery delays and deliveries: the carrier's tracking number of the parcel"),
        max_length=100,
    ),
    Attribute(
        "order_id",
        "str",
        _("Order id"),
        _("Delivery delays and deliveries: your id of the order the parcel belongs to"),
        max_length=100,
    ),
)

SHIPPED = action_register(
    "shipped",
    noun=_("shipment"),
    phrase=_("ships the parcel"),
    done=_("Shipped the parcel"),
    attributes=(
        Attribute(
            "extras",
            "str_list",
            _("Extras in the parcel (separate with ;)"),
            _("Shipments: the extras in the parcel, separated by ; (sample;gift_wrap)"),
            max_length=100,
        ),
        TRACKING_NUMBER,
    ),
)
NOTE_ENCLOSED = action_register(
    "note_enclosed",
    noun=_("handwritten note"),
    phrase=_("encloses a handwritten note"),
    done=_("Enclosed a handwritten note"),
    attributes=(
        Attribute(
            "lines",
            "int",
            _("Lines of the note"),
            _("Notes: how many lines the handwritten note has (required for notes)"),
            required=True,
            min=0,
            max=LINES_MAX,
        ),
    ),
)
SHIPPING_NOTICE_SENT = action_register(
    "shipping_notice_sent",
    noun=_("shipping notice"),
    phrase=_("sends the shipping notice"),
    done=_("Sent the shipping notice"),
    # Optional: the shipping_notice promise judges a notice sent without one.
    attributes=(TRACKING_NUMBER,),
)
REPLY_SENT = action_register(
    "reply_sent",
    noun=_("reply"),
    phrase=_("replies"),
    done=_("Replied to an inquiry"),
    attributes=(
        Attribute(
            "text",
            "str",
            _("Reply text"),
            _("Inquiries and replies: the message's text"),
            max_length=TEXT_MAX,
        ),
    ),
)
REVIEW_REPLIED = action_register(
    "review_replied",
    noun=_("review reply"),
    phrase=_("replies to the review"),
    done=_("Replied to a review"),
)
THANK_YOU_SENT = action_register(
    "thank_you_sent",
    noun=_("thank-you message"),
    phrase=_("sends a thank-you message"),
    done=_("Sent a thank-you message"),
)
