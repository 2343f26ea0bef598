"""The weekly report builder: every number against a straightforward recount in Python."""

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import builder
from reports.builder import report_build
from reports.models import Report
from reports.weeks import parse_week

from .conftest import TREND_START, WEEK, WEEK_END, WEEK_START, at, make_promise

NEW_YORK = ZoneInfo("America/New_York")


def in_range(moment, start, end) -> bool:
    return start <= moment < end


def recount_promise(data, promise, *, higher_is_better: bool, promised: float) -> dict:
    """Return the numbers of one promise, counted row by row."""
    checks = [c for c in data.checks if c.promise_id == promise.id]
    week_checks = [c for c in checks if in_range(c.occurred_at, WEEK_START, WEEK_END)]
    findings = [
        f
        for f in data.findings
        if f.promise_id == promise.id and in_range(f.occurred_at, WEEK_START, WEEK_END)
    ]
    trend = []
    for index in range(8):
        start = TREND_START + timedelta(weeks=index)
        levels = [
            c.level
            for c in checks
            if in_range(c.occurred_at, start, start + timedelta(weeks=1)) and c.level is not None
        ]
        trend.append((mean(levels) if levels else None, len(levels)))
    kept = sum(1 for c in week_checks if c.kept)
    return {
        "volume": len(week_checks),
        "kept": kept,
        "kept_pct": round(100 * kept / len(week_checks), 1),
        **{
            kind: sum(1 for f in findings if f.type == kind and not f.excused)
            for kind in ("breach", "overdue", "drift", "precedent")
        },
        "excused": sum(1 for f in findings if f.excused),
        "trend": trend,
    }


def recount_at_risk(data, promise, *, higher_is_better: bool, promised: float):
    """Return (total, ranked rows) of the repeat customers at risk, counted row by row."""
    orders = Counter(customer for customer, moment in data.orders if moment < WEEK_END)
    external = {c.id: c.external_id for c in data.customers}
    sign = 1 if higher_is_better else -1

    def better(a, b):
        return a is not None and b is not None and (a > b if higher_is_better else a < b)

    rows = []
    for commitment in data.commitments:
        if commitment.promise_id != promise.id:
            continue
        best, last = commitment.best_level, commitment.last_level
        if not (better(best, promised) or better(best, last)):
            continue
        n = orders[commitment.customer_id]
        if n < 2:
            continue
        gap_promise = sign * (best - promised) if better(best, promised) else 0.0
        gap_last = sign * (best - last) if better(best, last) else 0.0
        age = None if commitment.last_at is None else WEEK_END - commitment.last_at
        if age is not None and age <= timedelta(days=30):
            weight = 1.0
        elif age is not None and age <= timedelta(days=90):
            weight = 0.5
        elif age is not None and age <= timedelta(days=365):
            weight = 0.25
        else:
            weight = 0.1
        gap = max(gap_promise, gap_last)
        rows.append(
            {
                "customer": external[commitment.customer_id],
                "orders": n,
                "last_at": commitment.last_at,
                "gap": gap,
                "score": n * weight * gap,
                "best_level": best,
                "last_level": last,
            }
        )
    last_at_key = {row["customer"]: row["last_at"] for row in rows}
    rows.sort(
        key=lambda row: (
            -row["score"],
            last_at_key[row["customer"]] is None,
            -(row["last_at"].timestamp() if row["last_at"] else 0),
            row["customer"],
        )
    )
    return len(rows), rows


@pytest.mark.django_db
def _report_statements(shop, keep) -> list[str]:
    """Return the SQL of the statements building the week's report for which keep(sql)."""
    with CaptureQueriesContext(connection) as queries:
        report_build(shop=shop, week=WEEK)
    return [q["sql"] for q in queries.captured_queries if keep(q["sql"])]


class TestReportNumbers:
    def test_every_number_matches_a_recount_of_the_rows(self, dataset):
        report = report_build(shop=dataset.shop, week=WEEK)
        data = report.data
        assert data["week"] == WEEK
        assert data["start"] == "2026-11-09T00:00:00+09:00"
        assert data["end"] == "2026-11-16T00:00:00+09:00"
        # In force during the week: the note and the shipping promise, not the retired one
        # nor the one that starts in December.
        assert [p["id"] for p in data["promises"]] == [dataset.note.id, dataset.shipping.id]

        kinds = {
            dataset.note.id: (True, 8.0, 2),
            dataset.shipping.id: (False, 0.0, 2),
        }
        at_risk_customers = set()
        for section in data["promises"]:
            promise = dataset.note if section["id"] == dataset.note.id else dataset.shipping
            higher_is_better, promised, version = kinds[promise.id]
            expected = recount_promise(
                dataset, promise, higher_is_better=higher_is_better, promised=promised
            )
            assert section["version"] == version
            assert section["promised_level"] == promised
            for key in ("volume", "kept", "kept_pct", "breach", "overdue", "drift"):
                assert section[key] == expected[key], (promise.name, key)
            assert section["precedent"] == expected["precedent"]
            assert section["excused"] == expected["excused"]
            assert len(section["trend"]) == 8
            assert [point["week"] for point in section["trend"]] == [
                f"2026-W{n}" for n in range(39, 47)
            ]
            for point, (average, measured) in zip(section["trend"], expected["trend"], strict=True):
                assert point["measured"] == measured
                if average is None:
                    assert point["avg_level"] is None
                else:
                    assert point["avg_level"] == pytest.approx(average, abs=1e-4)
            assert section["avg_level"] == section["trend"][-1]["avg_level"]

            # Shop-level drift: first week with data against the latest one.
            available = [a for a, _n in expected["trend"] if a is not None]
            start, latest = available[0], available[-1]
            fall = start - latest if higher_is_better else latest - start
            base = abs(promised) if promised else abs(start)
            assert section["shop_drift"]["flagged"] is (fall > 0.1 * base)
            assert section["shop_drift"]["fall"] == pytest.approx(fall, abs=1e-3)

            total, ranked = recount_at_risk(
                dataset, promise, higher_is_better=higher_is_better, promised=promised
            )
            assert section["customers_at_risk"] == total
            at_risk_customers |= {row["customer"] for row in ranked}
            assert total > 20
            assert [row["customer"] for row in section["at_risk"]] == [
                row["customer"] for row in ranked[:20]
            ]
            for got, want in zip(section["at_risk"], ranked[:20], strict=True):
                assert got["orders"] == want["orders"]
                assert got["gap"] == pytest.approx(want["gap"])
                assert got["score"] == pytest.approx(want["score"], abs=1e-4)
                assert got["best_level"] == want["best_level"]

        # The shipping promise had no shipment in its trend's third week: a gap, not a zero.
        shipping = data["promises"][1]
        assert shipping["trend"][2] == {
            "week": "2026-W41",
            "monday": "2026-10-05",
            "avg_level": None,
            "measured": 0,
        }
        # The notes got shorter week by week: flagged although most notes kept the promise.
        note = data["promises"][0]
        assert note["shop_drift"]["flagged"] is True
        assert note["kept_pct"] > 50
        assert data["summary"]["drifting_promises"][0] == dataset.note.id
        # The customer who ordered most recently with the largest gap comes first.
        assert note["at_risk"][0]["customer"] == "+819012345678"
        assert shipping["at_risk"][0]["customer"] == "+819012345678"

        summary = data["summary"]
        for key in ("volume", "kept", "breach", "overdue", "drift", "precedent", "excused"):
            assert summary[key] == sum(section[key] for section in data["promises"])
        # The headline counts distinct customers: one at risk under both promises counts once.
        assert summary["customers_at_risk"] == len(at_risk_customers)
        assert summary["customers_at_risk"] < sum(s["customers_at_risk"] for s in data["promises"])

    def test_promise_changes_of_the_week_with_before_after_and_impact(self, dataset):
        data = report_build(shop=dataset.shop, week=WEEK).data
        assert len(data["changes"]) == 1
        change = data["changes"][0]
        assert change["promise"] == dataset.note.id
        assert change["version"] == 2
        assert change["before"]["min_lines"] == 10
        assert change["after"] == {"min_lines": 8}
        assert change["lowers"] is True
        assert change["reason"] == "Busy season"
        assert change["author"] == "manager1"
        assert change["created_at"] == "2026-11-11T11:00:00+09:00"
        assert change["effective_from"] == "2026-11-11T12:00:00+09:00"
        made_at = at("2026-11-11 11:00")
        orders = Counter(customer for customer, moment in dataset.orders if moment < made_at)
        expected = sum(
            1
            for c in dataset.commitments
            if c.promise_id == dataset.note.id
            and c.first_at < made_at
            and c.best_level > 8
            and orders[c.customer_id] >= 2
        )
        assert change["repeat_customers_above_new_level"] == expected > 0

    def test_exceptions_of_the_week_by_reason_and_by_staff(self, dataset):
        data = report_build(shop=dataset.shop, week=WEEK).data
        week = [e for e in dataset.exceptions if in_range(e[3], WEEK_START, WEEK_END)]
        by_reason = defaultdict(Counter)
        by_staff = defaultdict(Counter)
        for reason, status, staff, _moment in week:
            by_reason[reason][status] += 1
            by_staff[staff][reason] += 1
        assert data["exceptions"]["total"] == len(week) > 0
        assert [row["reason"] for row in data["exceptions"]["by_reason"]] == sorted(by_reason)
        for row in data["exceptions"]["by_reason"]:
            counts = by_reason[row["reason"]]
            assert row["count"] == sum(counts.values())
            for status in ("requested", "approved", "rejected"):
                assert row[status] == counts[status]
        staff_rows = data["exceptions"]["by_staff"]
        assert [row["staff"] for row in staff_rows] == sorted(
            by_staff, key=lambda name: (-sum(by_staff[name].values()), name)
        )
        for row in staff_rows:
            assert row["count"] == sum(by_staff[row["staff"]].values())
            for reason, n in row["by_reason"].items():
                assert n == by_staff[row["staff"]][reason]

    def test_the_queries_do_not_grow_with_the_rows(self, dataset):
        statements = _report_statements(
            dataset.shop,
            lambda sql: "SAVEPOINT" not in sql and sql not in ("SET jit = off", "RESET jit"),
        )
        # Aggregates, the customers at risk of every promise at once (their number, the
        # customers with the most orders, those customers' commitments ranked, the chosen
        # ones with their customers), one per change, one for the public precedents (none
        # here): never per row nor per promise.
        assert len(statements) == 15

    def test_the_at_risk_reads_join_customers_only_for_the_best_commitments(self, dataset):
        joined = _report_statements(
            dataset.shop,
            lambda sql: 'FROM "commitments_commitment"' in sql and '"commitments_customer"' in sql,
        )
        # The ranking and the counts read the commitments alone (the customers' orders are
        # copied on them); the chosen few of every promise are then read with their customers.
        assert len(joined) == 1
        assert all('"commitments_commitment"."id" IN (' in sql for sql in joined)

    def test_the_at_risk_counts_pass_counts_no_orders_per_row(self, dataset):
        distinct = 'COUNT(DISTINCT "commitments_commitment"."customer_id")'
        counts = _report_statements(dataset.shop, lambda sql: distinct in sql)
        # The pass over every repeat customer's commitments takes those who ordered since the
        # week's end from one uncorrelated set of customers (hashed once), not from a count
        # of the log per row, which kept PostgreSQL from reading the rows in parallel.
        assert len(counts) == 1
        assert '= ("commitments_commitment"."customer_id")' not in counts[0]
        assert '"commitments_commitment"."customer_id" IN (SELECT' in counts[0]

    def test_the_lists_are_the_same_whatever_the_customers_walked(self, dataset, monkeypatch):
        """The lists are ranked first among the commitments of the customers with the most
        orders; a promise not settled there is ranked from all its repeat customers. The
        content is the same whichever way each promise is settled."""
        full = report_build(shop=dataset.shop, week=WEEK).data
        ranked_in_full = []
        head = builder._at_risk_head

        def counted(*args, **kwargs):
            ranked_in_full.append(kwargs["pk"])
            return head(*args, **kwargs)

        monkeypatch.setattr(builder, "_at_risk_head", counted)
        customers = len(dataset.customers)
        for walk in (0, 1, 3, 10, 30, 60, 100, 150, customers - 1):
            monkeypatch.setattr(builder, "AT_RISK_WALK", walk)
            ranked_in_full.clear()
            data = report_build(shop=dataset.shop, week=WEEK).data
            assert data["promises"] == full["promises"], walk
            assert data["summary"] == full["summary"], walk
            if walk == 0:
                assert len(ranked_in_full) == 2


@pytest.mark.django_db
class TestRebuild:
    def test_building_again_replaces_the_report_with_the_same_content(self, dataset):
        first = report_build(shop=dataset.shop, week=WEEK)
        second = report_build(shop=dataset.shop, week=WEEK)
        assert Report.objects.filter(shop=dataset.shop).count() == 1
        assert second.pk == first.pk
        assert second.built_at >= first.built_at
        stored = Report.objects.get(pk=first.pk)
        assert stored.data == first.data

    def test_rebuilding_keeps_the_e_mailed_time(self, dataset):
        report = report_build(shop=dataset.shop, week=WEEK)
        Report.objects.filter(pk=report.pk).update(emailed_at=WEEK_END)
        report_build(shop=dataset.shop, week=WEEK)
        assert Report.objects.get(pk=report.pk).emailed_at == WEEK_END

    @pytest.mark.parametrize(
        "week",
        ["2026-47", "2026-W7", "2026-W54", "2025-W53", "W47", "", "2026-W47 "],
        ids=["no W", "one digit", "week 54", "2025 has no week 53", "no year", "empty", "space"],
    )
    def test_a_bad_week_string_is_invalid_param(self, shop, week):
        with pytest.raises(ValidationError) as error:
            report_build(shop=shop, week=week)
        assert error.value.code == "invalid_param"
        assert error.value.params["field"] == "week"
        assert Report.objects.count() == 0


@pytest.mark.django_db
class TestShopTimezone:
    def test_the_week_is_taken_in_the_shops_timezone(self, shop):
        shop.timezone = "America/New_York"
        shop.save()
        promise, version = make_promise(
            shop, kind="handwritten_note", name="Note", params={"min_lines": 5}
        )
        from commitments.models import Action, Check, Customer

        customer = Customer.objects.create(shop=shop, external_id="c1")
        # Monday 00:30 in New York is still Sunday in UTC and Monday afternoon in Tokyo.
        moments = [
            datetime(2026, 11, 9, 0, 30, tzinfo=NEW_YORK),  # in W46 in New York
            datetime(2026, 11, 8, 23, 30, tzinfo=NEW_YORK),  # W45 in New York
            datetime(2026, 11, 15, 23, 59, tzinfo=NEW_YORK),  # last minute of W46
        ]
        for index, moment in enumerate(moments):
            action = Action.objects.create(
                shop=shop,
                customer=customer,
                external_id=f"a{index}",
                kind="note_enclosed",
                occurred_at=moment,
                content_hash="x",
            )
            Check.objects.create(
                shop=shop,
                action=action,
                promise=promise,
                promise_version=version,
                occurred_at=moment,
                level=6,
                kept=True,
            )
        data = report_build(shop=shop, week="2026-W46").data
        assert data["start"] == "2026-11-09T00:00:00-05:00"
        assert data["promises"][0]["volume"] == 2
        assert data["promises"][0]["trend"][-2]["measured"] == 1

    def test_a_week_with_a_daylight_saving_change_is_one_week_of_wall_clock_time(self):
        week = parse_week("2026-W44", NEW_YORK)  # clocks go back on Sunday 2026-11-01
        assert week.start == datetime(2026, 10, 26, tzinfo=NEW_YORK)
        assert week.end == datetime(2026, 11, 2, tzinfo=NEW_YORK)
        # Same-zone subtraction is wall-clock time; in real time the week is an hour longer.
        assert week.end.astimezone(UTC) - week.start.astimezone(UTC) == timedelta(days=7, hours=1)


class TestTrendDrift:
    @pytest.mark.parametrize(
        ("levels", "promised", "higher_is_better", "flagged"),
        [
            ([10.2, 9.1, 7.8], 5.0, True, True),
            ([10.2, 10.0, 9.8], 5.0, True, False),
            ([10.0, None, 9.4], 5.0, True, True),
            ([9.0, 10.0], 5.0, True, False),
            ([0.0, 0.5], 0.0, False, True),
            ([0.5, 0.4], 0.0, False, False),
            ([2.0, 2.3], None, False, True),
            ([2.0, 2.1], None, False, False),
            ([None, 8.0], 5.0, True, False),
        ],
        ids=[
            "notes 10.2 to 7.8 within a promise of 5",
            "small fall",
            "a week without data is skipped",
            "rising is not drift",
            "shipping later on average",
            "shipping earlier",
            "no promised level: share of the start",
            "no promised level: small rise",
            "one week of data is no trend",
        ],
    )
    def test_flag(self, levels, promised, higher_is_better, flagged):
        points = [
            {"week": f"2026-W{40 + index}", "avg_level": level, "measured": 1}
            for index, level in enumerate(levels)
        ]
        drift = builder._trend_drift(
            points=points, promised=promised, higher_is_better=higher_is_better
        )
        assert drift["flagged"] is flagged


@pytest.mark.fault  # issue 12 item 1: the weekly report skips and lists
class TestOneBadRecord:
    def test_a_promise_its_kind_cannot_read_is_listed_and_the_rest_is_built(self, dataset):
        good = report_build(shop=dataset.shop, week=WEEK).data
        bad, _version = make_promise(
            dataset.shop,
            kind="handwritten_note",
            name="Broken",
            params={"min_lines": 10**400},
            effective_from=at("2026-11-10 00:00"),
        )
        # The bad promise has checks this week, so the builder tries its section.
        check = dataset.checks[0]
        type(check).objects.create(
            shop=dataset.shop,
            action=check.action,
            promise=bad,
            promise_version=_version,
            occurred_at=at("2026-11-11 10:00"),
            level=3.0,
            kept=False,
        )
        data = report_build(shop=dataset.shop, week=WEEK).data
        # Its section and its version written this week are both left out, with the error.
        assert [row["promise"] for row in data["skipped"]] == [bad.pk, bad.pk]
        # The kind's own range check (min_lines at most 1,000) refuses it before any float.
        assert {row["error"].split(":")[0] for row in data["skipped"]} == {"ValidationError"}
        assert all("1000" in row["error"] for row in data["skipped"])
        assert data["promises"] == good["promises"]
        assert data["changes"] == good["changes"]
        assert builder._num(10**400) is None
        assert builder._num(float("inf")) is None


@pytest.mark.django_db
class TestAtRiskTies:
    # Every customer walked (the lists ranked among their commitments), or none (each
    # promise ranked from its own rows, the best 40 read).
    @pytest.mark.parametrize("walk", [builder.AT_RISK_WALK, 0])
    def test_ties_past_the_first_forty_are_broken_by_the_customers_id(
        self, shop, walk, monkeypatch
    ):
        """The top 20 is read from the best commitments; when more tie with the 20th, all of
        them are ranked, and the customer's id decides among equals."""
        monkeypatch.setattr(builder, "AT_RISK_WALK", walk)
        from commitments.models import Commitment, Customer, Occasion
        from commitments.order_counts import shop_orders_refresh

        promise, _version = make_promise(
            shop, kind="handwritten_note", name="Note", params={"min_lines": 5}
        )
        # Stored in the reverse order of their ids, all with the same score and last action.
        customers = [
            Customer.objects.create(shop=shop, external_id=f"c{n:03d}") for n in range(60, 0, -1)
        ]
        for customer in customers:
            for index in range(2):
                Occasion.objects.create(
                    shop=shop,
                    customer=customer,
                    external_id=f"o-{customer.external_id}-{index}",
                    kind="order_placed",
                    occurred_at=at("2026-11-01 10:00") + timedelta(days=index),
                    content_hash="x",
                )
        # One more with a better score, one with an order after the week (1 order before it).
        Commitment.objects.bulk_create(
            Commitment(
                shop=shop,
                customer=customer,
                promise=promise,
                last_level=6.0,
                best_level=9.0,
                count=2,
                first_at=at("2026-11-01 14:00"),
                last_at=at("2026-11-12 14:00"),
            )
            for customer in customers
        )
        top = Customer.objects.create(shop=shop, external_id="c999")
        late = Customer.objects.create(shop=shop, external_id="c000")
        for customer, moments in (
            (top, ["2026-11-01 10:00", "2026-11-02 10:00", "2026-11-03 10:00"]),
            (late, ["2026-11-01 10:00", "2026-11-20 10:00"]),
        ):
            for index, moment in enumerate(moments):
                Occasion.objects.create(
                    shop=shop,
                    customer=customer,
                    external_id=f"o-{customer.external_id}-{index}",
                    kind="order_placed",
                    occurred_at=at(moment),
                    content_hash="x",
                )
            Commitment.objects.create(
                shop=shop,
                customer=customer,
                promise=promise,
                last_level=6.0,
                best_level=9.0,
                count=2,
                first_at=at("2026-11-01 14:00"),
                last_at=at("2026-11-12 14:00"),
            )
        shop_orders_refresh(shop=shop)

        section = report_build(shop=shop, week=WEEK).data["promises"][0]
        assert section["customers_at_risk"] == 61
        ranked = [row["customer"] for row in section["at_risk"]]
        assert ranked == ["c999"] + [f"c{n:03d}" for n in range(1, 20)]
        assert section["at_risk"][0]["score"] == 3 * 4.0
        assert {row["score"] for row in section["at_risk"][1:]} == {2 * 4.0}


@pytest.mark.django_db
class TestAtRiskWalk:
    def test_a_few_customers_with_many_orders_settle_the_list(self, shop, monkeypatch):
        """Ranked among the 30 customers with the most orders: their 20th score is above
        what a customer with fewer orders can score (orders × recency at most 1 × the
        largest gap), so the promise's other repeat customers are not ranked."""
        from commitments.models import Commitment, Customer, Occasion
        from commitments.order_counts import shop_orders_refresh

        promise, _version = make_promise(
            shop, kind="handwritten_note", name="Note", params={"min_lines": 5}
        )
        # 30 customers with 6 to 10 orders, recent, gaps of 3 to 5 lines (a score of 18 at
        # least); 90 with 2 or 3 orders, gaps of 1 to 5 lines (15 at most).
        rng = random.Random(7)
        customers = [
            Customer.objects.create(shop=shop, external_id=f"c{n:03d}") for n in range(120)
        ]
        occasions, commitments = [], []
        for index, customer in enumerate(customers):
            orders = 6 + index % 5 if index < 30 else 2 + index % 2
            occasions += [
                Occasion(
                    shop=shop,
                    customer=customer,
                    external_id=f"o-{customer.external_id}-{n}",
                    kind="order_placed",
                    occurred_at=at("2026-10-01 10:00") + timedelta(days=n),
                    content_hash="x",
                )
                for n in range(orders)
            ]
            commitments.append(
                Commitment(
                    shop=shop,
                    customer=customer,
                    promise=promise,
                    last_level=5.0,
                    best_level=5.0 + rng.randint(3 if index < 30 else 1, 5),
                    count=2,
                    first_at=at("2026-10-01 14:00"),
                    last_at=at("2026-11-12 14:00")
                    - timedelta(days=1 if index < 30 else rng.choice([1, 40, 100])),
                )
            )
        Occasion.objects.bulk_create(occasions)
        Commitment.objects.bulk_create(commitments)
        shop_orders_refresh(shop=shop)

        ranked_in_full = []
        head = builder._at_risk_head

        def counted(*args, **kwargs):
            ranked_in_full.append(kwargs["pk"])
            return head(*args, **kwargs)

        monkeypatch.setattr(builder, "_at_risk_head", counted)
        monkeypatch.setattr(builder, "AT_RISK_WALK", 30)
        walked = report_build(shop=shop, week=WEEK).data["promises"][0]
        assert ranked_in_full == []
        monkeypatch.setattr(builder, "AT_RISK_WALK", 0)
        in_full = report_build(shop=shop, week=WEEK).data["promises"][0]
        assert ranked_in_full == [promise.pk]
        assert walked == in_full
        assert walked["customers_at_risk"] == 120
        # A recount: orders × recency × gap, ties by last action then customer id.
        external = {c.id: c.external_id for c in customers}
        orders = Counter(o.customer_id for o in occasions)
        weights = {1: 1.0, 40: 0.5, 100: 0.25}

        def weight(moment):
            return weights[(at("2026-11-12 14:00") - moment).days]

        expected = sorted(
            commitments,
            key=lambda c: (
                -orders[c.customer_id] * weight(c.last_at) * (c.best_level - 5.0),
                -c.last_at.timestamp(),
                external[c.customer_id],
            ),
        )[:20]
        assert [row["customer"] for row in walked["at_risk"]] == [
            external[c.customer_id] for c in expected
        ]


@pytest.mark.django_db
class TestJit:
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
    def test_the_report_turns_jit_off_for_its_queries_only(self, dataset):
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            before = cursor.fetchone()[0]
        with CaptureQueriesContext(connection) as queries:
            report_build(shop=dataset.shop, week=WEEK)
        statements = [q["sql"] for q in queries.captured_queries]
        assert statements[0] == "SET jit = off"
        assert "RESET jit" in statements
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == before
