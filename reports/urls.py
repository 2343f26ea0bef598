"""Web UI URLs of the reports app, under /shops/<shop>/."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/build/", views.report_build_view, name="report-build"),
    path("reports/<str:week>/", views.report_detail, name="report-detail"),
]
