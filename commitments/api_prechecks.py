"""REST API of the pre-check: "is this consistent?" as a dry run that stores nothing."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role

from .api import ERRORS, _shop
from .prechecks import VERDICTS, precheck_run
from .serializers import ActionInSerializer


class PrecheckInSerializer(ActionInSerializer):
    """The body of an action, without `external_id` (nothing is stored)."""

    external_id = None


class PrecheckPromiseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()


class PrecheckFindingSerializer(serializers.Serializer):
    type = serializers.CharField()
    excused = serializers.BooleanField()
    status = serializers.CharField()
    promise = PrecheckPromiseSerializer()
    customer = serializers.CharField()
    action = serializers.CharField(allow_null=True)
    occasion = serializers.CharField(allow_null=True)
    occurred_at = serializers.CharField()
    message_ja = serializers.CharField()
    message_en = serializers.CharField()
    details = serializers.JSONField()


class PrecheckOutSerializer(serializers.Serializer):
    """Documents the answer; the service builds it (PrecheckResult.as_dict)."""

    verdict = serializers.ChoiceField(choices=VERDICTS)
    findings = PrecheckFindingSerializer(many=True)
    commitment = serializers.JSONField(
        help_text="Per promise id: kind, last_level, best_level, count, first_at, last_at, "
        "precedents after this action, and `before` (the commitment as it is now, or null)."
    )
    history = serializers.JSONField(
        help_text="Per promise id: the customer's last 5 experiences, newest first: "
        "{action, at, level, kept, excused}."
    )
    promises = serializers.JSONField(
        help_text="The promises in force for this kind of action: version, whether it judged "
        "the action, the level measured, kept, excused_reasons."
    )
    action = serializers.JSONField(help_text="The action as it was validated.")
    customer = serializers.JSONField(help_text="{external_id, known, name}")
    notes = serializers.JSONField(
        help_text="[{code, message_en, message_ja}]: what the verdict does not say."
    )
    judged = serializers.BooleanField(
        help_text='Whether any promise judged the action. False: `verdict` is "ok" only '
        "because nothing judged it; show it as not judged, not as consistent."
    )


class PrecheckRunApi(APIView):
    """Judge an action without recording it: the verdict, findings, commitment and history."""

    @extend_schema(
        operation_id="precheck_run",
        request=PrecheckInSerializer,
        responses={
            200: OpenApiResponse(PrecheckOutSerializer, description="Nothing was stored."),
            **ERRORS,
        },
    )
    def post(self, request, shop):
        shop = _shop(request, shop, role=Role.STAFF)
        body = PrecheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        # Validated by the service like a recorded action; the customer's name and e-mail
        # would only update a stored customer, which a pre-check never does.
        data.pop("customer_name", None)
        data.pop("customer_email", None)
        result = precheck_run(shop=shop, **data)
        return Response(result.as_dict())
