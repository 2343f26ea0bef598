"""Today's worklist: what is due today (and late), from the kinds' deadlines and the calendar."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commitments.worklist import worklist_for

TOKYO = ZoneInfo("Asia/Tokyo")
# Tuesday 2026-11-24 11:00 in Tokyo (Monday the 23rd is a holiday; the shop closes weekends).
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=TOKYO)


@pytest.fixture
def promised(make_promise):
    make_promise("shipping_cutoff", {"cutoff": "16:00"})
    make_promise("shipping_notice", {"same_day": True})
    make_promise("reply_time", {"within_business_hours": 7})
    make_promise("handwritten_note", {"min_lines": 5})


@pytest.fixture
def day(shop, promised, log):
    # Due today: ordered Friday 17:00 (after the cutoff) → next shipping day Tuesday.
    log.occasion("O-FRI", "C-1", "order_placed", "2026-11-20 17:00", total=5000)
    # Late: ordered Thursday 10:00 → Thursday; still not shipped.
    log.occasion("O-THU", "C-2", "order_placed", "2026-11-19 10:00", total=5000)
    # Not yet due: ordered today 17:00 would be Wednesday; ordered today 10:00 is today.
    log.occasion("O-TUE", "C-3", "order_placed", "2026-11-24 10:00", total=5000)
    # Shipped: not on the list; its notice is due today.
    log.occasion("O-MON", "C-4", "order_placed", "2026-11-20 09:00", total=5000)
    log.action("S-MON", "C-4", "shipped", "2026-11-24 09:30", occasion="O-MON")
    # A note already written for O-FRI: the note section leaves it out.
    log.action("N-FRI", "C-1", "note_enclosed", "2026-11-24 09:00", occasion="O-FRI", lines=6)
    # An inquiry Monday (holiday) 20:00: 7 business hours → due today 18:00.
    log.occasion("I-1", "C-5", "inquiry_received", "2026-11-23 20:00", channel="email")
    # An inquiry answered: not listed.
    log.occasion("I-2", "C-6", "inquiry_received", "2026-11-24 09:00", channel="email")
    log.action("R-2", "C-6", "reply_sent", "2026-11-24 10:00", occasion="I-2")
    cache.clear()


def ids(section) -> list[str]:
    return [item.occasion.external_id for item in section.items]


class TestWorklist:
    def test_each_promise_lists_what_is_due_today_or_late(self, shop, day):
        worklist = worklist_for(shop=shop, now=NOW)
        by_kind = {section.kind.id: section for section in worklist.sections}
        assert ids(by_kind["shipping_cutoff"]) == ["O-THU", "O-FRI", "O-TUE"]
        assert [item.late for item in by_kind["shipping_cutoff"].items] == [True, False, False]
        assert ids(by_kind["shipping_notice"]) == ["O-MON"]
        assert ids(by_kind["reply_time"]) == ["I-1"]
        [reply] = by_kind["reply_time"].items
        # 11:00 → 12:00 and 13:00 → 18:00: six business hours left.
        assert reply.hours_left == 6.0
        assert reply.deadline == datetime(2026, 11, 24, 18, 0, tzinfo=TOKYO)

    def test_notes_still_to_write_are_the_orders_due_without_a_note(self, shop, day):
        worklist = worklist_for(shop=shop, now=NOW)
        assert sorted(note.occasion.external_id for note in worklist.notes) == ["O-THU", "O-TUE"]
        assert {note.min_lines for note in worklist.notes} == {5}

    def test_open_findings_and_requested_exceptions_are_listed(self, shop, day, log):
        log.occasion("O-X", "C-7", "order_placed", "2026-11-24 08:00", total=5000)
        log.action(
            "N-X",
            "C-7",
            "note_enclosed",
            "2026-11-24 09:00",
            occasion="O-X",
            lines=2,
            exception={"reason": "goodwill", "note": "rush"},
        )
        worklist = worklist_for(shop=shop, now=NOW)
        assert worklist.exceptions_count == 1
        assert worklist.exceptions[0].action.external_id == "N-X"
        # The 2-line note, and O-MON shipped Tuesday though ordered Friday before the cutoff.
        assert worklist.findings_count == 2
        assert sorted(f.action.external_id for f in worklist.findings) == ["N-X", "S-MON"]
        assert {f.type for f in worklist.findings} == {"breach"}

    def test_the_number_of_queries_does_not_grow_with_the_orders(self, shop, promised, log):
        def queries():
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                worklist_for(shop=shop, now=NOW)
            return len(captured)

        log.occasion("Q-0", "QC-0", "order_placed", "2026-11-24 10:00", total=5000)
        few = queries()
        for n in range(1, 30):
            log.occasion(f"Q-{n}", f"QC-{n}", "order_placed", "2026-11-24 10:00", total=5000)
        assert queries() == few

    def test_the_page_links_each_item_to_its_customer_and_counts_in_the_nav(
        self, shop, day, staff, monkeypatch
    ):
        monkeypatch.setattr("commitments.worklist.timezone.now", lambda: NOW)
        cache.clear()  # the navigation's count is cached a minute per shop
        client = Client()
        client.force_login(staff)
        page = client.get("/shops/kobo/today/").content.decode()
        assert "O-FRI" in page and "/shops/kobo/customers/C-1/" in page
        assert "6.0" in page
        # Each promise's own parameters in words (its fields' labels), never their keys.
        assert " · Cutoff time: 16:00</small>" in page
        assert "Reply within (business hours): 7; Drift tolerance (hours): 4" in page
        assert "cutoff:" not in page and "within_business_hours" not in page
        count = worklist_for(shop=shop, now=NOW).count
        assert f'<span class="count" title="items due today">{count}</span>' in page

    def test_the_page_builds_the_worklist_once_for_itself_and_its_badge(
        self, shop, day, staff, monkeypatch
    ):
        monkeypatch.setattr("commitments.worklist.timezone.now", lambda: NOW)
        client = Client()
        client.force_login(staff)
        client.get("/shops/kobo/today/")

        def queries():
            with CaptureQueriesContext(connection) as captured:
                client.get("/shops/kobo/today/")
            return len(captured)

        warm = queries()
        cache.clear()  # the badge's count expired: the page's own worklist gives it
        assert queries() == warm


# Monday 2026-11-30 11:00 in Tokyo (an ordinary Monday: the weekend before is closed).
MONDAY = datetime(2026, 11, 30, 11, 0, tzinfo=TOKYO)


@pytest.fixture
def weekend_inquiries(shop, make_promise, log):
    make_promise("reply_time", {"within_business_hours": 7})
    # Friday 17:00: one business hour Friday, six on Monday → due Monday 17:00.
    log.occasion("I-FRI", "C-1", "inquiry_received", "2026-11-27 17:00", channel="email")
    # Thursday 17:00 → due Friday 17:00; Wednesday 17:00 → due Thursday 17:00: both late.
    log.occasion("I-THU", "C-2", "inquiry_received", "2026-11-26 17:00", channel="email")
    log.occasion("I-WED", "C-3", "inquiry_received", "2026-11-25 17:00", channel="email")
    cache.clear()


class TestWindow:
    """Deadlines are computed only from the kind's reach: nothing due today is dropped."""

    def test_the_reach_keeps_the_occasions_that_can_fall_due_today(self, shop):
        from commitments.judging import calendar_for
        from policies.kinds import registry

        calendar = calendar_for(shop)
        # An order Friday 17:00 (after the cutoff, before the weekend and Monday's holiday)
        # ships Tuesday: Tuesday's reach must include it.
        reach = registry.get("shipping_cutoff").deadline_reach(
            params={"cutoff": "16:00"}, calendar=calendar, day=NOW.date()
        )
        assert reach <= datetime(2026, 11, 20, 17, 0, tzinfo=TOKYO)
        assert reach > datetime(2026, 11, 19, 10, 0, tzinfo=TOKYO)  # Thursday's is late
        reach = registry.get("reply_time").deadline_reach(
            params={"within_business_hours": 7}, calendar=calendar, day=MONDAY.date()
        )
        # Friday before the inbox opens at 10:00 was due Friday; from 10:00 on, Monday.
        assert datetime(2026, 11, 27, 9, 58, tzinfo=TOKYO) <= reach
        assert reach <= datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)
        # A kind that cannot say keeps the whole window.
        assert (
            registry.get("handwritten_note").deadline_reach(
                params={"min_lines": 5}, calendar=calendar, day=MONDAY.date()
            )
            is None
        )

    def test_a_friday_evening_inquiry_is_due_monday_and_older_ones_are_late(
        self, shop, weekend_inquiries
    ):
        worklist = worklist_for(shop=shop, now=MONDAY)
        [section] = worklist.sections
        assert ids(section) == ["I-WED", "I-THU", "I-FRI"]
        assert [item.late for item in section.items] == [True, True, False]
        friday = section.items[2]
        assert friday.deadline == datetime(2026, 11, 30, 17, 0, tzinfo=TOKYO)
        assert friday.hours_left == 5.0
        assert section.late_more == 0
        assert worklist.count == 3

    def test_late_ones_before_the_reach_are_bounded_and_counted(
        self, shop, weekend_inquiries, monkeypatch
    ):
        monkeypatch.setattr("commitments.worklist.LATE_MAX", 1)
        worklist = worklist_for(shop=shop, now=MONDAY)
        [section] = worklist.sections
        # The most recent late one is listed, the other counted; today's is always listed.
        assert ids(section) == ["I-THU", "I-FRI"]
        assert section.late_more == 1
        assert worklist.count == 3


@pytest.fixture
def every_kind_with_a_reach(shop, make_promise, log):
    """Three weeks of orders, inquiries and reviews every 5 hours, every third one answered."""
    make_promise("shipping_cutoff", {"cutoff": "16:00"})
    make_promise("reply_time", {"within_business_hours": 7})
    make_promise("thank_you_message", {"within_hours": 20})
    make_promise("holiday_replies", {"mode": "always"})
    make_promise("review_reply", {"scope": "low", "low_max_rating": 3, "within_days": 2})
    make_promise("review_reply", {"scope": "all", "within_days": 1}, name="every review")
    answers = {
        "order_placed": ("shipped", "thank_you_sent"),
        "inquiry_received": ("reply_sent",),
        "review_posted": ("review_replied",),
    }
    moment = datetime(2026, 11, 12, 0, 30)
    n = 0
    while moment < datetime(2026, 12, 6):
        for kind, actions in answers.items():
            n += 1
            when = moment.strftime("%Y-%m-%d %H:%M")
            attributes = {"rating": n % 5 + 1} if kind == "review_posted" else {}
            log.occasion(f"E-{n}", f"C-{n % 40}", kind, when, judge=False, **attributes)
            if (n // 3) % 3 == 0:  # every third moment, each kind
                for action in actions:
                    log.action(
                        f"A-{action}-{n}",
                        f"C-{n % 40}",
                        action,
                        when,
                        occasion=f"E-{n}",
                        judge=False,
                    )
        moment += timedelta(hours=5)
    cache.clear()


def listed(worklist) -> dict:
    """Per promise: the items due today and not late, the late ones, and how many in all."""
    return {
        section.promise.pk: (
            [(item.occasion.external_id, item.deadline) for item in section.items if not item.late],
            {(item.occasion.external_id, item.deadline) for item in section.items if item.late},
            len(section.items) + section.late_more,
        )
        for section in worklist.sections
    }


class TestReachChangesNothing:
    """Every kind's reach only saves work: the worklist is the same with and without it."""

    def test_each_day_of_two_weeks_lists_the_same_with_and_without_the_reach(
        self, shop, every_kind_with_a_reach, monkeypatch
    ):
        from commitments import worklist as module

        real_reach = module._reach
        reached = set()

        def spied(item, **kwargs):
            reach = real_reach(item, **kwargs)
            if reach is not None:
                reached.add(item.kind.id)
            return reach

        day = date(2026, 11, 19)  # Thursday; the 23rd is a holiday, weekends are closed
        while day <= date(2026, 12, 2):
            for hour in (9, 11, 19):
                now = datetime.combine(day, time(hour), tzinfo=TOKYO)
                # Two late ones listed per promise at most: what is before the reach must be
                # late indeed, or it would be missing from the list or wrongly counted.
                monkeypatch.setattr(module, "LATE_MAX", 2)
                monkeypatch.setattr(module, "_reach", spied)
                with_reach = listed(worklist_for(shop=shop, now=now))
                monkeypatch.setattr(module, "_reach", lambda item, **kwargs: None)
                without = listed(worklist_for(shop=shop, now=now))
                assert with_reach.keys() == without.keys(), now
                for pk, (due, late, total) in with_reach.items():
                    assert due == without[pk][0], now
                    assert late <= without[pk][1], now
                    assert total == without[pk][2], now
            day += timedelta(days=1)
        assert any(due and late for due, late, _total in without.values()), "nothing due"
        # Each kind's reach was used (a kind without one would compare the same by itself).
        assert reached == {
            "shipping_cutoff",
            "reply_time",
            "thank_you_message",
            "holiday_replies",
            "review_reply",
        }

    def test_late_closed_day_inquiries_before_the_reach_are_counted_only_if_they_apply(
        self, shop, make_promise, log, monkeypatch
    ):
        make_promise("holiday_replies", {"mode": "always"})
        # Saturday and Sunday (closed) and Friday (open: not this promise's) inquiries.
        log.occasion("I-SAT", "C-1", "inquiry_received", "2026-11-21 10:00", judge=False)
        log.occasion("I-SUN", "C-2", "inquiry_received", "2026-11-22 10:00", judge=False)
        log.occasion("I-FRI", "C-3", "inquiry_received", "2026-11-20 10:00", judge=False)
        monkeypatch.setattr("commitments.worklist.LATE_MAX", 1)
        worklist = worklist_for(shop=shop, now=datetime(2026, 11, 26, 11, 0, tzinfo=TOKYO))
        [section] = worklist.sections
        # Due when the inbox reopened (Tuesday: Monday the 23rd was a holiday): both late.
        assert ids(section) == ["I-SUN"]
        assert section.items[0].deadline == datetime(2026, 11, 24, 0, 0, tzinfo=TOKYO)
        assert section.late_more == 1
        assert worklist.count == 2

    def test_a_notice_has_no_reach_an_old_order_shipped_today_is_due_today(
        self, shop, make_promise, log
    ):
        from commitments.judging import calendar_for
        from policies.kinds import registry

        make_promise("shipping_notice", {"same_day": True})
        calendar = calendar_for(shop)
        for kind_id in ("shipping_notice", "handwritten_note"):
            kind = registry.get(kind_id)
            assert (
                kind.deadline_reach(
                    params=kind.default_params(), calendar=calendar, day=MONDAY.date()
                )
                is None
            )
        # Ordered six days ago, shipped today: its notice is due by the end of today.
        log.occasion("O-OLD", "C-1", "order_placed", "2026-11-24 09:00", judge=False)
        log.action("S-OLD", "C-1", "shipped", "2026-11-30 09:00", occasion="O-OLD", judge=False)
        [section] = worklist_for(shop=shop, now=MONDAY).sections
        assert ids(section) == ["O-OLD"]
        assert section.items[0].late is False

    def test_review_and_closed_day_reaches_keep_what_can_fall_due_today(self, shop):
        from commitments.judging import calendar_for
        from policies.kinds import registry

        calendar = calendar_for(shop)
        tuesday = NOW.date()  # after the weekend and Monday's holiday
        reach = registry.get("holiday_replies").deadline_reach(
            params={"mode": "always"}, calendar=calendar, day=tuesday
        )
        # Saturday to Monday were due when the inbox opened Tuesday: late by its start.
        # Tuesday's own inquiries are not (open day); Friday's are before the reach.
        assert datetime(2026, 11, 23, 23, 58, tzinfo=TOKYO) <= reach
        assert reach <= datetime(2026, 11, 24, 0, 0, tzinfo=TOKYO)
        assert (
            registry.get("holiday_replies").deadline_reach(
                params={"mode": "none"}, calendar=calendar, day=tuesday
            )
            is None
        )
        # One open day of the inbox: a review Friday is due by the end of Tuesday (the next
        # open day), so it is kept; one Thursday was due Friday, before the reach.
        reach = registry.get("review_reply").deadline_reach(
            params={"scope": "all", "low_max_rating": 3, "within_days": 1},
            calendar=calendar,
            day=tuesday,
        )
        assert datetime(2026, 11, 19, 23, 58, tzinfo=TOKYO) <= reach
        assert reach <= datetime(2026, 11, 20, 0, 0, tzinfo=TOKYO)


class TestWorklistLinks:
    """Each item links to where its action is done, filled in for it (staff and managers)."""

    def test_orders_link_to_the_packing_station_and_inquiries_to_the_pre_check(
        self, shop, day, staff, monkeypatch
    ):
        monkeypatch.setattr("commitments.worklist.timezone.now", lambda: NOW)
        client = Client()
        client.force_login(staff)
        page = client.get("/shops/kobo/today/").content.decode()
        assert 'href="/shops/kobo/packing/?order=O-FRI"' in page
        assert (
            'href="/shops/kobo/precheck/?customer=C-5&amp;kind=reply_sent&amp;occasion=I-1"' in page
        )
        assert 'href="/shops/kobo/packing/?order=O-TUE"' in page  # its note is still to write
        found = client.get("/shops/kobo/packing/?order=O-FRI")
        assert found.context["order"].external_id == "O-FRI"
        prefilled = client.get("/shops/kobo/precheck/?customer=C-5&kind=reply_sent&occasion=I-1")
        assert prefilled.context["form"]["occasion"].value() == "I-1"

    def test_viewers_read_without_links_to_actions(self, shop, day, viewer, monkeypatch):
        monkeypatch.setattr("commitments.worklist.timezone.now", lambda: NOW)
        client = Client()
        client.force_login(viewer)
        page = client.get("/shops/kobo/today/").content.decode()
        assert "O-FRI" in page
        assert "/packing/?order=" not in page and "/precheck/?customer=" not in page
