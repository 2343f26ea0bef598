"""Commitment.customer_orders and customer_last_order_at: each commitment's customer's stored
order count and latest order (commitments.order_counts), copied for every stored commitment."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def orders_copy(apps, schema_editor):
    """Copy each customer's order_count and last_order_at onto their commitments."""
    customer_model = apps.get_model("commitments", "Customer")
    commitment_model = apps.get_model("commitments", "Commitment")
    customer = customer_model.objects.filter(pk=OuterRef("customer_id"))
    commitment_model.objects.update(
        customer_orders=Subquery(customer.values("order_count")),
        customer_last_order_at=Subquery(customer.values("last_order_at")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0009_kinds_from_vocabulary"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="customer_last_order_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="commitment",
            name="customer_orders",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(orders_copy, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(("customer_orders__gte", 2)),
                fields=["promise"],
                name="commitment_repeat",
            ),
        ),
    ]
