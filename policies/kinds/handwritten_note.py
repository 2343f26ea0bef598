"""A handwritten note of at least a number of lines in every parcel."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .base import KindParams, PromiseKind
from .registry import register


class HandwrittenNoteParams(KindParams):
    min_lines = serializers.IntegerField(
        min_value=1, default=10, help_text=_("Every note has at least this many lines.")
    )
    drift_tolerance = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text=_("Lines shorter than the customer's last note that are not yet drift."),
    )
    precedent_above = serializers.IntegerField(
        min_value=0,
        default=5,
        help_text=_("A note this many lines above the minimum sets a precedent."),
    )


@register
class HandwrittenNote(PromiseKind):
    id = "handwritten_note"
    label_ja = "手書きメッセージ"
    label_en = "Handwritten note"
    occasion_kind = "order_placed"
    action_kind = "note_enclosed"
    level_unit = "lines"
    higher_is_better = True
    Params = HandwrittenNoteParams

    def promised_level(self, params):
        return float(self.validate_params(params)["min_lines"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["min_lines"] < old["min_lines"]
