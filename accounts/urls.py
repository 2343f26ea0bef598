"""Web UI URLs of the accounts app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

app_name = "accounts"
urlpatterns = []
