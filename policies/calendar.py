"""The shop calendar: which days are open for shipping and for inquiries, and business time.

Pure: everything is read at construction; no database queries afterwards. A calendar is
cheap to build per request (national holidays are cached per country and year), and
`ShopCalendar.for_shop` shares one calendar between requests while the shop's calendar is
unchanged (keyed by `calendar_config_key`; no query: the rules' timeline is on the shop row).

The weekly rules (closed weekdays, business hours) change over time: each rule applies from
its `effective_from` day (shop time) until the next rule's, so "from January we open at 9:00"
does not rewrite last year. Every question is answered per day with the rule in force on
that day. Dated closures and open days are facts about their own dates.
"""

from __future__ import annotations

import bisect
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

# Searches forward (next open day, business hours to add) give up after this many days in
# a row without an open day: such a calendar is misconfigured, not slow.
MAX_SEARCH_DAYS = 400
# Spans (days listed, days or hours counted between two moments) longer than this are
# refused rather than walked day by day.
MAX_SPAN_DAYS = 3660

# The dates a calendar is asked about, and the dates a shop may write into it: questions
# outside them could overflow Python's dates and mean nothing for a shop.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
# Every channel must open at least once within any this many days in a row.
MAX_CLOSED_RUN_DAYS = 30

APPLIES_TO = ("all", "shipping", "inquiries")
DEFAULT_BUSINESS_HOURS = ({"start": "10:00", "end": "18:00"},)

# Holiday names in the country's own language where the library has it.
_HOLIDAY_LANGUAGE = {"JP": "ja"}
_ONE_DAY = timedelta(days=1)
# Closures covering more days than this in all are scanned per day instead of indexed.
_CLOSURE_INDEX_DAYS = 100_000


class Channel(StrEnum):
    SHIPPING = "shipping"
    INQUIRIES = "inquiries"


class CalendarError(ValueError):
    """A calendar that cannot be built, or a question it cannot answer within its bounds."""


@dataclass(frozen=True)
class Day:
    """One day of the calendar: open or closed per channel, and why closed."""

    date: date
    shipping_open: bool
    inquiries_open: bool
    # Why a channel is closed, e.g. "holiday: 元日; closure: New Year"; "" if both are open.
    reason: str = ""
    # The same reasons one by one: "holiday: 元日", "closed weekday", "closure: New Year".
    reasons: tuple[str, ...] = ()
    # The national holiday's name, also when an open day overrides it; "" if none.
    holiday: str = ""

    def is_open(self, channel: Channel | str) -> bool:
        """Return whether the channel is open on this day."""
        return self.shipping_open if Channel(channel) is Channel.SHIPPING else self.inquiries_open

    def closed_words(self) -> tuple[str, str]:
        """Return why the day is closed as a person reads it: (Japanese, English); "" if open.

        「勤労感謝の日のため休業」 / "closed for 勤労感謝の日 (national holiday)", not the
        machine's `reason` ("holiday: 勤労感謝の日"), which details and precedents keep.
        """
        ja, en = [], []
        for reason in self.reasons:
            kind, _, label = reason.partition(": ")
            if kind == "holiday":
                ja.append(f"{label}のため休業")
                en.append(f"closed for {label} (national holiday)")
            elif kind == "closed weekday":
                ja.append("定休日")
                en.append("regular closed weekday")
            elif kind == "closure":
                ja.append(f"臨時休業（{label}）" if label else "臨時休業")
                en.append(f"closed: {label}" if label else "closed")
            else:
                ja.append(reason)
                en.append(reason)
        return "、".join(ja), "; ".join(en)


@dataclass(frozen=True)
class Closure:
    """Extra closed days, inclusive, for both channels or only one."""

    start: date
    end: date
    label: str = ""
    applies_to: str = "all"

    def closes(self, channel: Channel) -> bool:
        """Return whether this closure closes the channel."""
        return self.applies_to in ("all", channel.value)


@dataclass(frozen=True)
class WeeklyRule:
    """Closed weekdays and business hours from a day on (until the next rule's day)."""

    effective_from: date
    closed_weekdays: frozenset[int]
    business_hours: tuple[tuple[time, time], ...]


def parse_weekly_rule(
    *,
    effective_from: date | str,
    closed_weekdays: Iterable[int],
    business_hours: Iterable[Mapping],
    what: str = "",
) -> WeeklyRule:
    """Return a weekly rule from its stored form (refusing what the calendar cannot use)."""
    prefix = f"{what}." if what else ""
    weekdays = set()
    for value in closed_weekdays:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            raise CalendarError(f"Closed weekdays are 0 (Monday) to 6, not {value!r}.")
        weekdays.add(value)
    periods = []
    for index, period in enumerate(business_hours):
        start = parse_time(period["start"], what=f"{prefix}business_hours[{index}].start")
        end = parse_time(period["end"], what=f"{prefix}business_hours[{index}].end")
        if start >= end:
            raise CalendarError(f"{prefix}business_hours[{index}] must start before it ends.")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise CalendarError("Business hours periods must not overlap.")
    return WeeklyRule(
        effective_from=parse_date(effective_from, what=f"{prefix}effective_from"),
        closed_weekdays=frozenset(weekdays),
        business_hours=tuple(periods),
    )


@functools.lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    """Return the country codes the holiday library knows."""
    return frozenset(holidays_lib.list_supported_countries())


@functools.lru_cache(maxsize=512)
def national_holidays(country: str, year: int) -> Mapping[date, str]:
    """Return the national holidays of a country in a year, by date, in the local language."""
    found = holidays_lib.country_holidays(
        country, years=year, language=_HOLIDAY_LANGUAGE.get(country)
    )
    return MappingProxyType({d: name for d, name in found.items() if d.year == year})


def parse_time(value: time | str, *, what: str = "time") -> time:
    """Return a time of day from "HH:MM" (or a time)."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = str(value).strip()
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise CalendarError(f"{what} must be HH:MM, not {value!r}.")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise CalendarError(f"{what} must be between 00:00 and 23:59, not {value!r}.")
    return time(int(hours), int(minutes))


def parse_date(value: date | str, *, what: str = "date") -> date:
    """Return a date from "YYYY-MM-DD" (or a date)."""
    if isinstance(value, datetime):
        raise CalendarError(f"{what} must be a date, not a datetime.")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CalendarError(f"{what} must be YYYY-MM-DD, not {value!r}.") from None


class ShopCalendar:
    """A shop's business calendar: open days per channel, next shipping day, business hours."""

    tz: ZoneInfo

    def __init__(
        self,
        *,
        timezone: str = "Asia/Tokyo",
        closed_weekdays: Iterable[int] = (),
        holidays: str | None = "JP",
        business_hours: Iterable[Mapping] = DEFAULT_BUSINESS_HOURS,
        closures: Iterable[Mapping | Closure] = (),
        open_days: Iterable[date | str] = (),
        rules: Iterable[Mapping | WeeklyRule] = (),
    ):
        try:
            self.tz = ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"Unknown timezone {timezone!r}.") from None
        self.timezone = str(timezone)

        self.holidays = (holidays or "").upper()
        if self.holidays and self.holidays not in supported_countries():
            raise CalendarError(f"No national holidays known for {holidays!r}.")

        # The weekly rules in the order they take effect; with several on one day the one
        # given last wins. The first rule also answers for every day before its own.
        if isinstance(rules, Iterable) and not isinstance(rules, str | bytes):
            given = [
                rule
                if isinstance(rule, WeeklyRule)
                else parse_weekly_rule(
                    effective_from=rule["effective_from"],
                    closed_weekdays=rule.get("closed_weekdays") or (),
                    business_hours=rule.get("business_hours") or (),
                    what=f"rules[{index}]",
                )
                for index, rule in enumerate(rules)
            ]
        else:
            raise CalendarError("rules must be a list of weekly rules.")
        if not given:
            given = [
                parse_weekly_rule(
                    effective_from=date.min,
                    closed_weekdays=closed_weekdays,
                    business_hours=business_hours,
                )
            ]
        by_day: dict[date, WeeklyRule] = {}
        for rule in sorted(given, key=lambda rule: rule.effective_from):
            by_day[rule.effective_from] = rule
        timeline = list(by_day.values())
        timeline[0] = WeeklyRule(date.min, timeline[0].closed_weekdays, timeline[0].business_hours)
        self.rules: tuple[WeeklyRule, ...] = tuple(timeline)
        self._rule_days = [rule.effective_from for rule in timeline]
        # The latest rule, for callers that know only one rule (use rule_on for a day).
        self.closed_weekdays = timeline[-1].closed_weekdays
        self.business_hours: tuple[tuple[time, time], ...] = timeline[-1].business_hours

        parsed = []
        for index, closure in enumerate(closures):
            if not isinstance(closure, Closure):
                closure = Closure(
                    start=parse_date(closure["start"], what=f"closures[{index}].start"),
                    end=parse_date(closure["end"], what=f"closures[{index}].end"),
                    label=str(closure.get("label") or ""),
                    applies_to=closure.get("applies_to") or "all",
                )
            if closure.applies_to not in APPLIES_TO:
                raise CalendarError(f"closures[{index}].applies_to must be one of {APPLIES_TO}.")
            if closure.end < closure.start:
                raise CalendarError(f"closures[{index}] must not end before it starts.")
            parsed.append(closure)
        self.closures: tuple[Closure, ...] = tuple(parsed)

        self.open_days = frozenset(
            parse_date(value, what=f"open_days[{index}]") for index, value in enumerate(open_days)
        )
        # A calendar never changes once built, so each day is worked out once.
        self._days: dict[date, Day] = {}
        self._periods_of: dict[date, list[tuple[datetime, datetime]]] = {}
        # Closures by day, built on first use (None: not yet; False: too many days, scan).
        self._closure_index: dict[date, list[Closure]] | bool | None = None

    @classmethod
    def for_shop(cls, shop) -> ShopCalendar:
        """Return the calendar of a shop: its fields and its weekly rules over time (read
        from the shop row, no query). Shared while the shop's calendar is unchanged."""
        return _calendar_from_key(calendar_config_key(shop))

    def rule_on(self, d: date) -> WeeklyRule:
        """Return the weekly rule in force on the day."""
        return self.rules[bisect.bisect_right(self._rule_days, _plain_date(d)) - 1]

    def __repr__(self) -> str:
        return (
            f"<ShopCalendar {self.timezone} closed={sorted(self.closed_weekdays)} "
            f"holidays={self.holidays or '-'} hours={len(self.business_hours)} "
            f"rules={len(self.rules)} "
            f"closures={len(self.closures)} open_days={len(self.open_days)}>"
        )

    # --- moments and days -----------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """Return the aware moment in shop time."""
        _require_aware(moment)
        return moment.astimezone(self.tz)

    def start_of_day(self, d: date) -> datetime:
        """Return 00:00 shop time of the day, aware."""
        return datetime.combine(_plain_date(d), time(0), tzinfo=self.tz)

    def end_of_day(self, d: date) -> datetime:
        """Return the start of the next day, aware (the day is [start_of_day, end_of_day))."""
        try:
            return self.start_of_day(_plain_date(d) + _ONE_DAY)
        except OverflowError:
            raise CalendarError(f"No day after {d}: beyond the last date.") from None

    def holiday_name(self, d: date) -> str:
        """Return the name of the national holiday on the day, or ""."""
        if not self.holidays:
            return ""
        d = _plain_date(d)
        return national_holidays(self.holidays, d.year).get(d, "")

    def day(self, d: date) -> Day:
        """Return the day with whether each channel is open, and why not."""
        d = _plain_date(d)
        found = self._days.get(d)
        if found is None:
            found = self._days[d] = self._work_out(d)
        return found

    def _work_out(self, d: date) -> Day:
        """Return the day worked out from the rules (open days override everything)."""
        holiday = self.holiday_name(d)
        if d in self.open_days:
            return Day(d, True, True, "", (), holiday)
        reasons = []
        shipping_open = inquiries_open = True
        if holiday:
            reasons.append(f"holiday: {holiday}")
            shipping_open = inquiries_open = False
        if d.weekday() in self.rule_on(d).closed_weekdays:
            reasons.append("closed weekday")
            shipping_open = inquiries_open = False
        for closure in self._closures_on(d):
            if closure.start <= d <= closure.end:
                reasons.append(f"closure: {closure.label}" if closure.label else "closure")
                if closure.closes(Channel.SHIPPING):
                    shipping_open = False
                if closure.closes(Channel.INQUIRIES):
                    inquiries_open = False
        return Day(d, shipping_open, inquiries_open, "; ".join(reasons), tuple(reasons), holiday)

    def _closures_on(self, d: date) -> Iterable[Closure]:
        """Return the closures that may cover the day (in the order given): an index by day
        when the closures cover a reasonable number of days, otherwise all of them."""
        index = self._closure_index
        if index is None:
            total = sum((c.end - c.start).days + 1 for c in self.closures)
            index = {}
            if total <= _CLOSURE_INDEX_DAYS:
                for closure in self.closures:
                    day = closure.start
                    while day <= closure.end:
                        index.setdefault(day, []).append(closure)
                        day += _ONE_DAY
            else:
                index = False
            self._closure_index = index
        return self.closures if index is False else index.get(d, ())

    def days(self, start: date, end: date) -> list[Day]:
        """Return every day from start to end, inclusive (empty when end is before start)."""
        start, end = _plain_date(start), _plain_date(end)
        count = (end - start).days + 1
        _check_span(count)
        return [self.day(start + timedelta(days=i)) for i in range(max(count, 0))]

    def is_open(self, d: date, channel: Channel | str) -> bool:
        """Return whether the channel is open on the day."""
        return self.day(d).is_open(channel)

    def next_open_day(self, d: date, channel: Channel | str, *, include: bool = False) -> date:
        """Return the first day after d (or from d, with include) open for the channel."""
        channel = Channel(channel)
        current = _plain_date(d)
        try:
            if not include:
                current += _ONE_DAY
            for _ in range(MAX_SEARCH_DAYS):
                if self.day(current).is_open(channel):
                    return current
                current += _ONE_DAY
        except OverflowError:
            message = f"No day open for {channel} after {d}: beyond the last date."
            raise CalendarError(message) from None
        raise CalendarError(f"No day open for {channel} within {MAX_SEARCH_DAYS} days of {d}.")

    def ship_by(self, ordered_at: datetime, cutoff: time) -> date:
        """Return the day an order must ship: that day before the cutoff on a shipping day,
        otherwise the next shipping day."""
        local = self.local(ordered_at)
        today = local.date()
        if self.is_open(today, Channel.SHIPPING) and local.time() < parse_time(cutoff):
            return today
        return self.next_open_day(today, Channel.SHIPPING)

    def open_days_between(self, start: date, end: date, channel: Channel | str) -> int:
        """Return the number of open days d with start < d <= end (negative if end < start)."""
        start, end = _plain_date(start), _plain_date(end)
        if end < start:
            return -self.open_days_between(end, start, channel)
        channel = Channel(channel)
        count = (end - start).days
        _check_span(count)
        return sum(
            1 for i in range(1, count + 1) if self.day(start + timedelta(days=i)).is_open(channel)
        )

    # --- business hours (inbox time: business hours on days open for inquiries) --------

    def _periods(self, d: date) -> list[tuple[datetime, datetime]]:
        """Return the business hours periods of an inquiries-open day, in UTC (each day
        with the business hours of the weekly rule in force that day)."""
        found = self._periods_of.get(d)
        if found is None:
            if not self.day(d).inquiries_open:
                found = []
            else:
                # Arithmetic in UTC: aware datetimes sharing a tzinfo subtract as wall-clock.
                found = [
                    (
                        datetime.combine(d, start, tzinfo=self.tz).astimezone(UTC),
                        datetime.combine(d, end, tzinfo=self.tz).astimezone(UTC),
                    )
                    for start, end in self.rule_on(d).business_hours
                ]
            self._periods_of[d] = found
        return found

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Return the hours of business time in [start, end] (negative if end < start)."""
        _require_aware(start)
        _require_aware(end)
        if end < start:
            return -self.business_hours_between(end, start)
        lo, hi = start.astimezone(UTC), end.astimezone(UTC)
        first, last = self.local(start).date(), self.local(end).date()
        _check_span((last - first).days + 1)
        total = timedelta(0)
        d = first
        while d <= last:
            for period_start, period_end in self._periods(d):
                overlap = min(period_end, hi) - max(period_start, lo)
                if overlap > timedelta(0):
                    total += overlap
            d += _ONE_DAY
        return total.total_seconds() / 3600

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """Return the moment (shop time) when the given hours of business time after start
        have passed."""
        _require_aware(start)
        if hours < 0:
            raise CalendarError("Business hours to add must not be negative.")
        remaining = timedelta(hours=hours)
        moment = start.astimezone(UTC)
        if not remaining:
            return self.local(start)
        d = self.local(start).date()
        idle = walked = 0
        while idle < MAX_SEARCH_DAYS and walked < MAX_SPAN_DAYS:
            periods = self._periods(d)
            for period_start, period_end in periods:
                begin = max(period_start, moment)
                if period_end <= begin:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(self.tz)
                remaining -= available
            idle = 0 if periods else idle + 1
            walked += 1
            if d >= date.max:
                break
            d += _ONE_DAY
        raise CalendarError(
            f"Cannot add {hours} business hours to {start.isoformat()}: no business time "
            f"found within {MAX_SEARCH_DAYS if idle else MAX_SPAN_DAYS} days."
        )


def calendar_config(shop) -> dict:
    """Return everything a shop's calendar is built from, as JSON values: its fields and
    its weekly rules over time (`Shop.weekly_rule_timeline`; no query)."""
    config = {
        "timezone": shop.timezone,
        "holidays": shop.holidays,
        "closures": list(shop.closures or ()),
        "open_days": list(shop.open_days or ()),
    }
    timeline = getattr(shop, "weekly_rule_timeline", None) or []
    if timeline:
        config["rules"] = [
            {
                "effective_from": str(rule["effective_from"]),
                "closed_weekdays": list(rule.get("closed_weekdays") or ()),
                "business_hours": list(rule.get("business_hours") or ()),
            }
            for rule in timeline
        ]
    else:
        # A shop without rules (made before weekly rules had dates, or in a test): its
        # fields are the one rule for all time.
        config["closed_weekdays"] = list(shop.closed_weekdays or ())
        config["business_hours"] = list(shop.business_hours or ())
    return config


def calendar_config_key(shop) -> str:
    """Return a key that changes whenever anything the shop's calendar answers from does
    (fields and weekly rules): calendars cached under it are never stale."""
    return json.dumps(calendar_config(shop), sort_keys=True, ensure_ascii=False)


@functools.lru_cache(maxsize=256)
def _calendar_from_key(key: str) -> ShopCalendar:
    # A calendar is immutable and memoises the days it worked out, so requests share it.
    return ShopCalendar(**json.loads(key))


def _require_aware(moment: datetime) -> None:
    if not isinstance(moment, datetime):
        raise TypeError(f"Expected a datetime, not {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"The moment {moment.isoformat()} has no timezone.")


def _plain_date(d: date) -> date:
    # A datetime is a date too; taking its date() silently would mix up timezones.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"Expected a date, not {type(d).__name__}.")
    return d


def _check_span(days: int) -> None:
    if days > MAX_SPAN_DAYS:
        raise CalendarError(f"Spans longer than {MAX_SPAN_DAYS} days are not supported.")
