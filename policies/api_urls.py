"""REST API URLs of the policies app, under /api/v1/."""

from django.urls import path  # noqa: F401

urlpatterns = []
