"""A handwritten note of at least a number of lines in every parcel."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from config.limits import PARAM_LINES_MAX
from policies.vocabulary import Unit

from .base import (
    BREACH,
    DRIFT,
    PRECEDENT,
    Judgement,
    KindParams,
    PromiseKind,
    Verdict,
    num,
    number_attribute,
    plural,
    shipment_of,
)
from .registry import register


class HandwrittenNoteParams(KindParams):
    min_lines = serializers.IntegerField(
        min_value=1,
        max_value=PARAM_LINES_MAX,
        default=10,
        label=_("Minimum lines"),
        help_text=_("Every note has at least this many lines."),
    )
    drift_tolerance = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_LINES_MAX,
        default=0,
        label=_("Drift tolerance (lines)"),
        help_text=_("Lines shorter than the customer's last note that are not yet drift."),
    )
    precedent_above = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_LINES_MAX,
        default=5,
        label=_("Precedent above the minimum (lines)"),
        help_text=_("A note this many lines above the minimum sets a precedent."),
    )


@register
class HandwrittenNote(PromiseKind):
    id = "handwritten_note"
    label_ja = "手書きメッセージ"
    label_en = "Handwritten note"
    occasion_kind = "order_placed"
    action_kind = "note_enclosed"
    deadline_after = "shipped"  # due with the shipment: no deadline before it
    unit = Unit("lines", ngettext_lazy("%(n)s line", "%(n)s lines", "count"), _("lines"))
    precedent_labels = {"long_note": _("a note far longer than promised")}
    higher_is_better = True
    Params = HandwrittenNoteParams

    def deadline(self, *, occasion, related, params, calendar):
        # The note goes in the parcel: once the order has shipped without a note recorded,
        # the note is overdue. Nothing is due before the shipment.
        shipment = shipment_of(related)
        return None if shipment is None else shipment.occurred_at

    def evaluate_without_occasion(self, ctx):
        # Lines are measured against the promise and the customer's last note whether or
        # not the order is named: a short note is short for any order.
        return self.evaluate(ctx)

    def evaluate(self, ctx):
        lines = number_attribute(ctx.action.attributes, "lines")
        if lines is None:
            # The log requires `lines` on a note; without it there is nothing to measure.
            return None
        params, history = ctx.params, ctx.history
        min_lines, last = params["min_lines"], history.last_level
        shown = num(lines)
        details = {
            "lines": shown,
            "min_lines": min_lines,
            "customer_last": num(last),
            "customer_best": num(history.best_level),
        }
        if lines < min_lines:
            verdict = Verdict(
                BREACH,
                f"手書きメッセージが{shown}行でした（約束は{min_lines}行以上）。",
                f"The note had {plural(shown, 'line')}; the promise is at least {min_lines}.",
                details,
            )
            return Judgement(level=lines, kept=False, verdicts=(verdict,))
        verdicts = []
        precedent = None
        if last is not None and lines < last - params["drift_tolerance"]:
            verdicts.append(
                Verdict(
                    DRIFT,
                    f"手書きメッセージが{shown}行でした。このお客様は前回{num(last)}行を"
                    f"受け取っています（約束は{min_lines}行以上）。",
                    f"The note had {plural(shown, 'line')}; this customer got "
                    f"{plural(last, 'line')} last time (promise: at least {min_lines}).",
                    details,
                )
            )
        if lines > min_lines + params["precedent_above"]:
            verdicts.append(
                Verdict(
                    PRECEDENT,
                    f"手書きメッセージが{shown}行でした（約束は{min_lines}行以上）。"
                    "このお客様は次回も同じくらいの長さを期待するかもしれません。",
                    f"The note had {plural(shown, 'line')}, far above the promise of at least "
                    f"{min_lines}; the customer may expect as much next time.",
                    details,
                )
            )
            precedent = {"what": "long_note", "lines": shown}
        return Judgement(level=lines, kept=True, verdicts=tuple(verdicts), precedent=precedent)

    def promised_level(self, params):
        return float(self.validate_params(params)["min_lines"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["min_lines"] < old["min_lines"]
