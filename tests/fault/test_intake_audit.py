"""Fault suite, issue 12 item 8: the audit trail on PostgreSQL refuses TRUNCATE and keeps
the database's own time in created_at, whatever an INSERT says.

(UPDATE and DELETE refused: tests/accounts/test_audit.py.) What protects the trail from the
table's owner is a separate role: README "Protecting the audit trail".
"""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEntry

pytestmark = [pytest.mark.fault]

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE and the created_at trigger: PostgreSQL"
)


def entry(shop):
    return audit_record(
        shop=shop, actor=None, event="test.event", object_type="shop", object_id=shop.pk
    )


@postgresql_only
@pytest.mark.django_db
class TestPostgreSQL:
    def test_truncate_is_refused(self, shop):
        entry(shop)
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("TRUNCATE accounts_auditentry")
        assert AuditEntry.objects.count() == 1

    def test_a_back_dated_insert_gets_the_database_time(self, shop):
        before = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_auditentry (shop_id, actor_id, actor_username, event, "
                "object_type, object_id, before, after, created_at) "
                "VALUES (%s, NULL, '', 'forged', 'shop', %s, '{}', '{}', %s)",
                [shop.pk, str(shop.pk), datetime(2001, 1, 1, tzinfo=UTC)],
            )
        forged = AuditEntry.objects.get(event="forged")
        assert forged.created_at >= before - timezone.timedelta(seconds=5)

    def test_the_orm_cannot_back_date_either(self, shop):
        created = entry(shop)
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    shop_id=shop.pk,
                    event="bulk",
                    object_type="shop",
                    object_id=str(shop.pk),
                    created_at=datetime(2001, 1, 1, tzinfo=UTC),
                )
            ]
        )
        bulk = AuditEntry.objects.get(event="bulk")
        assert bulk.created_at.year == created.created_at.year == timezone.now().year


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_trail(shop):
    """Django's flush (between transactional tests, by operators) opens the purge."""
    entry(shop)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
    # The purge was for that flush only: a TRUNCATE after it is refused again.
    if connection.vendor == "postgresql":
        entry_shop = type(shop).objects.create(slug="other", name="Other")
        entry(entry_shop)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_auditentry")
