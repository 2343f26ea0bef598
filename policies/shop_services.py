"""Shop and calendar writes: create a shop, change its business calendar."""

import functools
from datetime import date, timedelta
from zoneinfo import available_timezones

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.audit import audit_record
from accounts.models import Membership, Role

from .calendar import (
    APPLIES_TO,
    MAX_CLOSED_RUN_DAYS,
    MAX_DATE,
    MIN_DATE,
    CalendarError,
    Channel,
    ShopCalendar,
    parse_time,
)
from .calendar_selectors import rule_in_force, shop_today, weekly_rules_of
from .hooks import RejudgeRequest, rejudge_needed
from .models import Shop, WeeklyRule

CALENDAR_FIELDS = (
    "timezone",
    "closed_weekdays",
    "holidays",
    "business_hours",
    "closures",
    "open_days",
)
# Only Japan's holidays are offered: the calendar is tested against the Cabinet Office list.
HOLIDAY_COUNTRIES = ("JP", "")
MAX_PERIODS = 10
MAX_CLOSURES = 500
MAX_OPEN_DAYS = 1000
# How far from an occasion its deadline, or the action judged against it, can reach: a
# changed closure or open day can change the judgement of occasions up to this many days
# before its first date (their deadline falls on it) and of actions up to this many days
# after its last date (their lateness is counted across it). The kinds' deadlines are a few
# open days or business hours (defaults 1-3 days, 24 business hours); even a deadline of 3
# open days that meets a New Year closure and a weekend ends within 2-3 weeks. 62 days is
# twice the longest closed run a calendar may have (MAX_CLOSED_RUN_DAYS), so a deadline of
# two open days is covered even in the emptiest calendar allowed. See docs/ARCHITECTURE.md.
DEADLINE_REACH_DAYS = 62


@functools.lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    # "localtime" names whatever the server is set to, not a place.
    return frozenset(available_timezones() - {"localtime"})


def timezone_is_known(name: str) -> bool:
    """Return whether name is an IANA timezone (e.g. "Asia/Tokyo")."""
    return isinstance(name, str) and name in _timezones()


# --- validation of a calendar payload ---------------------------------------------------


class BusinessHoursPeriodSerializer(serializers.Serializer):
    start = serializers.CharField(help_text='"HH:MM", shop time')
    end = serializers.CharField(help_text='"HH:MM", after start')

    def _time(self, value):
        try:
            return parse_time(value)
        except CalendarError:
            raise serializers.ValidationError(
                _("Enter a time as HH:MM (00:00 to 23:59)."), code="invalid_param"
            ) from None

    def validate_start(self, value):
        return self._time(value)

    def validate_end(self, value):
        return self._time(value)

    def validate(self, attrs):
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError(
                {"end": [_("The period must end after it starts.")]}, code="invalid_param"
            )
        return attrs


def _date_in_range(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise serializers.ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()},
            code="invalid_param",
        )
    return value


class BoundedDateField(serializers.DateField):
    """A date within the years a calendar answers for (2000-2100)."""

    def to_internal_value(self, value):
        return _date_in_range(super().to_internal_value(value))


class ClosureSerializer(serializers.Serializer):
    start = BoundedDateField(help_text="first closed day (2000-01-01 to 2100-12-31)")
    end = BoundedDateField(help_text="last closed day (inclusive; may be in the next year)")
    label = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    applies_to = serializers.ChoiceField(
        choices=APPLIES_TO,
        default="all",
        help_text="all, shipping (carriers) or inquiries (inbox)",
    )

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(
                {"end": [_("The closure must not end before it starts.")]}, code="invalid_param"
            )
        return attrs


class CalendarSerializer(serializers.Serializer):
    """The body of PUT /api/v1/shops/{shop}/calendar/."""

    timezone = serializers.CharField(
        required=False, help_text="IANA timezone; unchanged when left out"
    )
    closed_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=True,
        max_length=7,
        help_text="Monday = 0 ... Sunday = 6",
    )
    holidays = serializers.CharField(
        allow_blank=True, help_text='"JP" for Japan\'s national holidays, "" for none'
    )
    business_hours = BusinessHoursPeriodSerializer(
        many=True, allow_empty=False, max_length=MAX_PERIODS
    )
    closures = ClosureSerializer(many=True, allow_empty=True, max_length=MAX_CLOSURES)
    open_days = serializers.ListField(
        child=BoundedDateField(),
        allow_empty=True,
        max_length=MAX_OPEN_DAYS,
        help_text="days open although the rules would close them",
    )
    effective_from = BoundedDateField(
        required=False,
        allow_null=True,
        help_text=(
            "the day (shop time) from which closed_weekdays and business_hours apply; "
            "earlier days keep their rules. Default: today in shop time"
        ),
    )

    def validate_timezone(self, value):
        if not timezone_is_known(value):
            raise serializers.ValidationError(
                _("Unknown timezone; use a name like Asia/Tokyo."), code="invalid_param"
            )
        return value

    def validate_closed_weekdays(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(
                _("Each weekday may be listed only once."), code="invalid_param"
            )
        if len(value) >= 7:
            raise serializers.ValidationError(
                _(
                    "All seven weekdays are closed, so the shop would never open. Leave at "
                    "least one weekday open; for a long break add a closure instead."
                ),
                code="invalid_param",
            )
        return sorted(value)

    def validate_holidays(self, value):
        if value not in HOLIDAY_COUNTRIES:
            raise serializers.ValidationError(
                _('Only "JP" (Japan) or "" (no national holidays) is supported.'),
                code="invalid_param",
            )
        return value

    def validate(self, attrs):
        periods = sorted(enumerate(attrs["business_hours"]), key=lambda pair: pair[1]["start"])
        for (_first, earlier), (index, later) in zip(periods, periods[1:], strict=False):
            if later["start"] < earlier["end"]:
                raise serializers.ValidationError(
                    {
                        f"business_hours[{index}].start": [
                            _("This period overlaps another one (%(start)s-%(end)s).")
                            % {
                                "start": f"{earlier['start']:%H:%M}",
                                "end": f"{earlier['end']:%H:%M}",
                            }
                        ]
                    },
                    code="invalid_param",
                )
        return attrs


def _error_paths(detail, path: str = ""):
    """Yield (field path, error detail) pairs, with list items as `name[index]`."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", NON_FIELD_ERRORS):
                sub = path
            elif isinstance(key, int) or str(key).isdigit():
                sub = f"{path}[{key}]"
            else:
                sub = f"{path}.{key}" if path else str(key)
            yield from _error_paths(value, sub)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                yield from _error_paths(value, f"{path}[{index}]")
            else:
                yield from _error_paths(value, path)
    else:
        yield path, detail


def _api_code(code: str | None) -> str:
    return "required" if code in ("required", "null", "blank") else "invalid_param"


def validation_error_from(errors) -> ValidationError:
    """Return a Django ValidationError keyed by field path (`business_hours[1].end`) from
    DRF serializer errors, with the API's codes."""
    by_path: dict[str, list[ValidationError]] = {}
    for path, detail in _error_paths(errors):
        code = _api_code(getattr(detail, "code", None))
        by_path.setdefault(path or NON_FIELD_ERRORS, []).append(
            ValidationError(str(detail), code=code)
        )
    return ValidationError(by_path)


def calendar_validate(calendar: dict) -> dict:
    """Return the calendar payload validated and normalised for storage (JSON values)."""
    return _validated(calendar)[0]


def _validated(calendar: dict) -> tuple[dict, list[dict]]:
    """Return the normalised payload and its closures in the order given (for error paths)."""
    serializer = CalendarSerializer(data=calendar)
    if not serializer.is_valid():
        raise validation_error_from(serializer.errors)
    data = serializer.validated_data
    cleaned = {
        "closed_weekdays": data["closed_weekdays"],
        "holidays": data["holidays"],
        "business_hours": [
            {"start": f"{p['start']:%H:%M}", "end": f"{p['end']:%H:%M}"}
            for p in sorted(data["business_hours"], key=lambda p: p["start"])
        ],
        "closures": [
            {
                "start": c["start"].isoformat(),
                "end": c["end"].isoformat(),
                "label": c["label"],
                "applies_to": c["applies_to"],
            }
            for c in sorted(data["closures"], key=lambda c: (c["start"], c["end"]))
        ],
        "open_days": sorted({d.isoformat() for d in data["open_days"]}),
    }
    if "timezone" in data:
        cleaned["timezone"] = data["timezone"]
    if data.get("effective_from"):
        cleaned["effective_from"] = data["effective_from"].isoformat()
    return cleaned, list(data["closures"])


def calendar_fields(shop: Shop) -> dict:
    """Return the shop's calendar as stored (timezone, weekdays, holidays, hours, ...)."""
    return {field: getattr(shop, field) for field in CALENDAR_FIELDS}


# --- writes ------------------------------------------------------------------------------


def _model_errors(error: ValidationError) -> ValidationError:
    """Return a model's full_clean error with the API's codes (a taken slug is a conflict)."""
    by_field = {}
    for field, errors in error.error_dict.items():
        by_field[field] = [
            ValidationError(
                " ".join(item.messages),
                code="conflict"
                if item.code == "unique"
                else "required"
                if item.code in ("required", "null", "blank")
                else "invalid_param",
            )
            for item in errors
        ]
    return ValidationError(by_field)


def _slug_taken(slug: str) -> ValidationError:
    return ValidationError(
        {
            "slug": [
                ValidationError(
                    _("A shop with the slug %(slug)s exists already.") % {"slug": slug}, "conflict"
                )
            ]
        }
    )


@transaction.atomic
def shop_create(*, slug: str, name: str, timezone: str = "Asia/Tokyo", creator) -> Shop:
    """Record a new shop with the default calendar; its creator becomes its manager."""
    if not timezone_is_known(timezone):
        raise ValidationError(
            {
                "timezone": [
                    ValidationError(
                        _("Unknown timezone; use a name like Asia/Tokyo."), "invalid_param"
                    )
                ]
            }
        )
    if Shop.objects.filter(slug=slug).exists():
        raise _slug_taken(slug)
    shop = Shop(slug=slug, name=name, timezone=timezone)
    try:
        shop.full_clean()
    except ValidationError as error:
        raise _model_errors(error) from None
    try:
        # Two requests for the same slug at once: the unique index decides.
        with transaction.atomic():
            shop.save()
    except IntegrityError:
        raise _slug_taken(slug) from None
    membership = Membership(user=creator, shop=shop, role=Role.MANAGER)
    membership.full_clean()
    membership.save()
    audit_record(
        shop=shop,
        actor=creator,
        event="shop.created",
        object_type="shop",
        object_id=shop.pk,
        before=None,
        after={"slug": shop.slug, "name": shop.name, **calendar_fields(shop)},
    )
    return shop


def _channel_name(channel: Channel) -> str:
    return _("shipping") if channel is Channel.SHIPPING else _("inquiries")


def _closed_run_error(
    calendar: ShopCalendar, closures: list[dict], only: set[int] | None = None
) -> ValidationError | None:
    """Return an error naming a closure if, with the weekly rules and the holidays, it keeps a
    channel closed for MAX_CLOSED_RUN_DAYS days or more in a row; None if every channel opens
    at least once within any such span.

    Only the spans around closures are walked: without closures a weekly rule with an open
    weekday opens every week (holidays never cover a weekday four weeks running), so a run
    that long must contain a closure day; each closure is checked with the days around it.
    `only`: the indexes of the closures to check (those this change can make too long).
    """
    reach = timedelta(days=MAX_CLOSED_RUN_DAYS)
    checked = [c for i, c in enumerate(closures) if only is None or i in only]
    spans = sorted(
        (max(MIN_DATE, c["start"] - reach), min(MAX_DATE, c["end"] + reach)) for c in checked
    )
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        for channel in Channel:
            run_start = None
            run = 0
            day = start
            while day <= end + timedelta(days=1):
                closed = day <= end and not calendar.is_open(day, channel)
                if closed:
                    run_start = run_start or day
                    run += 1
                elif run >= MAX_CLOSED_RUN_DAYS:
                    last = day - timedelta(days=1)
                    return _run_error(channel, run_start, last, run, closures, only)
                else:
                    run_start, run = None, 0
                day += timedelta(days=1)
    return None


def _run_error(channel, first, last, days: int, closures: list[dict], only: set[int] | None):
    # The closure to blame: the latest one given (and checked, if any is) that closes the
    # channel within the run.
    within = [
        i
        for i, c in enumerate(closures)
        if c["applies_to"] in ("all", channel.value) and c["start"] <= last and c["end"] >= first
    ]
    index = max([i for i in within if only is None or i in only] or within or [0])
    message = _(
        "With this closure, the closed weekdays and the holidays, %(channel)s would be closed "
        "for %(days)s days in a row (%(first)s to %(last)s). Every channel needs at least one "
        "open day within any %(limit)s days: shorten the closure or add an open day within it."
    ) % {
        "channel": _channel_name(channel),
        "days": days,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "limit": MAX_CLOSED_RUN_DAYS,
    }
    return ValidationError({f"closures[{index}].end": [ValidationError(message, "invalid_param")]})


def _closures_to_check(
    closures: list[dict], *, stored: dict, open_days, new_rule_from: date | None
) -> set[int]:
    """Return the indexes of the closures this change can make too long: new or changed
    ones, those within reach of a removed open day, and with a new weekly rule those that
    end within reach of (or after) its first day. A stored closure nothing touches is left
    as it was, so an old calendar never blocks an unrelated change."""
    reach = timedelta(days=MAX_CLOSED_RUN_DAYS)
    known = {(c["start"], c["end"], c.get("applies_to") or "all") for c in stored["closures"]}
    removed = [date.fromisoformat(d) for d in set(stored["open_days"]) - set(open_days or ())]
    found = set()
    for index, closure in enumerate(closures):
        key = (closure["start"].isoformat(), closure["end"].isoformat(), closure["applies_to"])
        near_removed = any(closure["start"] - reach <= d <= closure["end"] + reach for d in removed)
        ruled = new_rule_from is not None and closure["end"] >= new_rule_from - reach
        if key not in known or near_removed or ruled:
            found.add(index)
    return found


def _closure_days(closures) -> set[tuple[date, str]]:
    """Return (day, applies_to) for every day the closures close (labels do not judge)."""
    found = set()
    for closure in closures or ():
        day, end = date.fromisoformat(closure["start"]), date.fromisoformat(closure["end"])
        while day <= end:
            found.add((day, closure.get("applies_to") or "all"))
            day += timedelta(days=1)
    return found


def calendar_rejudge_window(
    *, before: dict, after: dict, new_rule_from: date | None
) -> tuple[bool, object, object]:
    """Return (changed, since, until): whether the calendar change can change judgements and
    the moments [since, until) of the occasions and actions it can affect (None: no bound).

    - timezone or national holidays changed: every day is read differently, so everything.
    - a new weekly rule from day E: from E on, widened back by DEADLINE_REACH_DAYS for the
      occasions before E whose deadlines fall after it; no end.
    - closures and open days added or removed: the changed days, widened back and forth by
      DEADLINE_REACH_DAYS (deadlines falling on them; lateness counted across them).
    """
    if before["timezone"] != after["timezone"] or before["holidays"] != after["holidays"]:
        return True, None, None
    reach = timedelta(days=DEADLINE_REACH_DAYS)
    firsts: list[date] = []
    lasts: list[date | None] = []
    if new_rule_from is not None:
        firsts.append(new_rule_from)
        lasts.append(None)
    changed = _closure_days(before["closures"]) ^ _closure_days(after["closures"])
    changed_days = {day for day, _applies in changed}
    changed_days |= {
        date.fromisoformat(value) for value in set(before["open_days"]) ^ set(after["open_days"])
    }
    if changed_days:
        firsts.append(min(changed_days))
        lasts.append(max(changed_days) + timedelta(days=1))
    if not firsts:
        return False, None, None

    def start_of(day: date):
        return ShopCalendar(timezone=after["timezone"]).start_of_day(day)

    since = start_of(max(min(firsts) - reach, date.min + timedelta(days=1)))
    until = None if None in lasts else start_of(min(max(lasts) + reach, MAX_DATE))
    return True, since, until


def _rules_json(rules: list[dict]) -> list[dict]:
    return [
        {
            "effective_from": rule["effective_from"].isoformat(),
            "closed_weekdays": rule["closed_weekdays"],
            "business_hours": rule["business_hours"],
        }
        for rule in rules
    ]


def _audit_view(shop: Shop, rules: list[dict]) -> dict:
    return {**calendar_fields(shop), "weekly_rules": _rules_json(rules)}


@transaction.atomic
def calendar_update(*, shop: Shop, actor, calendar: dict, reason: str = "") -> Shop:
    """Record a new business calendar for the shop (the whole calendar, validated).

    The weekly rules (closed weekdays, business hours) apply from `effective_from` (a day in
    shop time; default today) until the shop's next later rule: earlier days keep the rules
    they had. Closures and open days are facts about their dates and replace the stored
    ones. A change that can alter judgements asks for a re-judge of the days it can affect
    (`policies.hooks.rejudge_needed`, inside this transaction).
    """
    cleaned, closures_given = _validated(calendar)
    # Lock the row so the audit trail's "before" is what this change replaced.
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    rules_before = weekly_rules_of(locked)
    before = _audit_view(locked, rules_before)
    if not locked.weekly_rules.exists():
        # The shop's rule so far becomes its first dated one, so the past keeps it.
        WeeklyRule.objects.create(
            shop=locked,
            effective_from=MIN_DATE,
            closed_weekdays=list(locked.closed_weekdays or ()),
            business_hours=list(locked.business_hours or ()),
            reason="The shop's weekly rules before they had effective dates.",
        )
    timezone_name = cleaned.get("timezone", locked.timezone)
    today = shop_today(Shop(timezone=timezone_name))
    effective_from = (
        date.fromisoformat(cleaned.pop("effective_from"))
        if cleaned.get("effective_from")
        else today
    )
    weekly = {
        "closed_weekdays": cleaned.pop("closed_weekdays"),
        "business_hours": cleaned.pop("business_hours"),
    }
    in_force = rule_in_force(rules_before, effective_from)
    new_rule = (
        weekly["closed_weekdays"] != in_force["closed_weekdays"]
        or weekly["business_hours"] != in_force["business_hours"]
    )
    rules_after = list(rules_before)
    if new_rule:
        rules_after = [r for r in rules_before if r["effective_from"] != effective_from]
        rules_after.append({"effective_from": effective_from, **weekly})
        rules_after.sort(key=lambda rule: rule["effective_from"])
    for field, value in cleaned.items():
        setattr(locked, field, value)
    # The shop's own weekly fields mirror the rule in force today (the rules are the truth).
    now_rule = rule_in_force(rules_after, today)
    locked.closed_weekdays = now_rule["closed_weekdays"]
    locked.business_hours = now_rule["business_hours"]
    # What the calendar reads (no query), written with the history rows below.
    locked.weekly_rule_timeline = _rules_json(rules_after)
    try:
        locked.full_clean()
    except ValidationError as error:
        raise _model_errors(error) from None

    candidate = ShopCalendar(
        timezone=locked.timezone,
        holidays=locked.holidays,
        closures=locked.closures,
        open_days=locked.open_days,
        rules=_rules_json(rules_after),
    )
    # New holidays or another timezone can lengthen any closed run: then check them all.
    everything = (before["timezone"], before["holidays"]) != (locked.timezone, locked.holidays)
    only = (
        None
        if everything
        else _closures_to_check(
            closures_given,
            stored=before,
            open_days=locked.open_days,
            new_rule_from=effective_from if new_rule else None,
        )
    )
    error = _closed_run_error(candidate, closures_given, only)
    if error is not None:
        raise error

    locked.save(
        update_fields=[*cleaned, "closed_weekdays", "business_hours", "weekly_rule_timeline"]
    )
    if new_rule:
        WeeklyRule.objects.create(
            shop=locked,
            effective_from=effective_from,
            created_by=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            **weekly,
        )
    after = _audit_view(locked, weekly_rules_of(locked))
    if after != before:
        audit_record(
            shop=locked,
            actor=actor,
            event="calendar.changed",
            object_type="shop",
            object_id=locked.pk,
            before=before,
            after=after,
        )
    changed, since, until = calendar_rejudge_window(
        before=before,
        after=after,
        new_rule_from=effective_from if new_rule else None,
    )
    if changed:
        rejudge_needed(
            RejudgeRequest(shop_id=locked.pk, reason="calendar.changed", since=since, until=until)
        )
    for field in (*CALENDAR_FIELDS, "weekly_rule_timeline"):
        setattr(shop, field, getattr(locked, field))
    # A prefetched list of rules on the caller's shop would now be stale.
    getattr(shop, "_prefetched_objects_cache", {}).pop("weekly_rules", None)
    return shop
