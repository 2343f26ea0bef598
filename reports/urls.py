"""Web UI URLs of the reports app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

app_name = "reports"
urlpatterns = []
