"""What the pre-check is about, resolved before it runs: which customer, which occasion.

Staff type a customer as they know them (an id, a name, an e-mail) and often leave the
occasion empty. Both are resolved here, before `precheck_run`, and the page records with the
same resolution, so the pre-check judges exactly what recording will store. The API keeps
`customer` = the external id (the contract) and resolves only the occasion.
"""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from rest_framework import serializers

from . import selectors
from .attributes import time_parse
from .models import Customer, Occasion

# Notes the pre-check's answer gains from the resolution (same shape as prechecks.NOTES:
# a stable code and the message in English and Japanese).
NOTES = {
    "occasion_chosen": (
        "No occasion was given: judged as the answer to {occasion}, this customer's one open "
        "occasion waiting for this action.",
        "対象の案件が指定されていないため、このお客様の未対応の案件 {occasion} への対応として"
        "チェックしました。",
    ),
    "occasion_choices": (
        "No occasion was given and {count} occasions of this customer are waiting for this "
        "action: choose one to judge everything. Meanwhile only what needs no occasion was "
        "judged.",
        "対象の案件が指定されておらず、このお客様にはこの対応を待つ案件が{count}件あります。"
        "すべてをチェックするには一つ選んでください。それまでは案件なしで"
        "チェックできることだけをチェックしました。",
    ),
}
# Notes of the pre-check saying that no promise judged the action.
NOT_JUDGED_NOTES = frozenset({"no_promise", "not_judged"})


def note(code: str, **values) -> dict:
    """Return a note of the answer: its code and message in both languages."""
    english, japanese = NOTES[code]
    return {
        "code": code,
        "message_en": english.format(**values),
        "message_ja": japanese.format(**values),
    }


@dataclass
class OccasionResolution:
    """The occasion a pre-check (and the recording after it) answers."""

    occasion: str = ""  # the external id used, "" for none
    chosen: bool = False  # picked because it was the customer's one open occasion
    choices: list[Occasion] = field(default_factory=list)  # several open: staff pick

    def notes(self) -> list[dict]:
        """Return what the answer should say about the occasion it used."""
        if self.chosen:
            return [note("occasion_chosen", occasion=self.occasion)]
        if self.choices:
            return [note("occasion_choices", count=len(self.choices))]
        return []

    def choices_data(self, tz: ZoneInfo) -> list[dict]:
        """Return the choices as the API renders them."""
        field_ = serializers.DateTimeField(default_timezone=tz)
        return [
            {
                "external_id": occasion.external_id,
                "kind": occasion.kind,
                "occurred_at": field_.to_representation(occasion.occurred_at.astimezone(tz)),
                "attributes": occasion.attributes,
            }
            for occasion in self.choices
        ]


def occasion_resolve(
    *, shop, customer: Customer | str | None, kind: str, occurred_at, occasion: str = ""
) -> OccasionResolution:
    """Return the occasion to judge an action against when the caller named none.

    A named occasion is used as named. Otherwise the customer's open occasions of the kinds
    the promises judging this action watch (`selectors.open_occasions`): exactly one is
    used; several are offered as choices and none is used; with none the action is judged
    without an occasion. An unreadable time resolves nothing (the pre-check reports it).
    """
    if occasion:
        return OccasionResolution(occasion=occasion)
    if isinstance(customer, str):
        customer = selectors.customer_by_external_id(shop=shop, external_id=customer.strip())
    if customer is None:
        return OccasionResolution()
    try:
        moment = time_parse(occurred_at, tz=shop.timezone)
    except ValidationError:
        return OccasionResolution()
    found = selectors.open_occasions(shop=shop, customer=customer, action_kind=kind, at=moment)
    if len(found) == 1:
        return OccasionResolution(occasion=found[0].external_id, chosen=True)
    return OccasionResolution(choices=found)


def answer_judged(data: dict) -> bool:
    """Return whether any promise judged the action (the answer's `judged`, when it has one).

    Until the pre-check answers `judged` itself, it is read from its notes: `no_promise` or
    `not_judged` mean nothing judged it.
    """
    if "judged" in data:
        return bool(data["judged"])
    return not any(item["code"] in NOT_JUDGED_NOTES for item in data.get("notes", ()))


def answer_complete(data: dict, resolution: OccasionResolution, *, tz: ZoneInfo) -> dict:
    """Return the pre-check's answer with the occasion used, the choices and their notes."""
    return {
        **data,
        "judged": answer_judged(data),
        "occasion": resolution.occasion or None,
        "occasion_choices": resolution.choices_data(tz),
        "notes": [*resolution.notes(), *data.get("notes", ())],
    }
