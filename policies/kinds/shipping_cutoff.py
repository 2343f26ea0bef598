"""Orders before the cutoff on a shipping day ship that day; later ones the next shipping day."""

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from rest_framework import serializers

from policies.vocabulary import Unit, unit_count, unit_number

from .base import (
    BREACH,
    DRIFT,
    PRECEDENT,
    SHIPPING,
    Judgement,
    KindParams,
    PromiseKind,
    Verdict,
    date_en,
    date_ja,
    iso,
    moment_en,
    moment_ja,
    num,
    open_days_late,
    parse_time,
    plural,
    reach_by_days,
)
from .registry import register


def _days_late_words(unit: Unit, value: float) -> str:
    """A level in business days: 「2営業日遅れ」, 「1営業日早い」, 「約束の日」."""
    n, count = unit_number(abs(value)), unit_count(value)
    if value > 0:
        return unit.amount % {"n": n, "count": count}
    if value < 0:
        return ngettext("%(n)s business day early", "%(n)s business days early", count) % {"n": n}
    return gettext_now("on the promised day")


def _days_gap_words(unit: Unit, value: float) -> str:
    """A gap between two levels (a size): 「2営業日」."""
    return ngettext("%(n)s business day", "%(n)s business days", unit_count(value)) % {
        "n": unit_number(value)
    }


BUSINESS_DAYS_LATE = Unit(
    "business_days_late",
    ngettext_lazy("%(n)s business day late", "%(n)s business days late", "count"),
    _("business days late"),
    words=_days_late_words,
    gap=_days_gap_words,
)


class ShippingCutoffParams(KindParams):
    cutoff = serializers.TimeField(
        format="%H:%M",
        input_formats=["%H:%M"],
        default="16:00",
        label=_("Cutoff time"),
        help_text=_("Orders placed before this time on a shipping day ship the same day."),
    )


@register
class ShippingCutoff(PromiseKind):
    id = "shipping_cutoff"
    label_ja = "締め時刻までの注文は当日発送"
    label_en = "Same-day shipping before the cutoff"
    occasion_kind = "order_placed"
    action_kind = "shipped"
    unit = BUSINESS_DAYS_LATE
    precedent_labels = {"early_shipping": _("shipped earlier than promised")}
    higher_is_better = False
    Params = ShippingCutoffParams

    def deadline(self, *, occasion, related, params, calendar):
        promised_by = calendar.ship_by(occasion.occurred_at, parse_time(params["cutoff"]))
        return calendar.end_of_day(promised_by)

    def deadline_reach(self, *, params, calendar, day):
        cutoff = parse_time(params["cutoff"])
        return reach_by_days(
            calendar=calendar,
            day=day,
            deadline_at=lambda at: calendar.end_of_day(calendar.ship_by(at, cutoff)),
        )

    def evaluate(self, ctx):
        calendar, params = ctx.calendar, ctx.params
        ordered_at = calendar.local(ctx.occasion.occurred_at)
        promised_by = calendar.ship_by(ordered_at, parse_time(params["cutoff"]))
        shipped_on = calendar.local(ctx.action.occurred_at).date()
        late = open_days_late(calendar, promised_by, shipped_on, SHIPPING)
        last = ctx.history.last_level
        details = {
            "ordered_at": iso(ordered_at),
            "cutoff": params["cutoff"],
            "promised_by": iso(promised_by),
            "shipped_on": iso(shipped_on),
            "business_days_late": late,
            "customer_last": num(last),
        }
        order_ja = f"{moment_ja(ordered_at)}の注文（締め時刻{params['cutoff']}）"
        order_en = f"The order of {moment_en(ordered_at)} (cutoff {params['cutoff']})"
        if late > 0:
            verdict = Verdict(
                BREACH,
                f"{order_ja}は{date_ja(promised_by)}までに発送する約束でしたが、"
                f"発送は{date_ja(shipped_on)}で、{late}営業日の遅れです。",
                f"{order_en} was due to ship by {date_en(promised_by)}; it shipped on "
                f"{date_en(shipped_on)}, {plural(late, 'business day')} late.",
                details,
            )
            return Judgement(level=float(late), kept=False, verdicts=(verdict,))
        if late < 0:
            verdict = Verdict(
                PRECEDENT,
                f"{order_ja}は{date_ja(promised_by)}発送の約束でしたが、"
                f"{date_ja(shipped_on)}に発送しました（{-late}営業日早い発送）。"
                "このお客様は次回も同じ早さを期待するかもしれません。",
                f"{order_en} was due to ship on {date_en(promised_by)} but shipped on "
                f"{date_en(shipped_on)}, {plural(-late, 'business day')} early. "
                "The customer may expect the same next time.",
                details,
            )
            return Judgement(
                level=float(late),
                kept=True,
                verdicts=(verdict,),
                precedent={"what": "early_shipping", "business_days_early": -late},
            )
        if last is not None and late > last:
            verdict = Verdict(
                DRIFT,
                f"{order_ja}は約束どおり{date_ja(shipped_on)}に発送しましたが、"
                f"このお客様は前回、約束より{num(-last)}営業日早く発送を受けています。",
                f"{order_en} shipped on the promised day, {date_en(shipped_on)}; this "
                f"customer's last order shipped {plural(-last, 'business day')} early.",
                details,
            )
            return Judgement(level=float(late), kept=True, verdicts=(verdict,))
        return Judgement(level=float(late), kept=True)

    def promised_level(self, params):
        return 0.0

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return parse_time(new["cutoff"]) < parse_time(old["cutoff"])
