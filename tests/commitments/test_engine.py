"""The check engine: judging through the log, history, versions, exceptions, reconciling rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import judging, services
from commitments.models import (
    Action,
    Check,
    Commitment,
    Customer,
    Finding,
    FindingStatus,
)
from policies.models import Promise

from .conftest import at


def findings(**filters):
    return sorted(
        (f.action.external_id, f.type, f.excused)
        for f in Finding.objects.select_related("action").filter(**filters)
    )


def commitment_of(customer, promise):
    return Commitment.objects.get(customer__external_id=customer, promise=promise)


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 5})


def order_and_note(log, n, customer, when, lines, judge=True, **extra):
    log.occasion(f"O-{n}", customer, "order_placed", at(when), judge=judge, total=5000)
    return log.action(
        f"N-{n}",
        customer,
        "note_enclosed",
        at(when) + timedelta(days=1),
        occasion=f"O-{n}",
        judge=judge,
        lines=lines,
        **extra,
    )


class TestHandwrittenNoteThroughTheLog:
    def test_shorter_note_than_last_time_is_drift_with_the_numbers(self, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 2, "C-1", "2026-11-16 10:00", 6)
        [finding] = Finding.objects.all()
        assert (finding.action.external_id, finding.type, finding.excused) == (
            "N-2",
            "drift",
            False,
        )
        assert finding.details["lines"] == 6
        assert finding.details["min_lines"] == 5
        assert finding.details["customer_last"] == 10
        assert finding.promise_version == note_promise.versions.get()
        assert finding.occasion.external_id == "O-2"
        assert finding.message_en and finding.message_ja
        commitment = commitment_of("C-1", note_promise)
        assert (commitment.last_level, commitment.best_level, commitment.count) == (6, 10, 2)
        assert commitment.first_at == at("2026-05-12 10:00")
        assert commitment.last_at == at("2026-11-17 10:00")

    def test_note_below_the_promise_is_breach_and_its_check_not_kept(self, log, note_promise):
        note = order_and_note(log, 1, "C-1", "2026-11-16 10:00", 4)
        assert findings() == [("N-1", "breach", False)]
        check = Check.objects.get(action=note)
        assert (check.level, check.kept, check.promise_version_id) == (
            4,
            False,
            note_promise.versions.get().pk,
        )

    def test_other_customers_history_does_not_count(self, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 2, "C-2", "2026-11-16 10:00", 6)
        assert findings() == []

    def test_backfilled_earlier_note_rechecks_the_later_one(self, log, note_promise):
        order_and_note(log, 2, "C-1", "2026-11-16 10:00", 6)
        assert findings() == []
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        assert findings() == [("N-2", "drift", False)]

    def test_finding_that_no_longer_follows_is_deleted(self, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 3, "C-1", "2026-11-16 10:00", 6)
        assert findings() == [("N-3", "drift", False)]
        order_and_note(log, 2, "C-1", "2026-08-10 10:00", 6)
        assert findings() == [("N-2", "drift", False)]
        assert commitment_of("C-1", note_promise).count == 3

    def test_unchanged_finding_keeps_its_id_and_status(self, log, shop, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 2, "C-1", "2026-11-16 10:00", 6)
        finding = Finding.objects.get()
        Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.ACKNOWLEDGED)
        customer = Customer.objects.get(external_id="C-1")
        result = judging.judge_customers(shop=shop, customer_ids=[customer.pk])
        again = Finding.objects.get()
        assert (again.pk, again.status) == (finding.pk, FindingStatus.ACKNOWLEDGED)
        assert result.created == {"check": 0, "finding": 0, "commitment": 0}
        assert result.updated == {"check": 0, "finding": 0, "commitment": 0}
        assert result.deleted == {"check": 0, "finding": 0, "commitment": 0}

    def test_changed_finding_is_updated_in_place(self, log, shop, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 3, "C-1", "2026-11-16 10:00", 6)
        before = Finding.objects.get()
        order_and_note(log, 2, "C-1", "2026-08-10 10:00", 12)
        after = Finding.objects.get(action__external_id="N-3")
        assert after.pk == before.pk
        assert after.details["customer_last"] == 12

    def test_action_before_the_promise_took_effect_is_experience_but_not_judged(
        self, log, make_promise
    ):
        make_promise("handwritten_note", {"min_lines": 5}, effective_from=at("2026-06-01 00:00"))
        note = order_and_note(log, 1, "C-1", "2026-05-11 10:00", 2)
        assert Check.objects.filter(action=note).count() == 0
        assert Finding.objects.count() == 0
        commitment = Commitment.objects.get()
        assert (commitment.count, commitment.last_level, commitment.best_level) == (1, 2.0, 2.0)
        assert Action.objects.get(pk=note.pk).judged_at is not None

    def test_each_action_is_judged_by_the_version_in_force_at_its_time(
        self, log, shop, note_promise, add_version
    ):
        version_2 = add_version(
            note_promise, {"min_lines": 8}, effective_from=at("2026-09-01 00:00")
        )
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 6)
        order_and_note(log, 2, "C-1", "2026-11-16 10:00", 6)
        assert findings() == [("N-2", "breach", False)]
        assert Finding.objects.get().promise_version == version_2
        versions = dict(Check.objects.values_list("action__external_id", "promise_version__number"))
        assert versions == {"N-1": 1, "N-2": 2}

    def test_retired_promise_does_not_judge_later_actions(self, log, note_promise):
        Promise.objects.filter(pk=note_promise.pk).update(retired_at=at("2026-09-01 00:00"))
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 4)
        order_and_note(log, 2, "C-1", "2026-11-16 10:00", 4)
        assert findings() == [("N-1", "breach", False)]

    def test_note_before_its_occasion_is_judged_on_its_lines_and_again_when_it_arrives(
        self, log, note_promise
    ):
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-17 10:00"), occasion="O-1", lines=3)
        assert findings() == [("N-1", "breach", False)]
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        assert findings() == [("N-1", "breach", False)]
        assert Check.objects.get().action.occasion.external_id == "O-1"

    def test_note_answering_an_inquiry_is_not_judged_once_the_inquiry_arrives(
        self, log, note_promise
    ):
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-17 10:00"), occasion="Q-1", lines=3)
        log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-16 10:00"))
        assert findings() == []


class TestExceptions:
    @pytest.mark.parametrize(
        ("reason", "status", "params", "excused"),
        [
            pytest.param("our_mistake", "requested", {}, True, id="our-mistake"),
            pytest.param("deadline", "requested", {}, True, id="deadline"),
            pytest.param("goodwill", "requested", {}, False, id="goodwill-not-by-default"),
            pytest.param("goodwill", "approved", {}, True, id="approved-goodwill"),
            pytest.param("our_mistake", "rejected", {}, False, id="rejected"),
            pytest.param(
                "goodwill",
                "requested",
                {"excused_reasons": ["goodwill"]},
                True,
                id="promise-accepts-goodwill",
            ),
            pytest.param(
                "deadline",
                "requested",
                {"excused_reasons": []},
                False,
                id="promise-accepts-nothing",
            ),
        ],
    )
    def test_exception_excuses_findings_as_the_promise_says(
        self, log, make_promise, manager, reason, status, params, excused
    ):
        make_promise("handwritten_note", {"min_lines": 5, **params})
        note = order_and_note(
            log, 1, "C-1", "2026-11-16 10:00", 3, exception={"reason": reason, "note": "why"}
        )
        if status != "requested":
            services.exception_decide(exception=note.exception, status=status, decided_by=manager)
        assert findings() == [("N-1", "breach", excused)]

    def test_excused_our_mistake_note_does_not_move_the_level(self, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 2, "C-1", "2026-08-10 10:00", 3, exception={"reason": "our_mistake"})
        order_and_note(log, 3, "C-1", "2026-11-16 10:00", 10)
        commitment = commitment_of("C-1", note_promise)
        assert (commitment.last_level, commitment.best_level, commitment.count) == (10, 10, 3)
        assert findings() == [("N-2", "breach", True)]

    def test_deciding_an_exception_rejudges_the_customer(self, log, note_promise, manager):
        note = order_and_note(
            log, 1, "C-1", "2026-11-16 10:00", 3, exception={"reason": "goodwill"}
        )
        assert findings() == [("N-1", "breach", False)]
        services.exception_decide(exception=note.exception, status="approved", decided_by=manager)
        assert findings() == [("N-1", "breach", True)]


class TestHolidayReplyPrecedents:
    """Seeds/004: a closed-day reply raises this customer's expectation."""

    @pytest.fixture
    def promise(self, make_promise):
        return make_promise("holiday_replies", {"mode": "none"})

    def inquiry_and_reply(self, log, n, received, replied, **extra):
        log.occasion(f"Q-{n}", "C-1", "inquiry_received", at(received), channel="email")
        return log.action(f"R-{n}", "C-1", "reply_sent", at(replied), occasion=f"Q-{n}", **extra)

    def test_closed_day_reply_is_a_precedent_and_the_next_wait_is_drift(self, log, promise):
        # 2026-11-21 is a Saturday; 2026-11-23 (Mon) is Labour Thanksgiving Day.
        self.inquiry_and_reply(log, 1, "2026-11-21 11:00", "2026-11-21 15:00")
        self.inquiry_and_reply(log, 2, "2026-11-28 11:00", "2026-11-30 10:30")
        assert findings() == [("R-1", "precedent", False), ("R-2", "drift", False)]
        commitment = commitment_of("C-1", promise)
        assert commitment.precedents == [
            {
                "action": "R-1",
                "at": "2026-11-21T15:00:00+09:00",
                "what": "closed_day_reply",
                "reason": commitment.precedents[0]["reason"],
            }
        ]
        assert commitment.best_level == 1

    def test_excused_our_mistake_reply_creates_no_precedent(self, log, promise):
        self.inquiry_and_reply(
            log, 1, "2026-11-21 11:00", "2026-11-21 15:00", exception={"reason": "our_mistake"}
        )
        self.inquiry_and_reply(log, 2, "2026-11-28 11:00", "2026-11-30 10:30")
        assert findings() == [("R-1", "precedent", True)]
        assert commitment_of("C-1", promise).precedents == []

    def test_goodwill_reply_is_a_precedent_even_when_approved(self, log, promise, manager):
        reply = self.inquiry_and_reply(
            log, 1, "2026-11-21 11:00", "2026-11-21 15:00", exception={"reason": "goodwill"}
        )
        services.exception_decide(exception=reply.exception, status="approved", decided_by=manager)
        self.inquiry_and_reply(log, 2, "2026-11-28 11:00", "2026-11-30 10:30")
        assert findings() == [("R-1", "precedent", True), ("R-2", "drift", False)]
        assert [p["action"] for p in commitment_of("C-1", promise).precedents] == ["R-1"]


class TestShippingThroughTheLog:
    """Seeds/003: 16:00 cutoff, around weekends and holidays, tracking on the shipping day."""

    @pytest.mark.parametrize(
        ("ordered", "shipped", "expected"),
        [
            pytest.param("2026-11-20 15:30", "2026-11-20 17:00", [], id="fri-before-cutoff"),
            pytest.param(
                "2026-11-20 15:30",
                "2026-11-24 11:00",
                [("S-1", "breach", False)],
                id="fri-before-cutoff-shipped-after-holiday",
            ),
            pytest.param("2026-11-20 16:30", "2026-11-24 11:00", [], id="fri-after-cutoff"),
            pytest.param(
                "2026-11-20 18:00",
                "2026-11-20 18:30",
                [("S-1", "precedent", False)],
                id="after-cutoff-shipped-same-day",
            ),
        ],
    )
    def test_cutoff_around_the_weekend_and_holiday(
        self, log, make_promise, ordered, shipped, expected
    ):
        make_promise("shipping_cutoff", {"cutoff": "16:00"})
        log.occasion("O-1", "C-1", "order_placed", at(ordered), total=3000)
        log.action("S-1", "C-1", "shipped", at(shipped), occasion="O-1", extras=[])
        assert findings() == expected

    def test_business_days_late_is_in_the_details(self, log, make_promise):
        make_promise("shipping_cutoff", {"cutoff": "16:00"})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-19 15:30"), total=3000)
        log.action("S-1", "C-1", "shipped", at("2026-11-24 11:00"), occasion="O-1")
        details = Finding.objects.get().details
        assert (details["promised_by"], details["shipped_on"], details["business_days_late"]) == (
            "2026-11-19",
            "2026-11-24",
            2,
        )

    def test_notice_is_judged_with_its_shipment_as_related(self, log, make_promise):
        make_promise("shipping_notice", {"same_day": True, "tracking_required": True})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-19 10:00"), total=3000)
        log.action(
            "S-1", "C-1", "shipped", at("2026-11-19 15:00"), occasion="O-1", tracking_number="T1"
        )
        log.action("M-1", "C-1", "shipping_notice_sent", at("2026-11-20 09:00"), occasion="O-1")
        assert [t for (_, t, _) in findings()] == ["breach"]
        assert Finding.objects.get().action.external_id == "M-1"


class TestReconciling:
    def test_overdue_findings_are_left_to_the_sweeper(self, log, shop, note_promise):
        occasion = log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=1)
        Finding.objects.create(
            shop=shop,
            customer=occasion.customer,
            promise=note_promise,
            promise_version=note_promise.versions.get(),
            occasion=occasion,
            type="overdue",
            occurred_at=at("2026-11-18 00:00"),
            message_ja="期限切れ",
            message_en="overdue",
        )
        log.action("N-1", "C-1", "note_enclosed", at("2026-11-19 10:00"), occasion="O-1", lines=3)
        assert sorted(Finding.objects.values_list("type", flat=True)) == ["breach", "overdue"]

    def test_commitment_without_judged_actions_is_deleted(self, log, shop, note_promise):
        order_and_note(log, 1, "C-1", "2026-11-16 10:00", 6)
        Action.objects.all().delete()
        customer = Customer.objects.get()
        result = judging.judge_customers(shop=shop, customer_ids=[customer.pk])
        assert Commitment.objects.count() == 0
        assert result.deleted["commitment"] == 1

    def test_customers_of_another_shop_are_ignored(self, log, shop, note_promise):
        from policies.models import Shop

        other = Shop.objects.create(slug="other", name="Other")
        order_and_note(log, 1, "C-1", "2026-11-16 10:00", 3, judge=False)
        customer = Customer.objects.get()
        assert judging.judge_customers(shop=other, customer_ids=[customer.pk]).customers == 0
        assert Finding.objects.count() == 0

    def test_judge_actions_judges_their_customers(self, log, note_promise):
        first = order_and_note(log, 1, "C-1", "2026-11-16 10:00", 3, judge=False)
        second = order_and_note(log, 2, "C-2", "2026-11-16 10:00", 4, judge=False)
        assert Finding.objects.count() == 0
        result = judging.judge_actions(action_ids=[first.pk, second.pk])
        assert result.customers == 2
        assert findings() == [("N-1", "breach", False), ("N-2", "breach", False)]
        assert Action.objects.filter(unjudged__isnull=False).count() == 0


class TestQueryCount:
    def _log_customers(self, log, prefix, count):
        for index in range(count):
            customer = f"{prefix}-{index}"
            for n, (ordered, lines) in enumerate(
                (("2026-05-11 10:00", 10), ("2026-11-20 15:30", 6)), start=1
            ):
                log.occasion(
                    f"{customer}-O{n}",
                    customer,
                    "order_placed",
                    at(ordered),
                    judge=False,
                    total=8000,
                )
                log.action(
                    f"{customer}-N{n}",
                    customer,
                    "note_enclosed",
                    at("2026-11-20 16:00"),
                    occasion=f"{customer}-O{n}",
                    judge=False,
                    lines=lines,
                    exception={"reason": "goodwill"} if n == 2 else None,
                )
                log.action(
                    f"{customer}-S{n}",
                    customer,
                    "shipped",
                    at(ordered).replace(hour=17),
                    occasion=f"{customer}-O{n}",
                    judge=False,
                    extras=["greeting_card"],
                )
        return list(
            Customer.objects.filter(external_id__startswith=f"{prefix}-").values_list(
                "id", flat=True
            )
        )

    def _queries(self, shop, ids) -> int:
        with CaptureQueriesContext(connection) as captured:
            judging.judge_customers(shop=shop, customer_ids=ids)
        return len(captured.captured_queries)

    def test_queries_do_not_grow_with_the_number_of_customers(self, log, shop, make_promise):
        # Sized so SQLite's cap on parameters per statement (999) does not split the bulk
        # inserts; on PostgreSQL each bulk write is one statement whatever the size.
        make_promise("handwritten_note", {"min_lines": 5})
        make_promise("shipping_cutoff", {"cutoff": "16:00"})
        make_promise("included_extras")
        one = self._log_customers(log, "one", 1)
        twenty = self._log_customers(log, "twenty", 20)
        first_one, first_twenty = self._queries(shop, one), self._queries(shop, twenty)
        assert Finding.objects.filter(type="drift").count() == 21
        assert Check.objects.count() == 21 * 6
        assert first_one == first_twenty
        # Judging again changes nothing, again in the same number of queries.
        assert self._queries(shop, one) == self._queries(shop, twenty) < first_one
