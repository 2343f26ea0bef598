"""A thank-you message within a number of hours of the order."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind
from .registry import register


class ThankYouMessageParams(KindParams):
    within_hours = serializers.IntegerField(
        min_value=1, default=24, help_text=_("Send the thank-you within this many hours.")
    )
    drift_tolerance_hours = serializers.IntegerField(
        min_value=0,
        default=12,
        help_text=_("Hours slower than the customer's last thank-you that are not yet drift."),
    )


@register
class ThankYouMessage(PromiseKind):
    id = "thank_you_message"
    label_ja = "お礼メッセージ"
    label_en = "Thank-you message"
    occasion_kind = "order_placed"
    action_kind = "thank_you_sent"
    level_unit = "hours"
    higher_is_better = False
    Params = ThankYouMessageParams

    def promised_level(self, params):
        return float(self.validate_params(params)["within_hours"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["within_hours"] > old["within_hours"]
