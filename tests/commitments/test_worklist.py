"""Today's worklist: what is due today (and late), from the kinds' deadlines and the calendar."""

from datetime import datetime
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
