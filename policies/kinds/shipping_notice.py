"""The shipping notice, with its tracking number, goes out on the day of shipment."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind
from .registry import register


class ShippingNoticeParams(KindParams):
    same_day = serializers.BooleanField(
        default=True,
        help_text=_("Send the notice on the day of shipment (otherwise by the next day)."),
    )
    tracking_required = serializers.BooleanField(
        default=True, help_text=_("The notice carries the tracking number.")
    )


@register
class ShippingNotice(PromiseKind):
    id = "shipping_notice"
    label_ja = "発送日のお知らせ（追跡番号つき）"
    label_en = "Shipping notice on the day of shipment"
    occasion_kind = "order_placed"
    action_kind = "shipping_notice_sent"
    level_unit = "days_after_shipment"
    higher_is_better = False
    Params = ShippingNoticeParams

    def promised_level(self, params):
        return 0.0 if self.validate_params(params)["same_day"] else 1.0

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return (old["same_day"] and not new["same_day"]) or (
            old["tracking_required"] and not new["tracking_required"]
        )
