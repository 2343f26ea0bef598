"""handwritten_note: 10 lines for the first parcel, 5 six months later (seeds/004)."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "handwritten_note"
ORDER = event("order_placed", "2026-11-20 10:00", "o1", total=4800)


def note(lines):
    return event("note_enclosed", "2026-11-21 10:00", "n1", lines=lines)


# (params, lines, customer's last, customer's best, kept, verdict types)
CASES = [
    ({"min_lines": 10}, 4, None, None, False, ("breach",)),
    ({"min_lines": 10}, 9, 12.0, 12.0, False, ("breach",)),
    ({"min_lines": 10}, 10, None, None, True, ()),
    ({"min_lines": 10}, 10, 10.0, 10.0, True, ()),
    ({"min_lines": 5}, 6, 10.0, 10.0, True, ("drift",)),
    ({"min_lines": 5}, 5, 10.0, 10.0, True, ("drift",)),
    ({"min_lines": 5}, 6, 6.0, 10.0, True, ()),
    ({"min_lines": 5, "drift_tolerance": 2}, 8, 10.0, 10.0, True, ()),
    ({"min_lines": 5, "drift_tolerance": 2}, 7, 10.0, 10.0, True, ("drift",)),
    ({"min_lines": 5}, 10, None, None, True, ()),
    ({"min_lines": 5}, 11, None, None, True, ("precedent",)),
    ({"min_lines": 5, "precedent_above": 10}, 11, None, None, True, ()),
    ({"min_lines": 5}, 16, 20.0, 20.0, True, ("drift", "precedent")),
]
IDS = [
    "4-lines-under-promise-10-is-breach",
    "9-lines-under-10-is-breach-not-drift",
    "10-lines-exactly-kept",
    "10-lines-again-kept",
    "10-last-time-6-now-promise-5-is-drift",
    "10-last-time-5-now-promise-5-is-drift",
    "6-lines-like-last-time-kept",
    "within-drift-tolerance",
    "beyond-drift-tolerance",
    "10-lines-under-promise-5-is-not-yet-a-precedent",
    "11-lines-under-promise-5-is-a-precedent",
    "precedent-threshold-is-a-parameter",
    "long-but-shorter-than-last-time-is-both",
]


class TestHandwrittenNoteJudge:
    @pytest.mark.parametrize(("params", "lines", "last", "best", "kept", "types"), CASES, ids=IDS)
    def test_lines_against_the_promise_and_the_customers_last_note(
        self, params, lines, last, best, kept, types
    ):
        result = judge(
            KIND, occasion=ORDER, action=note(lines), params=params, past=history(last, best)
        )

        assert result.level == lines
        assert result.kept is kept
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["lines"] == lines
            assert verdict.details["min_lines"] == params["min_lines"]
            assert verdict.details["customer_last"] == (None if last is None else int(last))

    def test_drift_message_tells_the_manager_what_the_customer_got_last_time(self):
        result = judge(
            KIND,
            occasion=ORDER,
            action=note(6),
            params={"min_lines": 5},
            past=history(last=10.0, best=10.0),
        )

        (verdict,) = result.verdicts
        assert verdict.type == "drift"
        assert verdict.message_ja == (
            "手書きメッセージが6行でした。このお客様は前回10行を受け取っています（約束は5行以上）。"
        )
        assert verdict.message_en == (
            "The note had 6 lines; this customer got 10 lines last time (promise: at least 5)."
        )
        assert verdict.details == {
            "lines": 6,
            "min_lines": 5,
            "customer_last": 10,
            "customer_best": 10,
        }

    def test_breach_message_names_the_lines_and_the_promise(self):
        result = judge(KIND, occasion=ORDER, action=note(4), params={"min_lines": 10})

        assert result.verdicts[0].message_en == (
            "The note had 4 lines; the promise is at least 10."
        )
        assert result.verdicts[0].message_ja == "手書きメッセージが4行でした（約束は10行以上）。"

    def test_a_long_note_is_remembered_with_its_lines(self):
        result = judge(KIND, occasion=ORDER, action=note(12), params={"min_lines": 5})

        assert result.precedent == {"what": "long_note", "lines": 12}

    def test_a_note_without_a_line_count_is_not_judged(self):
        action = event("note_enclosed", "2026-11-21 10:00", "n1")

        assert judge(KIND, occasion=ORDER, action=action) is None

    def test_a_shipment_is_not_judged_as_a_note(self):
        action = event("shipped", "2026-11-21 10:00", "s1")

        assert judge(KIND, occasion=ORDER, action=action) is None

    def test_a_note_is_not_due_before_the_order_ships(self):
        assert deadline(KIND, occasion=ORDER) is None

    def test_a_note_is_due_when_the_first_shipment_leaves(self):
        first = event("shipped", "2026-11-21 15:00", "s1")
        second = event("shipped", "2026-11-22 11:00", "s2")
        reply = event("shipping_notice_sent", "2026-11-21 09:00", "m1")

        due = deadline(KIND, occasion=ORDER, related=[second, reply, first])

        assert due == at("2026-11-21 15:00")


class TestHandwrittenNoteWithoutOccasion:
    """A note answering no recorded order is still measured: lines are lines."""

    @pytest.mark.parametrize(
        ("params", "lines", "last", "types"),
        [
            ({"min_lines": 5}, 6, 10.0, ("drift",)),
            ({"min_lines": 5}, 4, None, ("breach",)),
            ({"min_lines": 5}, 4, 10.0, ("breach",)),
            ({"min_lines": 5}, 10, 10.0, ()),
        ],
        ids=[
            "6-lines-after-10-is-drift",
            "4-lines-under-5-for-a-new-customer-is-breach",
            "below-the-promise-is-breach-not-drift",
            "10-lines-again-kept",
        ],
    )
    def test_lines_against_the_promise_and_the_last_note(self, params, lines, last, types):
        result = judge(KIND, occasion=None, action=note(lines), params=params, past=history(last))

        assert result.types == types
        assert result.level == lines
        assert result.kept is ("breach" not in types)


class TestHandwrittenNoteVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"min_lines": 10}, {"min_lines": 5}, True),
            ({"min_lines": 5}, {"min_lines": 10}, False),
            ({"min_lines": 10}, {"min_lines": 10, "drift_tolerance": 3}, False),
            ({"min_lines": 10}, {}, False),
        ],
        ids=["10-to-5-lowers", "5-to-10-raises", "tolerance-only", "default-is-10"],
    )
    def test_fewer_lines_lowers_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_promised_level_is_the_minimum_lines(self):
        assert registry.get(KIND).promised_level({"min_lines": 5}) == 5
