"""Each customer's stored order count and latest order time (Customer.order_count, last_order_at).

Kept in the transaction that stores or deletes occasions: occasion_record and
log_record_batch (API, bulk API, CSV import), import_undo, and restored from the log by
rebuild_commitments (and the migration that added them). An occasion never changes its
customer, kind or time once stored (a different content is a conflict), and erasing a
customer's personal data keeps their occasions, so these are the only writes that move them.

The weekly report (reports/builder.py) reads them instead of counting each candidate
customer's orders: a customer whose latest order is before the moment asked about has
`order_count` orders before it; only customers who ordered since are counted from the log.
"""

from django.db.models import Count, DateTimeField, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Customer, Occasion, OccasionKind

# Ids per UPDATE (SQLite allows 999 parameters per statement).
CHUNK = 900


def _orders():
    return (
        Occasion.objects.filter(customer_id=OuterRef("pk"), kind=OccasionKind.ORDER_PLACED)
        .order_by()
        .values("customer_id")
    )


def _refresh(customers) -> int:
    orders = _orders()
    return customers.update(
        order_count=Coalesce(
            Subquery(orders.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            Value(0),
        ),
        last_order_at=Subquery(
            orders.annotate(at=Max("occurred_at")).values("at"), output_field=DateTimeField()
        ),
    )


def customer_orders_refresh(*, customer_ids) -> int:
    """Recount the orders of these customers from the log; return the customers updated.

    One UPDATE per 900 customers; each reads only these customers' occasions.
    """
    ids = sorted(set(customer_ids))
    return sum(
        _refresh(Customer.objects.filter(pk__in=ids[start : start + CHUNK]))
        for start in range(0, len(ids), CHUNK)
    )


def shop_orders_refresh(*, shop) -> int:
    """Recount the orders of every customer of the shop from the log (one UPDATE)."""
    return _refresh(Customer.objects.filter(shop=shop))


def orders_recounted(*, shop) -> dict[int, tuple[int, object]]:
    """Return {customer id: (orders, latest order time)} counted from the log (tests, checks)."""
    counted = dict.fromkeys(Customer.objects.filter(shop=shop).values_list("pk", flat=True))
    rows = (
        Occasion.objects.filter(shop=shop, kind=OccasionKind.ORDER_PLACED)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"), at=Max("occurred_at"))
    )
    for pk in counted:
        counted[pk] = (0, None)
    for row in rows:
        counted[row["customer_id"]] = (row["n"], row["at"])
    return counted


def orders_stored(*, shop) -> dict[int, tuple[int, object]]:
    """Return {customer id: (order_count, last_order_at)} as stored."""
    return {
        pk: (count, at)
        for pk, count, at in Customer.objects.filter(shop=shop).values_list(
            "pk", "order_count", "last_order_at"
        )
    }
