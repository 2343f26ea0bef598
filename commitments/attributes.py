"""What each occasion and action kind may carry, and how times are read.

Shared by the API, the CSV import and the pre-check, so a record is accepted or rejected
for the same reason whichever way it arrives. Errors are Django ValidationErrors with a
stable code (commitments.error_codes) and the field in `params["field"]`.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from config.limits import (
    TIME_MAX,
    TIME_MIN,
    text_problem,
    time_in_window,
)
from policies import vocabulary
from policies.vocabulary import SHORT_MAX, TEXT_MAX, Attribute  # noqa: F401 - re-exported

from .error_codes import LogErrorCode


def kinds_of(record: str) -> dict[str, tuple[Attribute, ...]]:
    """Return the registered kinds of "occasion" or "action" with their attributes.

    Read from policies.vocabulary at call time, so a kind a promise kind module registers is
    accepted like the built-in ones.
    """
    return {kind_id: kind.attributes for kind_id, kind in vocabulary.record_kinds(record).items()}


_HAS_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_INT_TEXT = re.compile(r"^[+-]?\d+$")
_TRUE_TEXT = {"true", "1", "yes"}
_FALSE_TEXT = {"false", "0", "no"}


def _error(message: str, *, code: str, field: str) -> ValidationError:
    # Django interpolates params into the message: escape user text that may hold a "%".
    return ValidationError(message.replace("%", "%%"), code=code, params={"field": field})


def kind_validate(*, record: str, kind) -> str:
    """Return the kind if `record` ("occasion" or "action") has it; else raise unknown_kind."""
    if vocabulary.record_kind_or_none(record, kind) is None:
        kinds = vocabulary.record_kinds(record)
        if record == "occasion":
            message = _("Unknown occasion kind %(kind)r; expected one of: %(kinds)s.")
        else:
            message = _("Unknown action kind %(kind)r; expected one of: %(kinds)s.")
        raise _error(
            message % {"kind": kind, "kinds": ", ".join(kinds)},
            code=LogErrorCode.UNKNOWN_KIND,
            field="kind",
        )
    return kind


def _from_text(attribute: Attribute, value: str):
    """Return a CSV cell converted to the attribute's JSON type (unchanged when it cannot be)."""
    text = value.strip()
    if attribute.type == "int" and _INT_TEXT.match(text):
        return int(text)
    if attribute.type == "bool" and text.lower() in _TRUE_TEXT | _FALSE_TEXT:
        return text.lower() in _TRUE_TEXT
    if attribute.type == "str_list":
        return [part.strip() for part in text.split(";") if part.strip()]
    if attribute.type in ("date", "datetime"):
        # Excel writes 2026/11/20 (15:30).
        return _SLASH_DATE.sub(
            lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text, count=1
        ).replace(" ", "T", 1)
    return text if attribute.type != "str" else value


def cell_value(attribute: Attribute, value: str):
    """Return a CSV cell in the attribute's JSON type (unchanged when it cannot be)."""
    return _from_text(attribute, value)


def _date_value(value) -> str | None:
    """Return a YYYY-MM-DD text as the ISO date, or None when it is not one."""
    if not isinstance(value, str) or not _DATE_ONLY.match(value.strip()):
        return None
    try:
        parsed = parse_date(value.strip())
    except ValueError:
        return None
    return parsed.isoformat() if isinstance(parsed, date) else None


def _datetime_value(value) -> str | None:
    """Return an ISO 8601 time as its ISO text (no offset: shop time), or None."""
    if not isinstance(value, str) or not _HAS_TIME.search(value):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if not isinstance(parsed, datetime):
        return None
    probe = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ZoneInfo("UTC"))
    if not time_in_window(probe):
        return None
    return parsed.isoformat()


def text_error(value: str, *, field: str) -> ValidationError | None:
    """Return the invalid_text error of a text holding NUL or a lone surrogate, or None."""
    problem = text_problem(value)
    if problem is None:
        return None
    if problem == "nul":
        message = _(
            "%(field)s contains a NUL character (\\u0000), which cannot be stored; remove it."
        )
    else:
        message = _(
            "%(field)s contains a lone surrogate (a half of a UTF-16 pair such as \\ud800), "
            "which is not text; send the whole character or remove it."
        )
    return _error(message % {"field": field}, code=LogErrorCode.INVALID_TEXT, field=field)


def _check(attribute: Attribute, value, kind: str) -> list[ValidationError]:
    field = f"attributes.{attribute.name}"
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    for text in texts:
        problem = text_error(text, field=field) if isinstance(text, str) else None
        if problem is not None:
            return [problem]
    ok = True
    if attribute.type == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and (attribute.min is None or value >= attribute.min)
        ok = ok and (attribute.max is None or value <= attribute.max)
    elif attribute.type == "bool":
        ok = isinstance(value, bool)
    elif attribute.type == "str":
        ok = isinstance(value, str) and len(value) <= attribute.max_length
    elif attribute.type == "str_list":
        ok = isinstance(value, list) and all(
            isinstance(item, str) and item.strip() and len(item) <= attribute.max_length
            for item in value
        )
    elif attribute.type == "date":
        ok = _date_value(value) is not None
    elif attribute.type == "datetime":
        ok = _datetime_value(value) is not None
    if ok:
        return []
    return [
        _error(
            _("'%(name)s' of %(kind)s must be %(accepted)s; got %(value)r.")
            % {
                "name": attribute.name,
                "kind": kind,
                "accepted": attribute.describe(),
                "value": value,
            },
            code=LogErrorCode.INVALID_ATTRIBUTE,
            field=field,
        )
    ]


def attributes_validate(*, record: str, kind: str, attributes, text: bool = False) -> dict:
    """Return the attributes of a record of this kind, checked; raise invalid_attribute.

    A null value (or, with `text=True`, an empty CSV cell) means the attribute is absent.
    With `text=True` values are CSV cells: integers, true/false/1/0 and `;`-separated lists
    are converted first.
    """
    spec = {
        attribute.name: attribute for attribute in vocabulary.record_kind(record, kind).attributes
    }
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise _error(
            _("attributes must be an object."),
            code=LogErrorCode.INVALID_ATTRIBUTE,
            field="attributes",
        )
    errors: list[ValidationError] = []
    clean: dict = {}
    for name, value in attributes.items():
        attribute = spec.get(name)
        if attribute is None:
            if spec:
                message = _("Unknown attribute %(name)r for %(kind)s; allowed: %(allowed)s.")
            else:
                message = _("Unknown attribute %(name)r for %(kind)s; allowed: none.")
            errors.append(
                _error(
                    message % {"name": name, "kind": kind, "allowed": ", ".join(spec)},
                    code=LogErrorCode.INVALID_ATTRIBUTE,
                    field=f"attributes.{name}",
                )
            )
            continue
        if value is None or (text and isinstance(value, str) and not value.strip()):
            continue
        if text and isinstance(value, str):
            value = _from_text(attribute, value)
        problems = _check(attribute, value, kind)
        if problems:
            errors.extend(problems)
            continue
        if attribute.type == "str_list":
            value = [item.strip() for item in value]
        elif attribute.type == "date":
            value = _date_value(value)
        elif attribute.type == "datetime":
            value = _datetime_value(value)
        clean[name] = value
    reported = {error.params["field"] for error in errors}
    for attribute in spec.values():
        field = f"attributes.{attribute.name}"
        if attribute.required and attribute.name not in clean and field not in reported:
            errors.append(
                _error(
                    _("'%(name)s' is required for %(kind)s: %(accepted)s.")
                    % {"name": attribute.name, "kind": kind, "accepted": attribute.describe()},
                    code=LogErrorCode.INVALID_ATTRIBUTE,
                    field=field,
                )
            )
    if errors:
        raise ValidationError(errors)
    return clean


def time_parse(value, *, tz: ZoneInfo | str, field: str = "occurred_at") -> datetime:
    """Return an aware datetime from ISO 8601; a time without offset is read in `tz`."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    moment = value if isinstance(value, datetime) else None
    # A bare date is not a time: the judges measure hours and cutoffs.
    if moment is None and isinstance(value, str) and _HAS_TIME.search(value):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise _error(
            _(
                "%(field)s must be an ISO 8601 time such as 2026-11-20T15:30:00+09:00; "
                "got %(value)r."
            )
            % {"field": field, "value": value},
            code=LogErrorCode.INVALID_TIME,
            field=field,
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    if not time_in_window(moment):
        raise _error(
            _("%(field)s must lie from %(min)s to before %(max)s; got %(value)r. Check the year.")
            % {
                "field": field,
                "min": TIME_MIN.date().isoformat(),
                "max": TIME_MAX.date().isoformat(),
                "value": value if isinstance(value, str) else value.isoformat(),
            },
            code=LogErrorCode.INVALID_TIME,
            field=field,
        )
    return moment
