"""API tokens: created and revoked in the UI and by the command, shown once, stored hashed."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import ApiToken, AuditEntry
from accounts.tokens import api_token_create, api_token_user, hash_key

SCHEMA = "/api/v1/schema/?format=json"


@pytest.mark.django_db
class TestTokenPages:
    def test_created_key_is_shown_once_and_only_its_hash_is_stored(self, client, staff):
        client.force_login(staff)
        response = client.post(reverse("accounts:token-create"), {"name": "shop system"})
        assert response.status_code == 200
        key = response.context["key"]
        assert key in response.content.decode()
        assert response["Cache-Control"] == "no-store"
        token = ApiToken.objects.get(user=staff)
        assert (token.name, token.key_hash, token.prefix) == (
            "shop system",
            hash_key(key),
            key[:12],
        )
        listing = client.get(reverse("accounts:token-list"))
        assert key not in listing.content.decode()
        assert token.prefix in listing.content.decode()

    def test_creating_and_revoking_are_audited_without_a_shop(self, client, staff):
        client.force_login(staff)
        client.post(reverse("accounts:token-create"), {"name": "shop system"})
        token = ApiToken.objects.get(user=staff)
        client.post(reverse("accounts:token-revoke", kwargs={"pk": token.pk}))
        entries = list(
            AuditEntry.objects.order_by("id").values_list("event", "shop_id", "actor_username")
        )
        assert entries == [("token.created", None, "staff1"), ("token.revoked", None, "staff1")]

    def test_a_name_is_required(self, client, staff):
        client.force_login(staff)
        response = client.post(reverse("accounts:token-create"), {"name": "  "})
        assert response.status_code == 400
        assert "name" in response.context["form"].errors
        assert ApiToken.objects.count() == 0

    def test_key_authenticates_until_revoked(self, client, staff):
        _token, key = api_token_create(user=staff, name="cli")
        header = {"HTTP_AUTHORIZATION": f"Token {key}"}
        assert client.get(SCHEMA, **header).status_code == 200
        client.force_login(staff)
        client.post(reverse("accounts:token-revoke", kwargs={"pk": _token.pk}))
        client.logout()
        refused = client.get(SCHEMA, **header)
        assert refused.status_code == 401
        assert json.loads(refused.content)["errors"][0]["code"] == "authentication_failed"

    def test_another_users_token_cannot_be_revoked(self, client, staff, viewer):
        token, _key = api_token_create(user=viewer, name="theirs")
        client.force_login(staff)
        response = client.post(reverse("accounts:token-revoke", kwargs={"pk": token.pk}))
        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None


@pytest.mark.django_db
class TestApiTokenCommand:
    def test_create_prints_the_key_once_and_revoke_takes_the_prefix(self, staff):
        out = io.StringIO()
        call_command(
            "api_token", user="staff1", name="shop system", stdout=out, stderr=io.StringIO()
        )
        key = out.getvalue().strip()
        assert api_token_user(key) == staff
        call_command("api_token", revoke=key[:12], stdout=io.StringIO())
        assert api_token_user(key) is None
        events = list(AuditEntry.objects.order_by("id").values_list("event", "actor_id"))
        assert events == [("token.created", None), ("token.revoked", None)]

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            pytest.param({"user": "ghost", "name": "x"}, "No user named", id="unknown-user"),
            pytest.param({"user": "staff1"}, "Give --user NAME and --name", id="no-name"),
            pytest.param({"revoke": "tzk_nothing"}, "No live token", id="unknown-prefix"),
        ],
    )
    def test_bad_arguments_say_what_is_wrong(self, staff, options, message):
        with pytest.raises(CommandError, match=message):
            call_command("api_token", stdout=io.StringIO(), **options)
        assert ApiToken.objects.count() == 0
