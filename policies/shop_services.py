"""Shop and calendar writes: create a shop, change its business calendar."""

import functools
from zoneinfo import available_timezones

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.audit import audit_record
from accounts.models import Membership, Role

from .calendar import APPLIES_TO, CalendarError, parse_time
from .models import Shop

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


class ClosureSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="first closed day")
    end = serializers.DateField(help_text="last closed day (inclusive; may be in the next year)")
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
        child=serializers.DateField(),
        allow_empty=True,
        max_length=MAX_OPEN_DAYS,
        help_text="days open although the rules would close them",
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
    return cleaned


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


@transaction.atomic
def calendar_update(*, shop: Shop, actor, calendar: dict) -> Shop:
    """Record a new business calendar for the shop (the whole calendar, validated)."""
    cleaned = calendar_validate(calendar)
    # Lock the row so the audit trail's "before" is what this change replaced.
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    before = calendar_fields(locked)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    try:
        locked.full_clean()
    except ValidationError as error:
        raise _model_errors(error) from None
    locked.save(update_fields=list(cleaned))
    after = calendar_fields(locked)
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
    for field in CALENDAR_FIELDS:
        setattr(shop, field, getattr(locked, field))
    return shop
