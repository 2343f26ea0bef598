"""Reads of promises: the version in force at a moment, all versions per shop, impact."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from commitments.models import Commitment, Customer, Occasion
from policies.models import Shop
from policies.selectors import (
    promise_impact,
    promise_versions_for_shop,
    promises_in_force,
    version_in_force,
)
from policies.services import promise_create, promise_edit, promise_retire
from policies.versions import version_in_force as version_rule
from policies.versions import version_measuring

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day, hour=0, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def note(shop, manager):
    """A note promise: v1 10 lines from the 1st, v2 8 lines from the 10th, v3 6 from the 10th."""
    promise = promise_create(
        shop=shop,
        kind="handwritten_note",
        name="Note",
        params={"min_lines": 10},
        author=manager,
        effective_from=at(1),
    )
    for lines in (8, 6):
        promise_edit(
            promise=promise,
            params={"min_lines": lines},
            reason=f"to {lines}",
            author=manager,
            effective_from=at(10),
        )
    return promise


@pytest.mark.django_db
class TestVersionInForce:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (at(1) - timedelta(microseconds=1), None),
            (at(1), 1),
            (at(9, 23, 59), 1),
            (at(10), 3),
            (at(25), 3),
        ],
        ids=["before-v1", "at-v1", "just-before-v2", "same-time-higher-number-wins", "later"],
    )
    def test_returns_the_version_in_force_at_a_moment(self, note, moment, expected):
        version = version_in_force(promise=note, at=moment)
        assert (version.number if version else None) == expected

    @pytest.mark.parametrize(
        ("moment", "expected"),
        [(at(19, 23), 3), (at(20), None), (at(21), None)],
        ids=["before-retirement", "at-retirement", "after-retirement"],
    )
    def test_a_retired_promise_has_no_version_from_its_retirement(
        self, note, manager, moment, expected
    ):
        promise_retire(promise=note, author=manager, at=at(20))
        note.refresh_from_db()
        version = version_in_force(promise=note, at=moment)
        assert (version.number if version else None) == expected

    def test_the_pure_rule_and_the_query_agree(self, note):
        versions = list(note.versions.all())
        for moment in (at(1) - timedelta(seconds=1), at(1), at(9), at(10), at(30)):
            expected = version_in_force(promise=note, at=moment)
            assert version_rule(versions, at=moment) == expected
            assert version_rule(reversed(versions), at=moment) == expected

    def test_before_the_first_version_the_first_one_measures_but_is_not_in_force(self, note):
        versions = list(note.versions.all())
        first = min(versions, key=lambda v: v.number)
        assert version_measuring(versions, at=at(1) - timedelta(days=400)) == (first, False)
        in_force = version_rule(versions, at=at(30))
        assert version_measuring(versions, at=at(30)) == (in_force, True)
        assert version_measuring(versions, at=at(30), retired_at=at(20)) == (None, False)


@pytest.mark.django_db
class TestPromisesInForce:
    def test_lists_promises_in_force_with_their_version(self, shop, manager, note):
        later = promise_create(
            shop=shop,
            kind="reply_time",
            name="Replies",
            params={},
            author=manager,
            effective_from=at(15),
        )
        retired = promise_create(
            shop=shop,
            kind="review_reply",
            name="Reviews",
            params={},
            author=manager,
            effective_from=at(1),
        )
        promise_retire(promise=retired, author=manager, at=at(12))
        other_shop = Shop.objects.create(slug="other", name="Other")
        promise_create(
            shop=other_shop,
            kind="reply_time",
            name="Other",
            params={},
            author=manager,
            effective_from=at(1),
        )

        def listed(moment):
            return [(p.name, p.version.number) for p in promises_in_force(shop=shop, at=moment)]

        assert listed(at(5)) == [("Note", 1), ("Reviews", 1)]
        assert listed(at(13)) == [("Note", 3)]
        assert listed(at(16)) == [("Note", 3), ("Replies", 1)]
        assert later.pk in {p.pk for p in promises_in_force(shop=shop)}

    def test_uses_two_queries_whatever_the_number_of_promises(
        self, shop, manager, django_assert_num_queries
    ):
        for index in range(5):
            promise_create(
                shop=shop,
                kind="reply_time",
                name=f"P{index}",
                params={},
                author=manager,
                confirm_duplicate_kind=True,
            )
        with django_assert_num_queries(2):
            promises = promises_in_force(shop=shop)
            authors = {p.version.author.username for p in promises}
        assert authors == {"manager1"}
        assert len(promises) == 5


@pytest.mark.django_db
class TestPromiseVersionsForShop:
    def test_returns_every_version_by_promise_in_one_query(
        self, shop, manager, note, django_assert_num_queries
    ):
        replies = promise_create(
            shop=shop, kind="reply_time", name="Replies", params={}, author=manager
        )
        promise_retire(promise=replies, author=manager)
        with django_assert_num_queries(1):
            versions = promise_versions_for_shop(shop=shop)
            kinds = {pid: vs[0].promise.kind for pid, vs in versions.items()}
        assert {pid: [v.number for v in vs] for pid, vs in versions.items()} == {
            note.pk: [1, 2, 3],
            replies.pk: [1],
        }
        assert kinds == {note.pk: "handwritten_note", replies.pk: "reply_time"}


def make_customer(shop, external_id, *, orders, inquiries=0):
    customer = Customer.objects.create(shop=shop, external_id=external_id)
    occasions = [
        Occasion(
            shop=shop,
            customer=customer,
            external_id=f"{external_id}-{kind}-{index}",
            kind=kind,
            occurred_at=at(1) + timedelta(days=index),
            attributes={},
            content_hash=hashlib.sha256(f"{external_id}{kind}{index}".encode()).hexdigest(),
        )
        for kind, count in (("order_placed", orders), ("inquiry_received", inquiries))
        for index in range(count)
    ]
    Occasion.objects.bulk_create(occasions)
    return customer


def commit(shop, customer, promise, *, best, last=None):
    return Commitment.objects.create(
        shop=shop,
        customer=customer,
        promise=promise,
        best_level=best,
        last_level=best if last is None else last,
        count=1,
        first_at=timezone.now(),
        last_at=timezone.now(),
    )


@pytest.mark.django_db
class TestPromiseImpact:
    @pytest.fixture
    def customers(self, shop, manager, note):
        """Repeat and one-time customers of the note promise (its newest version: 6 lines)."""
        other_promise = promise_create(
            shop=shop,
            kind="handwritten_note",
            name="Other note",
            params={},
            author=manager,
            confirm_duplicate_kind=True,
        )
        rows = {
            # name: (orders, inquiries, best, last)
            "a-three-orders-best-10": (3, 0, 10, 7),
            "b-two-orders-best-6": (2, 0, 6, 6),
            "c-two-orders-best-5": (2, 0, 5, 5),
            "d-one-order-best-12": (1, 0, 12, 12),
            "e-one-order-one-inquiry-best-9": (1, 1, 9, 9),
            "f-two-orders-no-level": (2, 0, None, None),
        }
        for name, (orders, inquiries, best, last) in rows.items():
            customer = make_customer(shop, name, orders=orders, inquiries=inquiries)
            commit(shop, customer, note, best=best, last=last)
        # A repeat customer with a high level, but for another promise.
        g = make_customer(shop, "g-other-promise", orders=4)
        commit(shop, g, other_promise, best=20)
        return rows

    def test_counts_repeat_customers_above_the_new_level(self, note, customers):
        impact = promise_impact(
            promise=note, new_params={**note.versions.last().params, "min_lines": 5}
        )
        assert impact["lowers"] is True
        assert impact["new_level"] == 5
        assert impact["repeat_customers_above_new_level"] == 2
        assert impact["customers"] == [
            {
                "customer": "a-three-orders-best-10",
                "name": "",
                "best_level": 10,
                "last_level": 7,
                "orders": 3,
            },
            {
                "customer": "b-two-orders-best-6",
                "name": "",
                "best_level": 6,
                "last_level": 6,
                "orders": 2,
            },
        ]

    @pytest.mark.parametrize(
        ("min_lines", "count", "lowers"),
        [(4, 3, True), (5, 2, True), (6, 1, False), (10, 0, False), (12, 0, False)],
        ids=["to-4", "to-5", "unchanged-6", "raised-to-10", "raised-to-12"],
    )
    def test_count_follows_the_new_level(self, note, customers, min_lines, count, lowers):
        params = {**note.versions.last().params, "min_lines": min_lines}
        impact = promise_impact(promise=note, new_params=params)
        assert impact["repeat_customers_above_new_level"] == count
        assert impact["lowers"] is lowers

    def test_is_zero_before_any_commitment_exists(self, note):
        impact = promise_impact(promise=note, new_params={**note.versions.last().params})
        assert impact["repeat_customers_above_new_level"] == 0
        assert impact["customers"] == []

    def test_lower_is_better_kinds_count_smaller_levels(self, shop, manager):
        reviews = promise_create(
            shop=shop,
            kind="review_reply",
            name="Reviews",
            params={"within_days": 1},
            author=manager,
        )
        for name, best in (("fast", 0.0), ("one-day", 1.0), ("slow", 4.0)):
            commit(shop, make_customer(shop, name, orders=2), reviews, best=best)
        params = {**reviews.versions.get().params, "within_days": 3}
        impact = promise_impact(promise=reviews, new_params=params)
        assert impact["lowers"] is True
        assert impact["repeat_customers_above_new_level"] == 2
        assert [row["customer"] for row in impact["customers"]] == ["fast", "one-day"]

    def test_lists_the_first_50_and_counts_them_all_in_constant_queries(
        self, shop, note, django_assert_num_queries
    ):
        for index in range(55):
            commit(shop, make_customer(shop, f"c{index:02d}", orders=2), note, best=10)
        params = {**note.versions.last().params, "min_lines": 5}
        with django_assert_num_queries(2):
            impact = promise_impact(promise=note, new_params=params)
        assert impact["repeat_customers_above_new_level"] == 55
        assert len(impact["customers"]) == 50
        assert impact["customers"][0]["customer"] == "c00"

    def test_kinds_without_a_single_level_report_zero(self, shop, manager):
        extras = promise_create(
            shop=shop, kind="included_extras", name="Extras", params={}, author=manager
        )
        commit(shop, make_customer(shop, "x", orders=3), extras, best=2)
        impact = promise_impact(promise=extras, new_params={**extras.versions.get().params})
        assert impact["repeat_customers_above_new_level"] == 0
        assert impact["new_level"] is None
