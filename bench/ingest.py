"""Ingest with judging, sequential in one process vs by worker processes, on a kept database.

`bench/run.py --scale S` measures it with everything else (bench/scale.py, `import_measure`);
this measures only it, on a database generated once and kept (the year beside the imports
makes their reads the size they are in a shop of that year), so code before and after a
change can be timed on the same data:

    # once: generate the year into test_<name> of DATABASE_URL and keep it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsuzuku_x python bench/reads.py --generate 0.1
    # then, as often as needed (DATABASE_URL naming the kept database itself)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_tsuzuku_x python bench/ingest.py

Each rep: the CSV (`generate.csv_write`, --rows) imported and judged sequentially in this
process, imported with its judging queued while --workers `manage.py worker` processes
(default: the CPUs) judge, uploaded as the import page does and left to those workers (one
runs the import), and stored with plain `bulk_create`, each into a new shop (they stay:
copy the kept database again for a fresh series). Median of --reps. Prints JSON; asserts nothing.
PostgreSQL and Redis (BENCH_REDIS_URL) only.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="Rows of the CSV (10000).")
    parser.add_argument("--reps", type=int, default=3, help="Repetitions of each (3).")
    parser.add_argument("--workers", type=int, help="Worker processes (the CPUs).")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from bench import scale
    from bench.run import shop_make

    with tempfile.TemporaryDirectory(prefix="tsuzuku-ingest-") as folder:
        results = scale.import_measure(
            scale=args.rows / 100_000,
            reps=args.reps,
            shop_make=lambda slug: shop_make(f"{slug}-{os.getpid()}"),
            folder=Path(folder),
            workers=args.workers,
        )
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
