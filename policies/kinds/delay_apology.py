"""A delayed delivery gets an apology within a number of business hours, whoever caused it.

seeds/003: when the carrier delays a parcel by a day or two, the seller still apologises to
the buyer sincerely and explains the cause objectively. The delay is an occasion of its own
(`delivery_delayed`, from the carrier's tracking or entered by staff), the apology an action
(`apology_sent`). Business hours count as for inquiries (reply_time): the apology is written
by the people who answer the inbox.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_HOURS_MAX
from policies import vocabulary
from policies.vocabulary import Attribute

from .base import (
    BREACH,
    DRIFT,
    PRECEDENT,
    Judgement,
    KindParams,
    Verdict,
    WithinBusinessHours,
    iso,
    num,
    plural,
)
from .registry import register

vocabulary.occasion_register(
    "delivery_delayed",
    noun=_("delivery delay"),
    phrase=_("has a delivery delayed"),
    attributes=(
        Attribute(
            "cause",
            "str",
            _("Cause of the delay"),
            _("Delivery delays: what caused it: carrier, weather, shop or other"),
            max_length=50,
        ),
        *vocabulary.PARCEL_ATTRIBUTES,
    ),
)
vocabulary.action_register(
    "apology_sent",
    noun=_("apology"),
    phrase=_("apologises for the delay"),
    done=_("Apologised for a delivery delay"),
    attributes=(
        Attribute(
            "compensation",
            "str",
            _("Compensation given"),
            _("Apologies: what came with the apology (a coupon, a gift); empty for nothing"),
            max_length=100,
        ),
    ),
)

# The causes a manager reads in words; any other value is shown as it was recorded.
CAUSE_WORDS = {
    "carrier": ("配送業者", "the carrier"),
    "weather": ("天候", "the weather"),
    "shop": ("当店", "the shop"),
}
# Causes outside the shop: the apology is owed all the same (seeds/003), and the message says so.
NOT_OURS = ("carrier", "weather")


def _cause(attributes: dict) -> str:
    return str(attributes.get("cause") or "").strip().lower()


def _compensation(attributes: dict) -> str:
    return str(attributes.get("compensation") or "").strip()


class DelayApologyParams(KindParams):
    within_business_hours = serializers.IntegerField(
        min_value=1,
        max_value=PARAM_HOURS_MAX,
        default=4,
        label=_("Apologise within (business hours)"),
        help_text=_(
            "Apologise within this many business hours of learning of the delay, whoever caused it."
        ),
    )
    drift_tolerance_hours = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_HOURS_MAX,
        default=2,
        label=_("Drift tolerance (business hours)"),
        help_text=_(
            "Business hours slower than the customer's last apology that are not yet drift."
        ),
    )
    compensation_promised = serializers.BooleanField(
        default=False,
        label=_("Compensation with every apology"),
        help_text=_(
            "On: every apology comes with compensation (a coupon, a gift), and one without "
            "is a breach. Off: compensation given is remembered as a precedent."
        ),
    )


@register
class DelayApology(WithinBusinessHours):
    id = "delay_apology"
    label_ja = "配達の遅れへのお詫び"
    label_en = "Apology for a delivery delay"
    occasion_kind = "delivery_delayed"
    action_kind = "apology_sent"
    unit = vocabulary.BUSINESS_HOURS
    higher_is_better = False
    Params = DelayApologyParams
    precedent_labels = {"compensation": _("compensation given with an apology")}

    def evaluate(self, ctx):
        calendar, params, last = ctx.calendar, ctx.params, ctx.history.last_level
        hours = self.business_hours_taken(ctx)
        within = params["within_business_hours"]
        shown = num(hours)
        cause = _cause(ctx.occasion.attributes)
        compensation = _compensation(ctx.action.attributes)
        details = {
            "delayed_at": iso(calendar.local(ctx.occasion.occurred_at)),
            "apologised_at": iso(calendar.local(ctx.action.occurred_at)),
            "cause": cause or None,
            "tracking_number": ctx.occasion.attributes.get("tracking_number") or None,
            "order_id": ctx.occasion.attributes.get("order_id") or None,
            "business_hours": shown,
            "within_business_hours": within,
            "compensation": compensation or None,
            "compensation_promised": params["compensation_promised"],
            "customer_last": num(last),
        }
        problems_ja, problems_en = [], []
        if hours > within:
            problems_ja.append(
                f"配達の遅れのお詫びまで{shown}営業時間かかりました（約束は{within}営業時間以内）。"
            )
            problems_en.append(
                f"The apology for the delivery delay took {plural(shown, 'business hour')}; "
                f"the promise is within {within}."
            )
        if params["compensation_promised"] and not compensation:
            problems_ja.append(
                "お詫びの品（クーポンなど）が添えられていません（約束はお詫びの品つき）。"
            )
            problems_en.append("The apology came without compensation; the promise includes it.")
        if problems_ja:
            if hours > within and cause in NOT_OURS:
                words_ja, words_en = CAUSE_WORDS[cause]
                problems_ja.append(f"{words_ja}による遅れでも、お詫びの約束は変わりません。")
                problems_en.append(
                    f"The delay was caused by {words_en}; the promise holds all the same."
                )
            verdict = Verdict(BREACH, "".join(problems_ja), " ".join(problems_en), details)
            return Judgement(level=hours, kept=False, verdicts=(verdict,))
        verdicts = []
        if last is not None and hours > last + params["drift_tolerance_hours"]:
            verdicts.append(
                Verdict(
                    DRIFT,
                    f"配達の遅れのお詫びまで{shown}営業時間でした（約束は{within}営業時間以内）。"
                    f"このお客様は前回{num(last)}営業時間でお詫びを受け取っています。",
                    f"The apology for the delivery delay took {plural(shown, 'business hour')} "
                    f"(promise: within {within}); this customer got one in "
                    f"{plural(last, 'business hour')} last time.",
                    details,
                )
            )
        precedent = None
        if compensation and not params["compensation_promised"]:
            verdicts.append(
                Verdict(
                    PRECEDENT,
                    f"お詫びに「{compensation}」を添えました。約束にお詫びの品は含まれていません。"
                    "このお客様は次に配達が遅れたときも同じ対応を期待するかもしれません。",
                    f"The apology came with “{compensation}”; the promise includes no "
                    "compensation. The customer may expect it again the next time a delivery "
                    "is late.",
                    details,
                )
            )
            precedent = {"what": "compensation", "compensation": compensation}
        return Judgement(level=hours, kept=True, verdicts=tuple(verdicts), precedent=precedent)

    def promised_level(self, params):
        return float(self.validate_params(params)["within_business_hours"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["within_business_hours"] > old["within_business_hours"] or (
            old["compensation_promised"] and not new["compensation_promised"]
        )
