"""Today's worklist latency for a shop with 100,000 customers: p50/p95 of `worklist_for`.

Target: p95 well under a second (it is the staff's home page and feeds the navigation's
count). The shop gets one order per customer spread over the last 120 days, all shipped
with their thank-you, note and notice except the last three days' orders (about 2.5 %, the day's
work), and an inquiry per 20 customers, a third of them unanswered.

Usage: python bench/worklist.py [--customers 100000] [--runs 20] [--baseline OLD_worklist.py]
(bench settings: a database of its own, created and dropped; never the real one.)
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

TARGET_P95_MS = 500.0
CHUNK = 5000


def populate(*, shop, customers: int) -> dict:
    """Store the synthetic log straight into the tables; return what was stored."""
    import random

    from django.utils import timezone

    from commitments.models import Action, Customer, Occasion

    rng = random.Random(15)
    now = timezone.now()
    stored = {"customers": 0, "orders": 0, "waiting_orders": 0, "inquiries": 0}
    for start in range(0, customers, CHUNK):
        people = Customer.objects.bulk_create(
            [
                Customer(shop=shop, external_id=f"W{n:07d}", judged_at=now)
                for n in range(start, min(start + CHUNK, customers))
            ]
        )
        occasions = []
        for person in people:
            at = now - timedelta(days=rng.uniform(0, 120))
            occasions.append(
                Occasion(shop=shop, customer=person, external_id=f"{person.external_id}-O",
                         kind="order_placed", occurred_at=at,
                         attributes={"total": rng.choice((3000, 7200))}, content_hash="b")
            )  # fmt: skip
            if rng.random() < 0.05:
                occasions.append(
                    Occasion(shop=shop, customer=person, external_id=f"{person.external_id}-I",
                             kind="inquiry_received", occurred_at=at, attributes={},
                             content_hash="b")
                )  # fmt: skip
        Occasion.objects.bulk_create(occasions)
        actions = []
        for occasion in occasions:
            age = now - occasion.occurred_at
            if occasion.kind == "order_placed":
                stored["orders"] += 1
                if age < timedelta(days=3):
                    stored["waiting_orders"] += 1
                    continue
                for suffix, kind, hours, attributes in (
                    ("T", "thank_you_sent", 2, {}),
                    ("N", "note_enclosed", 20, {"lines": 6}),
                    ("S", "shipped", 24, {"tracking_number": "T"}),
                    ("SN", "shipping_notice_sent", 25, {"tracking_number": "T"}),
                ):
                    actions.append(
                        Action(shop=shop, customer_id=occasion.customer_id, occasion=occasion,
                               occasion_external_id=occasion.external_id,
                               external_id=f"{occasion.external_id}-{suffix}", kind=kind,
                               occurred_at=occasion.occurred_at + timedelta(hours=hours),
                               attributes=attributes, content_hash="b")
                    )  # fmt: skip
            else:
                stored["inquiries"] += 1
                if rng.random() < 0.66:
                    actions.append(
                        Action(shop=shop, customer_id=occasion.customer_id, occasion=occasion,
                               occasion_external_id=occasion.external_id,
                               external_id=f"{occasion.external_id}-R", kind="reply_sent",
                               occurred_at=occasion.occurred_at + timedelta(hours=3),
                               attributes={}, content_hash="b")
                    )  # fmt: skip
        Action.objects.bulk_create(actions)
        stored["customers"] += len(people)
    return stored


def _timed(worklist_for, shop) -> float:
    started = time.perf_counter()
    worklist_for(shop=shop)
    return (time.perf_counter() - started) * 1000


def _summary(worklist_for, shop, timings: list[float]) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        worklist = worklist_for(shop=shop)
    timings = sorted(timings)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "queries": len(captured),
        "items": worklist.count,
        "target_p95_ms": TARGET_P95_MS,
        "ok": p95 < TARGET_P95_MS,
    }


def baseline_load(path: str):
    """Return `worklist_for` of another worklist.py (e.g. an older commit's), for comparison."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("commitments._worklist_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.worklist_for


def run(shop, *, runs: int = 20, baseline=None) -> dict:
    """Return p50/p95 milliseconds of worklist_for on the shop, and the list's size.

    With a baseline `worklist_for`, both are timed on the same data, runs interleaved (so
    the machine's load weighs on both alike), the baseline's figures under "baseline".
    """
    from commitments.worklist import worklist_for

    worklist_for(shop=shop)  # warm the calendar and the promise cache
    if baseline is not None:
        baseline(shop=shop)
    timings, before = [], []
    for _ in range(runs):
        if baseline is not None:
            before.append(_timed(baseline, shop))
        timings.append(_timed(worklist_for, shop))
    result = _summary(worklist_for, shop, timings)
    if baseline is not None:
        result["baseline"] = _summary(baseline, shop, before)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--baseline",
        help="another worklist.py (e.g. `git show REV:commitments/worklist.py > f.py`) "
        "timed on the same data, interleaved",
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from bench.run import shop_make

    old = setup_databases(verbosity=0, interactive=False)
    try:
        shop = shop_make("bench-worklist")
        started = time.perf_counter()
        stored = populate(shop=shop, customers=args.customers)
        if connection.vendor == "postgresql":
            # Autovacuum analyses a live database; straight after a bulk load it has not yet.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        built = time.perf_counter() - started
        baseline = baseline_load(args.baseline) if args.baseline else None
        result = run(shop, runs=args.runs, baseline=baseline)
        vendor = connection.vendor
    finally:
        teardown_databases(old, verbosity=0)
    print(f"Worklist ({vendor}): {stored} built in {built:.0f} s")
    if "baseline" in result:
        base = result["baseline"]
        print(
            f"  baseline: p50 {base['p50_ms']} ms, p95 {base['p95_ms']} ms, "
            f"{base['queries']} queries, {base['items']} things to do"
        )
    print(
        f"  p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms "
        f"(target < {TARGET_P95_MS:.0f} ms), {result['queries']} queries, "
        f"{result['items']} things to do"
    )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
