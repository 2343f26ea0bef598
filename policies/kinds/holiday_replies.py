"""Whether inquiries that arrive while the inbox is closed are answered before it reopens."""

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from rest_framework import serializers

from policies.vocabulary import Unit, unit_number

from .base import (
    BREACH,
    DRIFT,
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
)
from .registry import register

NONE = "none"
ALWAYS = "always"


def _share_words(unit: Unit, value: float) -> str:
    """An average level: the share of inquiries answered on a closed day (「50%」)."""
    return gettext_now("%(pct)s%% of inquiries answered on a closed day") % {
        "pct": unit_number(value * 100)
    }


def _share_gap_words(unit: Unit, value: float) -> str:
    return gettext_now("%(pct)s%%") % {"pct": unit_number(value * 100)}


def _reply_words(unit: Unit, value: float) -> str:
    """One measured level: replied on the closed day, or waited for an open day."""
    if value >= 1:
        return gettext_now("replied on a closed day")
    return gettext_now("waited for an open day")


CLOSED_DAY_REPLY = Unit(
    "closed_day_reply",
    ngettext_lazy("%(n)s reply on a closed day", "%(n)s replies on a closed day", "count"),
    _("share of inquiries answered on a closed day"),
    directed=False,
    words=_share_words,
    gap=_share_gap_words,
    measured=_reply_words,
)


class HolidayRepliesParams(KindParams):
    mode = serializers.ChoiceField(
        choices=[
            (NONE, _("No: answered on the next open day")),
            (ALWAYS, _("Yes: answered on closed days too")),
        ],
        default=NONE,
        label=_("Replies on closed days"),
        help_text=_(
            "Whether inquiries received on closed days are answered on the closed day too, or "
            "on the next open day."
        ),
    )


@register
class HolidayReplies(PromiseKind):
    id = "holiday_replies"
    label_ja = "休業日のお問い合わせ対応"
    label_en = "Replies on closed days"
    occasion_kind = "inquiry_received"
    action_kind = "reply_sent"
    unit = CLOSED_DAY_REPLY
    precedent_labels = {"closed_day_reply": _("a reply on a closed day")}
    higher_is_better = True
    Params = HolidayRepliesParams

    def applies(self, *, occasion, params, calendar):
        if occasion.kind != self.occasion_kind:
            return False
        return not calendar.is_open(calendar.local(occasion.occurred_at).date(), INQUIRIES)

    def deadline(self, *, occasion, related, params, calendar):
        # Under "always" the reply is due before the inbox reopens (the end of the closed
        # stretch the inquiry arrived in); under "none" it waits for reply_time to judge.
        if params["mode"] != ALWAYS or not self.applies(
            occasion=occasion, params=params, calendar=calendar
        ):
            return None
        received_on = calendar.local(occasion.occurred_at).date()
        return calendar.start_of_day(calendar.next_open_day(received_on, INQUIRIES))

    def deadline_reach(self, *, params, calendar, day):
        # Due when the inbox reopens after the day the inquiry came: a later inquiry is due
        # no earlier. (Which inquiries it applies to, those of closed days, the worklist asks
        # `applies`.) Under "none" nothing is ever due: no reach.
        from .base import reach_by_days

        if params["mode"] != ALWAYS:
            return None
        return reach_by_days(
            calendar=calendar,
            day=day,
            deadline_at=lambda at: calendar.start_of_day(
                calendar.next_open_day(calendar.local(at).date(), INQUIRIES)
            ),
        )

    def evaluate(self, ctx):
        calendar, mode, history = ctx.calendar, ctx.params["mode"], ctx.history
        received_on = calendar.local(ctx.occasion.occurred_at).date()
        replied_on = calendar.local(ctx.action.occurred_at).date()
        reopens_on = calendar.next_open_day(received_on, INQUIRIES)
        # 1: answered while the inbox was still closed; 0: the customer waited for it to reopen.
        during_closure = replied_on < reopens_on
        level = 1.0 if during_closure else 0.0
        reason = calendar.day(received_on).reason
        closed_ja, closed_en = calendar.day(received_on).closed_words()
        details = {
            "received_on": iso(received_on),
            "replied_on": iso(replied_on),
            "reopens_on": iso(reopens_on),
            "closed_day_reason": reason,
            "mode": mode,
            "customer_best": num(history.best_level),
        }
        if mode == ALWAYS:
            if during_closure:
                return Judgement(level=level, kept=True)
            verdict = Verdict(
                BREACH,
                f"休業日の{date_ja(received_on)}（{closed_ja}）に届いたお問い合わせへの返信が、"
                f"営業再開後の{date_ja(replied_on)}でした。約束は休業日も返信することです。",
                f"The inquiry of {date_en(received_on)} ({closed_en}) was answered only on "
                f"{date_en(replied_on)}, after the inbox reopened; the promise is to reply on "
                "closed days too.",
                details,
            )
            return Judgement(level=level, kept=False, verdicts=(verdict,))
        if during_closure:
            reply_reason = calendar.day(replied_on).reason or reason
            verdict = Verdict(
                PRECEDENT,
                f"休業日（{closed_ja}）に届いたお問い合わせに、休業中の{date_ja(replied_on)}に"
                "返信しました。約束は休業日には返信しないことです。このお客様は次回も"
                "休業日の返信を期待するかもしれません。",
                f"Replied on {date_en(replied_on)} to an inquiry received while the inbox was "
                f"closed ({closed_en}); the promise is no replies on closed days. The customer may "
                "expect a closed-day reply next time.",
                details,
            )
            return Judgement(
                level=level,
                kept=True,
                verdicts=(verdict,),
                precedent={"what": "closed_day_reply", "reason": reply_reason},
            )
        if history.best_level is not None and history.best_level >= 1:
            verdict = Verdict(
                DRIFT,
                f"休業日（{closed_ja}）に届いたお問い合わせに、営業日の{date_ja(replied_on)}に"
                "返信しました（約束どおり）。このお客様は以前、休業日に返信を受け取っています。",
                "This customer got a reply on a closed day before; now they waited for the next "
                f"business day ({date_en(replied_on)}) for the inquiry received while the inbox "
                f"was closed ({closed_en}). This is within the promise.",
                details,
            )
            return Judgement(level=level, kept=True, verdicts=(verdict,))
        return Judgement(level=level, kept=True)

    def promised_level(self, params):
        return 1.0 if self.validate_params(params)["mode"] == ALWAYS else 0.0

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return old["mode"] == ALWAYS and new["mode"] == NONE
