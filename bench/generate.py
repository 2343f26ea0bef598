"""A synthetic year of a busy shop, generated deterministically (seeded) at any scale.

At scale 1.0: 100,000 customers, about 1,030,000 actions and 365,000 occasions over the
year that ends on `END` (a Monday, 00:00 Tokyo time, so the last ISO week is complete).
Each customer is generated from a random generator seeded with (seed, customer number),
so any range of customers comes out the same whatever was generated before.

What it contains, so every promise has work and findings:
- repeat customers: half order once, a fifth twice, a few dozens of times (the longest
  histories have 100+ actions);
- drifting note lengths: the notes' lines fall from about 12 to about 6 over the year;
- holiday replies: inquiries arrive any day, and some are answered on closed days;
- late shipments: about 8 % ship two to five days after the order;
- every kind: orders, inquiries and reviews; shipments, notes, shipping notices (a few
  without tracking number), thank-you messages, replies and review replies.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

END = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # 2026-11-23 00:00 Asia/Tokyo, a Monday
START = END - timedelta(days=365)
REPORT_WEEK = "2026-W47"  # 2026-11-16 .. 2026-11-22, the year's last complete week
CUSTOMERS_AT_SCALE_1 = 100_000
SEED = 20261123

# Orders per customer: (how many, weight); the last two are ranges.
ORDER_COUNTS = ((1, 50), (2, 20), (3, 11), (4, 7), (5, 4), ((6, 10), 6), ((11, 40), 2))
STAFF = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺")
FAMILY = ("髙橋", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木")
GIVEN = ("花子", "美紀", "健太", "翔", "陽菜", "蓮", "結衣", "大翔")
EXTRAS = (["greeting_card"], ["greeting_card", "sample"], [])


@dataclass
class Customer:
    external_id: str
    name: str
    # (external_id, kind, occurred_at, attributes)
    occasions: list[tuple] = field(default_factory=list)
    # (external_id, kind, occurred_at, occasion external id, staff, attributes)
    actions: list[tuple] = field(default_factory=list)


def customers_count(scale: float) -> int:
    """Return the number of customers at the scale (at least 10)."""
    return max(10, round(CUSTOMERS_AT_SCALE_1 * scale))


def _orders(rng: random.Random) -> int:
    choices = [count for count, _weight in ORDER_COUNTS]
    weights = [weight for _count, weight in ORDER_COUNTS]
    count = rng.choices(choices, weights)[0]
    return rng.randint(*count) if isinstance(count, tuple) else count


def _moment(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(int((END - START).total_seconds())))


def customer_make(number: int, *, prefix: str = "C", seed: int = SEED) -> Customer:
    """Return customer `number` with its occasions and actions (the same for the same seed)."""
    rng = random.Random(seed * 1_000_003 + number)
    ext = f"{prefix}{number:07d}"
    person = Customer(ext, f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}")
    year = (END - START).total_seconds()

    def late(moment: datetime) -> bool:
        return moment >= END

    for n, ordered in enumerate(sorted(_moment(rng) for _ in range(_orders(rng)))):
        order = f"{ext}-O{n}"
        person.occasions.append(
            (order, "order_placed", ordered,
             {"total": rng.choice((2800, 4500, 7200, 12000)), "gift": rng.random() < 0.1})
        )  # fmt: skip
        if rng.random() < 0.9:
            at = ordered + timedelta(hours=rng.uniform(0.5, 8))
            person.actions.append(
                (f"{order}-T", "thank_you_sent", at, order, rng.choice(STAFF), {})
            )
        shipped = ordered + timedelta(
            hours=rng.uniform(50, 120) if rng.random() < 0.08 else rng.uniform(3, 30)
        )
        if rng.random() < 0.75:
            # Drifting note lengths: about 12 lines at the start of the year, 6 at its end.
            progress = (ordered - START).total_seconds() / year
            lines = max(0, round(12 - 6 * progress + rng.gauss(0, 1.5)))
            at = shipped - timedelta(minutes=rng.randint(5, 90))
            person.actions.append(
                (f"{order}-N", "note_enclosed", at, order, rng.choice(STAFF), {"lines": lines})
            )
        tracking = f"TN{number:07d}{n:03d}"
        person.actions.append(
            (f"{order}-S", "shipped", shipped, order, rng.choice(STAFF),
             {"extras": rng.choice(EXTRAS), "tracking_number": tracking})
        )  # fmt: skip
        if rng.random() < 0.85:
            notice = {} if rng.random() < 0.05 else {"tracking_number": tracking}
            at = shipped + timedelta(hours=rng.uniform(0.2, 6))
            person.actions.append(
                (f"{order}-M", "shipping_notice_sent", at, order, rng.choice(STAFF), notice)
            )
    for n in range(rng.choices((0, 1, 2), (38, 42, 20))[0]):
        inquiry = f"{ext}-I{n}"
        asked = _moment(rng)
        person.occasions.append(
            (inquiry, "inquiry_received", asked, {"channel": rng.choice(("email", "form"))})
        )
        if rng.random() < 0.95:
            # Holiday replies: a tenth answered within the hour, whatever the day.
            hours = rng.uniform(0.2, 1) if rng.random() < 0.1 else rng.uniform(1, 40)
            at = asked + timedelta(hours=hours)
            person.actions.append(
                (f"{inquiry}-R", "reply_sent", at, inquiry, rng.choice(STAFF), {})
            )
    if rng.random() < 0.3:
        review = f"{ext}-V"
        posted = _moment(rng)
        person.occasions.append((review, "review_posted", posted, {"rating": rng.randint(2, 5)}))
        if rng.random() < 0.7:
            at = posted + timedelta(hours=rng.uniform(2, 96))
            person.actions.append(
                (f"{review}-RR", "review_replied", at, review, rng.choice(STAFF), {})
            )
    # Nothing after the year's end: the report week is the last complete one.
    person.occasions = [o for o in person.occasions if not late(o[2])]
    known = {o[0] for o in person.occasions}
    person.actions = [a for a in person.actions if not late(a[2]) and a[3] in known]
    return person


def customers_make(start: int, stop: int, *, prefix: str = "C", seed: int = SEED):
    """Yield customers number start .. stop - 1."""
    for number in range(start, stop):
        yield customer_make(number, prefix=prefix, seed=seed)


def _customer_row(shop, person: Customer):
    """Return the customer's row with its order count, as the log's writes keep it."""
    from commitments.models import Customer as CustomerRow

    orders = [at for _ext, kind, at, _attributes in person.occasions if kind == "order_placed"]
    return CustomerRow(
        shop=shop,
        external_id=person.external_id,
        name=person.name,
        order_count=len(orders),
        last_order_at=max(orders, default=None),
    )


def shop_load(*, shop, customers: int, chunk: int = 1000, prefix: str = "C") -> dict:
    """Store `customers` generated customers into the shop with bulk inserts; return counts.

    Stored unjudged (each action waiting, `actions_wait`), as a bulk load of the log would be.
    """
    from commitments.models import Action, Occasion
    from commitments.models import Customer as CustomerRow

    totals = {"customers": 0, "occasions": 0, "actions": 0}
    for start in range(0, customers, chunk):
        people = list(customers_make(start, min(customers, start + chunk), prefix=prefix))
        rows = CustomerRow.objects.bulk_create([_customer_row(shop, p) for p in people])
        occasions = Occasion.objects.bulk_create(
            [
                Occasion(shop=shop, customer=row, external_id=ext, kind=kind, occurred_at=at,
                         attributes=attributes, content_hash="bench")
                for row, person in zip(rows, people, strict=True)
                for ext, kind, at, attributes in person.occasions
            ],
            batch_size=5000,
        )  # fmt: skip
        by_ext = {o.external_id: o for o in occasions}
        actions = Action.objects.bulk_create(
            [
                Action(shop=shop, customer=row, external_id=ext, kind=kind, occurred_at=at,
                       occasion_external_id=occ, occasion=by_ext[occ], staff=staff,
                       attributes=attributes, content_hash="bench")
                for row, person in zip(rows, people, strict=True)
                for ext, kind, at, occ, staff, attributes in person.actions
            ],
            batch_size=5000,
        )  # fmt: skip
        totals["customers"] += len(rows)
        totals["occasions"] += len(occasions)
        totals["actions"] += len(actions)
    actions_wait(shop=shop)
    return totals


def actions_wait(*, shop) -> None:
    """Make every action of the shop wait to be judged (an UnjudgedAction each, since it was
    stored), in one statement; those already waiting are kept."""
    from django.db import connection

    from commitments.models import Action, UnjudgedAction

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {UnjudgedAction._meta.db_table} (action_id, since)"  # noqa: S608
            f" SELECT id, created_at FROM {Action._meta.db_table} WHERE shop_id = %s"
            " ON CONFLICT DO NOTHING",
            [shop.pk],
        )


CSV_HEADER = ["type", "external_id", "customer", "customer_name", "kind", "occurred_at",
              "occasion", "staff", "total", "gift", "channel", "rating", "lines",
              "tracking_number", "extras"]  # fmt: skip


def _cells(attributes: dict) -> list[str]:
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ";".join(value)
        return "" if value is None else str(value)

    return [text(attributes.get(name)) for name in CSV_HEADER[8:]]


def csv_write(path, *, rows: int, prefix: str = "M") -> int:
    """Write a CSV of about `rows` rows (whole customers, occasions first); return the rows."""
    import csv

    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        number = 0
        while written < rows:
            person = customer_make(number, prefix=prefix)
            number += 1
            for ext, kind, at, attributes in person.occasions:
                writer.writerow(["occasion", ext, person.external_id, person.name, kind,
                                 at.isoformat(), "", "", *_cells(attributes)])  # fmt: skip
                written += 1
            for ext, kind, at, occ, staff, attributes in person.actions:
                writer.writerow(["action", ext, person.external_id, "", kind, at.isoformat(),
                                 occ, staff, *_cells(attributes)])  # fmt: skip
                written += 1
    return written


def csv_bulk_create(path, *, shop) -> int:
    """Store the CSV's rows with plain `bulk_create` (the baseline of an import); return rows.

    The cheapest way to the same rows: no validation, no duplicates check, no judging.
    """
    import csv

    from commitments.models import Action, Occasion
    from commitments.models import Customer as CustomerRow

    with open(path, encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        names = next(reader)
        records = [dict(zip(names, cells, strict=True)) for cells in reader]
    people: dict[str, str] = {}
    for record in records:
        people.setdefault(record["customer"], record["customer_name"])
    rows = CustomerRow.objects.bulk_create(
        [CustomerRow(shop=shop, external_id=ext, name=name) for ext, name in people.items()],
        batch_size=5000,
    )
    customer = {row.external_id: row for row in rows}

    def attributes(record: dict) -> dict:
        values = {}
        for name in CSV_HEADER[8:]:
            text = record[name]
            if not text:
                continue
            if name in ("total", "rating", "lines"):
                values[name] = int(text)
            elif name == "gift":
                values[name] = text == "true"
            elif name == "extras":
                values[name] = text.split(";")
            else:
                values[name] = text
        return values

    occasions = Occasion.objects.bulk_create(
        [
            Occasion(shop=shop, customer=customer[r["customer"]], external_id=r["external_id"],
                     kind=r["kind"], occurred_at=datetime.fromisoformat(r["occurred_at"]),
                     attributes=attributes(r), content_hash="bench")
            for r in records
            if r["type"] == "occasion"
        ],
        batch_size=5000,
    )  # fmt: skip
    by_ext = {o.external_id: o for o in occasions}
    Action.objects.bulk_create(
        [
            Action(shop=shop, customer=customer[r["customer"]], external_id=r["external_id"],
                   kind=r["kind"], occurred_at=datetime.fromisoformat(r["occurred_at"]),
                   occasion_external_id=r["occasion"], occasion=by_ext.get(r["occasion"]),
                   staff=r["staff"], attributes=attributes(r), content_hash="bench")
            for r in records
            if r["type"] == "action"
        ],
        batch_size=5000,
    )  # fmt: skip
    return len(records)
