"""REST API URLs of the policies app, under /api/v1/."""

from django.urls import path  # noqa: F401

from . import api_shops

urlpatterns = [
    path("shops/", api_shops.ShopCreateApi.as_view(), name="shop-create"),
    path("shops/<slug:shop>/", api_shops.ShopDetailApi.as_view(), name="shop-detail"),
    path(
        "shops/<slug:shop>/calendar/",
        api_shops.CalendarUpdateApi.as_view(),
        name="shop-calendar",
    ),
    path(
        "shops/<slug:shop>/calendar/days/",
        api_shops.CalendarDaysApi.as_view(),
        name="shop-calendar-days",
    ),
]
