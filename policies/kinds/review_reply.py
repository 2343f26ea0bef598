"""Reviews (all, or only low-rated ones) are answered within a number of open days."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind
from .registry import register

ALL = "all"
LOW = "low"


class ReviewReplyParams(KindParams):
    scope = serializers.ChoiceField(
        choices=[ALL, LOW],
        default=ALL,
        help_text=_(
            "all: reply to every review; low: only to reviews rated low_max_rating or less."
        ),
    )
    low_max_rating = serializers.IntegerField(
        min_value=1, max_value=5, default=3, help_text=_("The highest rating that counts as low.")
    )
    within_days = serializers.IntegerField(
        min_value=0, default=3, help_text=_("Reply within this many open days of the inbox.")
    )


@register
class ReviewReply(PromiseKind):
    id = "review_reply"
    label_ja = "レビューへの返信"
    label_en = "Review replies"
    occasion_kind = "review_posted"
    action_kind = "review_replied"
    level_unit = "days"
    higher_is_better = False
    Params = ReviewReplyParams

    def promised_level(self, params):
        return float(self.validate_params(params)["within_days"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        if new["within_days"] > old["within_days"]:
            return True
        if old["scope"] == ALL:
            return new["scope"] == LOW
        return new["scope"] == LOW and new["low_max_rating"] < old["low_max_rating"]
