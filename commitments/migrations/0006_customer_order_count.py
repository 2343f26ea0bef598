"""Customer.order_count and last_order_at, counted from the log for every stored customer."""

from django.db import migrations, models
from django.db.models import Count, DateTimeField, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def orders_backfill(apps, schema_editor):
    """Count every customer's orders (order_placed occasions) and their latest time."""
    customer_model = apps.get_model("commitments", "Customer")
    occasion_model = apps.get_model("commitments", "Occasion")
    orders = (
        occasion_model.objects.filter(customer_id=OuterRef("pk"), kind="order_placed")
        .order_by()
        .values("customer_id")
    )
    customer_model.objects.update(
        order_count=Coalesce(
            Subquery(orders.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            Value(0),
        ),
        last_order_at=Subquery(
            orders.annotate(at=Max("occurred_at")).values("at"), output_field=DateTimeField()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0005_undo_import_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="last_order_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="order_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(orders_backfill, migrations.RunPython.noop, elidable=True),
    ]
