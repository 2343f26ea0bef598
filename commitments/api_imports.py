"""REST API of CSV imports: upload a file (processed in the background) and follow it."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import shop_for
from accounts.models import Role
from config.api_errors import ApiError

from .imports import (
    ImportErrorCode,
    ImportUndoRefused,
    import_create,
    import_progress,
    import_undo,
)
from .models import Import
from .serializers import ErrorsSerializer

LISTED = 50


def _shop(request, slug: str, *, role: str):
    try:
        shop, _role = shop_for(request.user, slug, role=role)
    except PermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied)) from None
    return shop


class ImportCountsOutSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ImportRowErrorOutSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="As Excel numbers it: header = 1")
    column = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ImportSummaryOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="queued, running, done, failed or undone")
    filename = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes")
    encoding = serializers.CharField(help_text="utf-8, utf-8-sig (with BOM) or cp932")
    progress = serializers.SerializerMethodField(help_text="0 to 1: bytes read of the size")
    counts = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    undone_at = serializers.DateTimeField(allow_null=True, help_text="When it was undone")

    def get_progress(self, imp) -> float:
        return import_progress(imp)

    @extend_schema_field(ImportCountsOutSerializer)
    def get_counts(self, imp) -> dict:
        return {
            "rows": imp.rows,
            "stored": imp.stored,
            "duplicates": imp.duplicates,
            "rejected": imp.rejected,
        }


class ImportOutSerializer(ImportSummaryOutSerializer):
    errors = ImportRowErrorOutSerializer(many=True, help_text="The first 1000 row errors")
    warnings = serializers.ListField(child=serializers.DictField())


class ImportCreateInSerializer(serializers.Serializer):
    # Empty files reach import_create, which refuses them with its own code (empty_file).
    file = serializers.FileField(
        allow_empty_file=True, help_text="A CSV file, UTF-8 (with or without BOM) or CP932"
    )


def _render(shop, imp, serializer):
    with timezone.override(ZoneInfo(shop.timezone)):
        return serializer(imp).data


class ImportsApi(APIView):
    """Upload a CSV file of occasions and actions (POST); list the latest imports (GET)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="import_list",
        responses={200: ImportSummaryOutSerializer(many=True)},
    )
    def get(self, request, shop):
        shop = _shop(request, shop, role=Role.STAFF)
        imports = Import.objects.filter(shop=shop).order_by("-created_at", "-id")[:LISTED]
        with timezone.override(ZoneInfo(shop.timezone)):
            data = ImportSummaryOutSerializer(imports, many=True).data
        return Response(data)

    @extend_schema(
        operation_id="import_create",
        request={"multipart/form-data": ImportCreateInSerializer},
        responses={
            202: ImportOutSerializer,
            400: OpenApiResponse(ErrorsSerializer, description="Not a CSV file, or empty."),
            413: OpenApiResponse(ErrorsSerializer, description="Over IMPORT_MAX_BYTES."),
        },
    )
    def post(self, request, shop):
        shop = _shop(request, shop, role=Role.STAFF)
        body = ImportCreateInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            imp = import_create(
                shop=shop,
                upload=body.validated_data["file"],
                created_by=request.user,
                max_bytes=settings.IMPORT_MAX_BYTES,
            )
        except ValidationError as error:
            item = error.error_list[0]
            if item.code == ImportErrorCode.TOO_LARGE:
                raise ApiError(
                    code=item.code,
                    message=" ".join(item.messages),
                    field="file",
                    status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                ) from error
            raise
        return Response(_render(shop, imp, ImportOutSerializer), status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(APIView):
    """Return an import's progress, counts, per-row errors and warnings."""

    @extend_schema(
        operation_id="import_detail",
        responses={
            200: ImportOutSerializer,
            404: OpenApiResponse(ErrorsSerializer, description="No such import in this shop."),
        },
    )
    def get(self, request, shop, import_id):
        shop = _shop(request, shop, role=Role.STAFF)
        imp = Import.objects.filter(shop=shop, pk=import_id).first()
        if imp is None:
            raise ApiError(
                code="not_found",
                message=f"No import {import_id} in this shop.",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        return Response(_render(shop, imp, ImportOutSerializer))


class ImportUndoOutSerializer(serializers.Serializer):
    import_ = ImportOutSerializer(source="imp")
    actions = serializers.IntegerField(help_text="Actions deleted, with their judgements")
    occasions = serializers.IntegerField(help_text="Occasions deleted")
    occasions_kept = serializers.IntegerField(
        help_text="Occasions kept because an action of another source answers them"
    )
    customers_removed = serializers.IntegerField(
        help_text="Customers the import created that had no record left"
    )
    customers_judged = serializers.IntegerField(help_text="Customers judged again")

    def get_fields(self):
        fields = super().get_fields()
        fields["import"] = fields.pop("import_")
        return fields


class ImportUndoApi(APIView):
    """Undo an import (managers): delete its occasions and actions, judge its customers again."""

    @extend_schema(
        operation_id="import_undo",
        request=None,
        responses={
            200: ImportUndoOutSerializer,
            404: OpenApiResponse(ErrorsSerializer, description="No such import in this shop."),
            409: OpenApiResponse(
                ErrorsSerializer,
                description=(
                    "Not finished, already undone, a finding about its records acknowledged "
                    "or resolved, or an exception on its actions decided."
                ),
            ),
        },
    )
    def post(self, request, shop, import_id):
        shop = _shop(request, shop, role=Role.MANAGER)
        imp = Import.objects.filter(shop=shop, pk=import_id).first()
        if imp is None:
            raise ApiError(
                code="not_found",
                message=f"No import {import_id} in this shop.",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        try:
            result = import_undo(imp=imp, by=request.user)
        except ImportUndoRefused as refused:
            raise ApiError(
                code=refused.code, message=refused.message, status_code=status.HTTP_409_CONFLICT
            ) from refused
        imp.refresh_from_db()
        data = {
            "imp": imp,
            "actions": result.actions,
            "occasions": result.occasions,
            "occasions_kept": result.occasions_kept,
            "customers_removed": result.customers_removed,
            "customers_judged": result.customers_judged,
        }
        return Response(_render(shop, data, ImportUndoOutSerializer))
