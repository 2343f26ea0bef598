"""A thank-you message within a number of hours of the order."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_HOURS_MAX
from policies.vocabulary import HOURS

from .base import (
    KindParams,
    PromiseKind,
    iso,
    num,
    plural,
    within_judgement,
)
from .registry import register


class ThankYouMessageParams(KindParams):
    within_hours = serializers.IntegerField(
        min_value=1,
        max_value=PARAM_HOURS_MAX,
        default=24,
        label=_("Send within (hours)"),
        help_text=_("Send the thank-you within this many hours."),
    )
    drift_tolerance_hours = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_HOURS_MAX,
        default=12,
        label=_("Drift tolerance (hours)"),
        help_text=_("Hours slower than the customer's last thank-you that are not yet drift."),
    )


@register
class ThankYouMessage(PromiseKind):
    id = "thank_you_message"
    label_ja = "お礼メッセージ"
    label_en = "Thank-you message"
    occasion_kind = "order_placed"
    action_kind = "thank_you_sent"
    unit = HOURS
    higher_is_better = False
    Params = ThankYouMessageParams

    def deadline(self, *, occasion, related, params, calendar):
        return calendar.local(occasion.occurred_at + timedelta(hours=params["within_hours"]))

    def deadline_reach(self, *, params, calendar, day):
        # Due a fixed number of hours later: what came before that many hours ahead of the
        # day's start was due before it.
        return calendar.start_of_day(day) - timedelta(hours=params["within_hours"])

    def evaluate(self, ctx):
        params, last = ctx.params, ctx.history.last_level
        elapsed = ctx.action.occurred_at - ctx.occasion.occurred_at
        hours = round(max(elapsed.total_seconds(), 0) / 3600, 2)
        within = params["within_hours"]
        shown = num(hours)
        details = {
            "ordered_at": iso(ctx.calendar.local(ctx.occasion.occurred_at)),
            "sent_at": iso(ctx.calendar.local(ctx.action.occurred_at)),
            "hours": shown,
            "within_hours": within,
            "customer_last": num(last),
        }
        return within_judgement(
            level=hours,
            within=within,
            last=last,
            tolerance=params["drift_tolerance_hours"],
            details=details,
            breach=lambda: (
                f"お礼メッセージはご注文から{shown}時間後でした（約束は{within}時間以内）。",
                f"The thank-you went out {plural(shown, 'hour')} after the order; the promise "
                f"is within {within}.",
            ),
            drift=lambda: (
                f"お礼メッセージはご注文から{shown}時間後でした（約束は{within}時間以内）。"
                f"このお客様は前回{num(last)}時間後に受け取っています。",
                f"The thank-you went out {plural(shown, 'hour')} after the order (promise: "
                f"within {within}); this customer got it after {plural(last, 'hour')} last time.",
            ),
        )

    def promised_level(self, params):
        return float(self.validate_params(params)["within_hours"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["within_hours"] > old["within_hours"]
