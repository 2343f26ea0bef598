"""Pre-check latency: p50/p95 of `precheck_run` for a customer with a long history.

Target: p95 under 25 ms (the staff page answers "is this consistent?" while they wait).
`run(shop)` is called by bench/run.py; it needs the shop's promises in place (the demo data
has them) and builds, once, a customer with a long history through the log services
(idempotent external ids, so running it again reuses that customer).
"""

import statistics
import time
from datetime import timedelta

from django.utils import timezone

from commitments import judging, services
from commitments.models import Action, Customer, Occasion
from commitments.prechecks import precheck_run
from policies.models import Promise

CUSTOMER = "bench-precheck-long-history"
TARGET_P95_MS = 25.0


def history_build(*, shop, orders: int = 100) -> Customer:
    """Return the bench customer, recording its history first if it has none.

    Per order: the order, a note, the shipment, the shipping notice and a thank-you; an
    inquiry and its reply every third order. About 5.3 actions per order.
    """
    customer = Customer.objects.filter(shop=shop, external_id=CUSTOMER).first()
    if customer is not None and Action.objects.filter(customer=customer).exists():
        return customer
    start = timezone.now() - timedelta(days=2 * orders + 7)
    for n in range(orders):
        ordered = start + timedelta(days=2 * n, hours=1)
        order = f"{CUSTOMER}-O-{n}"
        services.occasion_record(
            shop=shop,
            external_id=order,
            customer=CUSTOMER,
            kind="order_placed",
            occurred_at=ordered,
            attributes={"total": 4000 + 500 * (n % 8), "gift": n % 5 == 0},
            judge=False,
        )
        for suffix, kind, hours, attributes in (
            ("T", "thank_you_sent", 2, {}),
            ("N", "note_enclosed", 3, {"lines": 8 + n % 5}),
            ("S", "shipped", 4, {"extras": ["greeting_card"], "tracking_number": f"TN{n}"}),
            ("SN", "shipping_notice_sent", 5, {"tracking_number": f"TN{n}"}),
        ):
            services.action_record(
                shop=shop,
                external_id=f"{CUSTOMER}-{suffix}-{n}",
                customer=CUSTOMER,
                kind=kind,
                occurred_at=ordered + timedelta(hours=hours),
                occasion=order,
                attributes=attributes,
                judge=False,
            )
        if n % 3 == 0:
            inquiry = f"{CUSTOMER}-Q-{n}"
            services.occasion_record(
                shop=shop,
                external_id=inquiry,
                customer=CUSTOMER,
                kind="inquiry_received",
                occurred_at=ordered + timedelta(days=1),
                attributes={"channel": "email"},
                judge=False,
            )
            services.action_record(
                shop=shop,
                external_id=f"{CUSTOMER}-R-{n}",
                customer=CUSTOMER,
                kind="reply_sent",
                occurred_at=ordered + timedelta(days=1, hours=2),
                occasion=inquiry,
                attributes={},
                judge=False,
            )
    customer = Customer.objects.get(shop=shop, external_id=CUSTOMER)
    judging.judge_customers(shop=shop, customer_ids=[customer.pk])
    return customer


def _cases(customer) -> list[dict]:
    """Return the pre-checks to time: a note, a shipment and a reply, each on a recent occasion."""
    now = timezone.now()
    latest = {}
    for kind in ("order_placed", "inquiry_received"):
        latest[kind] = (
            Occasion.objects.filter(customer=customer, kind=kind)
            .order_by("-occurred_at")
            .values_list("external_id", flat=True)
            .first()
            or ""
        )
    base = {"customer": customer.external_id, "occurred_at": now}
    return [
        {
            **base,
            "kind": "note_enclosed",
            "occasion": latest["order_placed"],
            "attributes": {"lines": 6},
        },
        {
            **base,
            "kind": "shipped",
            "occasion": latest["order_placed"],
            "attributes": {"extras": []},
        },
        {**base, "kind": "reply_sent", "occasion": latest["inquiry_received"], "attributes": {}},
    ]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run(shop, *, runs: int = 200, orders: int = 100) -> dict:
    """Return the pre-check latency (ms) over `runs` pre-checks of a long-history customer."""
    customer = history_build(shop=shop, orders=orders)
    cases = _cases(customer)
    precheck_run(shop=shop, **cases[0])  # warm-up: imports, holiday tables, query plans
    timings = []
    by_kind: dict[str, list[float]] = {}
    verdicts: dict[str, int] = {}
    for n in range(runs):
        case = cases[n % len(cases)]
        started = time.perf_counter()
        result = precheck_run(shop=shop, **case)
        elapsed = (time.perf_counter() - started) * 1000
        timings.append(elapsed)
        by_kind.setdefault(case["kind"], []).append(elapsed)
        verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
    p95 = _percentile(timings, 0.95)
    return {
        "name": "precheck",
        "customer": customer.external_id,
        "history_actions": Action.objects.filter(customer=customer).count(),
        "promises": Promise.objects.filter(shop=shop, retired_at__isnull=True).count(),
        "runs": runs,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(max(timings), 2),
        "target_p95_ms": TARGET_P95_MS,
        "ok": p95 < TARGET_P95_MS,
        "verdicts": verdicts,
        # The kind matters: a shipment is judged by two promises, a reply only by its own.
        "p50_ms_by_kind": {
            kind: round(statistics.median(values), 2) for kind, values in by_kind.items()
        },
    }
