"""Commitment.customer_repeat (customer_orders >= 2), the predicate of the index of repeat
customers instead of customer_orders, and on PostgreSQL room on each page of the table
(fillfactor 80): the copies of a customer's new orders onto their commitments then stay HOT
updates (no index written; docs/PERFORMANCE.md)."""

from django.db import migrations, models

# Room left on each page for a row's next version (PostgreSQL's default is 100: full pages).
FILLFACTOR = 80


def repeat_copy(apps, schema_editor):
    """Mark the commitments of customers with 2+ orders (as copied on them)."""
    commitment_model = apps.get_model("commitments", "Commitment")
    commitment_model.objects.filter(customer_orders__gte=2).update(customer_repeat=True)


def fillfactor_set(apps, schema_editor):
    """Leave room on the table's pages (PostgreSQL; new pages, and rows as they move)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("commitments", "Commitment")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("commitments", "Commitment")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0010_commitment_customer_orders"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="commitment", name="commitment_repeat"),
        migrations.AddField(
            model_name="commitment",
            name="customer_repeat",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(repeat_copy, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(("customer_repeat", True)),
                fields=["promise"],
                name="commitment_repeat",
            ),
        ),
        migrations.RunPython(fillfactor_set, fillfactor_reset),
    ]
