"""REST API of shops and their calendar: create, read, change the calendar, list its days."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import shop_for
from accounts.models import Role
from config.api_errors import ApiError, ErrorsSerializer

from .calendar import MAX_DATE, MIN_DATE, ShopCalendar
from .calendar_selectors import shop_with_calendar
from .shop_services import (
    CalendarSerializer,
    calendar_update,
    shop_create,
    validation_error_from,
)

MAX_DAYS_LISTED = 400


def _shop_for(request, slug: str, role: str):
    """Return the shop if the user has the role there (404 for non-members, 403 if too low)."""
    try:
        shop, _ = shop_for(request.user, slug, role=role)
    except PermissionDenied as denied:
        # DRF's own exception carries the `detail` the error handler renders.
        raise exceptions.PermissionDenied(str(denied)) from None
    return shop


class PeriodOutputSerializer(serializers.Serializer):
    start = serializers.CharField(help_text='"HH:MM"')
    end = serializers.CharField(help_text='"HH:MM"')


class ClosureOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()
    applies_to = serializers.ChoiceField(choices=["all", "shipping", "inquiries"])


class WeeklyRuleOutputSerializer(serializers.Serializer):
    effective_from = serializers.DateField(help_text="first day (shop time) the rule applies")
    closed_weekdays = serializers.ListField(child=serializers.IntegerField())
    business_hours = PeriodOutputSerializer(many=True)
    in_force = serializers.BooleanField(help_text="the rule applying today")
    upcoming = serializers.BooleanField(help_text="takes effect after today")
    reason = serializers.CharField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)


class ShopOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    timezone = serializers.CharField()
    closed_weekdays = serializers.ListField(child=serializers.IntegerField())
    holidays = serializers.CharField()
    business_hours = PeriodOutputSerializer(many=True)
    closures = ClosureOutputSerializer(many=True)
    open_days = serializers.ListField(child=serializers.DateField())
    created_at = serializers.DateTimeField()
    weekly_rules = WeeklyRuleOutputSerializer(
        many=True,
        help_text="closed weekdays and business hours over time, in the order they take "
        "effect; closed_weekdays and business_hours above are the rule in force today",
    )


class TextField(serializers.CharField):
    """A CharField that refuses a JSON number or boolean instead of turning it into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SlugText(TextField, serializers.SlugField):
    """A slug (letters, digits, - and _) that refuses a JSON number or boolean."""


def _shop_data(shop) -> dict:
    return ShopOutputSerializer(shop_with_calendar(shop)).data


class ShopCreateApi(APIView):
    """Create a shop; the signed-in user becomes its manager."""

    class ShopCreateInputSerializer(serializers.Serializer):
        slug = SlugText(max_length=50, help_text="letters, digits, - and _; unique")
        name = TextField(max_length=200)
        timezone = TextField(max_length=64, required=False, default="Asia/Tokyo")

    @extend_schema(
        operation_id="shop_create",
        request=ShopCreateInputSerializer,
        responses={
            201: ShopOutputSerializer,
            409: OpenApiResponse(ErrorsSerializer, description="The slug is taken."),
        },
        tags=["shops"],
    )
    def post(self, request):
        serializer = self.ShopCreateInputSerializer(data=request.data)
        if not serializer.is_valid():
            raise validation_error_from(serializer.errors)
        try:
            shop = shop_create(**serializer.validated_data, creator=request.user)
        except DjangoValidationError as error:
            taken = [
                item
                for item in error.error_dict.get("slug", [])
                if getattr(item, "code", None) == "conflict"
            ]
            if taken:
                raise ApiError(
                    code="conflict",
                    field="slug",
                    message=" ".join(taken[0].messages),
                    status_code=status.HTTP_409_CONFLICT,
                ) from None
            raise
        return Response(_shop_data(shop), status=status.HTTP_201_CREATED)


class ShopDetailApi(APIView):
    """Return the shop with its calendar."""

    @extend_schema(operation_id="shop_detail", responses=ShopOutputSerializer, tags=["shops"])
    def get(self, request, shop):
        shop = _shop_for(request, shop, Role.VIEWER)
        return Response(_shop_data(shop))


class CalendarUpdateApi(APIView):
    """Replace the shop's business calendar (managers)."""

    @extend_schema(
        operation_id="shop_calendar_update",
        request=CalendarSerializer,
        responses=ShopOutputSerializer,
        tags=["shops"],
    )
    def put(self, request, shop):
        shop = _shop_for(request, shop, Role.MANAGER)
        shop = calendar_update(shop=shop, actor=request.user, calendar=request.data)
        return Response(_shop_data(shop))


class CalendarDaysApi(APIView):
    """List the days from `from` to `to` with whether shipping and inquiries are open, and why."""

    class CalendarDayOutputSerializer(serializers.Serializer):
        date = serializers.DateField()
        shipping_open = serializers.BooleanField()
        inquiries_open = serializers.BooleanField()
        reason = serializers.CharField(help_text='why closed, e.g. "holiday: 元日"; "" if open')
        holiday = serializers.CharField(
            help_text='the national holiday\'s name, also on an extra open day; "" if none'
        )

    @staticmethod
    def _date_param(request, name: str) -> date:
        value = request.query_params.get(name)
        if not value:
            raise ApiError(
                code="invalid_param", field=name, message=f"Give `{name}` as YYYY-MM-DD."
            )
        try:
            found = date.fromisoformat(value)
        except ValueError:
            raise ApiError(
                code="invalid_param",
                field=name,
                message=f"`{name}` must be a date as YYYY-MM-DD, not {value!r}.",
            ) from None
        if not MIN_DATE <= found <= MAX_DATE:
            raise ApiError(
                code="invalid_param",
                field=name,
                message=f"`{name}` must be between {MIN_DATE} and {MAX_DATE}, not {value}.",
            )
        return found

    @extend_schema(
        operation_id="shop_calendar_days",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                required=True,
                description="first day (2000-01-01 to 2100-12-31)",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                required=True,
                description=f"last day (inclusive; at most {MAX_DAYS_LISTED} days in all)",
            ),
        ],
        responses=CalendarDayOutputSerializer(many=True),
        tags=["shops"],
    )
    def get(self, request, shop):
        shop = _shop_for(request, shop, Role.VIEWER)
        start = self._date_param(request, "from")
        end = self._date_param(request, "to")
        if end < start:
            raise ApiError(
                code="invalid_param", field="to", message="`to` must not be before `from`."
            )
        if (end - start).days + 1 > MAX_DAYS_LISTED:
            raise ApiError(
                code="invalid_param",
                field="to",
                message=f"At most {MAX_DAYS_LISTED} days can be listed at once.",
            )
        days = ShopCalendar.for_shop(shop).days(start, end)
        return Response(self.CalendarDayOutputSerializer(days, many=True).data)
