"""Web UI URLs of the alerts app, under /shops/<shop>/."""

from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.alert_settings, name="settings"),
    path("alerts/<int:pk>/remove/", views.alert_remove, name="remove"),
]
