"""The read side of issue 13 on a kept bench database: weekly report, pages, pre-check.

`bench/run.py --scale S` generates the year and measures everything (imports, rebuilds
included); this measures only the reads, on a database generated once and kept, so code
before and after a change can be timed on the same data:

    # once: generate the year into test_<name> of DATABASE_URL and keep it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsuzuku_x python bench/reads.py --generate 1.0
    # then, as often as needed (DATABASE_URL naming the kept database itself)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_tsuzuku_x python bench/reads.py
    # only some of them
    ... python bench/reads.py --only precheck --runs 400

Measured as bench/scale.py does: the report interleaved with the raw GROUP BYs (median of
--reps), each page interleaved with the trivial authenticated GET (--runs pairs), the
pre-check as `scale.precheck_measure` (--runs random customers and a quarter as many of the
top 1 % of history length, in-process and over HTTP through gunicorn). Prints JSON;
asserts nothing.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
MEASURES = ("report", "pages", "precheck")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generate", type=float, help="Generate the year at this scale, keep it.")
    parser.add_argument("--reps", type=int, default=3, help="Report repetitions (3).")
    parser.add_argument("--runs", type=int, default=40, help="Requests per page (40).")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MEASURES,
        default=MEASURES,
        help="Measure only these (all by default).",
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from accounts.tokens import api_token_create
    from bench import scale
    from bench.run import shop_make
    from policies.models import Shop

    if args.generate is not None:
        from django.db import connection
        from django.test.utils import setup_databases

        setup_databases(verbosity=1, interactive=False)
        year = scale.year_load(scale=args.generate, shop_make=shop_make)
        year.pop("shop")
        print(json.dumps({"kept": connection.settings_dict["NAME"], **year}, indent=1))
        return 0
    shop = Shop.objects.get(slug="bench-year")
    results = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    if "report" in args.only:
        results["report"] = scale.report_measure(shop=shop, reps=args.reps)
    user = shop.memberships.select_related("user").first().user
    _token, key = api_token_create(user=user, name="bench-reads")
    if "pages" in args.only:
        api = Client(HTTP_AUTHORIZATION=f"Token {key}")
        pages = Client()
        pages.force_login(user)
        trivial = f"/api/v1/shops/{shop.slug}/"
        urls = {
            "findings_list": (
                pages,
                reverse("commitments:finding-list", kwargs={"shop": shop.slug}),
            ),
            "findings_api": (api, f"/api/v1/shops/{shop.slug}/findings/"),
            "worklist": (pages, reverse("commitments:worklist", kwargs={"shop": shop.slug})),
        }
        for label, (client, url) in urls.items():
            client.get(url)  # warm-up
            api.get(trivial)
            results[label] = scale._client_pairs(
                api,
                trivial=trivial,
                calls=[lambda client=client, url=url: client.get(url)] * args.runs,
                label=label,
            )
    if "precheck" in args.only:
        results["precheck"] = scale.precheck_measure(shop=shop, key=key, runs=args.runs)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
