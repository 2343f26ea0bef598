"""Web UI URLs of the platforms app, under /shops/<shop>/."""

from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("platforms/shopify/", views.shopify_settings, name="shopify"),
]
