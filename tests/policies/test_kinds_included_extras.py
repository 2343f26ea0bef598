"""included_extras: a greeting card from ¥6,800, gift wrap for gifts (seeds/003)."""

import pytest

from policies.kinds import registry

from .kinds_support import deadline, event, history, judge

KIND = "included_extras"
TWO_TIERS = {
    "tiers": [
        {"min_total": 6800, "extras": ["greeting_card"]},
        {"min_total": 15000, "extras": ["jade_pendant"]},
    ]
}


def order(total=7200, gift=False):
    attributes = {"gift": gift}
    if total is not None:
        attributes["total"] = total
    return event("order_placed", "2026-11-20 10:00", "o1", **attributes)


def shipped(*extras):
    return event("shipped", "2026-11-20 15:00", "s1", extras=list(extras))


# (params, order, shipment, level, customer's last, missing, extra, verdict types)
CASES = [
    ({}, order(7200), shipped("greeting_card"), 1, None, [], [], ()),
    ({}, order(6800), shipped("greeting_card"), 1, None, [], [], ()),
    ({}, order(7200), shipped(), 0, None, ["greeting_card"], [], ("breach",)),
    ({}, order(5000), shipped("greeting_card"), 1, None, [], ["greeting_card"], ("precedent",)),
    ({}, order(5000), shipped(), 0, None, [], [], ()),
    ({}, order(5000, gift=True), shipped(), 0, None, ["gift_wrap"], [], ("breach",)),
    ({}, order(7200, gift=True), shipped("gift_wrap", "greeting_card"), 2, None, [], [], ()),
    ({"gift_wrap_when_gift": False}, order(5000, gift=True), shipped(), 0, None, [], [], ()),
    (TWO_TIERS, order(16000), shipped("greeting_card"), 1, None, ["jade_pendant"], [], ("breach",)),
    (TWO_TIERS, order(16000), shipped("greeting_card", "jade_pendant"), 2, None, [], [], ()),
    ({}, order(7200), shipped("greeting_card"), 1, 2.0, [], [], ()),
    ({}, order(5000), shipped(), 0, 1.0, [], [], ()),
    ({}, order(7200), shipped(), 0, 1.0, ["greeting_card"], [], ("breach",)),
    (
        {},
        order(7200),
        shipped("gift_wrap"),
        1,
        None,
        ["greeting_card"],
        ["gift_wrap"],
        ("breach", "precedent"),
    ),
    ({}, order(None), shipped(), 0, None, [], [], ()),
]
IDS = [
    "card-on-7200-kept",
    "card-at-the-tier-threshold-kept",
    "no-card-on-7200-is-breach",
    "card-on-5000-is-a-precedent",
    "nothing-on-5000-kept",
    "gift-without-wrap-is-breach",
    "gift-with-wrap-and-card-kept",
    "gift-wrap-not-promised",
    "second-tier-missing-is-breach",
    "both-tiers-kept",
    "fewer-extras-than-last-time-but-all-earned-is-not-drift",
    "nothing-on-a-small-order-after-an-earned-card-is-not-drift",
    "breach-is-not-also-drift",
    "wrong-extra-is-breach-and-precedent",
    "order-without-total-asks-for-no-tier",
]


class TestIncludedExtrasJudge:
    @pytest.mark.parametrize(
        ("params", "occasion", "action", "level", "last", "missing", "extra", "types"),
        CASES,
        ids=IDS,
    )
    def test_extras_against_the_tiers(
        self, params, occasion, action, level, last, missing, extra, types
    ):
        result = judge(KIND, occasion=occasion, action=action, params=params, past=history(last))

        assert result.level == level
        assert result.kept is (not missing)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["missing_extras"] == missing
            assert verdict.details["extra_extras"] == extra

    def test_breach_names_the_missing_extras_and_the_total(self):
        result = judge(KIND, occasion=order(7200), action=shipped())

        (verdict,) = result.verdicts
        assert verdict.message_en == "Promised extras missing from the ¥7,200 order: greeting_card."
        assert (
            verdict.message_ja
            == "¥7,200の注文に約束の同梱物（greeting_card）が入っていませんでした。"
        )
        assert verdict.details["required_extras"] == ["greeting_card"]
        assert verdict.details["total"] == 7200

    def test_a_card_below_the_tier_is_remembered_as_a_precedent(self):
        result = judge(KIND, occasion=order(5000), action=shipped("greeting_card"))

        assert result.precedent == {"what": "extra_extras", "extras": ["greeting_card"]}
        assert "¥5,000" in result.verdicts[0].message_ja

    def test_a_note_is_not_judged_for_extras(self):
        action = event("note_enclosed", "2026-11-20 15:00", "n1", lines=10)

        assert judge(KIND, occasion=order(), action=action) is None

    def test_extras_have_no_deadline(self):
        assert deadline(KIND, occasion=order()) is None


CARD_PRECEDENT = {"what": "extra_extras", "extras": ["greeting_card"], "action": "s0"}


class TestIncludedExtrasAgainstThisOrder:
    """Missing is measured against what this order earned; drift against precedents."""

    def test_a_smaller_order_after_a_larger_one_that_earned_a_card_is_not_drift(self):
        # The earlier ¥7,200 order earned its card (no precedent); this ¥5,000 one earns none.
        result = judge(KIND, occasion=order(5000), action=shipped(), past=history(1.0))

        assert result.types == ()
        assert result.kept is True
        assert result.level == 0

    def test_no_card_after_a_card_given_as_a_precedent_on_a_small_order_is_drift(self):
        past = history(1.0, precedents=[CARD_PRECEDENT])

        result = judge(KIND, occasion=order(5000), action=shipped(), past=past)

        assert result.types == ("drift",)
        assert result.kept is True
        (verdict,) = result.verdicts
        assert verdict.details["dropped_extras"] == ["greeting_card"]
        assert verdict.details["customer_precedent_extras"] == ["greeting_card"]
        assert verdict.message_en == (
            "The ¥5,000 order came without greeting_card (within the promise); this customer "
            "got it before, beyond the promise."
        )
        assert verdict.message_ja == (
            "¥5,000の注文に同梱物（greeting_card）が入っていませんでした（約束の範囲内）。"
            "このお客様は以前、約束を超えてこれを受け取っています。"
        )

    def test_the_precedent_card_given_again_is_kept_and_a_precedent_again(self):
        past = history(1.0, precedents=[CARD_PRECEDENT])

        result = judge(KIND, occasion=order(5000), action=shipped("greeting_card"), past=past)

        assert result.types == ("precedent",)

    def test_a_precedent_extra_missing_where_the_order_earns_it_is_breach_not_drift(self):
        past = history(1.0, precedents=[CARD_PRECEDENT])

        result = judge(KIND, occasion=order(7200), action=shipped(), past=past)

        assert result.types == ("breach",)


class TestIncludedExtrasWithoutOccasion:
    """Without the order (its total unknown) extras are judged against precedents only."""

    def test_no_card_after_a_precedent_card_is_drift(self):
        past = history(1.0, precedents=[CARD_PRECEDENT])

        result = judge(KIND, occasion=None, action=shipped(), past=past)

        assert result.types == ("drift",)
        (verdict,) = result.verdicts
        assert verdict.details["total"] is None
        assert verdict.details["dropped_extras"] == ["greeting_card"]
        assert verdict.message_en.startswith("This shipment came without greeting_card")

    def test_a_card_without_the_order_is_neither_precedent_nor_breach(self):
        result = judge(KIND, occasion=None, action=shipped("greeting_card"))

        assert result.types == ()
        assert result.kept is True
        assert result.level == 1

    def test_nothing_for_a_customer_without_precedents_is_kept(self):
        result = judge(KIND, occasion=None, action=shipped(), past=history(1.0))

        assert result.types == ()

    def test_an_extra_every_order_earns_missing_is_breach(self):
        params = {"tiers": [{"min_total": 0, "extras": ["sticker"]}]}

        result = judge(KIND, occasion=None, action=shipped(), params=params)

        assert result.types == ("breach",)
        assert result.kept is False


class TestIncludedExtrasVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({}, {"tiers": [{"min_total": 8000, "extras": ["greeting_card"]}]}, True),
            ({}, {"tiers": [{"min_total": 5000, "extras": ["greeting_card"]}]}, False),
            ({}, {"tiers": []}, True),
            ({}, {"gift_wrap_when_gift": False}, True),
            ({}, TWO_TIERS, False),
            (TWO_TIERS, {}, True),
            ({}, {"tiers": [{"min_total": 6800, "extras": ["sticker"]}]}, True),
            ({}, {}, False),
        ],
        ids=[
            "costlier-tier-lowers",
            "cheaper-tier-raises",
            "no-tiers-lowers",
            "no-gift-wrap-lowers",
            "added-tier-raises",
            "removed-tier-lowers",
            "other-extra-lowers",
            "unchanged",
        ],
    )
    def test_fewer_or_costlier_extras_lower_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_there_is_no_single_promised_level(self):
        assert registry.get(KIND).promised_level({}) is None
