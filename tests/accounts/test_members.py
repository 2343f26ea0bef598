"""Roles per shop: memberships set and removed by managers, every change audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.access import shop_for
from accounts.models import AuditEntry, Membership, Role
from accounts.services import membership_remove, membership_set


def _role_changes(shop):
    return list(
        AuditEntry.objects.filter(shop=shop, event="role.changed")
        .order_by("id")
        .values_list("before", "after")
    )


@pytest.mark.django_db
class TestMembershipServices:
    def test_adding_a_user_records_the_role_and_an_audit_entry(self, shop, manager, make_user):
        newcomer = make_user("newcomer")
        membership_set(shop=shop, user=newcomer, role=Role.STAFF, actor=manager)
        assert Membership.objects.get(shop=shop, user=newcomer).role == Role.STAFF
        assert _role_changes(shop) == [
            ({"user": "newcomer", "role": None}, {"user": "newcomer", "role": "staff"})
        ]
        assert AuditEntry.objects.get(event="role.changed").actor_username == "manager1"

    def test_changing_a_role_records_before_and_after(self, shop, manager, staff):
        membership_set(shop=shop, user=staff, role=Role.MANAGER, actor=manager)
        assert Membership.objects.get(shop=shop, user=staff).role == Role.MANAGER
        assert _role_changes(shop) == [
            ({"user": "staff1", "role": "staff"}, {"user": "staff1", "role": "manager"})
        ]

    def test_setting_the_same_role_again_records_nothing(self, shop, manager, staff):
        membership_set(shop=shop, user=staff, role=Role.STAFF, actor=manager)
        assert _role_changes(shop) == []

    def test_removing_a_member_records_the_role_they_had(self, shop, manager, viewer):
        membership_remove(shop=shop, user=viewer, actor=manager)
        assert Membership.objects.filter(shop=shop, user=viewer).count() == 0
        assert _role_changes(shop) == [
            ({"user": "viewer1", "role": "viewer"}, {"user": "viewer1", "role": None})
        ]

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param(
                lambda shop, m: membership_set(shop=shop, user=m, role=Role.STAFF, actor=m),
                id="demote",
            ),
            pytest.param(
                lambda shop, m: membership_remove(shop=shop, user=m, actor=m), id="remove"
            ),
        ],
    )
    def test_the_last_manager_stays(self, shop, manager, change):
        with pytest.raises(ValidationError) as caught:
            change(shop, manager)
        assert caught.value.error_list[0].code == "last_manager"
        assert Membership.objects.get(shop=shop, user=manager).role == Role.MANAGER
        assert _role_changes(shop) == []

    def test_a_manager_can_leave_when_another_manager_remains(self, shop, manager, make_user):
        make_user("manager2", shop=shop, role=Role.MANAGER)
        membership_remove(shop=shop, user=manager, actor=manager)
        assert Membership.objects.filter(shop=shop, role=Role.MANAGER).count() == 1

    def test_unknown_role_is_refused(self, shop, manager, staff):
        with pytest.raises(ValidationError) as caught:
            membership_set(shop=shop, user=staff, role="owner", actor=manager)
        assert caught.value.error_list[0].code == "invalid_param"
        assert Membership.objects.get(shop=shop, user=staff).role == Role.STAFF


@pytest.mark.django_db
class TestSeveralShops:
    def test_a_user_has_a_role_per_shop(self, shop, other_shop, make_user):
        user = make_user("both", shop=shop, role=Role.VIEWER)
        Membership.objects.create(user=user, shop=other_shop, role=Role.MANAGER)
        assert shop_for(user, "kobo")[1] == Role.VIEWER
        assert shop_for(user, "other", role=Role.MANAGER)[1] == Role.MANAGER
        with pytest.raises(PermissionDenied):
            shop_for(user, "kobo", role=Role.STAFF)

    def test_a_shop_the_user_is_not_in_does_not_exist_for_them(self, shop, other_manager):
        with pytest.raises(Http404):
            shop_for(other_manager, "kobo")


@pytest.mark.django_db
class TestMembersPage:
    def url(self, name="accounts:member-list", **kwargs):
        return reverse(name, kwargs={"shop": "kobo", **kwargs})

    def test_manager_sees_every_member_with_their_role(self, client, manager, staff, viewer):
        client.force_login(manager)
        response = client.get(self.url())
        assert response.status_code == 200
        assert [(m.user.username, m.role) for m in response.context["members"]] == [
            ("manager1", "manager"),
            ("staff1", "staff"),
            ("viewer1", "viewer"),
        ]

    def test_manager_adds_a_user_by_email(self, client, shop, manager, make_user):
        newcomer = make_user("newcomer")
        newcomer.email = "new@example.com"
        newcomer.save()
        client.force_login(manager)
        response = client.post(self.url(), {"user": "NEW@example.com", "role": "viewer"})
        assert response.status_code == 302
        assert Membership.objects.get(shop=shop, user=newcomer).role == Role.VIEWER

    def test_unknown_user_is_a_field_error_and_nothing_is_stored(self, client, shop, manager):
        client.force_login(manager)
        response = client.post(self.url(), {"user": "ghost", "role": "staff"})
        assert response.status_code == 400
        assert "user" in response.context["form"].errors
        assert Membership.objects.filter(shop=shop).count() == 1

    def test_manager_changes_a_role(self, client, shop, manager, staff):
        client.force_login(manager)
        response = client.post(
            self.url("accounts:member-update", user_id=staff.pk), {"role": "viewer"}
        )
        assert response.status_code == 302
        assert Membership.objects.get(shop=shop, user=staff).role == Role.VIEWER

    def test_removing_the_last_manager_is_refused_with_a_message(self, client, shop, manager):
        client.force_login(manager)
        response = client.post(self.url("accounts:member-remove", user_id=manager.pk), follow=True)
        assert response.status_code == 200
        assert "at least one manager" in response.content.decode()
        assert Membership.objects.filter(shop=shop, user=manager).count() == 1

    def test_a_member_of_another_shop_is_not_found_here(self, client, manager, other_manager):
        client.force_login(manager)
        response = client.post(
            self.url("accounts:member-update", user_id=other_manager.pk), {"role": "viewer"}
        )
        assert response.status_code == 404
        assert Membership.objects.get(user=other_manager).role == Role.MANAGER

    def test_the_shop_menu_links_members_and_audit_for_managers_only(self, client, manager, staff):
        client.force_login(manager)
        links = [link["url"] for link in client.get(self.url()).context["nav_links"]]
        assert self.url() in links
        assert reverse("accounts:audit-list", kwargs={"shop": "kobo"}) in links
