"""Findings and commitments are a function of the log, not of the order it arrives in.

A generated log (a few customers; orders with notes and shipments around a weekend and the
2026-11-23 holiday; inquiries on open and closed days with replies; some exceptions) is fed
through the services in a shuffled order, judging after each record, and compared with the
same log fed in time order and with one full rebuild from an unjudged log.
"""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments import judging, services
from commitments.models import Check, Commitment, Finding

from .conftest import at

# Thursday 19th .. Tuesday 24th November 2026: Saturday 21st, Sunday 22nd and Monday 23rd
# (勤労感謝の日) are closed; the cutoff is 16:00.
ORDER_TIMES = [
    "2026-11-19 15:30",
    "2026-11-20 15:30",
    "2026-11-20 16:30",
    "2026-11-20 18:00",
    "2026-11-21 11:00",
    "2026-11-23 10:00",
    "2026-11-24 09:00",
]
SHIP_AFTER = [timedelta(hours=1, minutes=30), timedelta(days=1), timedelta(days=4)]
INQUIRY_TIMES = ["2026-11-20 17:30", "2026-11-21 11:00", "2026-11-23 09:00", "2026-11-24 10:00"]
REPLY_AFTER = [timedelta(hours=2), timedelta(days=1), timedelta(days=3)]
EXCEPTIONS = [None, None, "our_mistake", "goodwill", "deadline"]

orders = st.fixed_dictionaries(
    {
        "at": st.sampled_from(ORDER_TIMES),
        "lines": st.one_of(st.none(), st.sampled_from([3, 5, 6, 10, 12])),
        "ship_after": st.one_of(st.none(), st.sampled_from(SHIP_AFTER)),
        "exception": st.sampled_from(EXCEPTIONS),
    }
)
inquiries = st.fixed_dictionaries(
    {
        "at": st.sampled_from(INQUIRY_TIMES),
        "reply_after": st.one_of(st.none(), st.sampled_from(REPLY_AFTER)),
        "exception": st.sampled_from(EXCEPTIONS),
    }
)
customers = st.lists(
    st.tuples(st.lists(orders, min_size=1, max_size=3), st.lists(inquiries, max_size=2)),
    min_size=1,
    max_size=3,
)


def records_of(generated) -> list[tuple[str, dict]]:
    """Return the log as ("occasion" | "action", service kwargs), in time order."""
    records = []
    for c, (customer_orders, customer_inquiries) in enumerate(generated):
        customer = f"C-{c}"
        for o, order in enumerate(customer_orders):
            ordered_at = at(order["at"])
            order_id = f"{customer}-O{o}"
            records.append(
                (
                    "occasion",
                    dict(
                        external_id=order_id,
                        customer=customer,
                        kind="order_placed",
                        occurred_at=ordered_at,
                        attributes={"total": 5000},
                    ),
                )
            )
            exception = {"reason": order["exception"]} if order["exception"] else None
            if order["ship_after"] is not None:
                shipped_at = ordered_at + order["ship_after"]
                records.append(
                    (
                        "action",
                        dict(
                            external_id=f"{order_id}-S",
                            customer=customer,
                            kind="shipped",
                            occurred_at=shipped_at,
                            occasion=order_id,
                            attributes={"tracking_number": "T"},
                            exception=exception,
                        ),
                    )
                )
            if order["lines"] is not None:
                records.append(
                    (
                        "action",
                        dict(
                            external_id=f"{order_id}-N",
                            customer=customer,
                            kind="note_enclosed",
                            occurred_at=ordered_at + timedelta(hours=1),
                            occasion=order_id,
                            attributes={"lines": order["lines"]},
                            exception=exception,
                        ),
                    )
                )
        for q, inquiry in enumerate(customer_inquiries):
            received_at = at(inquiry["at"])
            inquiry_id = f"{customer}-Q{q}"
            records.append(
                (
                    "occasion",
                    dict(
                        external_id=inquiry_id,
                        customer=customer,
                        kind="inquiry_received",
                        occurred_at=received_at,
                        attributes={"channel": "email"},
                    ),
                )
            )
            if inquiry["reply_after"] is not None:
                exception = {"reason": inquiry["exception"]} if inquiry["exception"] else None
                records.append(
                    (
                        "action",
                        dict(
                            external_id=f"{inquiry_id}-R",
                            customer=customer,
                            kind="reply_sent",
                            occurred_at=received_at + inquiry["reply_after"],
                            occasion=inquiry_id,
                            attributes={},
                            exception=exception,
                        ),
                    )
                )
    return sorted(records, key=lambda record: (record[1]["occurred_at"], record[1]["external_id"]))


def feed(shop, records, *, judge=True) -> None:
    for record_type, kwargs in records:
        record = services.occasion_record if record_type == "occasion" else services.action_record
        record(shop=shop, judge=judge, **kwargs)


def state() -> dict:
    """Return the derived rows as comparable values (no ids, no creation times)."""
    findings = {
        (
            f.action.external_id,
            f.promise.kind,
            f.type,
            f.excused,
            json.dumps(f.details, sort_keys=True),
            f.promise_version.number,
        )
        for f in Finding.objects.select_related("action", "promise", "promise_version")
    }
    commitments = {
        (
            c.customer.external_id,
            c.promise.kind,
            c.last_level,
            c.best_level,
            c.count,
            c.first_at,
            c.last_at,
            json.dumps(c.precedents, sort_keys=True),
        )
        for c in Commitment.objects.select_related("customer", "promise")
    }
    checks = {
        (c.action.external_id, c.promise.kind, c.level, c.kept, c.promise_version.number)
        for c in Check.objects.select_related("action", "promise", "promise_version")
    }
    return {"findings": findings, "commitments": commitments, "checks": checks}


def in_rollback(work):
    """Return what `work` returns, with everything it wrote rolled back."""
    with transaction.atomic():
        result = work()
        transaction.set_rollback(True)
    return result


@pytest.fixture
def promises(shop, make_promise, add_version):
    note = make_promise("handwritten_note", {"min_lines": 5, "precedent_above": 4})
    # From the holiday on, notes must have 6 lines: actions straddle the change.
    add_version(note, {"min_lines": 6, "precedent_above": 4}, effective_from=at("2026-11-23 00:00"))
    make_promise("shipping_cutoff", {"cutoff": "16:00"})
    make_promise("holiday_replies", {"mode": "none"})
    return shop


class TestOrderIndependence:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(generated=customers, data=st.data())
    def test_shuffled_log_gives_the_same_findings_and_commitments(self, promises, generated, data):
        shop = promises
        records = records_of(generated)
        shuffled = data.draw(st.permutations(records), label="arrival order")

        in_time_order = in_rollback(lambda: (feed(shop, records), state())[1])
        arrived_shuffled = in_rollback(lambda: (feed(shop, shuffled), state())[1])

        def rebuilt():
            feed(shop, shuffled, judge=False)
            judging.judge_shop(shop=shop, batch_size=2)
            return state()

        assert arrived_shuffled == in_time_order
        assert in_rollback(rebuilt) == in_time_order

    def test_the_generated_logs_do_find_things(self, promises):
        """Guard: the example space reaches every finding type the property compares."""
        shop = promises
        generated = [
            (
                [
                    {
                        "at": "2026-11-19 15:30",
                        "lines": 12,
                        "ship_after": SHIP_AFTER[2],
                        "exception": None,
                    },
                    {
                        "at": "2026-11-20 18:00",
                        "lines": 6,
                        "ship_after": SHIP_AFTER[0],
                        "exception": "our_mistake",
                    },
                    {
                        "at": "2026-11-24 09:00",
                        "lines": 3,
                        "ship_after": SHIP_AFTER[1],
                        "exception": None,
                    },
                ],
                [
                    {"at": "2026-11-21 11:00", "reply_after": REPLY_AFTER[0], "exception": None},
                    {"at": "2026-11-23 09:00", "reply_after": REPLY_AFTER[1], "exception": None},
                ],
            )
        ]

        def types():
            feed(shop, list(reversed(records_of(generated))))
            return {
                (kind, type_, excused) for (_, kind, type_, excused, _, _) in state()["findings"]
            }

        assert in_rollback(types) >= {
            ("handwritten_note", "drift", True),
            ("handwritten_note", "precedent", False),
            ("handwritten_note", "breach", False),
            ("shipping_cutoff", "breach", False),
            ("shipping_cutoff", "precedent", True),
            ("holiday_replies", "precedent", False),
            ("holiday_replies", "drift", False),
        }
