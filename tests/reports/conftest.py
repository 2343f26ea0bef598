"""Data for the report tests: promises with versions, and a few thousand rows of derived data.

Checks, findings and commitments are written directly with bulk_create (the engine is not
needed to test how they are aggregated).
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from commitments.models import (
    Action,
    ActionException,
    Check,
    Commitment,
    Customer,
    Finding,
    Occasion,
)
from commitments.order_counts import shop_orders_refresh
from policies.models import Promise, PromiseVersion

TOKYO = ZoneInfo("Asia/Tokyo")
# 2026-W46 is Monday 2026-11-09 .. Monday 2026-11-16 (Tokyo); its trend starts at 2026-W39.
WEEK = "2026-W46"
WEEK_START = datetime(2026, 11, 9, tzinfo=TOKYO)
WEEK_END = datetime(2026, 11, 16, tzinfo=TOKYO)
TREND_START = WEEK_START - timedelta(weeks=7)


def at(text: str) -> datetime:
    """Return "2026-11-10 15:30" as an aware moment in Tokyo time."""
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def make_version(promise, *, number, params, effective_from, created_at=None, **extra):
    """Record a promise version as if it was written at `created_at` (auto_now_add)."""
    with mock.patch("django.utils.timezone.now", return_value=created_at or effective_from):
        return PromiseVersion.objects.create(
            promise=promise, number=number, params=params, effective_from=effective_from, **extra
        )


def make_promise(shop, *, kind, name, params, effective_from=None, retired_at=None):
    """Record a promise with its first version."""
    promise = Promise.objects.create(shop=shop, kind=kind, name=name, retired_at=retired_at)
    effective_from = effective_from or at("2026-01-01 00:00")
    version = make_version(promise, number=1, params=params, effective_from=effective_from)
    return promise, version


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class DataSet:
    """What the data fixture wrote, for the recount."""

    shop: object
    note: Promise
    shipping: Promise
    retired: Promise
    future: Promise
    customers: list = field(default_factory=list)
    orders: list = field(default_factory=list)  # (customer id, occurred_at)
    checks: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    exceptions: list = field(default_factory=list)  # (reason, status, staff, occurred_at)
    versions: list = field(default_factory=list)


@pytest.fixture
def dataset(shop, manager):
    """Write a shop's worth of data around 2026-W46 and return what was written."""
    rng = random.Random(46)
    note, note_v1 = make_promise(
        shop,
        kind="handwritten_note",
        name='=HYPERLINK("http://evil.example","note")',
        params={"min_lines": 10},
    )
    # Lowered to 8 lines in the report week, effective at once.
    note_v2 = make_version(
        note,
        number=2,
        params={"min_lines": 8},
        effective_from=at("2026-11-11 12:00"),
        created_at=at("2026-11-11 11:00"),
        reason="Busy season",
        author=manager,
    )
    shipping, shipping_v1 = make_promise(
        shop, kind="shipping_cutoff", name="Same-day shipping", params={"cutoff": "16:00"}
    )
    # Changed the week before: not a change of the report week.
    make_version(
        shipping,
        number=2,
        params={"cutoff": "15:00"},
        effective_from=at("2026-11-05 00:00"),
        created_at=at("2026-11-04 10:00"),
        reason="Carrier pickup earlier",
        author=manager,
    )
    retired, _retired_v1 = make_promise(
        shop,
        kind="thank_you_message",
        name="Thank-you within a day",
        params={"within_hours": 24},
        retired_at=at("2026-11-01 00:00"),
    )
    future, _future_v1 = make_promise(
        shop,
        kind="review_reply",
        name="Reply to reviews",
        params={},
        effective_from=at("2026-12-01 00:00"),
    )
    data = DataSet(shop=shop, note=note, shipping=shipping, retired=retired, future=future)

    # Customers; "+8190..." must survive the CSV as text, and is made the likeliest to notice.
    ids = ["+819012345678"] + [f"c{index:04d}" for index in range(1, 320)]
    customers = Customer.objects.bulk_create(
        [Customer(shop=shop, external_id=external_id) for external_id in ids]
    )
    data.customers = customers
    phone = customers[0]

    # Orders: 0..6 per customer, a few after the week (they do not count for it).
    occasions = []
    for customer in customers:
        count = 6 if customer is phone else rng.choice([0, 1, 1, 2, 2, 3, 4, 6])
        for index in range(count):
            moment = TREND_START + timedelta(minutes=rng.randrange(0, 60 * 24 * 56))
            if rng.random() < 0.1:
                moment = WEEK_END + timedelta(hours=rng.randrange(0, 200))
            occasions.append(
                Occasion(
                    shop=shop,
                    customer=customer,
                    external_id=f"o-{customer.external_id}-{index}",
                    kind="order_placed",
                    occurred_at=moment,
                    content_hash=_hash(f"o{customer.id}{index}"),
                )
            )
    # Inquiries do not count as orders.
    for customer in customers[:40]:
        occasions.append(
            Occasion(
                shop=shop,
                customer=customer,
                external_id=f"i-{customer.external_id}",
                kind="inquiry_received",
                occurred_at=WEEK_START + timedelta(hours=3),
                content_hash=_hash(f"i{customer.id}"),
            )
        )
    occasions = Occasion.objects.bulk_create(occasions)
    data.orders = [(o.customer_id, o.occurred_at) for o in occasions if o.kind == "order_placed"]

    # Actions with one check each: handwritten notes whose length falls week by week, and
    # shipments around the promised day. Some outside the trend, some on the week's edges.
    staff_names = ["aiko", "=cmd", "ken", ""]
    actions, check_specs = [], []
    moments = []
    for _index in range(1800):
        moments.append(("note", TREND_START + timedelta(seconds=rng.randrange(0, 8 * 7 * 86400))))
    for _index in range(1100):
        moment = TREND_START + timedelta(seconds=rng.randrange(0, 8 * 7 * 86400))
        if (moment - TREND_START).days // 7 == 2:
            # No shipments at all in the trend's third week: a gap in its chart.
            moment += timedelta(weeks=1)
        moments.append(("ship", moment))
    edges = [
        WEEK_START,
        WEEK_START - timedelta(microseconds=1),
        WEEK_END,
        WEEK_END - timedelta(microseconds=1),
        TREND_START,
        TREND_START - timedelta(microseconds=1),
        TREND_START - timedelta(days=3),
        WEEK_END + timedelta(days=2),
    ]
    moments += [("note", moment) for moment in edges] + [("ship", moment) for moment in edges]
    for index, (what, moment) in enumerate(moments):
        customer = rng.choice(customers)
        actions.append(
            Action(
                shop=shop,
                customer=customer,
                external_id=f"a{index}",
                kind="note_enclosed" if what == "note" else "shipped",
                occurred_at=moment,
                staff=rng.choice(staff_names),
                content_hash=_hash(f"a{index}"),
            )
        )
        check_specs.append((what, moment))
    actions = Action.objects.bulk_create(actions)

    checks = []
    for action, (what, moment) in zip(actions, check_specs, strict=True):
        if what == "note":
            weeks_in = max(0, (moment - TREND_START).days // 7)
            level = float(max(1, round(rng.gauss(12 - 0.45 * weeks_in, 1.5))))
            version = note_v2 if moment >= note_v2.effective_from else note_v1
            promised = version.params["min_lines"]
            if rng.random() < 0.03:
                level = None
            kept = level is None or level >= promised
            checks.append(
                Check(
                    shop=shop,
                    action=action,
                    promise=note,
                    promise_version=version,
                    occurred_at=moment,
                    level=level,
                    kept=kept,
                )
            )
        else:
            level = float(rng.choice([-1, 0, 0, 0, 0, 1, 2]))
            checks.append(
                Check(
                    shop=shop,
                    action=action,
                    promise=shipping,
                    promise_version=shipping_v1,
                    occurred_at=moment,
                    level=level,
                    kept=level <= 0,
                )
            )
    data.checks = Check.objects.bulk_create(checks)

    # Findings on a third of the checks, some excused; overdue ones on orders.
    findings = []
    for check in data.checks:
        if rng.random() < 0.33:
            kind = rng.choice(["breach", "drift", "precedent"])
            findings.append(
                Finding(
                    shop=shop,
                    customer_id=check.action.customer_id,
                    promise=check.promise,
                    promise_version=check.promise_version,
                    action=check.action,
                    type=kind,
                    excused=rng.random() < 0.2,
                    occurred_at=check.occurred_at,
                    message_ja="…",
                    message_en="…",
                )
            )
    for occasion in occasions:
        if occasion.kind == "order_placed" and rng.random() < 0.15:
            promise = rng.choice([note, shipping])
            findings.append(
                Finding(
                    shop=shop,
                    customer_id=occasion.customer_id,
                    promise=promise,
                    promise_version=note_v1 if promise is note else shipping_v1,
                    occasion=occasion,
                    type="overdue",
                    excused=rng.random() < 0.2,
                    occurred_at=occasion.occurred_at + timedelta(days=1),
                    message_ja="…",
                    message_en="…",
                )
            )
    data.findings = Finding.objects.bulk_create(findings)

    # Exceptions on a tenth of the actions.
    exceptions = []
    for action in actions:
        if rng.random() < 0.1:
            reason = rng.choice(["our_mistake", "deadline", "goodwill", "other"])
            status = rng.choice(["requested", "approved", "rejected"])
            exceptions.append(ActionException(action=action, reason=reason, status=status))
            data.exceptions.append((reason, status, action.staff, action.occurred_at))
    ActionException.objects.bulk_create(exceptions)

    # Commitments: what each customer experienced of each promise.
    commitments = []
    for customer in customers:
        for promise in (note, shipping):
            if customer is not phone and rng.random() < 0.25:
                continue
            if promise is note:
                best = float(rng.randint(6, 16))
                last = None if rng.random() < 0.05 else float(rng.randint(4, int(best)))
                if customer is phone:
                    best, last = 25.0, 7.0
            else:
                best = float(rng.choice([-2, -1, 0, 0, 1]))
                last = float(rng.choice([best, best, 0, 1]))
                last = max(last, best)
                if customer is phone:
                    best, last = -3.0, 2.0
            first = TREND_START - timedelta(days=rng.randrange(0, 400))
            last_at = (
                None
                if rng.random() < 0.03
                else WEEK_END - timedelta(days=rng.randrange(0, 500), minutes=rng.randrange(1440))
            )
            if customer is phone:
                last_at = WEEK_END - timedelta(days=1)
            commitments.append(
                Commitment(
                    shop=shop,
                    customer=customer,
                    promise=promise,
                    last_level=last,
                    best_level=best,
                    count=rng.randint(1, 9),
                    first_at=first,
                    last_at=last_at,
                )
            )
    Commitment.objects.bulk_create(commitments)
    # Stored straight into the tables: the customers' order counts, and their copies on the
    # commitments, as the log's writes and judging keep them.
    shop_orders_refresh(shop=shop)
    data.commitments = list(Commitment.objects.filter(shop=shop).order_by("id"))
    data.versions = list(PromiseVersion.objects.filter(promise__shop=shop).order_by("id"))
    return data
