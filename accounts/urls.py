"""Web UI URLs of the accounts app, under /account/ (shop pages under /account/shops/<shop>/)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views, views_onboarding

app_name = "accounts"
urlpatterns = [
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/create/", views.token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("shops/<slug:shop>/members/", views.member_list, name="member-list"),
    path("shops/<slug:shop>/members/<int:user_id>/", views.member_update, name="member-update"),
    path(
        "shops/<slug:shop>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("shops/<slug:shop>/audit/", views.audit_list, name="audit-list"),
    path("shops/new/", views_onboarding.shop_create_page, name="shop-create"),
    path("shops/switch/", views_onboarding.shop_switch, name="shop-switch"),
    path(
        "shops/<slug:shop>/invitations/",
        views_onboarding.invitation_list,
        name="invitation-list",
    ),
    path(
        "invitations/<str:token>/",
        views_onboarding.invitation_accept,
        name="invitation-accept",
    ),
    path(
        "password-reset/",
        views_onboarding.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password-reset-done"),
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views_onboarding.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password-reset-complete")
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
]
