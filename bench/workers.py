"""Judging from empty with 1 worker process vs N at once, on a kept bench database.

`bench/run.py --scale S` measures it with everything else (bench/scale.py,
`workers_measure`); this measures only it, on a year generated once and kept, so code
before and after a change can be timed on the same data:

    # once: generate the year into test_<name> of DATABASE_URL and keep it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsuzuku_x python bench/reads.py --generate 0.1
    # then, as often as needed (DATABASE_URL naming the kept database itself)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_tsuzuku_x python bench/workers.py

Each run empties the year's judgements (checks, findings, commitments; every action waiting
again), then judges it with forked worker processes, each its `customer_part`, timed from a
barrier all of them passed with Django set up (process start not in the time); 1 and N
interleaved, median of --reps. Prints JSON; asserts nothing. PostgreSQL only.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="Repetitions of each (3).")
    parser.add_argument("--workers", type=int, default=2, help="Processes at once (2).")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from bench import scale
    from policies.models import Shop

    shop = Shop.objects.get(slug="bench-year")
    results = scale.workers_measure(shop=shop, reps=args.reps, workers=args.workers)
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
