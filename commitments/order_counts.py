"""Each customer's stored order count and latest order time (Customer.order_count, last_order_at).

Kept in the transaction that stores or deletes occasions: occasion_record and
log_record_batch (API, bulk API, CSV import) add the orders they stored
(`customer_orders_add`: `order_count + n`, an increment that PostgreSQL applies to the
latest row version when two writers store orders of one customer at once, so neither is
lost), import_undo recounts its customers (locked by it first), and rebuild_commitments
(and the migration that added them) recount from the log. An occasion never changes its
customer, kind or time once stored (a different content is a conflict), and erasing a
customer's personal data keeps their occasions, so these are the only writes that move them.

Each write also copies the two onto the customer's commitments (Commitment.customer_orders,
customer_last_order_at, and customer_repeat: orders >= REPEAT_MIN_ORDERS), after the customer
row, whose lock orders two writers of one customer; judging copies them when it stores a
commitment (judging/reconcile.py, from the customer row it has locked). On PostgreSQL a new
order's copy is part of the customers' UPDATE (one statement), and is a HOT update of each
commitment (no index covers the two copied values; models.Commitment.customer_repeat).

The weekly report (reports/builder.py) reads them instead of counting each candidate
customer's orders: a customer whose latest order is before the moment asked about has
`order_count` orders before it; only customers who ordered since are counted from the log.
"""

from datetime import datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from policies.vocabulary import ORDER_PLACED

from .models import REPEAT_MIN_ORDERS, Commitment, Customer, Occasion

# Ids per UPDATE (SQLite allows 999 parameters per statement).
CHUNK = 900


def _orders():
    return (
        Occasion.objects.filter(customer_id=OuterRef("pk"), kind=ORDER_PLACED.id)
        .order_by()
        .values("customer_id")
    )


def _refresh(customers) -> int:
    orders = _orders()
    updated = customers.update(
        order_count=Coalesce(
            Subquery(orders.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            Value(0),
        ),
        last_order_at=Subquery(
            orders.annotate(at=Max("occurred_at")).values("at"), output_field=DateTimeField()
        ),
    )
    _commitments_copy(customers)
    return updated


# The commitments' copy of their customer's (`c`) counts (PostgreSQL).
_COPY = (
    "customer_orders = c.order_count, customer_last_order_at = c.last_order_at,"
    " customer_repeat = c.order_count >= %s"
)


def _commitments_copy(customers) -> None:
    """Copy the stored order count and latest order of these customers (a queryset) onto
    their commitments.

    Only the rows that differ are written (a recount that changes nothing writes none). On
    PostgreSQL one `UPDATE … FROM` the customers (the ORM's form, a semi-join with two
    correlated subqueries per row, took 0.26 s for a batch's 350 customers instead of a few
    milliseconds).
    """
    if connection.vendor == "postgresql":
        ids, params = customers.order_by().values("pk").query.sql_with_params()
        commitment = connection.ops.quote_name(Commitment._meta.db_table)
        customer = connection.ops.quote_name(Customer._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {commitment} AS m SET {_COPY}"  # noqa: S608 - the models' table names and the ORM's SQL
                f" FROM {customer} AS c WHERE m.customer_id = c.id AND c.id IN ({ids})"
                " AND (m.customer_orders <> c.order_count"
                " OR m.customer_last_order_at IS DISTINCT FROM c.last_order_at)",
                [REPEAT_MIN_ORDERS, *params],
            )
        return
    customer = Customer.objects.filter(pk=OuterRef("customer_id"))
    differs = (
        ~Q(customer_orders=F("customer__order_count"))
        | ~Q(customer_last_order_at=F("customer__last_order_at"))
        | Q(customer_last_order_at__isnull=True, customer__last_order_at__isnull=False)
        | Q(customer_last_order_at__isnull=False, customer__last_order_at__isnull=True)
    )
    Commitment.objects.filter(customer__in=customers).filter(differs).update(
        customer_orders=Subquery(customer.values("order_count")),
        customer_last_order_at=Subquery(customer.values("last_order_at")),
        customer_repeat=Subquery(
            customer.annotate(
                repeat=Case(
                    When(order_count__gte=REPEAT_MIN_ORDERS, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            ).values("repeat")
        ),
    )


def customer_orders_add(*, orders: list[tuple[int, datetime]]) -> None:
    """Add orders just stored, as (customer id, time), to their customers' stored counts.

    PostgreSQL: one statement, the UPDATE joining the customers to three arrays (id, orders,
    latest) and, from the rows it returns, the copy onto their commitments.
    Elsewhere one UPDATE per chunk of 150 customers (SQLite's 999 parameters)
    with a CASE per column: a CASE of n branches costs n comparisons a row, so on
    PostgreSQL a 1,000-customer chunk was about 70 ms of a 500-row import batch.
    """
    added: dict[int, tuple[int, datetime]] = {}
    for customer_id, moment in orders:
        count, latest = added.get(customer_id, (0, moment))
        added[customer_id] = (count + 1, max(latest, moment))
    ids = sorted(added)
    if not ids:
        return
    if connection.vendor == "postgresql":
        customer = connection.ops.quote_name(Customer._meta.db_table)
        commitment = connection.ops.quote_name(Commitment._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH c AS (UPDATE {customer} AS c SET order_count = c.order_count + v.n,"  # noqa: S608 - the models' table names
                " last_order_at = GREATEST(COALESCE(c.last_order_at, v.at), v.at)"
                " FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[]) AS v(id, n, at)"
                " WHERE c.id = v.id RETURNING c.id, c.order_count, c.last_order_at)"
                f" UPDATE {commitment} AS m SET {_COPY} FROM c WHERE m.customer_id = c.id",
                [
                    ids,
                    [added[pk][0] for pk in ids],
                    [added[pk][1] for pk in ids],
                    REPEAT_MIN_ORDERS,
                ],
            )
        return
    for start in range(0, len(ids), 150):
        part = ids[start : start + 150]
        count = Case(
            *[When(pk=pk, then=Value(added[pk][0])) for pk in part], output_field=IntegerField()
        )
        latest = Case(
            *[When(pk=pk, then=Value(added[pk][1])) for pk in part], output_field=DateTimeField()
        )
        Customer.objects.filter(pk__in=part).update(
            order_count=F("order_count") + count,
            last_order_at=Greatest(Coalesce(F("last_order_at"), latest), latest),
        )
        _commitments_copy(Customer.objects.filter(pk__in=part))


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
        Occasion.objects.filter(shop=shop, kind=ORDER_PLACED.id)
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
