"""REST API of the bulk log: up to 1,000 occasions and actions in one request."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from config.api_errors import ApiError

from .api import ERRORS, _shop
from .bulk import MAX_RECORDS, log_bulk_record
from .error_codes import LogErrorCode
from .serializers import ErrorSerializer


class BulkLogInSerializer(serializers.Serializer):
    # Each record is checked on its own and answered `invalid` in the 200 (never a 400 for
    # the request), so the schema states a record's fields without their limits: a record
    # beyond them is a valid request whose answer says what is wrong with it.
    records = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_RECORDS,
        help_text=f"At most {MAX_RECORDS}. Each: `type` (occasion or action) and the body "
        "of POST occasions/ or actions/ (OccasionIn, ActionIn).",
    )


class BulkResultOutSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "conflict", "invalid"])
    errors = ErrorSerializer(many=True, required=False)


class BulkLogOutSerializer(serializers.Serializer):
    results = BulkResultOutSerializer(many=True, help_text="One per record, in the order sent.")


class LogBulkRecordApi(APIView):
    """Record many occasions and actions; answer each record on its own, in order."""

    @extend_schema(
        operation_id="log_bulk_record",
        request=BulkLogInSerializer,
        responses={200: BulkLogOutSerializer, **ERRORS},
        description=(
            "Each record is idempotent by its external id, as in POST occasions/ and "
            "actions/: created, duplicate (stored as sent), conflict (stored with other "
            "content) or invalid (with its errors). The actions are judged in the background."
        ),
    )
    def post(self, request, shop):
        shop = _shop(request, shop, role=Role.STAFF)
        records = request.data.get("records") if isinstance(request.data, dict) else None
        if records is None:
            raise ApiError(
                code=LogErrorCode.REQUIRED,
                field="records",
                message='Send {"records": [...]}: a list of occasions and actions.',
            )
        if not isinstance(records, list):
            raise ApiError(
                code=LogErrorCode.INVALID_PARAM,
                field="records",
                message="records must be a list of occasions and actions.",
            )
        if len(records) > MAX_RECORDS:
            raise ApiError(
                code=LogErrorCode.INVALID_PARAM,
                field="records",
                message=f"At most {MAX_RECORDS} records per request; got {len(records)}. "
                "Send the rest in another request.",
            )
        results = log_bulk_record(shop=shop, records=records, requested_by=request.user)
        return Response({"results": [result.as_dict() for result in results]})
