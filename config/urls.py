"""Top-level URLs: the web UI, the REST API under /api/v1/, health and admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import user_passes_test
from django.urls import include, path, re_path
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health, views

# The RQ dashboard shows every shop's job arguments and can delete jobs: superusers only
# (django-rq itself lets any staff member in). Its stats.json keeps django-rq's own check.
superuser_required = user_passes_test(
    lambda user: user.is_active and user.is_superuser, login_url="admin:login"
)
django_rq_urls = (
    [*get_api_urlpatterns(), *get_admin_urlpatterns(view_wrapper=superuser_required)],
    "django_rq",
)

api_v1 = [
    path("", include("policies.api_urls")),
    path("", include("commitments.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("accounts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Anything else under /api/v1/ (a path that names no operation, or an id that is not a
    # number) is the API's JSON 404, not the HTML page.
    re_path(r"^.*$", views.api_not_found, name="api-not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    # /healthz is /healthz/ready under its old name (load balancers already configured).
    path("healthz", health.ready, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
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
    path("django-rq/", include(django_rq_urls)),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
