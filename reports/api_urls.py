"""REST API URLs of the reports app, under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "shops/<slug:shop>/reports/<str:week>/",
        api.ReportDetailApi.as_view(),
        name="api-report-detail",
    ),
]
