"""Extras in the parcel by order total (a card from ¥6,800 ...), gift wrap for gifts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind, StrictSerializer
from .registry import register

GIFT_WRAP = "gift_wrap"


class TierSerializer(StrictSerializer):
    min_total = serializers.IntegerField(
        min_value=0, help_text=_("Orders of at least this total get the extras.")
    )
    extras = serializers.ListField(
        child=serializers.CharField(max_length=50),
        allow_empty=False,
        help_text=_("Extras in the parcel, e.g. greeting_card."),
    )


class IncludedExtrasParams(KindParams):
    tiers = TierSerializer(
        many=True,
        default=lambda: [{"min_total": 6800, "extras": ["greeting_card"]}],
        help_text=_("Extras by order total."),
    )
    gift_wrap_when_gift = serializers.BooleanField(
        default=True, help_text=_("Gift orders are gift-wrapped (extra gift_wrap).")
    )


def required_extras(params: dict, *, total: float, gift: bool) -> set[str]:
    """Return the extras the promise asks for on an order of this total."""
    required = set()
    for tier in params["tiers"]:
        if tier["min_total"] <= total:
            required.update(tier["extras"])
    if gift and params["gift_wrap_when_gift"]:
        required.add(GIFT_WRAP)
    return required


@register
class IncludedExtras(PromiseKind):
    id = "included_extras"
    label_ja = "同梱物（購入金額に応じた特典・ギフト包装）"
    label_en = "Included extras"
    occasion_kind = "order_placed"
    action_kind = "shipped"
    level_unit = "extras"
    higher_is_better = True
    Params = IncludedExtrasParams

    def promised_level(self, params):
        # What is promised depends on each order's total: there is no single level.
        return None

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        # The required extras only change at tier thresholds: comparing there covers every total.
        totals = {tier["min_total"] for tier in old["tiers"] + new["tiers"]} | {0}
        for total in totals:
            for gift in (False, True):
                before = required_extras(old, total=total, gift=gift)
                after = required_extras(new, total=total, gift=gift)
                if before - after:
                    return True
        return False
