"""Reviews (all, or only low-rated ones) are answered within a number of open days."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_DAYS_MAX
from policies.vocabulary import DAYS

from .base import (
    INQUIRIES,
    PRECEDENT,
    Judgement,
    KindParams,
    PromiseKind,
    Verdict,
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

ALL = "all"
LOW = "low"


class ReviewReplyParams(KindParams):
    scope = serializers.ChoiceField(
        choices=[(ALL, _("Every review")), (LOW, _("Only low-rated reviews"))],
        default=ALL,
        label=_("Reviews to reply to"),
        help_text=_(
            "Reply to every review, or only to reviews rated at most the highest low rating."
        ),
    )
    low_max_rating = serializers.IntegerField(
        min_value=1,
        max_value=5,
        default=3,
        label=_("Highest low rating"),
        help_text=_("The highest rating that counts as low."),
    )
    within_days = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_DAYS_MAX,
        default=3,
        label=_("Reply within (days)"),
        help_text=_("Reply within this many open days of the inbox."),
    )


@register
class ReviewReply(PromiseKind):
    id = "review_reply"
    label_ja = "レビューへの返信"
    label_en = "Review replies"
    occasion_kind = "review_posted"
    action_kind = "review_replied"
    unit = DAYS
    precedent_labels = {"replied_to_high_rating": _("a reply to a high-rated review")}
    higher_is_better = False
    Params = ReviewReplyParams

    def applies(self, *, occasion, params, calendar):
        if occasion.kind != self.occasion_kind:
            return False
        if params["scope"] == ALL:
            return True
        rating = number_attribute(occasion.attributes, "rating")
        return rating is not None and rating <= params["low_max_rating"]

    def deadline(self, *, occasion, related, params, calendar):
        if not self.applies(occasion=occasion, params=params, calendar=calendar):
            return None
        day = calendar.local(occasion.occurred_at).date()
        for _step in range(params["within_days"]):
            day = calendar.next_open_day(day, INQUIRIES)
        return calendar.end_of_day(day)

    def deadline_reach(self, *, params, calendar, day):
        # Due a number of open days of the inbox after the review's day: a later review is due
        # no earlier. (Under scope "low" the rating decides which reviews it applies to: the
        # worklist asks `applies`.)
        from .base import reach_by_days

        def deadline_at(at):
            current = calendar.local(at).date()
            for _step in range(params["within_days"]):
                current = calendar.next_open_day(current, INQUIRIES)
            return calendar.end_of_day(current)

        return reach_by_days(calendar=calendar, day=day, deadline_at=deadline_at)

    def _measure(self, ctx):
        calendar = ctx.calendar
        reviewed_on = calendar.local(ctx.occasion.occurred_at).date()
        replied_on = calendar.local(ctx.action.occurred_at).date()
        days = max(open_days_late(calendar, reviewed_on, replied_on, INQUIRIES), 0)
        rating = number_attribute(ctx.occasion.attributes, "rating")
        details = {
            "reviewed_on": iso(reviewed_on),
            "replied_on": iso(replied_on),
            "rating": num(rating),
            "scope": ctx.params["scope"],
            "days": days,
            "within_days": ctx.params["within_days"],
            "customer_last": num(ctx.history.last_level),
        }
        return days, details, reviewed_on, replied_on

    def evaluate(self, ctx):
        days, details, reviewed_on, replied_on = self._measure(ctx)
        within, last = ctx.params["within_days"], ctx.history.last_level
        return within_judgement(
            level=float(days),
            within=within,
            last=last,
            details=details,
            breach=lambda: (
                f"{date_ja(reviewed_on)}のレビューへの返信が{date_ja(replied_on)}で、"
                f"{days}営業日かかりました（約束は{within}営業日以内）。",
                f"The review of {date_en(reviewed_on)} was answered on {date_en(replied_on)}, "
                f"after {plural(days, 'business day')}; the promise is within {within}.",
            ),
            drift=lambda: (
                f"レビューへの返信に{days}営業日かかりました（約束は{within}営業日以内）。"
                f"このお客様は前回{num(last)}営業日で返信を受け取っています。",
                f"The review reply took {plural(days, 'business day')} (promise: within "
                f"{within}); this customer got a reply in {plural(last, 'business day')} "
                "last time.",
            ),
        )

    def evaluate_unpromised(self, ctx):
        # Under scope "low" a reply to a well-rated review is more than promised.
        rating = number_attribute(ctx.occasion.attributes, "rating")
        if ctx.params["scope"] != LOW or rating is None:
            return None
        days, details = self._measure(ctx)[:2]
        low_max = ctx.params["low_max_rating"]
        verdict = Verdict(
            PRECEDENT,
            f"評価{num(rating)}のレビューに返信しました。約束は評価{low_max}以下のレビュー"
            "への返信のみです。このお客様は次回も返信を期待するかもしれません。",
            f"Replied to a review rated {num(rating)}; the promise is to reply only to "
            f"reviews rated {low_max} or less. The customer may expect a reply next time.",
            details,
        )
        return Judgement(
            level=float(days),
            kept=True,
            verdicts=(verdict,),
            precedent={"what": "replied_to_high_rating", "rating": num(rating)},
        )

    def promised_level(self, params):
        return float(self.validate_params(params)["within_days"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        if new["within_days"] > old["within_days"]:
            return True
        if old["scope"] == ALL:
            return new["scope"] == LOW
        return new["scope"] == LOW and new["low_max_rating"] < old["low_max_rating"]
