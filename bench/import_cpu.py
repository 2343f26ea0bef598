"""The import's own CPU: one CSV imported into a new shop, no judging; print one JSON line.

For alternated A/B runs of two checkouts on the same kept database: each run is a new
process importing the same CSV (`generate.csv_write`, written once to --csv) into a new
shop (`run.shop_make`, a unique slug), with `enqueue_judging=False`. Prints the import's
CPU (`time.process_time()`) and wall seconds, the import's counts, the md5 of the shop's
stored rows (customers, occasions, actions with their customer, occasion and import,
exceptions; ordered by external id, ids and times left out) and of the import's errors,
and with --queries the statements by verb.

    DJANGO_SETTINGS_MODULE=bench.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_tsuzuku_ic \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/5 \\
    .venv/bin/python bench/import_cpu.py --slug ic-a-1 --csv /tmp/import.csv --rows 10000
"""

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The stored rows of a shop, in a fixed order, without ids and times.
STORED = {
    "customers": "SELECT external_id, name, email FROM commitments_customer"
    " WHERE shop_id = %s ORDER BY external_id",
    "occasions": "SELECT o.external_id, c.external_id, o.kind, o.occurred_at, o.attributes::text,"
    " o.content_hash, o.source_import_id IS NOT NULL FROM commitments_occasion o"
    " JOIN commitments_customer c ON c.id = o.customer_id WHERE o.shop_id = %s"
    " ORDER BY o.external_id",
    "actions": "SELECT a.external_id, c.external_id, a.kind, a.occurred_at,"
    " a.occasion_external_id, o.external_id, a.staff, a.attributes::text, a.content_hash,"
    " u.action_id IS NOT NULL, a.source_import_id IS NOT NULL FROM commitments_action a"
    " LEFT JOIN commitments_unjudgedaction u ON u.action_id = a.id"
    " JOIN commitments_customer c ON c.id = a.customer_id"
    " LEFT JOIN commitments_occasion o ON o.id = a.occasion_id WHERE a.shop_id = %s"
    " ORDER BY a.external_id",
    "exceptions": "SELECT a.external_id, e.reason, e.note, e.status, e.requested_by_id"
    " FROM commitments_actionexception e JOIN commitments_action a ON a.id = e.action_id"
    " WHERE a.shop_id = %s ORDER BY a.external_id",
}


def stored_md5(shop) -> tuple[str, dict]:
    """Return the md5 of the shop's stored rows and their counts."""
    from django.db import connection

    digest, counts = hashlib.md5(usedforsecurity=False), {}
    with connection.cursor() as cursor:
        for name, sql in STORED.items():
            cursor.execute(sql, [shop.pk])
            rows = cursor.fetchall()
            counts[name] = len(rows)
            digest.update(repr(rows).encode())
    return digest.hexdigest(), counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--slug", required=True, help="The new shop's slug (unique).")
    parser.add_argument("--csv", required=True, help="The CSV; written first if missing.")
    parser.add_argument("--rows", type=int, default=10_000, help="Rows of a CSV written.")
    parser.add_argument("--queries", action="store_true", help="Count the statements.")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import generate, targets
    from bench.run import shop_make

    if not os.path.exists(args.csv):
        generate.csv_write(args.csv, rows=args.rows)
    shop = shop_make(args.slug)
    captured = CaptureQueriesContext(connection)
    if args.queries:
        captured.__enter__()
    cpu, wall = time.process_time(), time.perf_counter()
    imp = targets.import_from_path(shop=shop, path=args.csv, enqueue_judging=False)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if args.queries:
        captured.__exit__(None, None, None)
    md5, counts = stored_md5(shop)
    result = {
        "slug": args.slug,
        "cpu": round(cpu, 3),
        "wall": round(wall, 3),
        "import": [imp.status, imp.rows, imp.stored, imp.duplicates, imp.rejected],
        "stored_md5": md5,
        "counts": counts,
        "errors_md5": hashlib.md5(
            json.dumps(imp.errors, sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest(),
    }
    if args.queries:
        verbs: dict[str, int] = {}
        for query in captured.captured_queries:
            verb = query["sql"].split(None, 1)[0].upper()
            verbs[verb] = verbs.get(verb, 0) + 1
        result["queries"] = verbs
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
