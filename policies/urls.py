"""Web UI URLs of the policies app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

from . import views_calendar

app_name = "policies"
urlpatterns = [
    path("calendar/", views_calendar.calendar_page, name="calendar"),
]
