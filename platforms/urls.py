"""Web UI URLs of the platforms app, under /shops/<shop>/."""

from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("platforms/shopify/", views.shopify_settings, name="shopify"),
    path("platforms/imports/", views.profile_import, name="profile-import"),
    path("platforms/profiles/", views.column_profiles, name="column-profiles"),
]
