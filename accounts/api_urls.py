"""REST API URLs of the accounts app, under /api/v1/."""

from django.urls import path  # noqa: F401

urlpatterns = []
