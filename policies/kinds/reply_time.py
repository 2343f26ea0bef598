"""Inquiries are answered within a number of business hours."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_HOURS_MAX
from policies.vocabulary import BUSINESS_HOURS

from .base import (
    KindParams,
    WithinBusinessHours,
    iso,
    num,
    within_judgement,
)
from .registry import register


class ReplyTimeParams(KindParams):
    within_business_hours = serializers.IntegerField(
        min_value=1,
        max_value=PARAM_HOURS_MAX,
        default=24,
        label=_("Reply within (business hours)"),
        help_text=_("Reply within this many business hours."),
    )
    drift_tolerance_hours = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_HOURS_MAX,
        default=4,
        label=_("Drift tolerance (hours)"),
        help_text=_("Business hours slower than the customer's last reply that are not yet drift."),
    )


@register
class ReplyTime(WithinBusinessHours):
    id = "reply_time"
    label_ja = "お問い合わせへの返信時間"
    label_en = "Reply time"
    occasion_kind = "inquiry_received"
    action_kind = "reply_sent"
    unit = BUSINESS_HOURS
    higher_is_better = False
    Params = ReplyTimeParams

    def evaluate(self, ctx):
        calendar, params, last = ctx.calendar, ctx.params, ctx.history.last_level
        hours = self.business_hours_taken(ctx)
        within = params["within_business_hours"]
        shown = num(hours)
        details = {
            "received_at": iso(calendar.local(ctx.occasion.occurred_at)),
            "replied_at": iso(calendar.local(ctx.action.occurred_at)),
            "business_hours": shown,
            "within_business_hours": within,
            "customer_last": num(last),
        }
        return within_judgement(
            level=hours,
            within=within,
            last=last,
            tolerance=params["drift_tolerance_hours"],
            details=details,
            breach=lambda: (
                f"お問い合わせへの返信まで{shown}営業時間かかりました"
                f"（約束は{within}営業時間以内）。",
                f"The reply took {shown} business hours; the promise is within {within}.",
            ),
            drift=lambda: (
                f"お問い合わせへの返信まで{shown}営業時間でした（約束は{within}営業時間以内）。"
                f"このお客様は前回{num(last)}営業時間で返信を受け取っています。",
                f"The reply took {shown} business hours (promise: within {within}); this "
                f"customer got a reply in {num(last)} business hours last time.",
            ),
        )

    def promised_level(self, params):
        return float(self.validate_params(params)["within_business_hours"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["within_business_hours"] > old["within_business_hours"]
