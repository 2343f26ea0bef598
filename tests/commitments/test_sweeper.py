"""The overdue sweeper: deadlines passed with no fulfilling action, raised exactly once."""

from datetime import datetime, timedelta

import pytest

from commitments import judging, sweeper
from commitments.judging import overdue as overdue_detection
from commitments.models import Finding, FindingType, Import, ImportStatus

from .conftest import at

NOW = at("2026-11-20 12:00")  # a Friday; the shop closes on Saturdays and Sundays


def overdue():
    return Finding.objects.filter(type=FindingType.OVERDUE)


# (promise kind, params, occasion (kind, when, attributes), actions (kind, when, attributes),
#  the deadline expected, or None for no overdue)
CASES = [
    pytest.param(
        "shipping_cutoff",
        {"cutoff": "16:00"},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [],
        "2026-11-17T00:00:00+09:00",
        id="order not shipped by its ship-by day",
    ),
    pytest.param(
        "shipping_cutoff",
        {"cutoff": "16:00"},
        ("order_placed", "2026-11-20 10:00", {"total": 5000}),
        [],
        None,
        id="ship-by day not over yet",
    ),
    pytest.param(
        "shipping_cutoff",
        {"cutoff": "16:00"},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [("shipped", "2026-11-16 15:00", {})],
        None,
        id="shipped on time",
    ),
    pytest.param(
        "shipping_cutoff",
        {"cutoff": "16:00"},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [("shipped", "2026-11-18 15:00", {})],
        None,
        id="shipped late before the sweep: a breach, not overdue",
    ),
    pytest.param(
        "shipping_notice",
        {"same_day": True},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [("shipped", "2026-11-16 15:00", {"tracking_number": "T1"})],
        "2026-11-17T00:00:00+09:00",
        id="no shipping notice on the day of shipment",
    ),
    pytest.param(
        "shipping_notice",
        {"same_day": True},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [],
        None,
        id="no notice due before the parcel ships",
    ),
    pytest.param(
        "reply_time",
        {"within_business_hours": 8},
        ("inquiry_received", "2026-11-16 10:00", {"channel": "email"}),
        [],
        "2026-11-17T11:00:00+09:00",
        id="no reply within the business hours",
    ),
    pytest.param(
        "reply_time",
        {"within_business_hours": 8},
        ("inquiry_received", "2026-11-16 10:00", {"channel": "email"}),
        [("reply_sent", "2026-11-16 11:00", {})],
        None,
        id="replied",
    ),
    pytest.param(
        "holiday_replies",
        {"mode": "always"},
        ("inquiry_received", "2026-11-14 11:00", {"channel": "email"}),
        [],
        "2026-11-16T00:00:00+09:00",
        id="closed-day inquiry unanswered before the inbox reopened",
    ),
    pytest.param(
        "holiday_replies",
        {"mode": "none"},
        ("inquiry_received", "2026-11-14 11:00", {"channel": "email"}),
        [],
        None,
        id="no closed-day replies promised",
    ),
    pytest.param(
        "review_reply",
        {"scope": "low", "within_days": 3},
        ("review_posted", "2026-11-16 20:00", {"rating": 2}),
        [],
        "2026-11-20T00:00:00+09:00",
        id="low review without reply",
    ),
    pytest.param(
        "review_reply",
        {"scope": "low", "within_days": 3},
        ("review_posted", "2026-11-16 20:00", {"rating": 5}),
        [],
        None,
        id="high review needs no reply under scope low",
    ),
    pytest.param(
        "thank_you_message",
        {"within_hours": 24},
        ("order_placed", "2026-11-18 10:00", {"total": 5000}),
        [],
        "2026-11-19T10:00:00+09:00",
        id="no thank-you within the hours",
    ),
    pytest.param(
        "handwritten_note",
        {},
        ("order_placed", "2026-11-02 10:00", {"total": 5000}),
        [],
        None,
        id="a note is not due before the order ships",
    ),
    pytest.param(
        "handwritten_note",
        {},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [("shipped", "2026-11-17 15:00", {})],
        "2026-11-17T15:00:00+09:00",
        id="a parcel shipped with no note is overdue from the shipment",
    ),
    pytest.param(
        "handwritten_note",
        {},
        ("order_placed", "2026-11-16 10:00", {"total": 5000}),
        [("note_enclosed", "2026-11-17 14:00", {"lines": 10}), ("shipped", "2026-11-17 15:00", {})],
        None,
        id="a parcel shipped with its note is not overdue",
    ),
    pytest.param(
        "handwritten_note",
        {},
        ("order_placed", "2026-11-20 10:00", {"total": 5000}),
        [("shipped", "2026-11-20 13:00", {})],
        None,
        id="a shipment after the sweep's now is not yet due",
    ),
    pytest.param(
        "included_extras",
        {},
        ("order_placed", "2026-11-02 10:00", {"total": 9000}),
        [],
        None,
        id="extras have no deadline",
    ),
]


@pytest.mark.django_db
class TestOverdue:
    @pytest.mark.parametrize(("kind", "params", "occasion", "actions", "deadline"), CASES)
    def test_overdue_is_raised_when_the_deadline_passed_unfulfilled(
        self, shop, make_promise, log, kind, params, occasion, actions, deadline
    ):
        promise = make_promise(kind, params)
        occasion_kind, when, attributes = occasion
        log.occasion("OC-1", "C-1", occasion_kind, at(when), judge=False, **attributes)
        for n, (action_kind, action_when, action_attributes) in enumerate(actions):
            log.action(f"A-{n}", "C-1", action_kind, at(action_when), "OC-1", **action_attributes)
        raised = sweeper.sweep(now=NOW).overdue
        found = list(overdue())
        if deadline is None:
            assert (raised, found) == (0, [])
            return
        assert raised == 1
        [finding] = found
        assert finding.details["deadline"] == deadline
        assert finding.occurred_at == datetime.fromisoformat(deadline)
        assert (finding.promise, finding.occasion.external_id, finding.action) == (
            promise,
            "OC-1",
            None,
        )
        assert finding.customer.external_id == "C-1"
        assert "OC-1" in finding.message_ja and "OC-1" in finding.message_en

    def test_the_message_reads_midnight_as_the_end_of_the_day_before(self, shop, make_promise, log):
        make_promise("shipping_cutoff", {"cutoff": "16:00"})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        sweeper.sweep(now=NOW)
        finding = overdue().get()
        assert "2026年11月16日(月)中" in finding.message_ja
        assert "the end of Mon 2026-11-16" in finding.message_en
        assert finding.details["occasion_at"] == "2026-11-16T10:00:00+09:00"

    def test_two_sweeps_raise_it_once(self, shop, make_promise, log):
        make_promise("shipping_cutoff")
        make_promise("thank_you_message")
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        first = sweeper.sweep(now=NOW).overdue
        second = sweeper.sweep(now=NOW + timedelta(minutes=5)).overdue
        assert (first, second) == (2, 0)
        assert overdue().count() == 2

    def test_the_unique_constraint_holds_when_two_sweeps_race(self, shop, make_promise, log):
        promise = make_promise("shipping_cutoff")
        occasion = log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        sweeper.sweep(now=NOW)
        loaded = judging.promises_load(shop=shop)[0]
        twin = overdue_detection.overdue_finding(
            loaded=loaded,
            version=promise.versions.get(),
            occasion=occasion,
            deadline=at("2026-11-17 00:00"),
            calendar=judging.calendar_for(shop),
        )
        Finding.objects.bulk_create([twin], ignore_conflicts=True)
        assert overdue().count() == 1

    def test_findings_are_stored_holding_their_customers_locks(self, shop, make_promise, log):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if not connection.features.has_select_for_update:
            pytest.skip("SQLite takes no row locks (one writer at a time)")
        make_promise("shipping_cutoff")
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        with CaptureQueriesContext(connection) as captured:
            assert sweeper.sweep(now=NOW).overdue == 1
        sql = [q["sql"] for q in captured.captured_queries]
        locked = next(
            i for i, q in enumerate(sql) if "commitments_customer" in q and "FOR" in q.upper()
        )
        written = next(
            i for i, q in enumerate(sql) if q.startswith('INSERT INTO "commitments_finding"')
        )
        assert locked < written

    def test_an_occasion_deleted_before_the_store_gets_no_finding(self, shop, make_promise, log):
        promise = make_promise("shipping_cutoff")
        occasion = log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        finding = overdue_detection.overdue_finding(
            loaded=judging.promises_load(shop=shop)[0],
            version=promise.versions.get(),
            occasion=occasion,
            deadline=at("2026-11-17 00:00"),
            calendar=judging.calendar_for(shop),
        )
        occasion.delete()  # as import_undo would, after the sweeper read its candidates
        assert overdue_detection._findings_store([finding]) == 0
        assert not overdue().exists()

    def test_a_late_reply_after_an_overdue_keeps_it_and_is_judged_a_breach(
        self, shop, make_promise, log
    ):
        make_promise("reply_time", {"within_business_hours": 8})
        log.occasion("I-1", "C-1", "inquiry_received", at("2026-11-16 10:00"), judge=False)
        sweeper.sweep(now=NOW)
        before = overdue().get()
        log.action("R-1", "C-1", "reply_sent", at("2026-11-20 12:30"), "I-1")
        sweeper.sweep(now=NOW + timedelta(hours=1))
        after = overdue().get()
        assert (after.pk, after.details, after.status) == (before.pk, before.details, "open")
        breach = Finding.objects.get(type=FindingType.BREACH)
        assert (breach.action.external_id, breach.occasion.external_id) == ("R-1", "I-1")

    def test_the_version_in_force_at_the_occasion_time_decides(
        self, shop, make_promise, add_version, log
    ):
        promise = make_promise("thank_you_message", {"within_hours": 24})
        add_version(promise, {"within_hours": 240}, effective_from=at("2026-11-17 00:00"))
        log.occasion("O-old", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        log.occasion("O-new", "C-2", "order_placed", at("2026-11-18 10:00"), judge=False)
        sweeper.sweep(now=NOW)
        finding = overdue().get()
        assert (finding.occasion.external_id, finding.promise_version.number) == ("O-old", 1)

    def test_a_promise_retired_before_the_deadline_raises_nothing(self, shop, make_promise, log):
        promise = make_promise("shipping_cutoff")
        promise.retired_at = at("2026-11-16 12:00")
        promise.save(update_fields=["retired_at"])
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        assert sweeper.sweep(now=NOW).overdue == 0

    def test_occasions_before_the_look_back_window_are_left_alone(self, shop, make_promise, log):
        make_promise("shipping_cutoff")
        old = NOW - overdue_detection.LOOK_BACK - timedelta(days=1)
        log.occasion("O-old", "C-1", "order_placed", old, judge=False)
        log.occasion("O-new", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        sweeper.sweep(now=NOW)
        assert list(overdue().values_list("occasion__external_id", flat=True)) == ["O-new"]

    def test_a_shop_with_an_import_running_waits_until_it_ends(self, shop, make_promise, log):
        make_promise("shipping_cutoff")
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        imp = Import.objects.create(shop=shop, filename="x.csv", status=ImportStatus.RUNNING)
        held = sweeper.sweep(now=imp.created_at + timedelta(minutes=1)).overdue
        Import.objects.filter(pk=imp.pk).update(status=ImportStatus.DONE)
        released = sweeper.sweep(now=imp.created_at + timedelta(minutes=2)).overdue
        assert (held, released) == (0, 1)

    def test_other_shops_are_swept_separately(self, shop, make_promise, log, make_user):
        from policies.models import Shop

        other = Shop.objects.create(slug="other", name="Other", closed_weekdays=[5, 6])
        make_promise("shipping_cutoff")
        make_promise("shipping_cutoff", on=other)
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), judge=False)
        sweeper.sweep(now=NOW)
        assert list(overdue().values_list("shop__slug", flat=True)) == ["kobo"]

    def test_queries_do_not_grow_with_the_number_of_occasions(
        self, shop, make_promise, log, django_assert_max_num_queries
    ):
        make_promise("shipping_cutoff")
        make_promise("thank_you_message")
        for n in range(30):
            log.occasion(f"O-{n}", f"C-{n}", "order_placed", at("2026-11-16 10:00"), judge=False)
        with django_assert_max_num_queries(20):
            raised = sweeper.overdue_raise(shop=shop, now=NOW)
        assert raised == 60
