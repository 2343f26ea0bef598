"""Top-level URLs: the web UI, the REST API under /api/v1/, health and admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health, views

api_v1 = [
    path("", include("policies.api_urls")),
    path("", include("commitments.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("accounts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("shops/<slug:shop>/", include("policies.urls")),
    path("shops/<slug:shop>/", include("commitments.urls")),
    path("shops/<slug:shop>/", include("reports.urls")),
    path("shops/<slug:shop>/", include("platforms.urls")),
    path("shops/<slug:shop>/", include("alerts.urls")),
    path("webhooks/", include("platforms.webhook_urls")),
    path("account/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("django-rq/", include("django_rq.urls")),
]
