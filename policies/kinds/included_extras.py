"""Extras in the parcel by order total (a card from ¥6,800 ...), gift wrap for gifts."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from config.limits import PARAM_LIST_MAX, PARAM_TOTAL_MAX
from policies.vocabulary import Unit

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
        label=_("Minimum order total (yen)"),
        help_text=_("Orders of at least this total get the extras."),
    )
    extras = serializers.ListField(
        child=serializers.CharField(max_length=50),
        allow_empty=False,
        max_length=PARAM_LIST_MAX,
        label=_("Extras"),
        help_text=_("Extras in the parcel, e.g. greeting_card."),
    )


class IncludedExtrasParams(KindParams):
    tiers = TierSerializer(
        many=True,
        max_length=PARAM_LIST_MAX,
        default=lambda: [{"min_total": 6800, "extras": ["greeting_card"]}],
        label=_("Extras by order total"),
        help_text=_("Extras by order total."),
    )
    gift_wrap_when_gift = serializers.BooleanField(
        default=True,
        label=_("Gift wrap for gift orders"),
        help_text=_("Gift orders are gift-wrapped (extra gift_wrap)."),
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


def customer_precedent_extras(history) -> set[str]:
    """Return the extras this customer has received beyond the promise (its precedents)."""
    return {
        str(extra)
        for precedent in history.precedents
        if precedent.get("what") == "extra_extras"
        for extra in precedent.get("extras") or ()
    }


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
    unit = Unit("extras", ngettext_lazy("%(n)s extra", "%(n)s extras", "count"), _("extras"))
    precedent_labels = {"extra_extras": _("extras beyond the promise")}
    higher_is_better = True
    Params = IncludedExtrasParams

    def evaluate(self, ctx):
        total = number_attribute(ctx.occasion.attributes, "total") or 0.0
        gift = ctx.occasion.attributes.get("gift") is True
        return self._judge(ctx, total=total, gift=gift)

    def evaluate_without_occasion(self, ctx):
        # The order's total is unknown: only what every order earns (a tier from ¥0) can be
        # missing, and the extras are measured against the customer's precedents. Nothing
        # can be said to be beyond this order's promise.
        return self._judge(ctx, total=None, gift=None)

    def _judge(self, ctx, *, total: float | None, gift: bool | None):
        params, last = ctx.params, ctx.history.last_level
        known = total is not None
        # Missing: against what THIS order earned (its tier, gift wrap), never against what
        # an earlier, larger order earned.
        required = required_extras(params, total=total or 0.0, gift=bool(gift))
        delivered = {str(e) for e in (ctx.action.attributes.get("extras") or [])}
        missing = sorted(required - delivered)
        extra = sorted(delivered - required) if known else []
        # Drift: an extra this customer got beyond the promise before, and not this time.
        precedented = customer_precedent_extras(ctx.history)
        dropped = sorted(precedented - delivered)
        level = float(len(delivered))
        details = {
            "total": num(total),
            "gift": gift,
            "required_extras": sorted(required),
            "delivered_extras": sorted(delivered),
            "missing_extras": missing,
            "extra_extras": extra,
            "customer_precedent_extras": sorted(precedented),
            "dropped_extras": dropped,
            "customer_last": num(last),
        }
        if known:
            order_ja = f"{_yen(total)}の{'ギフト' if gift else ''}注文"
            order_en = f"the {_yen(total)} {'gift ' if gift else ''}order"
        else:
            order_ja, order_en = "この発送", "this shipment"
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
        elif dropped:
            verdicts.append(
                Verdict(
                    DRIFT,
                    f"{order_ja}に同梱物（{_names(dropped)}）が入っていませんでした（約束の範囲内）。"
                    "このお客様は以前、約束を超えてこれを受け取っています。",
                    f"{order_en[0].upper()}{order_en[1:]} came without {_names(dropped)} "
                    "(within the promise); this customer got it before, beyond the promise.",
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
