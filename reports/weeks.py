"""ISO weeks ("2026-W47") as ranges of aware datetimes in a shop's timezone."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.limits import YEAR_MAX, YEAR_MIN

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Week:
    """One ISO week, Monday 00:00 to the next Monday 00:00 in a timezone."""

    year: int
    number: int
    tz: ZoneInfo

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def start(self) -> datetime:
        # Combining wall-clock midnight with the zone keeps weeks right across DST changes.
        return datetime.combine(self.monday, time(0), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=self.tz)

    def shifted(self, weeks: int) -> "Week":
        """Return the week `weeks` weeks later (earlier when negative)."""
        return week_of(self.monday + timedelta(weeks=weeks), self.tz)

    def __str__(self) -> str:
        return self.label


def week_of(day: date, tz: ZoneInfo) -> Week:
    """Return the ISO week that contains the day."""
    year, number, _weekday = day.isocalendar()
    return Week(year=year, number=number, tz=tz)


def parse_week(value: str, tz: ZoneInfo | str) -> Week:
    """Return the Week named by "YYYY-Www"; ValidationError(code="invalid_param") if not one."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    match = WEEK_RE.match(value or "")
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            pass
        else:
            # Outside the years records may have (config.limits), a week's bounds overflow.
            if YEAR_MIN <= year <= YEAR_MAX:
                return Week(year=year, number=number, tz=tz)
    raise ValidationError(
        _("Not an ISO week such as 2026-W47: %(value)s"),
        code="invalid_param",
        params={"field": "week", "value": value},
    )


def current_week(now: datetime, tz: ZoneInfo | str) -> Week:
    """Return the week that contains the moment `now` in the timezone."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    return week_of(now.astimezone(tz).date(), tz)


def week_words(week: Week) -> str:
    """Return the week as a reader names it: 「2026年11月16日(月) – 11月22日(日)」."""
    sunday = week.monday + timedelta(days=6)
    return gettext("%(monday)s – %(sunday)s") % {
        "monday": formats.date_format(week.monday, "DATE_FORMAT"),
        "sunday": formats.date_format(sunday, "DATE_FORMAT"),
    }
