"""Benchmarks of Tsuzuku, measured in one run on a database of their own (`make bench`).

Reports ratios, which hold on any machine, next to absolute speeds, which do not:

- batch judging: queries per batch of 10 and of 500 customers (the same number), and
  actions judged per second over a whole synthetic shop;
- CSV import: peak Python memory (tracemalloc) of a 10k-row and a 100k-row file (flat:
  ratio about 1), and rows imported per second;
- pre-check latency: bench/precheck.py (p50/p95 of a long-history customer).

Prints a table, writes bench/results/latest.json, and exits with 1 when a ratio is off.
Usage: python bench/run.py [--quick] [--customers N] [--import-rows 10000,100000]

With --scale S, the table of issue 13 instead (bench/scale.py): a synthetic year of a busy
shop (100,000 customers and about a million actions at S = 1.0) and each figure beside its
baseline measured in the same run; figures printed and written, nothing asserted.
Usage: python bench/run.py --scale 0.1 [--reps 3] [--runs 200]
"""

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Always the bench settings: a benchmark must never run against the real database.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

MEMORY_RATIO_MAX = 1.5
BATCH_SMALL, BATCH_LARGE = 10, 500


# ------------------------------------------------------------------------------
# A synthetic shop
# ------------------------------------------------------------------------------
def shop_make(slug: str):
    """Return a new shop with the usual calendar and the eight promises (defaults)."""
    from django.contrib.auth import get_user_model

    from policies.kinds import registry
    from policies.services import promise_create
    from policies.shop_services import calendar_update, shop_create

    user_model = get_user_model()
    user = user_model.objects.filter(username="bench").first() or user_model.objects.create_user(
        "bench", password=None
    )
    shop = shop_create(slug=slug, name=slug, creator=user)
    calendar_update(
        shop=shop,
        actor=user,
        calendar={
            "closed_weekdays": [5, 6],
            "holidays": "JP",
            "business_hours": [
                {"start": "10:00", "end": "12:00"},
                {"start": "13:00", "end": "18:00"},
            ],
            "closures": [],
            "open_days": [],
        },
    )
    start = shop.created_at - timedelta(days=400)
    for kind in registry.ids():
        promise_create(
            shop=shop, kind=kind, name=kind, params={}, author=user, effective_from=start
        )
    return shop


def log_bulk(*, shop, customers: int, orders: int) -> int:
    """Store a synthetic log straight into the tables (fast); return the number of actions.

    Per customer: `orders` orders, each with a note, a shipment, a shipping notice and a
    thank-you, and one inquiry with its reply.
    """
    import random

    from django.utils import timezone

    from bench import generate
    from commitments.models import Action, Customer, Occasion

    rng = random.Random(1)
    people = Customer.objects.bulk_create(
        [Customer(shop=shop, external_id=f"B{n:06d}") for n in range(customers)]
    )
    now = timezone.now()
    occasions, planned = [], []
    for person in people:
        for n in range(orders):
            at = now - timedelta(days=rng.randint(3, 150), minutes=rng.randint(0, 1440))
            oid = f"{person.external_id}-O{n}"
            occasions.append(
                Occasion(shop=shop, customer=person, external_id=oid, kind="order_placed",
                         occurred_at=at, attributes={"total": rng.choice((3000, 7200))},
                         content_hash="bench")
            )  # fmt: skip
            planned += [
                (oid, person, f"{oid}-N", "note_enclosed", at + timedelta(hours=3),
                 {"lines": rng.randint(4, 12)}),
                (oid, person, f"{oid}-S", "shipped", at + timedelta(hours=rng.choice((4, 30))),
                 {"extras": ["greeting_card"], "tracking_number": "T"}),
                (oid, person, f"{oid}-M", "shipping_notice_sent", at + timedelta(hours=31),
                 {"tracking_number": "T"}),
                (oid, person, f"{oid}-T", "thank_you_sent", at + timedelta(hours=2), {}),
            ]  # fmt: skip
        at = now - timedelta(days=rng.randint(3, 150))
        iid = f"{person.external_id}-I"
        occasions.append(
            Occasion(shop=shop, customer=person, external_id=iid, kind="inquiry_received",
                     occurred_at=at, attributes={}, content_hash="bench")
        )  # fmt: skip
        planned.append((iid, person, f"{iid}-R", "reply_sent", at + timedelta(hours=5), {}))
    stored = {o.external_id: o for o in Occasion.objects.bulk_create(occasions, batch_size=2000)}
    Action.objects.bulk_create(
        [
            Action(shop=shop, customer=person, external_id=aid, kind=kind, occurred_at=at,
                   occasion_external_id=oid, occasion=stored[oid], attributes=attributes,
                   content_hash="bench")
            for oid, person, aid, kind, at, attributes in planned
        ],
        batch_size=2000,
    )  # fmt: skip
    generate.actions_wait(shop=shop)
    return len(planned)


# ------------------------------------------------------------------------------
# (a) batch judging
# ------------------------------------------------------------------------------
def _queries(call) -> dict:
    """Return the statements call() sends, counted by kind (select, insert, update, ...)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    counts = {"total": 0, "select": 0, "insert": 0, "update": 0, "delete": 0}
    for query in captured.captured_queries:
        word = query["sql"].lstrip().split(" ", 1)[0].lower()
        counts["total"] += 1
        if word in counts:
            counts[word] += 1
    return counts


def judging_bench(*, customers: int, orders: int) -> dict:
    """Return statements per batch (10 vs 500 customers) and actions judged per second.

    First judging creates the checks, findings and commitments; judged again, nothing
    changes. Reads must not depend on the batch size; writes may be split by the database
    (SQLite's 999 parameters per statement) or by judging's chunks of ids.
    """
    from bench import generate
    from bench import targets as judging
    from commitments.models import Check, Commitment, Customer, Finding

    shop = shop_make("bench-judging")
    actions = log_bulk(shop=shop, customers=customers, orders=orders)
    ids = list(Customer.objects.filter(shop=shop).order_by("id").values_list("id", flat=True))

    def judge(batch):
        return lambda: judging.judge_customers(shop=shop, customer_ids=batch)

    small, large = ids[:BATCH_SMALL], ids[BATCH_SMALL : BATCH_SMALL + BATCH_LARGE]
    first = {str(BATCH_SMALL): _queries(judge(small)), str(BATCH_LARGE): _queries(judge(large))}
    again = {str(BATCH_SMALL): _queries(judge(small)), str(BATCH_LARGE): _queries(judge(large))}
    # Throughput from cold: nothing derived yet.
    Finding.objects.filter(shop=shop).delete()
    Check.objects.filter(shop=shop).delete()
    Commitment.objects.filter(shop=shop).delete()
    generate.actions_wait(shop=shop)
    started = time.perf_counter()
    total = judging.judge_shop(shop=shop)
    seconds = time.perf_counter() - started
    small_key, large_key = str(BATCH_SMALL), str(BATCH_LARGE)
    return {
        "customers": customers,
        "actions": actions,
        "statements_first": first,
        "statements_again": again,
        "reads_equal": first[small_key]["select"] == first[large_key]["select"]
        and again[small_key]["select"] == again[large_key]["select"],
        "statements_equal_again": again[small_key]["total"] == again[large_key]["total"],
        "seconds": round(seconds, 2),
        "actions_per_second": round(total.actions / seconds, 1),
        "findings": Finding.objects.filter(shop=shop).count(),
    }


# ------------------------------------------------------------------------------
# (b) CSV import
# ------------------------------------------------------------------------------
def csv_make(path: Path, *, rows: int, prefix: str) -> None:
    """Write a CSV of `rows` rows: orders with their note, shipment and thank-you."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["type", "external_id", "customer", "customer_name", "kind", "occurred_at",
             "occasion", "staff", "total", "gift", "lines", "tracking_number", "extras"]
        )  # fmt: skip
        written = 0
        for n in range(rows):
            order, customer = f"{prefix}-O{n // 4}", f"{prefix}-C{(n // 4) % 1000}"
            day = f"2026-{1 + (n // 4) % 10:02d}-{1 + (n // 4) % 27:02d}"
            step = n % 4
            if step == 0:
                row = ["occasion", order, customer, "髙橋 花子", "order_placed", f"{day} 10:15",
                       "", "", "7200", "false", "", "", ""]  # fmt: skip
            elif step == 1:
                row = ["action", f"{order}-N", customer, "", "note_enclosed", f"{day} 13:00",
                       order, "佐藤", "", "", "8", "", ""]  # fmt: skip
            elif step == 2:
                row = ["action", f"{order}-S", customer, "", "shipped", f"{day} 15:30", order,
                       "佐藤", "", "", "", "1234-5678", "greeting_card"]  # fmt: skip
            else:
                row = ["action", f"{order}-T", customer, "", "thank_you_sent", f"{day} 11:00",
                       order, "佐藤", "", "", "", "", ""]  # fmt: skip
            writer.writerow(row)
            written += 1
    assert written == rows


def _import(shop, path: Path, *, traced: bool) -> tuple[float, int, object]:
    from bench.targets import import_from_path

    if traced:
        tracemalloc.start()
        tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        imp = import_from_path(shop=shop, path=str(path))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
    finally:
        if traced:
            tracemalloc.stop()
    if imp.rejected or imp.stored != imp.rows:
        raise RuntimeError(f"The bench import rejected rows: {imp.errors[:3]}")
    return seconds, peak, imp


def import_bench(*, sizes: list[int], folder: Path) -> dict:
    """Return peak memory per file size (tracemalloc) and rows per second (untraced)."""
    peaks, seconds = {}, {}
    for size in sizes:
        path = folder / f"import-{size}.csv"
        csv_make(path, rows=size, prefix=f"M{size}")
        shop = shop_make(f"bench-import-{size}")
        seconds[size], peaks[size], _imp = _import(shop, path, traced=True)
        print(f"  import of {size} rows (traced): {seconds[size]:.1f} s", file=sys.stderr)
    # Speed without tracemalloc, which slows every allocation down.
    speed_rows = sizes[0]
    path = folder / "import-speed.csv"
    csv_make(path, rows=speed_rows, prefix="SPEED")
    untraced, _peak, _imp = _import(shop_make("bench-import-speed"), path, traced=False)
    small, large = sizes[0], sizes[-1]
    return {
        "rows": sizes,
        "peak_bytes": {str(size): peaks[size] for size in sizes},
        "memory_ratio": round(peaks[large] / peaks[small], 3),
        "file_bytes": {str(size): (folder / f"import-{size}.csv").stat().st_size for size in sizes},
        "rows_per_second": round(speed_rows / untraced, 1),
        "speed_rows": speed_rows,
    }


# ------------------------------------------------------------------------------
# (c) pre-check latency (bench/precheck.py)
# ------------------------------------------------------------------------------
def precheck_bench(*, runs: int) -> dict:
    """Return bench/precheck.py's numbers, on a shop with the eight promises."""
    try:
        from bench import precheck
    except ImportError as error:
        return {"status": f"not available ({error})"}
    return precheck.run(shop_make("bench-precheck"), runs=runs)


# ------------------------------------------------------------------------------
# Running and reporting
# ------------------------------------------------------------------------------
def _mib(value: int) -> str:
    return f"{value / 1024 / 1024:.2f} MiB"


def table(results: dict) -> str:
    """Return the results as a text table."""
    judging, imports, pre = results["judging"], results["import"], results["precheck"]
    small, large = str(BATCH_SMALL), str(BATCH_LARGE)

    def per_batch(counts: dict) -> str:
        one, other = counts[small], counts[large]
        writes = [
            f"{kind} {one[kind]} vs {other[kind]}"
            for kind in ("insert", "update", "delete")
            if one[kind] or other[kind]
        ]
        return (
            f"{one['total']} vs {other['total']} (select {one['select']} vs "
            f"{other['select']}; {', '.join(writes) or 'no writes'})"
        )

    rows = [
        (f"Batch judging: statements per batch, {small} vs {large} customers", ""),
        ("  first judging (creates checks, findings)", per_batch(judging["statements_first"])),
        ("  judged again (nothing changes)", per_batch(judging["statements_again"])),
        (
            "  actions judged per second",
            f"{judging['actions_per_second']:,} ({judging['actions']:,} actions, "
            f"{judging['customers']:,} customers, {judging['seconds']} s)",
        ),
        ("CSV import", ""),
    ]
    for size in imports["rows"]:
        peak = imports["peak_bytes"][str(size)]
        rows.append((f"  peak Python memory, {size:,} rows", _mib(peak)))
    rows += [
        (
            f"  memory ratio ({imports['rows'][-1]:,} / {imports['rows'][0]:,} rows)",
            f"{imports['memory_ratio']} (flat: <= {MEMORY_RATIO_MAX})",
        ),
        ("  rows imported per second", f"{imports['rows_per_second']:,}"),
        ("Pre-check (bench/precheck.py)", ""),
    ]
    if "p95_ms" in pre:
        rows += [
            ("  latency p50 / p95", f"{pre['p50_ms']} ms / {pre['p95_ms']} ms"),
            ("  target p95", f"< {pre['target_p95_ms']} ms"),
        ]
    else:
        rows.append(("  status", pre.get("status", "?")))
    rows.append(("Checks", ""))
    rows += [(f"  {name}", "ok" if ok else "FAILED") for name, ok in results["checks"].items()]
    rows.append(
        (
            "  judging: all statements per batch equal (judged again)",
            "yes"
            if judging["statements_equal_again"]
            else "no: writes are split into chunks of ids (SQLite: 999 parameters)",
        )
    )
    width = max(len(label) for label, _value in rows) + 2
    head = f"Tsuzuku benchmarks · {results['database']} · {results['when']}"
    return "\n".join(
        [head, "-" * len(head)] + [f"{label:<{width}}{value}" for label, value in rows]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes (a minute or two).")
    parser.add_argument("--customers", type=int, help="Customers of the judging shop (2000).")
    parser.add_argument("--orders", type=int, default=3, help="Orders per customer (3).")
    parser.add_argument("--import-rows", help="Two or more CSV sizes (10000,100000).")
    parser.add_argument("--precheck-runs", type=int, help="Pre-checks timed (200).")
    parser.add_argument(
        "--scale", type=float, help="Issue 13's table on a synthetic year (1.0: 100k customers)."
    )
    parser.add_argument("--reps", type=int, default=3, help="Repetitions per figure (3).")
    parser.add_argument("--runs", type=int, help="Requests timed per latency figure.")
    parser.add_argument(
        "--out", help="Where --scale writes its results (bench/results/latest.json)."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the bench database afterwards (EXPLAIN)."
    )
    args = parser.parse_args(argv)
    if args.scale is not None:
        return scale_main(args)
    customers = args.customers or (600 if args.quick else 2000)
    sizes = [
        int(s)
        for s in (args.import_rows or ("1000,10000" if args.quick else "10000,100000")).split(",")
    ]
    runs = args.precheck_runs or (50 if args.quick else 200)

    import django

    django.setup()
    import django_rq
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone

    old = setup_databases(verbosity=0, interactive=False)
    try:
        with tempfile.TemporaryDirectory(prefix="tsuzuku-bench-") as folder:
            print("Batch judging...", file=sys.stderr)
            judging = judging_bench(customers=customers, orders=args.orders)
            print("CSV import...", file=sys.stderr)
            imports = import_bench(sizes=sizes, folder=Path(folder))
            print("Pre-check...", file=sys.stderr)
            pre = precheck_bench(runs=runs)
        vendor = connection.vendor
    finally:
        teardown_databases(old, verbosity=0)
        try:
            django_rq.get_queue("default").empty()
        except Exception as error:  # noqa: BLE001 - Redis down: nothing was queued anyway
            print(f"(queue not emptied: {error})", file=sys.stderr)
    checks = {
        "judging: reads per batch equal": judging["reads_equal"],
        "import: memory flat": imports["memory_ratio"] <= MEMORY_RATIO_MAX,
    }
    if "ok" in pre:
        checks["pre-check p95 under target"] = bool(pre["ok"])
    results = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "database": vendor,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "judging": judging,
        "import": imports,
        "precheck": pre,
        "checks": checks,
    }
    out = Path(settings.BASE_DIR) / "bench" / "results" / "latest.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nWritten: {out.relative_to(settings.BASE_DIR)}")
    return 0 if all(checks.values()) else 1


def scale_main(args) -> int:
    """Run bench/scale.py's table at args.scale; write bench/results/latest.json."""
    import django

    django.setup()
    import django_rq
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone

    from bench import scale

    if args.scale <= 0:
        print("--scale must be above 0.", file=sys.stderr)
        return 2
    runs = args.runs or max(50, min(1000, round(2000 * args.scale)))
    old = setup_databases(verbosity=0, interactive=False)
    try:
        measured = scale.run(
            scale=args.scale, reps=max(1, args.reps), runs=runs, shop_make=shop_make
        )
        vendor = connection.vendor
        server = (
            connection.cursor().connection.info.server_version if vendor == "postgresql" else None
        )
    finally:
        if args.keep:
            print(f"Kept the database {connection.settings_dict['NAME']}.", file=sys.stderr)
        else:
            teardown_databases(old, verbosity=0)
        try:
            django_rq.get_queue("default").empty()
        except Exception as error:  # noqa: BLE001 - Redis down: nothing was queued anyway
            print(f"(queue not emptied: {error})", file=sys.stderr)
    results = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "database": vendor,
        "database_version": server,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or _cpu_model(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "command": "python bench/run.py " + " ".join(sys.argv[1:]),
        **measured,
    }
    out = Path(args.out or Path(settings.BASE_DIR) / "bench" / "results" / "latest.json").resolve()
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Tsuzuku benchmarks · {vendor} · {results['when']} · {results['cpus']} CPUs, "
          f"load {results['load_average']}")  # fmt: skip
    print(scale.table(results))
    print(f"\nWritten: {out} ({measured['total_seconds']} s)")
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


if __name__ == "__main__":
    sys.exit(main())
