"""REST API of the log (occasions, actions) and its reads (findings, commitments).

Thin: every class parses input, calls one service or selector, and renders. The shop comes
from accounts.access.shop_for (non-members get 404, too-low roles 403).
"""

import sys
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Page, Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import shop_for
from accounts.models import Role
from config.api_errors import ApiError

from . import public_precedents, selectors, services
from .error_codes import LogErrorCode
from .serializers import (
    ActionInSerializer,
    ActionOutSerializer,
    CommitmentOutSerializer,
    ErrorsSerializer,
    FindingFilterSerializer,
    FindingOutSerializer,
    FindingPublicInSerializer,
    OccasionInSerializer,
    OccasionOutSerializer,
)

ERRORS = {
    400: OpenApiResponse(ErrorsSerializer, description="Invalid input, with a code per field."),
    404: OpenApiResponse(ErrorsSerializer, description="No such shop (or not a member)."),
}
CONFLICT = OpenApiResponse(
    ErrorsSerializer, description="The external id is stored with other content (conflict)."
)


def _shop(request, slug: str, *, role: str):
    """Return the shop for this request; a too-low role is 403 permission_denied."""
    try:
        shop, _role = shop_for(request.user, slug, role=role)
    except PermissionDenied as denied:
        # config.api_errors renders DRF's PermissionDenied, not Django's.
        raise exceptions.PermissionDenied(str(denied)) from None
    return shop


def _conflict(error: services.Conflict) -> ApiError:
    return ApiError(
        code=LogErrorCode.CONFLICT,
        message=error.message,
        field="external_id",
        status_code=status.HTTP_409_CONFLICT,
    )


class OccasionRecordApi(APIView):
    """Record an occasion (idempotent by external id)."""

    @extend_schema(
        operation_id="occasion_record",
        request=OccasionInSerializer,
        responses={
            201: OccasionOutSerializer,
            200: OpenApiResponse(OccasionOutSerializer, description="Already stored as sent."),
            409: CONFLICT,
            **ERRORS,
        },
    )
    def post(self, request, shop):
        shop = _shop(request, shop, role=Role.STAFF)
        body = OccasionInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            occasion, created = services.occasion_record(shop=shop, **body.validated_data)
        except services.Conflict as error:
            raise _conflict(error) from error
        with timezone.override(ZoneInfo(shop.timezone)):
            data = OccasionOutSerializer(occasion).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ActionRecordApi(APIView):
    """Record an action (idempotent by external id), judge it, and return its findings."""

    @extend_schema(
        operation_id="action_record",
        request=ActionInSerializer,
        responses={
            201: ActionOutSerializer,
            200: OpenApiResponse(ActionOutSerializer, description="Already stored as sent."),
            409: CONFLICT,
            **ERRORS,
        },
    )
    def post(self, request, shop):
        shop = _shop(request, shop, role=Role.STAFF)
        body = ActionInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            action, created = services.action_record(
                shop=shop, requested_by=request.user, **body.validated_data
            )
        except services.Conflict as error:
            raise _conflict(error) from error
        action = selectors.action_by_external_id(shop=shop, external_id=action.external_id)
        findings = list(selectors.findings_for_action(action=action))
        with timezone.override(ZoneInfo(shop.timezone)):
            data = ActionOutSerializer(action, context={"findings": findings}).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# The findings API counts the matching findings up to this; beyond, `count` says 10000 and
# `count_more` true (counting every finding of a busy shop would scan them all).
COUNT_MAX = 10_000


class _CountedPage(Page):
    """A page that knows whether another follows from the rows it read (one more than fits)."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more


class BoundedPaginator(Paginator):
    """Count up to COUNT_MAX + 1 rows; pages past the counted ones are served all the same."""

    @cached_property
    def count(self):
        return selectors.rows_counted(self.object_list, limit=COUNT_MAX + 1)

    @cached_property
    def num_pages(self):
        # Past the count: any page may follow (`page` answers an empty one as not found).
        return sys.maxsize if self.count > COUNT_MAX else super().num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return _CountedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class FindingPagination(PageNumberPagination):
    """Pages of findings; a page_size that is not a number from 1 to 200 is refused (400).

    `count` is exact up to COUNT_MAX findings; beyond, it is COUNT_MAX and `count_more` is
    true (`next` still leads to every page).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = BoundedPaginator

    def get_paginated_response(self, data):
        counted = self.page.paginator.count
        return Response(
            {
                "count": min(counted, COUNT_MAX),
                "count_more": counted > COUNT_MAX,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"The findings that match, counted up to {COUNT_MAX}."
        )
        response["properties"]["count_more"] = {
            "type": "boolean",
            "description": f"More than {COUNT_MAX} findings match.",
        }
        response["required"] = [*response.get("required", []), "count_more"]
        return response

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ApiError(
                code=LogErrorCode.INVALID_PARAM,
                field="page_size",
                message=_("page_size must be a number from 1 to %(max)s; got %(value)r.")
                % {"max": self.max_page_size, "value": raw},
            )
        return int(raw)


class FindingListApi(APIView):
    """List the shop's findings, newest first, filtered and paginated."""

    pagination_class = FindingPagination

    @extend_schema(
        operation_id="finding_list",
        parameters=[
            OpenApiParameter("type", str, description="breach, overdue, drift or precedent"),
            OpenApiParameter(
                "week",
                {"type": "string", "pattern": r"^(20[0-9]{2}-W[0-5][0-9])?$"},
                description="ISO week in shop time, e.g. 2026-W47 (years 2000 to 2099)",
            ),
            OpenApiParameter("customer", str, description="The customer's external id"),
            OpenApiParameter("promise", int, description="A promise id"),
            OpenApiParameter("status", str, description="open, acknowledged or resolved"),
            OpenApiParameter("excused", bool),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": FindingPagination.max_page_size},
            ),
        ],
        responses={200: FindingOutSerializer(many=True), **ERRORS},
    )
    def get(self, request, shop):
        shop = _shop(request, shop, role=Role.VIEWER)
        query = FindingFilterSerializer(
            data={
                key: request.query_params[key]
                for key in FindingFilterSerializer().fields
                if request.query_params.get(key, "") != ""
            }
        )
        query.is_valid(raise_exception=True)
        tz = ZoneInfo(shop.timezone)
        findings = selectors.findings_for_shop(shop=shop, filters=query.to_filters(tz=tz))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(findings, request, view=self)
        with timezone.override(tz):
            data = FindingOutSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


FINDING_404 = OpenApiResponse(
    ErrorsSerializer, description="No such shop (or not a member), or no such finding in it."
)


class FindingPublicApi(APIView):
    """Mark a precedent as told publicly (PUT, with where), or withdraw the mark (DELETE).

    From the marking time on, a public precedent raises the expectation of every customer of
    the shop for the finding's promise; the shop's customers are judged again. Managers only.
    """

    def _finding(self, request, shop, finding_id):
        shop = _shop(request, shop, role=Role.MANAGER)
        finding = selectors.finding_for_shop(shop=shop, pk=finding_id)
        if finding is None:
            raise ApiError(
                code=LogErrorCode.NOT_FOUND,
                message=f"No finding {finding_id} in this shop.",
                field="finding",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        return shop, finding

    def _render(self, shop, finding):
        finding = selectors.finding_for_shop(shop=shop, pk=finding.pk)
        with timezone.override(ZoneInfo(shop.timezone)):
            return Response(FindingOutSerializer(finding).data)

    @extend_schema(
        operation_id="finding_public_set",
        request=FindingPublicInSerializer,
        responses={
            200: OpenApiResponse(FindingOutSerializer, description="The finding, now public."),
            400: OpenApiResponse(
                ErrorsSerializer, description="Not a precedent (not_a_precedent), or a bad note."
            ),
            404: FINDING_404,
        },
    )
    def put(self, request, shop, finding_id):
        shop, finding = self._finding(request, shop, finding_id)
        body = FindingPublicInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = public_precedents.precedent_make_public(
            finding=finding, note=body.validated_data["note"], by=request.user
        )
        return self._render(shop, finding)

    @extend_schema(
        operation_id="finding_public_withdraw",
        request=None,
        responses={
            200: OpenApiResponse(FindingOutSerializer, description="The finding, not public."),
            404: FINDING_404,
        },
    )
    def delete(self, request, shop, finding_id):
        shop, finding = self._finding(request, shop, finding_id)
        finding = public_precedents.precedent_withdraw_public(finding=finding, by=request.user)
        return self._render(shop, finding)


class CustomerCommitmentListApi(APIView):
    """List what one customer has experienced, per promise."""

    @extend_schema(
        operation_id="customer_commitment_list",
        responses={200: CommitmentOutSerializer(many=True), **ERRORS},
    )
    def get(self, request, shop, customer):
        shop = _shop(request, shop, role=Role.VIEWER)
        found = selectors.customer_by_external_id(shop=shop, external_id=customer)
        if found is None:
            raise ApiError(
                code=LogErrorCode.NOT_FOUND,
                message=f"No customer {customer!r} in this shop.",
                field="customer",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        commitments = selectors.commitments_for_customer(customer=found)
        with timezone.override(ZoneInfo(shop.timezone)):
            data = CommitmentOutSerializer(commitments, many=True).data
        return Response(data)
