"""The shipping notice, with its tracking number, goes out on the day of shipment."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from policies.vocabulary import Unit

from .base import (
    BREACH,
    DRIFT,
    Event,
    Judgement,
    KindParams,
    PromiseKind,
    Verdict,
    date_en,
    date_ja,
    iso,
    num,
    shipment_of,
)
from .registry import register


class ShippingNoticeParams(KindParams):
    same_day = serializers.BooleanField(
        default=True,
        label=_("Notice on the day of shipment"),
        help_text=_("Send the notice on the day of shipment (otherwise by the next day)."),
    )
    tracking_required = serializers.BooleanField(
        default=True,
        label=_("Tracking number required"),
        help_text=_("The notice carries the tracking number."),
    )


def has_tracking(*events: Event) -> bool:
    """Return whether any of the events carries a non-empty tracking number."""
    return any(str(event.attributes.get("tracking_number") or "").strip() for event in events)


def _after_ja(days: int) -> str:
    return "発送当日" if days == 0 else f"発送の{days}日後"


def _after_en(days: int) -> str:
    if days == 0:
        return "on the day of shipment"
    return f"{days} day{'s' if days != 1 else ''} after shipment"


@register
class ShippingNotice(PromiseKind):
    id = "shipping_notice"
    label_ja = "発送日のお知らせ（追跡番号つき）"
    label_en = "Shipping notice on the day of shipment"
    occasion_kind = "order_placed"
    action_kind = "shipping_notice_sent"
    deadline_after = "shipped"  # due with the shipment: no deadline before it
    unit = Unit(
        "days_after_shipment",
        ngettext_lazy("%(n)s day after shipment", "%(n)s days after shipment", "count"),
        _("days after shipment"),
    )
    higher_is_better = False
    Params = ShippingNoticeParams

    def deadline(self, *, occasion, related, params, calendar):
        shipment = shipment_of(related)
        if shipment is None:
            # Nothing is due before the parcel ships; the deadline appears with the shipment.
            return None
        shipped_on = calendar.local(shipment.occurred_at).date()
        allowed = 0 if params["same_day"] else 1
        return calendar.end_of_day(shipped_on + timedelta(days=allowed))

    def evaluate_without_occasion(self, ctx):
        # Without the order there is no shipment to measure the day against; the tracking
        # number the customer needs is judged all the same.
        return self.evaluate(ctx)

    def _untracked(self, ctx) -> Judgement | None:
        """Return the breach of a notice without its tracking number before any shipment."""
        if not ctx.params["tracking_required"] or has_tracking(ctx.action):
            # Judged again when the shipment arrives (the engine re-judges the occasion).
            return None
        notified_on = ctx.calendar.local(ctx.action.occurred_at).date()
        details = {
            "shipped_on": None,
            "notified_on": iso(notified_on),
            "days_after_shipment": None,
            "same_day": ctx.params["same_day"],
            "tracking_number_present": False,
            "tracking_required": True,
            "customer_last": num(ctx.history.last_level),
        }
        verdict = Verdict(
            BREACH,
            "お知らせに追跡番号がありません（約束は追跡番号つき）。",
            "The notice carried no tracking number; the promise requires one.",
            details,
        )
        return Judgement(level=None, kept=False, verdicts=(verdict,))

    def evaluate(self, ctx):
        shipment = shipment_of(ctx.related)
        if shipment is None:
            return self._untracked(ctx)
        calendar, params, last = ctx.calendar, ctx.params, ctx.history.last_level
        shipped_on = calendar.local(shipment.occurred_at).date()
        notified_on = calendar.local(ctx.action.occurred_at).date()
        days = max((notified_on - shipped_on).days, 0)
        allowed = 0 if params["same_day"] else 1
        # The number must reach the customer in the notice: a number only in the shipment
        # record does not.
        tracking = has_tracking(ctx.action)
        details = {
            "shipped_on": iso(shipped_on),
            "notified_on": iso(notified_on),
            "days_after_shipment": days,
            "same_day": params["same_day"],
            "tracking_number_present": tracking,
            "tracking_required": params["tracking_required"],
            "customer_last": num(last),
        }
        promise_ja = "発送当日" if params["same_day"] else "発送翌日まで"
        promise_en = "on the day of shipment" if params["same_day"] else "by the next day"
        problems_ja, problems_en = [], []
        if days > allowed:
            problems_ja.append(
                f"発送（{date_ja(shipped_on)}）のお知らせが{_after_ja(days)}の"
                f"{date_ja(notified_on)}でした（約束は{promise_ja}）。"
            )
            problems_en.append(
                f"The shipping notice went out {_after_en(days)} ({date_en(notified_on)}, "
                f"shipped {date_en(shipped_on)}); the promise is {promise_en}."
            )
        if params["tracking_required"] and not tracking:
            problems_ja.append("お知らせに追跡番号がありません（約束は追跡番号つき）。")
            problems_en.append("The notice carried no tracking number; the promise requires one.")
        if problems_ja:
            verdict = Verdict(BREACH, "".join(problems_ja), " ".join(problems_en), details)
            return Judgement(level=float(days), kept=False, verdicts=(verdict,))
        if last is not None and days > last:
            verdict = Verdict(
                DRIFT,
                f"発送のお知らせは{_after_ja(days)}でした（約束は{promise_ja}）。"
                f"このお客様は前回、{_after_ja(int(last))}にお知らせを受け取っています。",
                f"The shipping notice went out {_after_en(days)} (promise: {promise_en}); this "
                f"customer got it {_after_en(int(last))} last time.",
                details,
            )
            return Judgement(level=float(days), kept=True, verdicts=(verdict,))
        return Judgement(level=float(days), kept=True)

    def promised_level(self, params):
        return 0.0 if self.validate_params(params)["same_day"] else 1.0

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return (old["same_day"] and not new["same_day"]) or (
            old["tracking_required"] and not new["tracking_required"]
        )
