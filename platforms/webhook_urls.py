"""Webhook endpoints the platforms call, under /webhooks/ (no session: signed bodies)."""

from django.urls import path

from . import views

urlpatterns = [
    path("shopify/<slug:shop>/", views.shopify_webhook, name="shopify-webhook"),
]
