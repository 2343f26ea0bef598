"""The parcel ships on or before the ship date the order confirmation announced (発送予定日).

Seeds 000 and 003: the confirmation says 「発送予定日は◯月◯日となります」; the shop keeps
that date and tries to ship earlier. The order carries the announced date as its `ship_by`
attribute (added to the shared order_placed occasion here); an order without one was
promised nothing, and this kind leaves it alone.

The level is the business days (shipping channel) from the announced date to the day the
parcel shipped: 0 on the last shipping day on or before it, negative earlier, positive late.
A closed day after the announced date counts as the next shipping day, so shipping on a
closed day after it is never on time.
"""

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from policies import vocabulary
from policies.vocabulary import Attribute

from .base import (
    BREACH,
    DRIFT,
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
    plural,
)
from .registry import register
from .shipping_cutoff import BUSINESS_DAYS_LATE

SHIP_BY = "ship_by"

vocabulary.attributes_extend(
    vocabulary.OCCASION,
    "order_placed",
    Attribute(
        SHIP_BY,
        "date",
        _("Announced ship date"),
        _("Orders: the ship date announced in the order confirmation, YYYY-MM-DD (2026-11-24)"),
    ),
)


def announced_date(attributes: dict) -> date | None:
    """Return the order's announced ship date, or None when it has none (or no date)."""
    value = attributes.get(SHIP_BY)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


class ShipByAnnouncedDateParams(KindParams):
    """The announced date is the promise: only the shared parameters."""


@register
class ShipByAnnouncedDate(PromiseKind):
    id = "ship_by_announced_date"
    label_ja = "発送予定日までの発送"
    label_en = "Shipping by the announced date"
    occasion_kind = "order_placed"
    action_kind = "shipped"
    unit = BUSINESS_DAYS_LATE  # 「1 営業日の遅れ」「1 営業日早く発送」「約束どおりの日に発送」
    higher_is_better = False
    Params = ShipByAnnouncedDateParams

    def applies(self, *, occasion, params, calendar):
        return (
            occasion.kind == self.occasion_kind and announced_date(occasion.attributes) is not None
        )

    def deadline(self, *, occasion, related, params, calendar):
        ship_by = announced_date(occasion.attributes)
        if occasion.kind != self.occasion_kind or ship_by is None:
            return None
        return calendar.end_of_day(ship_by)

    def evaluate(self, ctx):
        calendar = ctx.calendar
        ordered_at = calendar.local(ctx.occasion.occurred_at)
        ship_by = announced_date(ctx.occasion.attributes)
        shipped_on = calendar.local(ctx.action.occurred_at).date()
        late = open_days_late(calendar, ship_by, shipped_on, SHIPPING)
        last = ctx.history.last_level
        details = {
            "ordered_at": iso(ordered_at),
            "ship_by": iso(ship_by),
            "shipped_on": iso(shipped_on),
            "business_days_late": late,
            "customer_last": num(last),
        }
        order_ja = f"{moment_ja(ordered_at)}のご注文（発送予定日{date_ja(ship_by)}）"
        order_en = f"The order of {moment_en(ordered_at)} (announced ship date {date_en(ship_by)})"
        if late > 0:
            verdict = Verdict(
                BREACH,
                f"{order_ja}の発送は{date_ja(shipped_on)}で、"
                f"お知らせした発送予定日より{late}営業日遅れました。",
                f"{order_en} shipped on {date_en(shipped_on)}, "
                f"{plural(late, 'business day')} after the announced date.",
                details,
            )
            return Judgement(level=float(late), kept=False, verdicts=(verdict,))
        if late == 0 and last is not None and last < 0:
            verdict = Verdict(
                DRIFT,
                f"{order_ja}は約束どおり{date_ja(shipped_on)}に発送しましたが、"
                "発送予定日より早い発送ではありませんでした。"
                f"このお客様は前回、発送予定日より{num(-last)}営業日早く発送を受けています。",
                f"{order_en} shipped on {date_en(shipped_on)}, on time but no earlier than "
                f"announced; this customer's last parcel shipped {plural(-last, 'business day')} "
                "before the announced date.",
                details,
            )
            return Judgement(level=float(late), kept=True, verdicts=(verdict,))
        return Judgement(level=float(late), kept=True)

    def promised_level(self, params):
        return 0.0

    def lowers(self, old, new):
        # The date is announced order by order: the parameters cannot promise less.
        return False
