"""Inquiries are answered within a number of business hours."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind
from .registry import register


class ReplyTimeParams(KindParams):
    within_business_hours = serializers.IntegerField(
        min_value=1, default=24, help_text=_("Reply within this many business hours.")
    )
    drift_tolerance_hours = serializers.IntegerField(
        min_value=0,
        default=4,
        help_text=_("Business hours slower than the customer's last reply that are not yet drift."),
    )


@register
class ReplyTime(PromiseKind):
    id = "reply_time"
    label_ja = "お問い合わせへの返信時間"
    label_en = "Reply time"
    occasion_kind = "inquiry_received"
    action_kind = "reply_sent"
    level_unit = "business_hours"
    higher_is_better = False
    Params = ReplyTimeParams

    def promised_level(self, params):
        return float(self.validate_params(params)["within_business_hours"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["within_business_hours"] > old["within_business_hours"]
