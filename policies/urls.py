"""Web UI URLs of the policies app, under /shops/<shop>/."""

from django.urls import path  # noqa: F401

from . import views_calendar, views_promises

app_name = "policies"
urlpatterns = [
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("", views_promises.shop_home, name="shop-home"),
    path("promises/", views_promises.promise_list, name="promise-list"),
    path("promises/new/", views_promises.promise_create, name="promise-create"),
    path("promises/<int:promise_id>/", views_promises.promise_detail, name="promise-detail"),
    path("promises/<int:promise_id>/edit/", views_promises.promise_edit, name="promise-edit"),
    path("promises/<int:promise_id>/retire/", views_promises.promise_retire, name="promise-retire"),
    path(
        "promises/<int:promise_id>/versions/",
        views_promises.promise_versions,
        name="promise-versions",
    ),
]
