"""Web UI URLs of the accounts app, under /account/ (shop pages under /account/shops/<shop>/)."""

from django.urls import path

from . import views

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
]
