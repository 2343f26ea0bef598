"""Input and output shapes of the log API. Meaning is checked by the services, not here.

Kinds, attributes and times are validated in commitments.services / attributes so the API
and the CSV import reject the same things with the same codes; these serializers only fix
the JSON shape (and document it in the OpenAPI schema).
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api_errors import ErrorSerializer, ErrorsSerializer  # noqa: F401 - re-exported
from config.limits import YEAR_MAX, YEAR_MIN

from .error_codes import LogErrorCode
from .models import FindingStatus, FindingType

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


# ------------------------------------------------------------------------------
# The log: input
# ------------------------------------------------------------------------------
class OccasionInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    customer = serializers.CharField(max_length=100)
    kind = serializers.CharField(
        help_text="A registered occasion kind (the enum lists them; an unknown one is answered "
        "unknown_kind)."
    )
    occurred_at = serializers.CharField(
        max_length=64,
        help_text="ISO 8601 from 2000-01-01 to before 2100-01-01; a time without offset is "
        "read in the shop's timezone.",
    )
    attributes = serializers.JSONField(
        required=False,
        default=dict,
        help_text="The kind's attributes (each occasion and action kind's are listed with their "
        "types and bounds in the CSV column reference): e.g. total 0..100000000 (yen), rating "
        "1..5, lines 0..1000, texts up to 10000 characters; dates YYYY-MM-DD, times ISO 8601; "
        "no NUL or lone surrogates.",
    )
    customer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    customer_email = serializers.CharField(
        max_length=254, required=False, allow_blank=True, default=""
    )


class ExceptionInSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the exception was made (the enum lists them).")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ActionInSerializer(OccasionInSerializer):
    kind = serializers.CharField(
        help_text="A registered action kind (the enum lists them; an unknown one is answered "
        "unknown_kind)."
    )
    occasion = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The external id of the occasion this action answers.",
    )
    staff = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    # Checked by the service (reason, note) so the import shares the same rules.
    exception = serializers.JSONField(required=False, allow_null=True, default=None)


# ------------------------------------------------------------------------------
# The log: output
# ------------------------------------------------------------------------------
class PromiseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="promise_id")
    kind = serializers.CharField(source="promise.kind")
    version = serializers.IntegerField(source="promise_version.number")


class FindingPublicSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        source="public_at",
        help_text="Marked as told publicly at; from then on it raises every customer's "
        "expectation of the promise.",
    )
    note = serializers.CharField(source="public_note", help_text="Where it was told.")


class FindingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    excused = serializers.BooleanField()
    status = serializers.CharField()
    promise = PromiseRefSerializer(source="*")
    customer = serializers.CharField(source="customer.external_id")
    action = serializers.CharField(source="action.external_id", allow_null=True, default=None)
    occasion = serializers.CharField(source="occasion.external_id", allow_null=True, default=None)
    occurred_at = serializers.DateTimeField()
    message_ja = serializers.CharField()
    message_en = serializers.CharField()
    details = serializers.JSONField()
    created_at = serializers.DateTimeField()
    public = serializers.SerializerMethodField(
        help_text="A precedent marked as told publicly: when and where; null otherwise."
    )

    @extend_schema_field(FindingPublicSerializer(allow_null=True))
    def get_public(self, finding):
        if getattr(finding, "public_at", None) is None:
            return None
        return FindingPublicSerializer(finding).data


class FindingPublicInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Where it was told (optional), e.g. “told in a review”. At most 200 characters.",
    )


class OccasionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    customer = serializers.CharField(source="customer.external_id")
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    attributes = serializers.JSONField()


class ExceptionOutSerializer(serializers.Serializer):
    reason = serializers.CharField()
    note = serializers.CharField()
    status = serializers.CharField()


class ActionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    customer = serializers.CharField(source="customer.external_id")
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    occasion = serializers.CharField(source="occasion_external_id", allow_null=True)
    staff = serializers.CharField()
    attributes = serializers.JSONField()
    exception = serializers.SerializerMethodField()
    judged_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Null while the action waits to be judged (its findings are not final yet); "
        "else when its customer's log was last judged with a new or newly linked action in it.",
    )
    findings = serializers.SerializerMethodField()

    @extend_schema_field(ExceptionOutSerializer(allow_null=True))
    def get_exception(self, action):
        try:
            exception = action.exception
        except action.__class__.exception.RelatedObjectDoesNotExist:
            return None
        return ExceptionOutSerializer(exception).data

    @extend_schema_field(FindingOutSerializer(many=True))
    def get_findings(self, action):
        return FindingOutSerializer(self.context.get("findings", []), many=True).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["occasion"] = data["occasion"] or None
        return data


# ------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------
class FindingFilterSerializer(serializers.Serializer):
    """Query parameters of the findings list; a week is read in the shop's timezone."""

    type = serializers.CharField(required=False, help_text=", ".join(FindingType.values))
    week = serializers.CharField(required=False, help_text="ISO week, e.g. 2026-W47")
    customer = serializers.CharField(required=False, help_text="The customer's external id")
    promise = serializers.CharField(required=False, help_text="A promise id")
    status = serializers.CharField(required=False, help_text=", ".join(FindingStatus.values))
    excused = serializers.CharField(required=False, help_text="true or false")

    @staticmethod
    def _invalid(message: str):
        return serializers.ValidationError(message, code=LogErrorCode.INVALID_PARAM)

    def validate_type(self, value):
        if value not in FindingType.values:
            raise self._invalid(f"type must be one of: {', '.join(FindingType.values)}.")
        return value

    def validate_status(self, value):
        if value not in FindingStatus.values:
            raise self._invalid(f"status must be one of: {', '.join(FindingStatus.values)}.")
        return value

    def validate_promise(self, value):
        if not value.isdigit():
            raise self._invalid("promise must be a promise id (a number).")
        return int(value)

    def validate_excused(self, value):
        if value.lower() not in ("true", "false", "1", "0"):
            raise self._invalid("excused must be true or false.")
        return value.lower() in ("true", "1")

    def validate_week(self, value):
        match = WEEK_RE.match(value)
        if match and not YEAR_MIN <= int(match.group(1)) <= YEAR_MAX:
            raise self._invalid(
                _("week must lie in the years %(min)s to %(max)s; got %(value)r.")
                % {"min": YEAR_MIN, "max": YEAR_MAX, "value": value}
            )
        if match:
            try:
                date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
            except ValueError:
                match = None
        if not match:
            raise self._invalid(f"week must be an ISO week such as 2026-W47; got {value!r}.")
        return value

    def to_filters(self, *, tz: ZoneInfo) -> dict:
        """Return the selector filters, the week as its start and end in the shop's timezone."""
        filters = dict(self.validated_data)
        week = filters.pop("week", None)
        if week:
            year, number = (int(part) for part in WEEK_RE.match(week).groups())
            monday = date.fromisocalendar(year, number, 1)
            filters["since"] = datetime.combine(monday, time(0), tzinfo=tz)
            filters["until"] = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
        return filters


class PromiseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()


class CommitmentOutSerializer(serializers.Serializer):
    promise = PromiseSummarySerializer()
    kind = serializers.CharField(source="promise.kind")
    last_level = serializers.FloatField(allow_null=True)
    best_level = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    first_at = serializers.DateTimeField(allow_null=True)
    last_at = serializers.DateTimeField(allow_null=True)
    precedents = serializers.JSONField()
