"""REST API URLs of the policies app, under /api/v1/."""

from django.urls import path  # noqa: F401

from . import api_promises, api_shops

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
    path("promise-kinds/", api_promises.PromiseKindListApi.as_view(), name="promise-kinds"),
    path("shops/<slug:shop>/promises/", api_promises.PromisesApi.as_view(), name="promises"),
    path(
        "shops/<slug:shop>/promises/<int:promise_id>/",
        api_promises.PromiseApi.as_view(),
        name="promise",
    ),
    path(
        "shops/<slug:shop>/promises/<int:promise_id>/versions/",
        api_promises.PromiseVersionListApi.as_view(),
        name="promise-versions",
    ),
    path(
        "shops/<slug:shop>/promises/<int:promise_id>/impact/",
        api_promises.PromiseImpactApi.as_view(),
        name="promise-impact",
    ),
]
