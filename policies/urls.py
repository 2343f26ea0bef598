"""Web UI URLs of the policies app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

app_name = "policies"
urlpatterns = []
