"""A follow-up message (thanks, care instructions) within a number of open days of delivery.

seeds/003: watch the tracking every day; once the parcel is signed for, send the customer a
message soon — thanks, and the knowledge that was not told yet (how to care for the piece).
The shop chooses for whom: every customer, or its repeat customers only.

Who is a repeat customer is part of the delivery record (`earlier_orders`, the customer's
orders before this one, as the shop's platform counts them: Shopify's orders_count less
one, the 購入回数 of a marketplace export). The judge sees one customer's history of this
promise only (earlier follow-ups, not earlier orders), and the sweeper decides whether a
delivery awaits a follow-up from the delivery alone; both read the same attribute.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_DAYS_MAX
from policies import vocabulary
from policies.vocabulary import Attribute

from .base import (
    INQUIRIES,
    Judgement,
    KindParams,
    PromiseKind,
    date_en,
    date_ja,
    iso,
    num,
    number_attribute,
    open_days_late,
    plural,
    within_judgement,
)
from .registry import register

vocabulary.occasion_register(
    "delivered",
    noun=_("delivery"),
    phrase=_("receives the parcel"),
    attributes=(
        Attribute(
            "earlier_orders",
            "int",
            _("Earlier orders of the customer"),
            _(
                "Deliveries: how many orders the customer placed before this one (0 for a "
                "first order); 1 or more is a repeat customer"
            ),
            min=0,
            max=100_000,
        ),
        *vocabulary.PARCEL_ATTRIBUTES,
    ),
)
vocabulary.action_register(
    "followup_sent",
    noun=_("follow-up message"),
    phrase=_("sends a follow-up message"),
    done=_("Sent a follow-up message"),
)

ALL = "all"
REPEAT = "repeat"


def earlier_orders(occasion) -> float | None:
    """Return the customer's orders before this delivery, or None when it was not recorded."""
    return number_attribute(occasion.attributes, "earlier_orders")


class DeliveryFollowupParams(KindParams):
    within_days = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_DAYS_MAX,
        default=3,
        label=_("Follow up within (open days)"),
        help_text=_(
            "Send the follow-up within this many open days of the inbox after the delivery "
            "(0: on the day of delivery)."
        ),
    )
    scope = serializers.ChoiceField(
        choices=[(ALL, _("All customers")), (REPEAT, _("Repeat customers only"))],
        default=ALL,
        label=_("Customers followed up"),
        help_text=_(
            "Repeat customers only: deliveries whose earlier_orders is 1 or more; a delivery "
            "without earlier_orders is then not followed up."
        ),
    )


@register
class DeliveryFollowup(PromiseKind):
    id = "delivery_followup"
    label_ja = "お届け後のフォローメッセージ"
    label_en = "Follow-up after delivery"
    occasion_kind = "delivered"
    action_kind = "followup_sent"
    unit = vocabulary.DAYS
    higher_is_better = False
    Params = DeliveryFollowupParams
    precedent_labels = {}

    def applies(self, *, occasion, params, calendar):
        if occasion.kind != self.occasion_kind:
            return False
        if params["scope"] == ALL:
            return True
        earlier = earlier_orders(occasion)
        return earlier is not None and earlier >= 1

    def deadline(self, *, occasion, related, params, calendar):
        if not self.applies(occasion=occasion, params=params, calendar=calendar):
            return None
        day = calendar.local(occasion.occurred_at).date()
        for _step in range(params["within_days"]):
            day = calendar.next_open_day(day, INQUIRIES)
        return calendar.end_of_day(day)

    def _measure(self, ctx):
        calendar = ctx.calendar
        delivered_on = calendar.local(ctx.occasion.occurred_at).date()
        sent_on = calendar.local(ctx.action.occurred_at).date()
        days = max(open_days_late(calendar, delivered_on, sent_on, INQUIRIES), 0)
        details = {
            "delivered_on": iso(delivered_on),
            "sent_on": iso(sent_on),
            "days": days,
            "within_days": ctx.params["within_days"],
            "scope": ctx.params["scope"],
            "earlier_orders": num(earlier_orders(ctx.occasion)),
            "order_id": ctx.occasion.attributes.get("order_id") or None,
            "customer_last": num(ctx.history.last_level),
        }
        return days, details, delivered_on, sent_on

    def evaluate(self, ctx):
        days, details, delivered_on, sent_on = self._measure(ctx)
        within, last = ctx.params["within_days"], ctx.history.last_level
        return within_judgement(
            level=float(days),
            within=within,
            last=last,
            details=details,
            breach=lambda: (
                f"{date_ja(delivered_on)}のお届けへのフォローメッセージが{date_ja(sent_on)}で、"
                f"{days}営業日かかりました（約束は{within}営業日以内）。",
                f"The follow-up for the delivery of {date_en(delivered_on)} went out on "
                f"{date_en(sent_on)}, after {plural(days, 'business day')}; the promise is "
                f"within {within}.",
            ),
            drift=lambda: (
                f"お届け後のフォローメッセージまで{days}営業日かかりました"
                f"（約束は{within}営業日以内）。"
                f"このお客様は前回、お届けから{num(last)}営業日で受け取っています。",
                f"The follow-up took {plural(days, 'business day')} after the delivery "
                f"(promise: within {within}); this customer got one after "
                f"{plural(last, 'business day')} last time.",
            ),
        )

    def evaluate_unpromised(self, ctx):
        # A follow-up to a first order under "repeat customers only" is more than promised,
        # but no precedent: the customer's next delivery is a repeat customer's, promised
        # anyway. It is the customer's experience all the same: the next one is compared
        # with it (drift).
        return Judgement(level=float(self._measure(ctx)[0]), kept=True)

    def promised_level(self, params):
        return float(self.validate_params(params)["within_days"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["within_days"] > old["within_days"] or (
            old["scope"] == ALL and new["scope"] == REPEAT
        )
