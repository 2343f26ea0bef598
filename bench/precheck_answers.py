"""Write 750 pre-check answers of a kept year as JSON lines, to compare two versions.

    DATABASE_URL=postgres://…/<kept year> python bench/precheck_answers.py before.jsonl
    (another version) … after.jsonl ; cmp before.jsonl after.jsonl

Through the API (the answer with its occasion resolution): 300 random customers and 100 of
the top 1 % of history length (dated as `scale.precheck_measure` dates them), 100 without
an occasion, 100 at later moments (resumed), 100 of the other action kinds against sampled
occasions, 50 unknown customers. Seeded: the same year gives the same requests. Reads only
(a pre-check stores nothing; an API token is created to call the API).
"""

import json
import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

OTHER_KINDS = (
    ("thank_you_sent", {}),
    ("shipping_notice_sent", {"tracking_number": "TN1"}),
    ("reply_sent", {}),
    ("followup_sent", {}),
    ("apology_sent", {}),
    ("review_replied", {}),
    ("confirmation_sent", {}),
    ("reminder_sent", {}),
)


def bodies_make(shop) -> list[dict]:
    """Return the 750 request bodies."""
    from bench import scale
    from commitments.models import Occasion

    some = scale._precheck_bodies(shop=shop, runs=300)
    top = scale._precheck_bodies(shop=shop, runs=100, top_share=0.01)
    rng = random.Random(7)
    bodies = some + top
    bodies += [{**body, "occasion": ""} for body in some[:100]]
    for body in top[:50] + some[100:150]:
        later = datetime.fromisoformat(body["occurred_at"]) + timedelta(
            days=rng.choice([1, 20, 60])
        )
        bodies.append({**body, "occurred_at": later.isoformat()})
    occasions = Occasion.objects.filter(shop=shop).order_by("id")
    sampled = list(occasions.values_list("customer__external_id", "external_id", "occurred_at"))
    for n, (customer, occasion, at) in enumerate(sampled[::97][:100]):
        kind, attributes = OTHER_KINDS[n % len(OTHER_KINDS)]
        moment = at + timedelta(hours=rng.choice([1, 5, 30, 200]))
        bodies.append(
            {
                "customer": customer,
                "kind": kind,
                "occurred_at": moment.isoformat(),
                "occasion": occasion if n % 3 else "",
                "attributes": attributes,
            }
        )
    for n, body in enumerate(some[150:200]):
        bodies.append({**body, "customer": f"nobody-{n}", "occasion": body["occasion"] * (n % 2)})
    return bodies


def main(argv=None) -> int:
    import django

    django.setup()
    from django.test import Client

    from accounts.tokens import api_token_create
    from policies.models import Shop

    out = Path((argv or sys.argv[1:])[0])
    shop = Shop.objects.get(slug="bench-year")
    user = shop.memberships.select_related("user").first().user
    _token, key = api_token_create(user=user, name="bench-precheck-answers")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/shops/{shop.slug}/prechecks/"
    bodies = bodies_make(shop)
    with out.open("w") as lines:
        for body in bodies:
            response = client.post(url, body, content_type="application/json")
            answer = {"body": body, "status": response.status_code, "answer": response.json()}
            lines.write(json.dumps(answer, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(bodies)} pre-checks written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
