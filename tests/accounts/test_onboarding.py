"""Starting with a shop: creating it, inviting, accepting, resetting a password, switching."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import invitations
from accounts.models import AuditEntry, Invitation, Membership, Role
from policies.models import Shop

PASSWORD = "Kobo-tsuzuku-2026!"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_in(message) -> str:
    return urlsplit(re.search(r"https?://\S+", message.body).group(0)).path


class TestShopCreate:
    def test_a_signed_in_user_creates_a_shop_and_becomes_its_manager(self, make_user):
        user = make_user("hanako")
        response = signed_in(user).post(
            "/account/shops/new/",
            {"name": "工房つづく", "slug": "tsuzuku", "timezone": "Asia/Tokyo"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/shops/tsuzuku/"
        shop = Shop.objects.get(slug="tsuzuku")
        assert Membership.objects.get(shop=shop, user=user).role == Role.MANAGER
        entry = AuditEntry.objects.get(event="shop.created")
        assert (entry.shop_id, entry.actor_username) == (shop.pk, "hanako")

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            pytest.param({"slug": "kobo", "timezone": "Asia/Tokyo"}, "slug", id="taken"),
            pytest.param({"slug": "new-one", "timezone": "Mars/Olympus"}, "timezone", id="tz"),
            pytest.param({"slug": "not a slug", "timezone": "Asia/Tokyo"}, "slug", id="slug"),
        ],
    )
    def test_a_refused_shop_names_the_field(self, shop, make_user, data, field):
        response = signed_in(make_user("hanako")).post("/account/shops/new/", {"name": "X", **data})
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert Shop.objects.count() == 1


@pytest.fixture
def invite(shop, manager, django_capture_on_commit_callbacks):
    def send(email="mika@example.jp", role=Role.STAFF):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in(manager).post(
                "/account/shops/kobo/invitations/", {"email": email, "role": role}
            )
        assert response.status_code == 302
        return link_in(mail.outbox[-1])

    return send


class TestInvitations:
    def test_the_manager_invites_by_e_mail_with_a_link(self, invite, shop):
        link = invite()
        [message] = mail.outbox
        assert message.to == ["mika@example.jp"]
        assert "Kobo" in message.subject
        assert link.startswith("/account/invitations/")
        invitation = Invitation.objects.get()
        assert (invitation.role, invitation.accepted_at) == ("staff", None)
        assert invitation.expires_at - invitation.created_at >= timedelta(days=6, hours=23)
        entry = AuditEntry.objects.get(event="invitation.created")
        assert (entry.after["email"], entry.after["role"], entry.actor_username) == (
            "mika@example.jp",
            "staff",
            "manager1",
        )

    def test_the_link_sets_a_password_once_and_gives_the_role(self, invite, shop):
        link = invite()
        client = Client()
        assert client.get(link).status_code == 200
        response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 302
        # Staff start at Today, the shop's worklist.
        assert response["Location"] == "/shops/kobo/today/"
        user = get_user_model().objects.get(username="mika@example.jp")
        assert user.check_password(PASSWORD) and user.email == "mika@example.jp"
        assert Membership.objects.get(shop=shop, user=user).role == Role.STAFF
        assert client.get("/shops/kobo/").status_code == 200  # signed in as the new user
        assert set(AuditEntry.objects.values_list("event", flat=True)) >= {
            "invitation.accepted",
            "role.changed",
        }
        again = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})
        assert again.status_code == 400
        assert "already accepted" in again.content.decode()
        assert get_user_model().objects.filter(email="mika@example.jp").count() == 1

    def test_a_weak_password_is_refused_and_creates_nobody(self, invite):
        link = invite()
        response = Client().post(link, {"password1": "1234", "password2": "1234"})
        assert response.status_code == 200
        assert response.context["form"].errors["password1"]
        assert not get_user_model().objects.filter(email="mika@example.jp").exists()
        assert Invitation.objects.get().accepted_at is None

    def test_an_expired_or_forged_link_is_refused(self, invite):
        link = invite()
        token = link.rstrip("/").rsplit("/", 1)[-1]
        later = timezone.now() + timedelta(days=invitations.INVITATION_DAYS, seconds=1)
        with pytest.raises(invitations.InvitationInvalid) as caught:
            invitations.invitation_from_token(token, now=later)
        assert caught.value.code == "expired"
        forged = Client().get(link.replace(token, token[:-2] + "xx"))
        assert forged.status_code == 400

    def test_an_address_with_an_account_joins_after_signing_in(self, invite, make_user, shop):
        user = make_user("mika")
        user.email = "Mika@example.jp"
        user.save()
        link = invite(role=Role.VIEWER)
        anonymous = Client().post(link, {})
        assert anonymous.status_code == 200
        assert not Membership.objects.filter(user=user).exists()
        response = signed_in(user).post(link, {})
        assert response.status_code == 302
        assert response["Location"] == "/shops/kobo/"  # viewers start at the overview
        assert Membership.objects.get(user=user, shop=shop).role == Role.VIEWER

    def test_staff_cannot_invite(self, shop, staff):
        response = signed_in(staff).post(
            "/account/shops/kobo/invitations/", {"email": "x@example.jp", "role": "manager"}
        )
        assert response.status_code == 403
        assert Invitation.objects.count() == 0


class TestPasswordReset:
    def test_a_user_sets_a_new_password_through_the_e_mailed_link(self, make_user):
        user = make_user("hanako")
        user.email = "hanako@example.jp"
        user.save()
        client = Client()
        response = client.post("/account/password-reset/", {"email": "hanako@example.jp"})
        assert response.status_code == 302
        [message] = mail.outbox
        link = link_in(message)
        form_url = client.get(link)["Location"]  # Django hides the token behind a redirect
        done = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
        assert done.status_code == 302
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        assert AuditEntry.objects.filter(event="password.reset", actor_username="hanako").exists()
        assert AuditEntry.objects.filter(event="password.reset_requested").count() == 1
        reused = Client().get(link)
        assert reused.status_code == 200 and not reused.context["validlink"]

    def test_an_unknown_address_sends_nothing_and_says_the_same(self, db):
        response = Client().post("/account/password-reset/", {"email": "nobody@example.jp"})
        assert response.status_code == 302
        assert mail.outbox == []

    def test_the_log_in_page_links_to_it(self, db):
        assert "/account/password-reset/" in Client().get("/login/").content.decode()


class TestShopSwitch:
    def test_a_member_of_two_shops_switches_between_them(self, shop, manager, make_user):
        other = Shop.objects.create(slug="second", name="Second shop")
        Membership.objects.create(user=manager, shop=other, role=Role.VIEWER)
        client = signed_in(manager)
        page = client.get("/shops/kobo/").content.decode()
        assert 'name="shop"' in page and "Second shop" in page
        response = client.get("/account/shops/switch/", {"shop": "second"})
        assert response["Location"] == "/shops/second/"

    def test_staff_start_at_today_from_the_start_page_and_the_switcher(
        self, shop, manager, make_user
    ):
        other = Shop.objects.create(slug="second", name="Second shop")
        Membership.objects.create(user=manager, shop=other, role=Role.STAFF)
        client = signed_in(manager)
        start = client.get("/").content.decode()
        assert 'href="/shops/kobo/"' in start  # a manager's shop: its overview
        assert 'href="/shops/second/today/"' in start  # a staff's shop: its worklist
        response = client.get("/account/shops/switch/", {"shop": "second"})
        assert response["Location"] == "/shops/second/today/"

    def test_a_shop_of_others_is_not_found(self, shop, make_user):
        Shop.objects.create(slug="second", name="Second shop")
        response = signed_in(make_user("x", shop=shop, role=Role.STAFF)).get(
            "/account/shops/switch/", {"shop": "second"}
        )
        assert response.status_code == 404


@pytest.mark.django_db
class TestDemoAccounts:
    def test_the_demo_has_a_manager_a_staff_and_a_viewer(self):
        out = io.StringIO()
        call_command("seed_demo", "--customers", "5", "--months", "1", stdout=out)
        text = out.getvalue()
        for username, role in (("manager", "manager"), ("staff", "staff"), ("viewer", "viewer")):
            assert (
                f"Demo login: user '{username}', password 'tsuzuku-demo' ({role} of 'demo')" in text
            )
            user = get_user_model().objects.get(username=username)
            assert Membership.objects.get(user=user, shop__slug="demo").role == role
