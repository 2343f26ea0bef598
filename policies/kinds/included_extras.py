"""Extras in the parcel by order total (a card from ¥6,800 ...), gift wrap for gifts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_LIST_MAX, PARAM_TOTAL_MAX

from .base import (
    BREACH,
    DRIFT,
    PRECEDENT,
    Judgement,
    KindParams,
    PromiseKind,
    StrictSerializer,
    Verdict,
    num,
    number_attribute,
)
from .registry import register

GIFT_WRAP = "gift_wrap"


class TierSerializer(StrictSerializer):
    min_total = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_TOTAL_MAX,
        help_text=_("Orders of at least this total get the extras."),
    )
    extras = serializers.ListField(
        child=serializers.CharField(max_length=50),
        allow_empty=False,
        max_length=PARAM_LIST_MAX,
        help_text=_("Extras in the parcel, e.g. greeting_card."),
    )


class IncludedExtrasParams(KindParams):
    tiers = TierSerializer(
        many=True,
        max_length=PARAM_LIST_MAX,
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


def _names(extras) -> str:
    return ", ".join(extras)


def _yen(total) -> str:
    return f"¥{num(total):,}"


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

    def evaluate(self, ctx):
        params, last = ctx.params, ctx.history.last_level
        total = number_attribute(ctx.occasion.attributes, "total") or 0.0
        gift = ctx.occasion.attributes.get("gift") is True
        required = required_extras(params, total=total, gift=gift)
        delivered = {str(e) for e in (ctx.action.attributes.get("extras") or [])}
        missing, extra = sorted(required - delivered), sorted(delivered - required)
        level = float(len(delivered))
        details = {
            "total": num(total),
            "gift": gift,
            "required_extras": sorted(required),
            "delivered_extras": sorted(delivered),
            "missing_extras": missing,
            "extra_extras": extra,
            "customer_last": num(last),
        }
        order_ja = f"{_yen(total)}の{'ギフト' if gift else ''}注文"
        order_en = f"the {_yen(total)} {'gift ' if gift else ''}order"
        verdicts = []
        if missing:
            verdicts.append(
                Verdict(
                    BREACH,
                    f"{order_ja}に約束の同梱物（{_names(missing)}）が入っていませんでした。",
                    f"Promised extras missing from {order_en}: {_names(missing)}.",
                    details,
                )
            )
        elif last is not None and level < last:
            verdicts.append(
                Verdict(
                    DRIFT,
                    f"{order_ja}の同梱物は{len(delivered)}点でした（約束の範囲内）。"
                    f"このお客様は前回{num(last)}点を受け取っています。",
                    f"{order_en[0].upper()}{order_en[1:]} came with {len(delivered)} extras "
                    f"(within the promise); this customer got {num(last)} last time.",
                    details,
                )
            )
        precedent = None
        if extra:
            verdicts.append(
                Verdict(
                    PRECEDENT,
                    f"{order_ja}に約束にない同梱物（{_names(extra)}）を入れました。"
                    "このお客様は次回も同じものを期待するかもしれません。",
                    f"Extras beyond the promise in {order_en}: {_names(extra)}. The customer "
                    "may expect them next time.",
                    details,
                )
            )
            precedent = {"what": "extra_extras", "extras": extra}
        return Judgement(
            level=level, kept=not missing, verdicts=tuple(verdicts), precedent=precedent
        )

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
