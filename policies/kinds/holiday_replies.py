"""Whether inquiries that arrive while the inbox is closed are answered before it reopens."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind
from .registry import register

NONE = "none"
ALWAYS = "always"


class HolidayRepliesParams(KindParams):
    mode = serializers.ChoiceField(
        choices=[NONE, ALWAYS],
        default=NONE,
        help_text=_(
            "none: inquiries received on closed days are answered on the next open day; "
            "always: they are answered on the closed day too."
        ),
    )


@register
class HolidayReplies(PromiseKind):
    id = "holiday_replies"
    label_ja = "休業日のお問い合わせ対応"
    label_en = "Replies on closed days"
    occasion_kind = "inquiry_received"
    action_kind = "reply_sent"
    level_unit = "closed_day_reply"
    higher_is_better = True
    Params = HolidayRepliesParams

    def promised_level(self, params):
        return 1.0 if self.validate_params(params)["mode"] == ALWAYS else 0.0

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return old["mode"] == ALWAYS and new["mode"] == NONE
