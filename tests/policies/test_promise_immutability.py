"""Promise versions never change: the model refuses, and so does the database itself."""

from datetime import timedelta

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.audit_triggers import purge_allowed
from commitments.models import Customer
from policies import immutability
from policies.models import ImmutableVersionError, Promise, PromiseVersion, Shop
from policies.services import promise_create, promise_edit, shop_delete


@pytest.fixture
def note_promise(shop, manager):
    promise = promise_create(
        shop=shop,
        kind="handwritten_note",
        name="Handwritten note",
        params={"min_lines": 10},
        author=manager,
        effective_from=timezone.now() - timedelta(days=30),
    )
    promise_edit(promise=promise, params={"min_lines": 8}, reason="Busy season", author=manager)
    return promise


def params_in_db(version_id):
    return PromiseVersion.objects.get(pk=version_id).params


@pytest.mark.django_db
class TestModelGuard:
    def test_saving_an_existing_version_raises(self, note_promise):
        version = note_promise.versions.get(number=1)
        version.params = {"min_lines": 3}
        with pytest.raises(ImmutableVersionError):
            version.save()
        assert params_in_db(version.pk)["min_lines"] == 10

    def test_deleting_a_version_instance_raises(self, note_promise):
        version = note_promise.versions.get(number=1)
        with pytest.raises(ImmutableVersionError):
            version.delete()
        assert note_promise.versions.count() == 2


@pytest.mark.django_db
class TestDatabaseTriggers:
    def test_queryset_update_is_refused_by_the_database(self, note_promise):
        version = note_promise.versions.get(number=1)
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
            PromiseVersion.objects.filter(pk=version.pk).update(params={"min_lines": 1})
        assert params_in_db(version.pk)["min_lines"] == 10

    def test_raw_sql_update_is_refused_by_the_database(self, note_promise):
        version = note_promise.versions.get(number=2)
        with (
            pytest.raises(IntegrityError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE policies_promiseversion SET reason = %s WHERE id = %s",
                ["rewritten", version.pk],
            )
        assert PromiseVersion.objects.get(pk=version.pk).reason == "Busy season"

    def test_queryset_delete_of_a_live_promises_version_is_refused(self, note_promise):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
            PromiseVersion.objects.filter(promise=note_promise, number=2).delete()
        assert note_promise.versions.count() == 2

    def test_raw_sql_delete_is_refused_by_the_database(self, note_promise):
        with (
            pytest.raises(IntegrityError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "DELETE FROM policies_promiseversion WHERE promise_id = %s", [note_promise.pk]
            )
        assert note_promise.versions.count() == 2

    def test_deleting_a_promise_directly_is_refused(self, note_promise):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
            Promise.objects.filter(pk=note_promise.pk).delete()
        assert Promise.objects.filter(pk=note_promise.pk).count() == 1

    def test_a_whole_database_flush_may_delete_versions(self, note_promise):
        # The SQL Django's flush runs: TRUNCATE on PostgreSQL (no row triggers), DELETE on
        # SQLite inside accounts' purge_allowed() (accounts/management/commands/flush.py).
        sql = connection.ops.sql_flush(
            no_style(), [PromiseVersion._meta.db_table], allow_cascade=True
        )
        with purge_allowed(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A real flush runs after the data's transaction committed; here it is the same
                # transaction, whose deferred foreign key checks must run before a TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in sql:
                cursor.execute(statement)
        assert PromiseVersion.objects.count() == 0

    def test_updating_the_promise_row_itself_is_allowed(self, note_promise):
        Promise.objects.filter(pk=note_promise.pk).update(name="Note in every parcel")
        assert Promise.objects.get(pk=note_promise.pk).name == "Note in every parcel"

    def test_inserting_versions_is_allowed(self, note_promise, manager):
        promise_edit(promise=note_promise, params={"min_lines": 9}, reason="More", author=manager)
        assert list(note_promise.versions.values_list("number", flat=True)) == [1, 2, 3]

    def test_the_triggers_are_installed_and_the_check_passes(self):
        names = immutability.installed_triggers(connection)
        assert names == immutability.expected_triggers(connection.vendor)
        assert immutability.check_triggers(databases=["default"]) == []

    def test_the_check_names_missing_triggers(self):
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in immutability.statements(connection.vendor, drop=True):
                cursor.execute(sql)
            errors = immutability.check_triggers(databases=["default"])
            for sql in immutability.statements(connection.vendor, drop=False):
                cursor.execute(sql)
        assert [error.id for error in errors] == ["policies.E001"]
        assert errors[0].level == checks.ERROR
        assert immutability.installed_triggers(connection) == immutability.expected_triggers(
            connection.vendor
        )


@pytest.mark.django_db
class TestDeletingAWholeShop:
    def test_shop_delete_takes_the_promise_history_with_it(self, note_promise, manager):
        shop_id = note_promise.shop_id
        Customer.objects.create(shop_id=shop_id, external_id="c-1")
        shop_delete(shop=Shop.objects.get(pk=shop_id), actor=manager)
        assert Shop.objects.filter(pk=shop_id).count() == 0
        assert PromiseVersion.objects.filter(promise__shop_id=shop_id).count() == 0
        assert Promise.objects.filter(shop_id=shop_id).count() == 0

    def test_shop_delete_takes_judged_actions_with_it(self, note_promise, manager):
        from commitments import services
        from commitments.models import Action, Check, Finding

        shop = note_promise.shop
        services.occasion_record(
            shop=shop,
            external_id="O-1",
            customer="c-1",
            kind="order_placed",
            occurred_at=timezone.now() - timedelta(hours=2),
            attributes={"total": 3000},
        )
        services.action_record(
            shop=shop,
            external_id="N-1",
            customer="c-1",
            kind="note_enclosed",
            occurred_at=timezone.now() - timedelta(hours=1),
            occasion="O-1",
            attributes={"lines": 3},
        )
        assert (Check.objects.count(), Finding.objects.count()) == (1, 1)
        shop_delete(shop=shop, actor=manager)
        assert (Action.objects.count(), Check.objects.count(), Finding.objects.count()) == (0, 0, 0)
        assert Shop.objects.filter(pk=shop.pk).count() == 0

    def test_shop_delete_leaves_other_shops_history_protected(self, note_promise, manager):
        other = Shop.objects.create(slug="other", name="Other")
        kept = promise_create(
            shop=other, kind="reply_time", name="Replies", params={}, author=manager
        )
        shop_delete(shop=note_promise.shop, actor=manager)
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
            PromiseVersion.objects.filter(promise=kept).delete()
        assert kept.versions.count() == 1

    def test_deleting_a_shop_without_the_service_is_refused(self, note_promise):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
            Shop.objects.filter(pk=note_promise.shop_id).delete()
        assert PromiseVersion.objects.filter(promise=note_promise).count() == 2


@pytest.mark.django_db(transaction=True)
class TestFlush:
    def test_flush_between_transactional_tests_empties_promise_history(self, note_promise):
        call_command("flush", interactive=False, verbosity=0)
        assert PromiseVersion.objects.count() == 0
        assert Promise.objects.count() == 0

    def test_history_stays_protected_after_a_flush(self, shop, manager):
        promise = promise_create(
            shop=shop, kind="reply_time", name="Replies", params={}, author=manager
        )
        with pytest.raises(IntegrityError, match="immutable"):
            PromiseVersion.objects.filter(promise=promise).update(reason="x")
        assert PromiseVersion.objects.filter(promise=promise, reason="").count() == 1
