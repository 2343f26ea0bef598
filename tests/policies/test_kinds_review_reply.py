"""review_reply: reviews answered within N open days; all of them or only low ratings."""

import pytest

from policies.kinds import registry

from .kinds_support import at, deadline, event, history, judge

KIND = "review_reply"


def review(when="2026-11-20 10:00", rating=2):
    attributes = {"rating": rating} if rating is not None else {}
    return event("review_posted", when, "rv1", **attributes)


def replied(when):
    return event("review_replied", when, "rr1")


# (params, review, reply, open days, customer's last, verdict types)
CASES = [
    ({}, review(), replied("2026-11-20 15:00"), 0, None, ()),
    ({}, review(), replied("2026-11-21 11:00"), 1, None, ()),
    ({}, review(), replied("2026-11-26 17:00"), 3, None, ()),
    ({}, review(), replied("2026-11-27 09:00"), 4, None, ("breach",)),
    ({}, review(), replied("2026-11-28 09:00"), 5, None, ("breach",)),
    ({}, review("2026-11-21 10:00"), replied("2026-11-21 12:00"), 0, None, ()),
    ({}, review("2026-11-21 10:00"), replied("2026-11-24 12:00"), 1, None, ()),
    ({}, review("2026-12-28 10:00"), replied("2027-01-06 12:00"), 3, None, ()),
    ({}, review("2026-12-28 10:00"), replied("2027-01-07 12:00"), 4, None, ("breach",)),
    ({}, review(), replied("2026-11-25 10:00"), 2, 1.0, ("drift",)),
    ({}, review(), replied("2026-11-25 10:00"), 2, 2.0, ()),
    ({"within_days": 1}, review(), replied("2026-11-25 10:00"), 2, 0.0, ("breach",)),
    ({"scope": "low"}, review(rating=3), replied("2026-11-27 09:00"), 4, None, ("breach",)),
    (
        {"scope": "low", "low_max_rating": 4},
        review(rating=4),
        replied("2026-11-24 09:00"),
        1,
        None,
        (),
    ),
    ({"scope": "low"}, review(rating=5), replied("2026-11-24 09:00"), 1, None, ("precedent",)),
]
IDS = [
    "same-day",
    "closed-day-reply-counts-as-the-next-open-day",
    "third-open-day-kept",
    "fourth-open-day-is-breach",
    "closed-day-after-the-deadline-is-breach",
    "saturday-review-answered-saturday",
    "saturday-review-answered-tuesday-after-holiday",
    "new-year-closure-does-not-count",
    "new-year-fourth-open-day-is-breach",
    "slower-than-last-time-is-drift",
    "as-slow-as-last-time",
    "breach-is-not-also-drift",
    "scope-low-rating-3-is-judged",
    "scope-low-threshold-is-a-parameter",
    "scope-low-reply-to-5-stars-is-a-precedent",
]


class TestReviewReplyJudge:
    @pytest.mark.parametrize(
        ("params", "occasion", "action", "days", "last", "types"), CASES, ids=IDS
    )
    def test_open_days_to_the_reply(self, params, occasion, action, days, last, types):
        result = judge(
            KIND, occasion=occasion, action=action, params=params, past=history(last=last)
        )

        assert result.level == days
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["days"] == days

    def test_breach_message_names_the_days(self):
        result = judge(KIND, occasion=review(), action=replied("2026-11-27 09:00"))

        (verdict,) = result.verdicts
        assert verdict.message_en == (
            "The review of Fri 2026-11-20 was answered on Fri 2026-11-27, after 4 business "
            "days; the promise is within 3."
        )
        assert "4営業日かかりました（約束は3営業日以内）" in verdict.message_ja
        assert verdict.details["within_days"] == 3

    def test_replying_to_a_high_rating_under_scope_low_is_remembered(self):
        result = judge(
            KIND,
            occasion=review(rating=5),
            action=replied("2026-11-24 09:00"),
            params={"scope": "low"},
        )

        assert result.precedent == {"what": "replied_to_high_rating", "rating": 5}
        assert "rated 5" in result.verdicts[0].message_en
        assert "評価5のレビュー" in result.verdicts[0].message_ja

    def test_a_review_without_rating_under_scope_low_is_not_judged(self):
        result = judge(
            KIND,
            occasion=review(rating=None),
            action=replied("2026-11-24 09:00"),
            params={"scope": "low"},
        )

        assert result is None


class TestReviewReplyDeadline:
    @pytest.mark.parametrize(
        ("params", "occasion", "due"),
        [
            ({}, review(), at("2026-11-27 00:00")),
            ({"within_days": 0}, review(), at("2026-11-21 00:00")),
            ({}, review("2026-12-28 10:00"), at("2027-01-07 00:00")),
            ({"scope": "low"}, review(rating=5), None),
            ({"scope": "low"}, review(rating=1), at("2026-11-27 00:00")),
        ],
        ids=["third-open-day", "same-day", "over-new-year", "high-rating-scope-low", "low-rating"],
    )
    def test_deadline_is_the_end_of_the_last_open_day_allowed(self, params, occasion, due):
        assert deadline(KIND, occasion=occasion, params=params) == due


class TestReviewReplyVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"scope": "all"}, {"scope": "low"}, True),
            ({"scope": "low"}, {"scope": "all"}, False),
            ({"scope": "low", "low_max_rating": 3}, {"scope": "low", "low_max_rating": 2}, True),
            ({"scope": "low", "low_max_rating": 2}, {"scope": "low", "low_max_rating": 3}, False),
            ({"within_days": 3}, {"within_days": 5}, True),
            ({"within_days": 3}, {"within_days": 1}, False),
        ],
        ids=[
            "all-to-low-lowers",
            "low-to-all-raises",
            "fewer-low-ratings-lowers",
            "more-low-ratings-raises",
            "more-days-lowers",
            "fewer-days-raises",
        ],
    )
    def test_fewer_reviews_or_more_days_lower_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_promised_level_is_the_days(self):
        assert registry.get(KIND).promised_level({"within_days": 2}) == 2
