"""REST API of the reports app: the weekly drift report as JSON or CSV."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import shop_for
from commitments.serializers import ErrorsSerializer
from config.api_errors import ApiError

from .csv_export import CSV_LANGUAGES, report_csv
from .services import report_get_or_build


class CsvRenderer(BaseRenderer):
    """Render text already laid out as CSV (chosen by `?format=csv` or Accept: text/csv)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode(self.charset) if isinstance(data, str) else b""


class ReportOutputSerializer(serializers.Serializer):
    """A stored weekly drift report: the week, when it was built and e-mailed, its content."""

    shop = serializers.CharField(source="shop.slug")
    week = serializers.CharField()
    timezone = serializers.CharField(source="data.timezone")
    start = serializers.CharField(source="data.start")
    end = serializers.CharField(source="data.end")
    built_at = serializers.DateTimeField()
    emailed_at = serializers.DateTimeField(allow_null=True)
    summary = serializers.JSONField(source="data.summary")
    promises = serializers.JSONField(source="data.promises")
    changes = serializers.JSONField(source="data.changes")
    exceptions = serializers.JSONField(source="data.exceptions")
    public_precedents = serializers.JSONField(
        source="data.public_precedents",
        default=list,
        help_text="Precedents told publicly by the end of the week: promise, what, when, where "
        "it was told (note), public from, new this week, and how many of the week's drift "
        "findings they explain.",
    )


class ReportDetailApi(APIView):
    """The stored weekly drift report of a week, built on demand if missing."""

    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="report_retrieve",
        parameters=[
            OpenApiParameter(
                "week", OpenApiTypes.STR, OpenApiParameter.PATH, description="2026-W47"
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
            OpenApiParameter(
                "lang",
                OpenApiTypes.STR,
                enum=list(CSV_LANGUAGES),
                description="CSV header language (default ja)",
            ),
        ],
        responses={
            (200, "application/json"): ReportOutputSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="one row per promise"),
            (400, "application/json"): OpenApiResponse(
                ErrorsSerializer,
                description="Not an ISO week, a week not started yet, or an unknown lang.",
            ),
            (404, "application/json"): OpenApiResponse(
                ErrorsSerializer, description="No such shop (or not a member)."
            ),
        },
    )
    def get(self, request, shop, week):
        shop, _role = shop_for(request.user, shop)
        language = request.query_params.get("lang", "ja")
        if language not in CSV_LANGUAGES:
            raise ApiError(
                code="invalid_param",
                field="lang",
                message=_("lang must be one of: %(languages)s; got %(value)r.")
                % {"languages": ", ".join(CSV_LANGUAGES), "value": language},
            )
        report = report_get_or_build(shop=shop, week=week)
        if request.accepted_renderer.format == "csv":
            filename = f"tsuzuku-{shop.slug}-{report.week}.csv"
            return Response(
                report_csv(report, language=language),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return Response(ReportOutputSerializer(report).data)

    def handle_exception(self, exc):
        # Errors are JSON even when CSV was asked for: the error body is the contract's.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
