"""The benchmarks' synthetic year: the same for the same seed, with everything it promises."""

import statistics
from collections import Counter

import pytest

from bench import generate


@pytest.fixture(scope="module")
def year():
    return list(generate.customers_make(0, 400))


def test_the_same_customer_whatever_was_generated_before():
    alone = generate.customer_make(123)
    after_others = list(generate.customers_make(100, 124))[-1]
    assert alone == after_others
    assert generate.customer_make(123, seed=1) != alone


def test_every_kind_and_repeat_customers(year):
    occasions = Counter(o[1] for person in year for o in person.occasions)
    actions = Counter(a[1] for person in year for a in person.actions)
    assert set(occasions) == {"order_placed", "inquiry_received", "review_posted"}
    assert set(actions) == {
        "shipped",
        "note_enclosed",
        "shipping_notice_sent",
        "reply_sent",
        "review_replied",
        "thank_you_sent",
    }
    orders = Counter(sum(o[1] == "order_placed" for o in person.occasions) for person in year)
    assert orders[1] > orders[2] > 0
    assert sum(n for count, n in orders.items() if count >= 6) > 0
    # About 10 actions and 3.7 occasions per customer (a million actions at scale 1.0).
    assert 8 < sum(actions.values()) / len(year) < 12
    assert 3 < sum(occasions.values()) / len(year) < 4.5


def test_drifting_notes_late_shipments_and_nothing_after_the_year(year):
    start, end = generate.START, generate.END
    lines = {"early": [], "late": []}
    late_shipments = 0
    for person in year:
        ordered = {o[0]: o[2] for o in person.occasions}
        for _ext, kind, at, occasion, _staff, attributes in person.actions:
            assert start <= at < end and occasion in ordered
            if kind == "note_enclosed":
                half = "early" if at < start + (end - start) / 2 else "late"
                lines[half].append(attributes["lines"])
            if kind == "shipped" and (at - ordered[occasion]).total_seconds() > 48 * 3600:
                late_shipments += 1
    assert statistics.mean(lines["early"]) - statistics.mean(lines["late"]) > 2
    assert late_shipments > 0


def test_scale_counts():
    assert generate.customers_count(1.0) == 100_000
    assert generate.customers_count(0.01) == 1_000


@pytest.mark.django_db
def test_the_bulk_load_stores_the_customers_order_counts(shop):
    from commitments.order_counts import orders_recounted, orders_stored

    generate.shop_load(shop=shop, customers=60, chunk=25)
    stored = orders_stored(shop=shop)
    assert stored == orders_recounted(shop=shop)
    assert any(count >= 2 for count, _at in stored.values())
