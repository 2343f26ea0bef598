"""An online consultation booking is confirmed within hours and reminded the day before.

Seed 002: 「オンライン接客を予約した際に、予約確認メールをいつ送るのか、確認のためのメールは
いつ送るか」. A booking (the `consultation_booked` occasion, with the consultation's time in
`consultation_at`) gets a booking confirmation (`confirmation_sent`) within a number of hours
and a reminder (`reminder_sent`) on the day before the consultation.

One promise kind judges one action kind and has one deadline per occasion: this kind judges
the reminder, whose deadline (the end of the day before the consultation) comes last, and
measures the confirmation from the actions answering the same booking. So a missed reminder
is overdue (the sweeper), and the reminder's check says whether the confirmation came in
time (its hours are the level, the customer's experience drifts on them). A booking made on
the day before the consultation or later is confirmed, not reminded: no reminder is promised.
"""

from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.limits import PARAM_HOURS_MAX
from policies import vocabulary
from policies.vocabulary import HOURS, Attribute

from .base import (
    BREACH,
    DRIFT,
    OK,
    Event,
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
    plural,
)
from .registry import register

CONSULTATION_AT = "consultation_at"

vocabulary.occasion_register(
    "consultation_booked",
    noun=_("consultation booking"),
    phrase=_("books an online consultation"),
    attributes=(
        Attribute(
            CONSULTATION_AT,
            "datetime",
            _("Consultation time"),
            _(
                "Consultation bookings: when the online consultation takes place "
                "(2026-11-20T15:30:00+09:00; shop time without an offset; required there)"
            ),
            required=True,
        ),
    ),
)
vocabulary.action_register(
    "confirmation_sent",
    noun=_("booking confirmation"),
    phrase=_("confirms the booking"),
    done=_("Sent the booking confirmation"),
)
vocabulary.action_register(
    "reminder_sent",
    noun=_("consultation reminder"),
    phrase=_("reminds the customer of the consultation"),
    done=_("Sent the consultation reminder"),
)


def consultation_time(attributes: dict, calendar) -> datetime | None:
    """Return the consultation's time in shop time, or None when the booking has none."""
    value = attributes.get(CONSULTATION_AT)
    if isinstance(value, str) and value.strip():
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=calendar.tz)
    return calendar.local(value)


def reminder_day(consultation_at: datetime) -> date:
    """Return the day the reminder is promised on: the day before the consultation."""
    return consultation_at.date() - timedelta(days=1)


def confirmation_of(related) -> Event | None:
    """Return the first booking confirmation among the booking's actions, or None."""
    confirmations = [event for event in related if event.kind == "confirmation_sent"]
    if not confirmations:
        return None
    return min(confirmations, key=lambda event: (event.occurred_at, event.external_id))


class ConsultationConfirmationParams(KindParams):
    confirm_within_hours = serializers.IntegerField(
        min_value=1,
        max_value=PARAM_HOURS_MAX,
        default=24,
        label=_("Confirm within (hours)"),
        help_text=_("Send the booking confirmation within this many hours of the booking."),
    )
    drift_tolerance_hours = serializers.IntegerField(
        min_value=0,
        max_value=PARAM_HOURS_MAX,
        default=12,
        label=_("Drift tolerance (hours)"),
        help_text=_(
            "Hours slower than the customer's last booking confirmation that are not yet drift."
        ),
    )


@register
class ConsultationConfirmation(PromiseKind):
    id = "consultation_confirmation"
    label_ja = "オンライン接客の予約確認と前日のリマインド"
    label_en = "Consultation confirmation and reminder"
    occasion_kind = "consultation_booked"
    action_kind = "reminder_sent"
    # The booking confirmation is measured from the booking's related actions.
    reads_action_kinds = ("confirmation_sent",)
    unit = HOURS  # the confirmation's hours after the booking
    higher_is_better = False
    Params = ConsultationConfirmationParams

    def applies(self, *, occasion, params, calendar):
        if occasion.kind != self.occasion_kind:
            return False
        consultation_at = consultation_time(occasion.attributes, calendar)
        if consultation_at is None:
            return False
        # Booked on the day before or later: the confirmation is the reminder.
        booked_on = calendar.local(occasion.occurred_at).date()
        return booked_on < reminder_day(consultation_at)

    def deadline(self, *, occasion, related, params, calendar):
        if not self.applies(occasion=occasion, params=params, calendar=calendar):
            return None
        consultation_at = consultation_time(occasion.attributes, calendar)
        return calendar.end_of_day(reminder_day(consultation_at))

    def overdue_message(self, *, occasion, deadline, calendar):
        # The consultation's time is what staff look for, not only the booking's.
        consultation_at = consultation_time(occasion.attributes, calendar)
        if consultation_at is None:
            return super().overdue_message(occasion=occasion, deadline=deadline, calendar=calendar)
        booked_at = calendar.local(occasion.occurred_at)
        day = reminder_day(consultation_at)
        return (
            f"{moment_ja(consultation_at)}のオンライン接客（ご予約{occasion.external_id}、"
            f"{moment_ja(booked_at)}受付）のリマインドが、期限の前日{date_ja(day)}中を過ぎても"
            f"記録されていません（{self.label_ja}）。",
            f"No consultation reminder is recorded for the consultation of "
            f"{moment_en(consultation_at)} (booking {occasion.external_id} of "
            f"{moment_en(booked_at)}); it was due by the end of {date_en(day)}, the day before "
            f"({self.label_en}).",
        )

    def read(self, ctx):
        # A booking confirmation: the pre-check says whether it keeps confirm_within_hours.
        occasion, action = ctx.occasion, ctx.action
        if action.kind != "confirmation_sent" or occasion is None:
            return None
        if not self.applies(occasion=occasion, params=ctx.params, calendar=ctx.calendar):
            return None
        calendar, within = ctx.calendar, ctx.params["confirm_within_hours"]
        consultation_at = consultation_time(occasion.attributes, calendar)
        booking_ja = f"{moment_ja(consultation_at)}のオンライン接客のご予約"
        booking_en = f"the consultation of {moment_en(consultation_at)}"
        first = confirmation_of((*ctx.related, action))
        if first is not action:
            at = calendar.local(first.occurred_at)
            return Verdict(
                OK,
                f"{booking_ja}は{moment_ja(at)}に確認済みです（最初の予約確認が数えられます）。",
                f"{booking_en} was confirmed already, at {moment_en(at)} (the first "
                f"confirmation counts).",
                {"confirmed_at": iso(at)},
            )
        elapsed = action.occurred_at - occasion.occurred_at
        hours = num(round(max(elapsed.total_seconds(), 0) / 3600, 2))
        details = {"confirmation_hours": hours, "confirm_within_hours": within}
        if hours > within:
            return Verdict(
                BREACH,
                f"{booking_ja}への予約確認はご予約から{hours}時間後で、遅れています"
                f"（約束は{within}時間以内）。",
                f"The booking confirmation for {booking_en} goes out "
                f"{plural(hours, 'hour')} after the booking, late: the promise is within "
                f"{within}.",
                details,
            )
        return Verdict(
            OK,
            f"{booking_ja}への予約確認はご予約から{hours}時間後で、約束の{within}時間以内です。",
            f"The booking confirmation for {booking_en} goes out {plural(hours, 'hour')} "
            f"after the booking, within the promised {within}.",
            details,
        )

    def evaluate(self, ctx):
        calendar, params, last = ctx.calendar, ctx.params, ctx.history.last_level
        booked_at = calendar.local(ctx.occasion.occurred_at)
        consultation_at = consultation_time(ctx.occasion.attributes, calendar)
        promised_day = reminder_day(consultation_at)
        reminded_at = calendar.local(ctx.action.occurred_at)
        within = params["confirm_within_hours"]
        confirmation = confirmation_of(ctx.related)
        hours = None
        if confirmation is not None:
            elapsed = confirmation.occurred_at - ctx.occasion.occurred_at
            hours = num(round(max(elapsed.total_seconds(), 0) / 3600, 2))
        details = {
            "booked_at": iso(booked_at),
            "consultation_at": iso(consultation_at),
            "confirmed_at": iso(calendar.local(confirmation.occurred_at)) if confirmation else None,
            "confirmation_hours": hours,
            "confirm_within_hours": within,
            "reminded_at": iso(reminded_at),
            "reminder_day": iso(promised_day),
            "customer_last": num(last),
        }
        booking_ja = f"{moment_ja(consultation_at)}のオンライン接客のご予約"
        booking_en = f"the consultation of {moment_en(consultation_at)}"
        problems_ja, problems_en = [], []
        if confirmation is None:
            problems_ja.append(
                f"{booking_ja}（{moment_ja(booked_at)}受付）への予約確認が記録されていません"
                f"（約束は{within}時間以内）。"
            )
            problems_en.append(
                f"No booking confirmation is recorded for {booking_en}, booked "
                f"{moment_en(booked_at)}; the promise is within {within} hours."
            )
        elif hours > within:
            problems_ja.append(
                f"{booking_ja}への予約確認はご予約から{hours}時間後でした"
                f"（約束は{within}時間以内）。"
            )
            problems_en.append(
                f"The booking confirmation for {booking_en} went out {plural(hours, 'hour')} "
                f"after the booking; the promise is within {within}."
            )
        reminded_on = reminded_at.date()
        if reminded_on < promised_day:
            days = (consultation_at.date() - reminded_on).days
            problems_ja.append(
                f"{booking_ja}のリマインドは{days}日前の{date_ja(reminded_on)}に送られました"
                f"（約束は前日の{date_ja(promised_day)}）。"
            )
            problems_en.append(
                f"The reminder for {booking_en} went out {plural(days, 'day')} before, on "
                f"{date_en(reminded_on)}; the promise is the day before, {date_en(promised_day)}."
            )
        elif reminded_at >= consultation_at:
            problems_ja.append(
                f"{booking_ja}のリマインドは接客の開始後の{moment_ja(reminded_at)}でした"
                f"（約束は前日の{date_ja(promised_day)}）。"
            )
            problems_en.append(
                f"The reminder for {booking_en} went out after it began, at "
                f"{moment_en(reminded_at)}; the promise is the day before, "
                f"{date_en(promised_day)}."
            )
        elif reminded_on > promised_day:
            problems_ja.append(
                f"{booking_ja}のリマインドは当日の{moment_ja(reminded_at)}でした"
                f"（約束は前日の{date_ja(promised_day)}）。"
            )
            problems_en.append(
                f"The reminder for {booking_en} went out on the day itself, at "
                f"{moment_en(reminded_at)}; the promise is the day before, "
                f"{date_en(promised_day)}."
            )
        level = None if hours is None else float(hours)
        if problems_ja:
            verdict = Verdict(BREACH, "".join(problems_ja), " ".join(problems_en), details)
            return Judgement(level=level, kept=False, verdicts=(verdict,))
        if last is not None and hours > last + params["drift_tolerance_hours"]:
            verdict = Verdict(
                DRIFT,
                f"{booking_ja}への予約確認はご予約から{hours}時間後でした"
                f"（約束は{within}時間以内）。このお客様は前回{num(last)}時間後に受け取っています。",
                f"The booking confirmation for {booking_en} went out {plural(hours, 'hour')} "
                f"after the booking (promise: within {within}); this customer got it after "
                f"{plural(last, 'hour')} last time.",
                details,
            )
            return Judgement(level=level, kept=True, verdicts=(verdict,))
        return Judgement(level=level, kept=True)

    def promised_level(self, params):
        return float(self.validate_params(params)["confirm_within_hours"])

    def lowers(self, old, new):
        old, new = self.validate_params(old), self.validate_params(new)
        return new["confirm_within_hours"] > old["confirm_within_hours"]
