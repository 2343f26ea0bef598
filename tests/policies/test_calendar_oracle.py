"""The calendar's national holidays against the Cabinet Office list (syukujitsu.csv)."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from policies.calendar import ShopCalendar

# ../shared/data beside the repository: tests/policies/<this file> -> parents[3] = its parent.
ORACLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "syukujitsu.csv"


def read_oracle() -> dict[date, str]:
    """Return the listed holidays by date (the file is CP932, dates as YYYY/M/D)."""
    text = ORACLE.read_bytes().decode("cp932")
    rows = csv.reader(io.StringIO(text))
    header = next(rows)
    assert header == ["国民の祝日・休日月日", "国民の祝日・休日名称"]
    listed = {}
    for row in rows:
        if not row:
            continue
        year, month, day = (int(part) for part in row[0].split("/"))
        listed[date(year, month, day)] = row[1]
    return listed


pytestmark = pytest.mark.skipif(
    not ORACLE.is_file(), reason=f"the Cabinet Office holiday list is not at {ORACLE}"
)


@pytest.fixture(scope="module")
def listed():
    return read_oracle()


def covered_years(listed: dict[date, str]) -> list[int]:
    return list(range(min(listed).year, max(listed).year + 1))


class TestCabinetOfficeList:
    def test_the_list_covers_1955_to_the_last_listed_day(self, listed):
        assert (min(listed), max(listed) >= date(2027, 11, 23)) == (date(1955, 1, 1), True)

    def test_every_listed_day_and_no_other_is_a_holiday(self, listed):
        """For every covered year, up to the last listed day, compare day by day."""
        calendar = ShopCalendar(closed_weekdays=[])
        last = max(listed)
        wrong = []
        checked = 0
        for year in covered_years(listed):
            d = date(year, 1, 1)
            end = min(date(year, 12, 31), last)
            while d <= end:
                day = calendar.day(d)
                is_holiday = day.reason.startswith("holiday: ")
                closed = not day.shipping_open and not day.inquiries_open
                if d in listed and not (is_holiday and closed and day.holiday):
                    wrong.append(f"{d} ({listed[d]}) is not closed as a holiday: {day}")
                elif d not in listed and (day.holiday or day.reason or not day.shipping_open):
                    wrong.append(f"{d} is not listed but the calendar says {day}")
                checked += 1
                d += timedelta(days=1)
        assert wrong == []
        assert checked == (last - date(1955, 1, 1)).days + 1

    @pytest.mark.parametrize(
        "year", [1959, 1973, 1989, 1993, 2019, 2020, 2021], ids=lambda year: str(year)
    )
    def test_the_holidays_of_special_years_match_exactly(self, listed, year):
        """Years with one-off holidays (imperial events) or moved ones (Olympics)."""
        calendar = ShopCalendar(closed_weekdays=[])
        start, end = date(year, 1, 1), min(date(year, 12, 31), max(listed))
        found = {day.date for day in calendar.days(start, end) if day.holiday}
        assert found == {d for d in listed if d.year == year}
