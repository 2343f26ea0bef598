"""Dates and numbers as a shop reads them, through Django's localisation.

Load with ``{% load shop_format %}``:

- ``{{ value|shop_time }}``: a moment in the shop's time zone (activated for every page of a
  shop by config.middleware.ShopTimezoneMiddleware), in the language's DATETIME_FORMAT:
  「2026年11月22日(日) 15:30」 / "Nov 22, 2026, 3:30 p.m." (config/formats/).
- ``{{ value|shop_date }}``: a day (date or moment) in DATE_FORMAT: 「2026年11月22日(日)」.
- ``{{ value|shop_number }}`` and ``{{ value|shop_number:1 }}``: grouped digits, at most that
  many decimals: 「7,200」, 「97.2」.
- ``{{ value|shop_percent }}``: 「97.2%」 (no space before the sign).
- ``{{ value|yen }}``: 「¥7,200」.

Templates never spell a date format of their own (tests/test_templates_words.py fails then).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats, timezone

register = template.Library()


def _moment(value):
    if isinstance(value, str):
        from django.utils.dateparse import parse_date, parse_datetime

        value = parse_datetime(value) or parse_date(value) or value
    return value


@register.filter(expects_localtime=False)
def shop_time(value):
    """A moment in the current (shop's) time zone, the language's date and time format."""
    value = _moment(value)
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value


@register.filter(expects_localtime=False)
def shop_date(value):
    """A day in the language's date format (a moment is first put in the shop's zone)."""
    value = _moment(value)
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value


@register.filter
def shop_number(value, decimals=0):
    """Grouped digits with at most ``decimals`` decimals (trailing zeros dropped)."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-int(decimals)))
    except (InvalidOperation, ValueError, TypeError):
        return value
    number = number.normalize() if number != number.to_integral() else number.to_integral()
    places = max(0, -number.as_tuple().exponent)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def shop_percent(value, decimals=1):
    """A percentage with the sign right after the digits: 「97.2%」."""
    number = shop_number(value, decimals)
    return f"{number}%" if number != "" else ""


@register.filter
def yen(value):
    """An amount of yen: 「¥7,200」."""
    number = shop_number(value, 0)
    return f"¥{number}" if number != "" else ""
