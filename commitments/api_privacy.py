"""REST API: erase a customer's personal data (APPI), managers only."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from config.api_errors import ApiError

from . import selectors
from .api import ERRORS, _shop
from .error_codes import LogErrorCode
from .privacy import customer_erase


class ErasureOutSerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="The customer's id (kept)")
    erased_at = serializers.DateTimeField()
    name = serializers.BooleanField(help_text="A name was erased")
    email = serializers.BooleanField(help_text="An e-mail address was erased")
    occasion_texts = serializers.IntegerField(help_text="Occasions whose text was erased")
    action_texts = serializers.IntegerField(help_text="Actions whose text was erased")


class CustomerEraseApi(APIView):
    """Erase one customer's name, e-mail and message texts; the log and judgements stay."""

    @extend_schema(
        operation_id="customer_erase",
        request=None,
        responses={
            200: OpenApiResponse(ErasureOutSerializer, description="What was erased."),
            **ERRORS,
        },
    )
    def post(self, request, shop, customer):
        shop = _shop(request, shop, role=Role.MANAGER)
        found = selectors.customer_by_external_id(shop=shop, external_id=customer)
        if found is None:
            raise ApiError(
                code=LogErrorCode.NOT_FOUND,
                message=f"No customer {customer!r} in this shop.",
                field="customer",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        erasure = customer_erase(customer=found, actor=request.user)
        return Response(ErasureOutSerializer(erasure.as_dict()).data)
