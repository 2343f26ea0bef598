"""Orders before the cutoff on a shipping day ship that day; later ones the next shipping day."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind, parse_time
from .registry import register


class ShippingCutoffParams(KindParams):
    cutoff = serializers.TimeField(
        format="%H:%M",
        input_formats=["%H:%M"],
        default="16:00",
        help_text=_("Orders placed before this time on a shipping day ship the same day."),
    )


@register
class ShippingCutoff(PromiseKind):
    id = "shipping_cutoff"
    label_ja = "締め時刻までの注文は当日発送"
    label_en = "Same-day shipping before the cutoff"
    occasion_kind = "order_placed"
    action_kind = "shipped"
    level_unit = "business_days_late"
    higher_is_better = False
    Params = ShippingCutoffParams

    def promised_level(self, params):
        return 0.0

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return parse_time(new["cutoff"]) < parse_time(old["cutoff"])
