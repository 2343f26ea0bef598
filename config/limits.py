"""The ranges every way in (API, CSV import, forms) enforces, so judging never meets a value
it cannot compute with.

Documented in docs/ARCHITECTURE.md ("Limits at the door") and in the OpenAPI schema. The
apps import these from here (config is below every app), so the API, the import and the
forms refuse the same values.
"""

from datetime import UTC, datetime

# Times of occasions, actions, pre-checks and promise versions: [TIME_MIN, TIME_MAX).
TIME_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIME_MAX = datetime(2100, 1, 1, tzinfo=UTC)
# ISO weeks (findings, reports) inside the same window.
YEAR_MIN = TIME_MIN.year
YEAR_MAX = TIME_MAX.year - 1

# Numbers records carry.
LINES_MAX = 1000  # lines of a handwritten note
TOTAL_MAX = 100_000_000  # an order total in yen
RATING_MIN, RATING_MAX = 1, 5

# Parameters of promises.
PARAM_LINES_MAX = LINES_MAX  # min_lines, drift_tolerance, precedent_above
PARAM_TOTAL_MAX = TOTAL_MAX  # min_total
PARAM_HOURS_MAX = 24 * 90  # within_hours, within_business_hours, drift tolerances in hours
PARAM_DAYS_MAX = 365  # within_days
PARAM_LIST_MAX = 20  # items of a list parameter (extras)

# JSON bodies: objects and arrays nested at most this deep.
JSON_MAX_DEPTH = 32


def time_in_window(moment: datetime) -> bool:
    """Return whether an aware datetime lies in [TIME_MIN, TIME_MAX).

    The year is checked first: a time in year 1 or 9999 with an offset cannot be converted
    to UTC without overflowing.
    """
    if not YEAR_MIN - 1 <= moment.year <= YEAR_MAX + 1:
        return False
    return TIME_MIN <= moment < TIME_MAX


def text_problem(value: str) -> str | None:
    """Return what makes a text unstorable ("nul" or "surrogate"), or None when it is fine.

    PostgreSQL refuses NUL in text and jsonb, and a lone surrogate (U+D800..U+DFFF, which a
    JSON body may spell as \\ud800) cannot be encoded as UTF-8.
    """
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None
