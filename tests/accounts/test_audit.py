"""The audit trail: append-only in the database itself, readable by the shop's managers."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.audit import audit_diff, audit_record
from accounts.models import AuditEntry, AuditTrailIsAppendOnly
from accounts.views import AUDIT_PAGE_SIZE
from policies.models import Shop


@pytest.fixture
def entry(shop, manager):
    return audit_record(
        shop=shop,
        actor=manager,
        event="calendar.changed",
        object_type="shop",
        object_id=shop.pk,
        before={"closed_weekdays": [6]},
        after={"closed_weekdays": [5, 6]},
    )


def _refused(statement):
    """Return True if the database refuses the statement (inside its own savepoint)."""
    try:
        with transaction.atomic():
            statement()
    except DatabaseError:
        return True
    return False


def _raw(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@pytest.mark.django_db
class TestAuditTrailIsAppendOnly:
    def test_recording_keeps_actor_name_and_plain_json(self, entry, manager):
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert stored.actor_id == manager.pk
        assert stored.actor_username == "manager1"
        assert stored.after == {"closed_weekdays": [5, 6]}

    @pytest.mark.parametrize(
        "attempt",
        [
            pytest.param(
                lambda e: AuditEntry.objects.filter(pk=e.pk).update(event="x"), id="qs-update"
            ),
            pytest.param(lambda e: AuditEntry.objects.filter(pk=e.pk).delete(), id="qs-delete"),
            pytest.param(lambda e: AuditEntry.objects.all().delete(), id="qs-delete-all"),
            pytest.param(
                lambda e: _raw(
                    "UPDATE accounts_auditentry SET after = NULL WHERE id = %s", [e.pk]
                )(),
                id="raw-update",
            ),
            pytest.param(
                lambda e: _raw("DELETE FROM accounts_auditentry WHERE id = %s", [e.pk])(),
                id="raw-delete",
            ),
            pytest.param(lambda e: _raw("DELETE FROM accounts_auditentry")(), id="raw-delete-all"),
        ],
    )
    def test_the_database_refuses_every_change(self, entry, attempt):
        assert _refused(lambda: attempt(entry)) is True
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert stored.event == "calendar.changed"
        assert stored.after == {"closed_weekdays": [5, 6]}

    def test_save_of_a_recorded_entry_is_refused(self, entry):
        entry.event = "rewritten"
        with pytest.raises(AuditTrailIsAppendOnly):
            entry.save()
        assert AuditEntry.objects.get(pk=entry.pk).event == "calendar.changed"

    def test_delete_of_a_recorded_entry_is_refused(self, entry):
        with pytest.raises(AuditTrailIsAppendOnly):
            entry.delete()
        assert AuditEntry.objects.filter(pk=entry.pk).count() == 1

    def test_deleting_the_shop_or_the_actor_leaves_the_entry_as_it_was(self, entry, shop, manager):
        shop_id, actor_id = shop.pk, manager.pk
        Shop.objects.filter(pk=shop_id).delete()
        get_user_model().objects.filter(pk=actor_id).delete()
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert (stored.shop_id, stored.actor_id, stored.actor_username) == (
            shop_id,
            actor_id,
            "manager1",
        )


@pytest.mark.django_db(transaction=True)
class TestFlush:
    def test_flush_still_empties_a_database_with_audit_entries(self, entry):
        assert AuditEntry.objects.count() == 1
        call_command("flush", interactive=False, verbosity=0)
        assert AuditEntry.objects.count() == 0


class TestAuditDiff:
    @pytest.mark.parametrize(
        ("before", "after", "changes"),
        [
            pytest.param(
                {"role": "staff", "user": "a"},
                {"role": "manager", "user": "a"},
                [{"field": "role", "before": "staff", "after": "manager"}],
                id="one-field-changed",
            ),
            pytest.param(
                None,
                {"name": "n"},
                [{"field": "", "before": None, "after": {"name": "n"}}],
                id="created",
            ),
            pytest.param({"a": 1}, {"a": 1}, [], id="unchanged"),
            pytest.param(
                {"a": 1},
                {"b": 2},
                [
                    {"field": "a", "before": 1, "after": None},
                    {"field": "b", "before": None, "after": 2},
                ],
                id="keys-differ",
            ),
        ],
    )
    def test_diff_lists_what_changed(self, before, after, changes):
        assert audit_diff(before, after) == changes


@pytest.mark.django_db
class TestAuditPage:
    def test_manager_sees_who_when_what_and_the_change(self, client, manager, entry):
        client.force_login(manager)
        response = client.get(reverse("accounts:audit-list", kwargs={"shop": "kobo"}))
        assert response.status_code == 200
        body = response.content.decode()
        # In words: the event, the field and the values, never the codes.
        assert "Calendar changed" in body and "calendar.changed" not in body.split("<select")[0]
        assert "manager1" in body
        assert "<strong>Closed weekdays</strong>: <del>6</del> → <ins>5, 6</ins>" in body

    def test_page_shows_only_this_shops_entries(self, client, manager, entry, other_shop):
        audit_record(
            shop=other_shop, actor=None, event="secret.event", object_type="x", object_id=1
        )
        client.force_login(manager)
        response = client.get(reverse("accounts:audit-list", kwargs={"shop": "kobo"}))
        assert b"secret.event" not in response.content
        assert len(response.context["rows"]) == 1

    def test_filter_by_event_and_pages_of_fifty(self, client, shop, manager):
        for number in range(AUDIT_PAGE_SIZE + 10):
            audit_record(
                shop=shop,
                actor=manager,
                event="promise.edited",
                object_type="promise",
                object_id=number,
            )
        audit_record(shop=shop, actor=manager, event="role.changed", object_type="m", object_id=1)
        client.force_login(manager)
        url = reverse("accounts:audit-list", kwargs={"shop": "kobo"})
        first = client.get(url, {"event": "promise.edited"})
        second = client.get(url, {"event": "promise.edited", "page": 2})
        only_roles = client.get(url, {"event": "role.changed"})
        assert len(first.context["rows"]) == AUDIT_PAGE_SIZE
        assert len(second.context["rows"]) == 10
        assert [row["entry"].event for row in only_roles.context["rows"]] == ["role.changed"]
        assert [name for name, _words in first.context["events"]] == [
            "promise.edited",
            "role.changed",
        ]
