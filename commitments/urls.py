"""Web UI URLs of the commitments app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

app_name = "commitments"
urlpatterns = []
