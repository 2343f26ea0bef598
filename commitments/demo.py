"""The demo shop: a calendar, the eight promises and months of log with realistic drift.

Deterministic for a seed and a day: random.Random(seed) decides everything. The log goes
through the services (judge=False), then the whole shop is judged once and the sweeper
raises the overdue findings, exactly as the background jobs would have done over time.

What the log shows: a handwritten note that slides from 10 lines to about 6 over the months
(the promise was lowered from 10 to 5 two months ago), replies sent on closed days, late
shipments around holidays and closures, shipping notices without tracking numbers, late or
missing replies to low reviews, repeat customers (a few order very often), exceptions for
our mistakes (excused) and goodwill (waiting for a manager), and recent occasions nobody
has answered yet (overdue).
"""

import random
import time as clock
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from policies.calendar import Channel, ShopCalendar
from policies.models import Shop
from policies.services import promise_create, promise_edit, promise_rename, shop_delete
from policies.shop_services import calendar_update, shop_create

from . import judging, services, sweeper
from .models import Check, Finding

SHIPPING = Channel.SHIPPING
INQUIRIES = Channel.INQUIRIES
STAFF = ("佐藤", "鈴木", "高橋", "田中")

FAMILY_NAMES = [
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
    ("伊藤", "ito"), ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"),
    ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"),
    ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"), ("井上", "inoue"),
    ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
    ("山崎", "yamazaki"), ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"),
    ("阿部", "abe"), ("石川", "ishikawa"), ("前田", "maeda"), ("藤田", "fujita"),
    ("髙橋", "takahashi"), ("松﨑", "matsuzaki"),
]  # fmt: skip
GIVEN_NAMES = [
    ("花子", "hanako"), ("陽菜", "hina"), ("結衣", "yui"), ("美咲", "misaki"),
    ("さくら", "sakura"), ("葵", "aoi"), ("凛", "rin"), ("芽衣", "mei"),
    ("優子", "yuko"), ("真由美", "mayumi"), ("恵子", "keiko"), ("由美", "yumi"),
    ("翔太", "shota"), ("蓮", "ren"), ("大輝", "daiki"), ("健", "ken"),
    ("拓也", "takuya"), ("直樹", "naoki"), ("悠人", "yuto"), ("誠", "makoto"),
    ("美紀", "miki"), ("千尋", "chihiro"), ("彩", "aya"), ("香織", "kaori"),
]  # fmt: skip
INQUIRY_TEXTS = [
    "ギフト包装はできますか？",
    "注文した商品の発送予定日を教えてください。",
    "サイズの交換は可能でしょうか。",
    "のし紙をお願いできますか。",
    "届いた商品に傷がありました。",
    "領収書を発行していただけますか。",
    "配送先を変更したいです。",
    "再入荷の予定はありますか？",
]
REVIEW_TEXTS = {
    5: ["丁寧な梱包と手書きのメッセージが嬉しかったです。", "また注文します！"],
    4: ["商品は満足です。発送がもう少し早いと嬉しいです。"],
    3: ["普通でした。", "メッセージカードが前回より短くて少し残念でした。"],
    2: ["発送が遅れて誕生日に間に合いませんでした。", "梱包が少し崩れていました。"],
    1: ["問い合わせへの返信がありませんでした。"],
}
TOTALS = [1800, 2800, 3600, 4200, 4800, 5500, 6800, 7200, 8800, 9800, 12000, 15800]


@dataclass
class DemoResult:
    """What the demo build made."""

    shop: Shop
    customers: int = 0
    occasions: int = 0
    actions: int = 0
    findings: dict = field(default_factory=dict)
    excused: int = 0
    seconds: float = 0.0


@dataclass(order=True)
class _Record:
    occurred_at: datetime
    external_id: str
    kind: str = field(compare=False)
    record: str = field(compare=False)  # "occasion" | "action"
    customer: int = field(compare=False)
    attributes: dict = field(compare=False, default_factory=dict)
    occasion: str = field(compare=False, default="")
    staff: str = field(compare=False, default="")
    exception: dict | None = field(compare=False, default=None)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, 28))


def _calendar_payload(start: date, end: date) -> dict:
    """Return the demo calendar: weekends and holidays closed, New Year, a carrier closure."""
    closures = [
        {
            "start": f"{year}-12-29",
            "end": f"{year + 1}-01-03",
            "label": "年末年始休業",
            "applies_to": "all",
        }
        for year in range(start.year - 1, end.year + 1)
    ]
    # The carrier's depot closes for two weekdays about six weeks ago: shipping only.
    carrier = end - timedelta(days=42)
    while carrier.weekday() > 3:
        carrier -= timedelta(days=1)
    closures.append(
        {
            "start": carrier.isoformat(),
            "end": (carrier + timedelta(days=1)).isoformat(),
            "label": "運送会社の営業所休業",
            "applies_to": "shipping",
        }
    )
    return {
        "closed_weekdays": [5, 6],
        "holidays": "JP",
        "business_hours": [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
        "closures": closures,
        "open_days": [],
        # The weekly rules held for the whole demo history, not only from today.
        "effective_from": (start - timedelta(days=7)).isoformat(),
    }


def _promises(*, shop, manager, start: date, today: date, calendar: ShopCalendar):
    """Record the eight promises, two of them with a later version.

    The note promise is lowered from 10 to 5 lines two months ago, the reply promise raised
    a month ago (or at a third and two thirds of a shorter log).
    """
    span = (today - start).days
    made = {}
    for kind, name, params in [
        ("shipping_cutoff", "16時までのご注文は当日発送", {"cutoff": "16:00"}),
        ("handwritten_note", "手書きメッセージを同封", {"min_lines": 10}),
        ("holiday_replies", "休業日はお問い合わせに返信しない", {"mode": "none"}),
        ("reply_time", "お問い合わせには2営業日以内に返信", {"within_business_hours": 14}),
        ("shipping_notice", "発送当日に追跡番号をお知らせ", {"same_day": True}),
        ("review_reply", "低評価レビューには3営業日以内に返信", {"scope": "low", "within_days": 3}),
        ("thank_you_message", "ご注文から24時間以内にお礼メッセージ", {"within_hours": 24}),
        ("included_extras", "6,800円以上でメッセージカード、ギフトは包装", {}),
    ]:
        made[kind] = promise_create(
            shop=shop,
            kind=kind,
            name=name,
            params=params,
            author=manager,
            effective_from=calendar.start_of_day(start),
            rejudge=False,
        )
    promise_edit(
        promise=made["handwritten_note"],
        params={"min_lines": 5},
        reason="繁忙期に向けて、手書きメッセージの最低行数を10行から5行に見直し",
        author=manager,
        effective_from=calendar.start_of_day(
            max(today - timedelta(days=60), start + timedelta(days=span // 3))
        ),
        rejudge=False,
    )
    promise_edit(
        promise=made["reply_time"],
        params={"within_business_hours": 7},
        reason="お問い合わせ対応を強化: 1営業日以内に返信",
        author=manager,
        effective_from=calendar.start_of_day(
            max(today - timedelta(days=30), start + timedelta(days=2 * span // 3))
        ),
        rejudge=False,
    )
    # The name says what the promise now means (the old name stays in its history).
    promise_rename(
        promise=made["reply_time"],
        name="お問い合わせには1営業日以内に返信",
        reason="返信期限を7営業時間に短くしたため、名前も合わせました",
        author=manager,
    )
    return made


class _Log:
    """The demo's log, generated in memory, then recorded in time order."""

    def __init__(self, *, rng: random.Random, calendar: ShopCalendar, now: datetime):
        self.rng, self.calendar, self.now = rng, calendar, now
        self.profiles: list[tuple[int, float]] = []
        # One inquiry and one order of last week are left unanswered, whatever the dice say,
        # so the demo always has overdue findings to show.
        self.neglect_from, self.neglect_until = now - timedelta(days=10), now - timedelta(days=3)
        self.neglected: set[str] = set()
        self.records: list[_Record] = []
        self.count = Counter()

    def _neglect(self, what: str, at: datetime) -> bool:
        """Return True once per `what` for an occasion of last week: it stays unanswered."""
        if what in self.neglected or not self.neglect_from <= at <= self.neglect_until:
            return False
        self.neglected.add(what)
        return True

    def add(self, record: _Record) -> bool:
        if record.occurred_at > self.now:
            return False
        self.records.append(record)
        return True

    def _at(self, day: date, hour: float) -> datetime:
        moment = datetime.combine(day, time(0), tzinfo=self.calendar.tz)
        return moment + timedelta(minutes=int(hour * 60))

    def _after_closure(self, day: date) -> bool:
        """Return whether the day follows three or more days the carriers were closed."""
        closed = sum(
            not self.calendar.is_open(day - timedelta(days=k), SHIPPING) for k in (1, 2, 3)
        )
        return closed >= 3

    def order(self, n: int, customer: int, ordered_at: datetime, progress: float) -> None:
        rng, calendar = self.rng, self.calendar
        oid = f"O-{n:05d}"
        # Customers keep to their usual basket, so extras stay comparable between orders.
        usual, gift_rate = self.profiles[customer]
        total = TOTALS[min(max(usual + rng.choice((-1, 0, 0, 0, 1)), 0), len(TOTALS) - 1)]
        gift = rng.random() < gift_rate
        staff = rng.choice(STAFF)
        self.add(
            _Record(
                ordered_at,
                oid,
                "order_placed",
                "occasion",
                customer,
                {"total": total, "gift": gift},
            )
        )
        # Thank-you message: usually within hours; sometimes late; rarely forgotten.
        roll = rng.random()
        if roll > 0.01 and not self._neglect("thank_you", ordered_at):
            hours = rng.uniform(26, 40) if roll > 0.96 else rng.uniform(0.2, 6)
            sent_at = ordered_at + timedelta(hours=hours)
            self.add(
                _Record(sent_at, f"T-{n:05d}", "thank_you_sent", "action", customer, {}, oid, staff)
            )
        # Shipping: by the ship-by day; late around holidays and closures; a few early.
        local = calendar.local(ordered_at)
        promised = calendar.ship_by(ordered_at, time(16, 0))
        ship_on, exception = promised, None
        late_chance = 0.4 if self._after_closure(promised) else 0.05
        if rng.random() < late_chance:
            ship_on = calendar.next_open_day(promised, SHIPPING)
            if rng.random() < 0.3:
                exception = {"reason": "our_mistake", "note": "梱包ミスで発送が1日遅れました"}
        shipped_at = self._at(ship_on, rng.uniform(14.5, 17.5))
        if (
            promised > local.date()
            and calendar.is_open(local.date(), SHIPPING)
            and local.hour < 18
            and rng.random() < 0.1
        ):
            # An order just after the cutoff packed the same evening: an early shipment.
            shipped_at = local + timedelta(minutes=rng.randint(40, 100))
            if rng.random() < 0.5:
                exception = {"reason": "goodwill", "note": "お急ぎとのことで当日発送しました"}
        required = (["greeting_card"] if total >= 6800 else []) + (["gift_wrap"] if gift else [])
        extras = [extra for extra in required if rng.random() > 0.06]
        if rng.random() < 0.03:
            extras.append("sticker")
        tracking = f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        shipped = self.add(
            _Record(shipped_at, f"S-{n:05d}", "shipped", "action", customer,
                    {"extras": extras, "tracking_number": tracking}, oid, staff, exception)
        )  # fmt: skip
        # The note keeps its 10 lines for the first half, then slides to about 6.
        usual_lines = 10.8 - 0.6 * progress if progress < 0.5 else 10.5 - 9 * (progress - 0.5)
        lines = round(usual_lines + rng.gauss(0, 0.7))
        if rng.random() < 0.015:
            lines = rng.randint(15, 18)
        self.add(
            _Record(shipped_at - timedelta(minutes=rng.randint(20, 90)), f"N-{n:05d}",
                    "note_enclosed", "action", customer, {"lines": max(lines, 2)}, oid, staff)
        )  # fmt: skip
        if not shipped:
            return
        roll = rng.random()
        if roll > 0.01:
            notice_at = shipped_at + timedelta(minutes=rng.randint(20, 120))
            if roll > 0.94:
                notice_at = self._at(ship_on + timedelta(days=1), rng.uniform(9, 11))
            attributes = {} if rng.random() < 0.03 else {"tracking_number": tracking}
            self.add(
                _Record(notice_at, f"M-{n:05d}", "shipping_notice_sent", "action", customer,
                        attributes, oid, staff)
            )  # fmt: skip
        if rng.random() < 0.25:
            self.review(n, customer, shipped_at + timedelta(days=rng.randint(2, 6)))

    def review(self, n: int, customer: int, around: datetime) -> None:
        rng, calendar = self.rng, self.calendar
        rid = f"R-{n:05d}"
        rating = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0]
        posted = self._at(calendar.local(around).date(), rng.uniform(19, 23))
        text = rng.choice(REVIEW_TEXTS[rating])
        if not self.add(
            _Record(
                posted, rid, "review_posted", "occasion", customer, {"rating": rating, "text": text}
            )
        ):
            return
        if rating <= 3:
            roll = rng.random()
            if roll < 0.1:
                return  # never answered
            days = rng.randint(4, 6) if roll > 0.8 else rng.randint(1, 2)
        elif rng.random() < 0.1:
            days = rng.randint(1, 3)  # a reply the promise does not ask for
        else:
            return
        day = calendar.local(posted).date()
        for _step in range(days):
            day = calendar.next_open_day(day, INQUIRIES)
        self.add(
            _Record(self._at(day, rng.uniform(10, 17)), f"RR-{n:05d}", "review_replied", "action",
                    customer, {}, rid, rng.choice(STAFF))
        )  # fmt: skip

    def inquiry(self, n: int, customer: int, received: datetime) -> None:
        rng, calendar = self.rng, self.calendar
        iid = f"I-{n:05d}"
        text = rng.choice(INQUIRY_TEXTS)
        channel = rng.choice(["email", "email", "form", "chat"])
        if not self.add(
            _Record(received, iid, "inquiry_received", "occasion", customer,
                    {"channel": channel, "text": text})
        ):  # fmt: skip
            return
        roll = rng.random()
        if roll < 0.02 or self._neglect("reply", received):
            return  # lost in the inbox
        exception = None
        local = calendar.local(received)
        if not calendar.is_open(local.date(), INQUIRIES) and roll < 0.12 and 9 <= local.hour < 20:
            # Someone happened to be in: a reply on a closed day.
            replied = received + timedelta(minutes=rng.randint(15, 120))
            if rng.random() < 0.4:
                exception = {"reason": "goodwill", "note": "お急ぎのご様子だったため休業日に返信"}
        else:
            hours = rng.uniform(8, 13) if roll > 0.93 else rng.uniform(0.3, 5)
            replied = calendar.add_business_hours(received, hours)
        reply = {"text": "お問い合わせありがとうございます。"}
        self.add(
            _Record(replied, f"IR-{n:05d}", "reply_sent", "action", customer, reply, iid,
                    rng.choice(STAFF), exception)
        )  # fmt: skip


def _customers(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    people = []
    for n in range(1, count + 1):
        family, family_romaji = rng.choice(FAMILY_NAMES)
        given, given_romaji = rng.choice(GIVEN_NAMES)
        people.append(
            (f"C{n:04d}", f"{family} {given}", f"{given_romaji}.{family_romaji}{n}@example.jp")
        )
    return people


@transaction.atomic
def demo_build(
    *,
    manager,
    slug: str = "demo",
    name: str = "つづく雑貨店 (demo)",
    customers: int = 300,
    months: int = 6,
    seed: int = 2026,
    now: datetime | None = None,
) -> DemoResult:
    """Build the demo shop from scratch (replacing one with the slug); return what it holds."""
    started = clock.monotonic()
    now = now or timezone.now()
    old = Shop.objects.filter(slug=slug).first()
    if old is not None:
        # Derived rows first: they PROTECT the promise versions shop_delete removes.
        Finding.objects.filter(shop=old).delete()
        Check.objects.filter(shop=old).delete()
        shop_delete(shop=old, actor=manager)
    shop = shop_create(slug=slug, name=name, creator=manager)
    probe = ShopCalendar.for_shop(shop)
    today = probe.local(now).date()
    first_day = _months_back(today, months)
    calendar_update(shop=shop, actor=manager, calendar=_calendar_payload(first_day, today))
    calendar = ShopCalendar.for_shop(shop)
    _promises(
        shop=shop,
        manager=manager,
        start=first_day - timedelta(days=1),
        today=today,
        calendar=calendar,
    )

    rng = random.Random(seed)
    people = _customers(rng, customers)
    # Every customer's first order falls on a day of the window; after it, customers come
    # back with a heavy tail: most order once or twice, a few very often.
    span = max((today - first_day).days, 1)
    joins: dict[int, list[int]] = {}
    for who in range(len(people)):
        joins.setdefault(rng.randrange(span), []).append(who)
    loyalty = [rng.paretovariate(1.8) - 1 for _ in people]
    log = _Log(rng=rng, calendar=calendar, now=now)
    log.profiles = [
        (rng.randrange(len(TOTALS)), rng.choice((0.0, 0.0, 0.05, 0.1, 0.5))) for _ in people
    ]
    known: list[int] = []
    orders = inquiries = 0
    for offset in range(span + 1):
        day = first_day + timedelta(days=offset)
        progress = offset / span
        buyers = list(joins.get(offset, []))
        if known:
            repeat = rng.choice((1, 2, 2, 3))
            buyers += rng.choices(known, weights=[loyalty[who] for who in known], k=repeat)
        for who in buyers:
            orders += 1
            log.order(orders, who, log._at(day, rng.uniform(7, 23.5)), progress)
        known += joins.get(offset, [])
        for _ in range(rng.choice((0, 1, 1, 2))):
            if not known:
                break
            inquiries += 1
            log.inquiry(inquiries, rng.choice(known), log._at(day, rng.uniform(8, 22)))

    result = DemoResult(shop=shop)
    seen: set[int] = set()
    for record in sorted(log.records):
        external, person_name, email = people[record.customer]
        first = record.customer not in seen
        seen.add(record.customer)
        common = {
            "shop": shop,
            "external_id": record.external_id,
            "customer": external,
            "kind": record.kind,
            "occurred_at": record.occurred_at,
            "attributes": record.attributes,
            "customer_name": person_name if first else "",
            "customer_email": email if first else "",
            "judge": False,
        }
        if record.record == "occasion":
            services.occasion_record(**common)
            result.occasions += 1
        else:
            services.action_record(
                **common, occasion=record.occasion, staff=record.staff, exception=record.exception
            )
            result.actions += 1
    result.customers = len(seen)
    judging.judge_shop(shop=shop)
    sweeper.overdue_raise(shop=shop, now=now)
    findings = Finding.objects.filter(shop=shop)
    result.findings = dict(Counter(findings.values_list("type", flat=True)))
    result.excused = findings.filter(excused=True).count()
    result.seconds = round(clock.monotonic() - started, 1)
    return result
