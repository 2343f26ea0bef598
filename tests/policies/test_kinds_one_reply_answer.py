"""one_reply_answer: an inquiry is answered completely in one reply (seeds/001).

A reply is judged by the replies to the same inquiry before it (`related`), never by later
ones: recording reply 3 later leaves replies 1 and 2 as they were.
"""

import pytest

from policies import vocabulary
from policies.kinds import registry

from .kinds_support import event, history, judge

KIND = "one_reply_answer"
TIMES = ["2026-11-24 11:00", "2026-11-24 15:00", "2026-11-25 10:30", "2026-11-26 10:00"]


def inquiry():
    return event("inquiry_received", "2026-11-24 10:00", "q1", channel="email")


def replies(count, *, resolved_at=None):
    """Return the shop's replies 1..count to q1; reply `resolved_at` says it settles it."""
    return [
        event(
            "reply_sent",
            TIMES[n],
            f"r{n + 1}",
            **({"resolved": True} if resolved_at == n + 1 else {}),
        )
        for n in range(count)
    ]


def judge_reply(number, *, thread, params=None, past=None):
    """Judge reply `number` of the thread with every other action of it as related."""
    action = thread[number - 1]
    related = [other for other in thread if other is not action]
    return judge(KIND, occasion=inquiry(), action=action, related=related, params=params, past=past)


# (max replies, replies in the thread, settled by, reply judged, level, verdict types)
CASES = [
    (1, 1, 1, 1, 1.0, ()),
    (1, 1, None, 1, None, ()),
    (1, 2, None, 1, None, ()),
    (1, 2, 2, 2, 2.0, ("breach",)),
    (1, 3, None, 2, None, ("breach",)),
    (1, 3, 3, 3, 3.0, ("breach",)),
    (3, 3, 3, 3, 3.0, ()),
    (2, 3, None, 3, None, ("breach",)),
    (1, 2, 1, 2, None, None),
    (1, 4, 2, 4, None, None),
]
IDS = [
    "answered-and-settled-in-one",
    "one-reply-customer-stopped-asking",
    "the-first-reply-is-not-judged-by-a-later-one",
    "a-second-reply-is-a-breach",
    "a-second-reply-unsettled-is-a-breach",
    "three-rounds-settled",
    "three-rounds-allowed",
    "third-reply-beyond-two",
    "after-settling-a-courtesy-reply-is-not-counted",
    "after-settling-nothing-is-counted",
]


class TestOneReplyAnswerJudge:
    @pytest.mark.parametrize(
        ("most", "count", "settled", "number", "level", "types"), CASES, ids=IDS
    )
    def test_rounds_before_the_reply_against_the_promise(
        self, most, count, settled, number, level, types
    ):
        thread = replies(count, resolved_at=settled)

        result = judge_reply(number, thread=thread, params={"max_replies": most})

        if types is None:
            assert result is None
            return
        assert result.level == level
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["reply_number"] == number
            assert verdict.details["max_replies"] == most

    def test_a_later_reply_does_not_change_an_earlier_judgement(self):
        alone = judge_reply(2, thread=replies(2), params={"max_replies": 2})
        with_later = judge_reply(2, thread=replies(4), params={"max_replies": 2})

        assert alone == with_later

    def test_order_is_by_time_then_external_id(self):
        # Two replies at the same moment: r1 is the first round, r2 the second.
        same = [
            event("reply_sent", "2026-11-24 11:00", "r2"),
            event("reply_sent", "2026-11-24 11:00", "r1"),
        ]

        first = judge(KIND, occasion=inquiry(), action=same[1], related=[same[0]])
        second = judge(KIND, occasion=inquiry(), action=same[0], related=[same[1]])

        assert (first.types, second.types) == ((), ("breach",))

    def test_other_actions_answering_the_inquiry_are_not_rounds(self):
        note = event("thank_you_sent", "2026-11-24 10:30", "t1")

        result = judge(KIND, occasion=inquiry(), action=replies(1)[0], related=[note])

        assert result.types == ()

    def test_breach_message_names_the_round(self):
        result = judge_reply(2, thread=replies(2))

        assert result.verdicts[0].message_ja == (
            "このお問い合わせへの返信が2通目になりました（約束は1通以内で答えきること）。"
        )
        assert result.verdicts[0].message_en == (
            "This is reply 2 to the inquiry; the promise is to answer it completely within 1 reply."
        )

    @pytest.mark.parametrize(
        ("last", "number", "types"),
        [
            (1.0, 2, ("drift",)),
            (1.0, 3, ("drift",)),
            (1.0, 1, ()),
            (3.0, 3, ()),
            (2.0, 3, ("drift",)),
            (None, 3, ()),
        ],
        ids=[
            "used-to-need-one-now-a-second",
            "used-to-need-one-now-three",
            "first-reply-never-drifts",
            "needed-three-before",
            "needed-two-before-now-three",
            "no-settled-inquiry-before",
        ],
    )
    def test_drift_when_the_customer_used_to_be_answered_in_fewer(self, last, number, types):
        result = judge_reply(
            number, thread=replies(number), params={"max_replies": 3}, past=history(last=last)
        )

        assert result.kept is True
        assert result.types == types

    def test_drift_message_names_the_last_inquiry(self):
        result = judge_reply(
            3, thread=replies(3), params={"max_replies": 3}, past=history(last=1.0)
        )

        assert result.verdicts[0].message_ja == (
            "このお問い合わせへの返信が3通目になりました（約束は3通以内）。"
            "このお客様の前回のお問い合わせは1通で解決しています。"
        )
        assert result.verdicts[0].message_en == (
            "This is reply 3 to the inquiry (promise: within 3); this customer's last inquiry "
            "was settled in 1 reply."
        )
        assert result.verdicts[0].details == {
            "reply_number": 3,
            "max_replies": 3,
            "resolved": False,
            "customer_last": 1,
        }

    def test_a_breach_is_not_also_drift(self):
        result = judge_reply(2, thread=replies(2), past=history(last=1.0))

        assert result.types == ("breach",)

    def test_a_reply_without_its_inquiry_is_not_judged(self):
        assert judge(KIND, occasion=None, action=replies(1)[0]) is None

    def test_a_reply_to_a_review_is_not_judged(self):
        review = event("review_posted", "2026-11-24 10:00", "v1", rating=5)

        assert judge(KIND, occasion=review, action=replies(1)[0]) is None


class TestOneReplyAnswerParams:
    def test_defaults_to_one_reply_and_no_deadline(self):
        kind = registry.get(KIND)

        assert kind.default_params()["max_replies"] == 1
        assert kind.deadline(occasion=inquiry(), related=(), params={}, calendar=None) is None

    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [(1, 2, True), (3, 1, False), (2, 2, False)],
        ids=["more-replies-lowers", "fewer-raises", "unchanged"],
    )
    def test_more_replies_lowers_the_promise(self, old, new, lowers):
        kind = registry.get(KIND)

        assert kind.lowers({"max_replies": old}, {"max_replies": new}) is lowers

    def test_promised_level_is_the_replies(self):
        assert registry.get(KIND).promised_level({"max_replies": 2}) == 2

    def test_the_reply_says_whether_it_settles_the_inquiry(self):
        attribute = vocabulary.record_kind(vocabulary.ACTION, "reply_sent").attribute("resolved")

        assert attribute.type == "bool"
        assert str(attribute.label) and str(attribute.help)

    def test_the_unit_counts_replies(self):
        from django.utils import translation

        unit = registry.get(KIND).unit

        with translation.override("en"):
            assert (unit.level_words(1), unit.level_words(3)) == ("1 reply", "3 replies")
        with translation.override("ja"):
            assert (unit.level_words(1), unit.level_words(3)) == ("返信 1 通", "返信 3 通")


# ---------------------------------------------------------------------------------------
# End to end: promise, inquiry and replies through the API, findings, the pre-check
# ---------------------------------------------------------------------------------------

SHOP_API = "/api/v1/shops/kobo/"


def record(api, path, body):
    response = api.post(f"{SHOP_API}{path}/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def reply_body(external_id, when, occasion="Q-1", **attributes):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "reply_sent",
        "occurred_at": when,
        "occasion": occasion,
        "attributes": attributes,
    }


def inquiry_body(external_id, when):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "inquiry_received",
        "occurred_at": when,
        "attributes": {"channel": "email"},
    }


def findings(api, promise):
    return api.get(f"{SHOP_API}findings/", {"promise": promise["id"]}).json()["results"]


def precheck(api, body):
    body = {key: value for key, value in body.items() if key != "external_id"}
    response = api.post(f"{SHOP_API}prechecks/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def rounds_promise(api, shop):
    body = {
        "kind": KIND,
        "name": "One reply",
        "params": {"max_replies": 1},
        "effective_from": "2026-11-01 00:00",
    }
    return record(api, "promises", body)


@pytest.fixture
def first_reply(api, rounds_promise):
    record(api, "occasions", inquiry_body("Q-1", "2026-11-24T10:00:00+09:00"))
    record(api, "actions", reply_body("R-1", "2026-11-24T11:00:00+09:00"))


@pytest.mark.django_db
class TestOneReplyAnswerEndToEnd:
    def test_a_second_reply_is_a_breach_and_the_first_stays_kept(
        self, api, rounds_promise, first_reply
    ):
        from commitments.models import Check

        record(api, "actions", reply_body("R-2", "2026-11-24T15:00:00+09:00"))

        [finding] = findings(api, rounds_promise)
        assert (finding["type"], finding["action"], finding["occasion"]) == (
            "breach",
            "R-2",
            "Q-1",
        )
        assert finding["details"] == {
            "reply_number": 2,
            "max_replies": 1,
            "resolved": False,
            "customer_last": None,
        }
        kept = dict(
            Check.objects.filter(promise_id=rounds_promise["id"]).values_list(
                "action__external_id", "kept"
            )
        )
        assert kept == {"R-1": True, "R-2": False}

    def test_the_precheck_counts_the_replies_already_sent(self, api, rounds_promise, first_reply):
        # The customer's latest reply: the pre-check resumes from the stored commitment and
        # must still among the inquiry's replies.
        body = reply_body("R-2", "2026-11-24T15:00:00+09:00")

        answer = precheck(api, body)
        record(api, "actions", body)

        assert answer["verdict"] == "breach"
        [foreseen] = [f for f in answer["findings"] if f["promise"]["kind"] == KIND]
        [stored] = findings(api, rounds_promise)
        assert (foreseen["message_ja"], foreseen["details"]) == (
            stored["message_ja"],
            stored["details"],
        )
        assert foreseen["message_ja"] == (
            "このお問い合わせへの返信が2通目になりました（約束は1通以内で答えきること）。"
        )

    def test_a_reply_recorded_late_but_sent_earlier_renumbers_the_later_ones(
        self, api, rounds_promise, first_reply
    ):
        record(api, "actions", reply_body("R-3", "2026-11-25T10:30:00+09:00"))
        record(api, "actions", reply_body("R-2", "2026-11-24T15:00:00+09:00"))

        numbers = {f["action"]: f["details"]["reply_number"] for f in findings(api, rounds_promise)}
        assert numbers == {"R-2": 2, "R-3": 3}

    def test_a_settled_inquiry_measures_its_replies_and_courtesy_replies_are_not_counted(
        self, api, rounds_promise, first_reply
    ):
        from commitments.models import Check, Commitment

        record(api, "actions", reply_body("R-2", "2026-11-24T15:00:00+09:00", resolved=True))
        record(api, "actions", reply_body("R-3", "2026-11-25T10:30:00+09:00"))

        levels = dict(
            Check.objects.filter(promise_id=rounds_promise["id"]).values_list(
                "action__external_id", "level"
            )
        )
        assert levels == {"R-1": None, "R-2": 2.0}
        assert Commitment.objects.get(promise_id=rounds_promise["id"]).last_level == 2.0
        assert [f["action"] for f in findings(api, rounds_promise)] == ["R-2"]

    def test_drift_when_the_customer_used_to_be_answered_in_one(self, api, shop):
        promise = record(
            api,
            "promises",
            {
                "kind": KIND,
                "name": "Within three",
                "params": {"max_replies": 3},
                "effective_from": "2026-11-01 00:00",
            },
        )
        record(api, "occasions", inquiry_body("Q-1", "2026-11-17T10:00:00+09:00"))
        record(api, "actions", reply_body("R-1", "2026-11-17T11:00:00+09:00", resolved=True))
        record(api, "occasions", inquiry_body("Q-2", "2026-11-24T10:00:00+09:00"))
        record(api, "actions", reply_body("R-2", "2026-11-24T11:00:00+09:00", occasion="Q-2"))
        body = reply_body("R-3", "2026-11-24T15:00:00+09:00", occasion="Q-2")

        answer = precheck(api, body)
        record(api, "actions", body)

        assert answer["verdict"] == "drift"
        [finding] = findings(api, promise)
        assert (finding["type"], finding["action"]) == ("drift", "R-3")
        assert finding["message_ja"] == (
            "このお問い合わせへの返信が2通目になりました（約束は3通以内）。"
            "このお客様の前回のお問い合わせは1通で解決しています。"
        )

    def test_the_report_speaks_in_replies(self, api, shop, manager, rounds_promise, first_reply):
        from django.test import Client

        from reports.builder import report_build

        record(api, "actions", reply_body("R-2", "2026-11-24T15:00:00+09:00", resolved=True))
        report_build(shop=shop, week="2026-W48")

        pages = {}
        for language in ("en", "ja"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.force_login(manager)
            response = client.get("/shops/kobo/reports/2026-W48/")
            assert response.status_code == 200
            pages[language] = response.content.decode()
        assert "1 reply<" in pages["en"] and "2 replies" in pages["en"]
        assert "返信 1 通" in pages["ja"] and "返信 2 通" in pages["ja"]
        assert "1回の返信で答えきる" in pages["ja"]

    def test_the_precheck_page_counts_the_replies(self, shop, manager, rounds_promise, first_reply):
        from django.test import Client

        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(manager)
        response = client.post(
            "/shops/kobo/precheck/",
            {
                "customer": "C-1",
                "kind": "reply_sent",
                "occurred_at": "2026-11-24T15:00",
                "occasion": "Q-1",
                "attr_resolved": "true",
            },
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "このお問い合わせへの返信が2通目になりました" in html

    def test_a_csv_import_with_the_resolved_column_is_judged(
        self, api, shop, rounds_promise, tmp_path
    ):
        from commitments import judging
        from commitments.imports import import_from_path
        from commitments.models import Check

        path = tmp_path / "log.csv"
        path.write_text(
            "type,external_id,customer,kind,occurred_at,occasion,channel,text,resolved\n"
            "occasion,Q-1,C-1,inquiry_received,2026-11-24 10:00,,email,サイズは？,\n"
            "action,R-1,C-1,reply_sent,2026-11-24 11:00,Q-1,,Mです。,\n"
            "action,R-2,C-1,reply_sent,2026-11-24 15:00,Q-1,,失礼しました。Lです。,true\n",
            encoding="utf-8",
        )

        imp = import_from_path(shop=shop, path=str(path))
        # The import enqueues the judging of what it stored after its commit: run it here.
        judging.judge_shop(shop=shop)

        assert imp.status == "done", imp.errors
        [finding] = findings(api, rounds_promise)
        assert (finding["type"], finding["action"]) == ("breach", "R-2")
        assert finding["details"]["resolved"] is True
        level = Check.objects.get(action__external_id="R-2", promise_id=rounds_promise["id"]).level
        assert level == 2.0

    def test_every_promise_on_replies_judges_the_same_reply_once(self, api, shop):
        from commitments.models import Check

        for kind in ("reply_time", "holiday_replies", "reply_tone", KIND):
            body = {"kind": kind, "name": kind, "effective_from": "2026-11-01 00:00"}
            record(api, "promises", body)
        inquiry = inquiry_body("Q-1", "2026-11-24T10:00:00+09:00")
        inquiry["attributes"]["text"] = "発送の件、承知しました。"
        record(api, "occasions", inquiry)
        body = reply_body("R-1", "2026-11-24T11:00:00+09:00", text="承知いたしました。")

        answer = precheck(api, body)
        record(api, "actions", body)

        judged = sorted(row["kind"] for row in answer["promises"] if row["judged"])
        stored = sorted(Check.objects.values_list("promise__kind", flat=True))
        # holiday_replies judges only inquiries received on closed days (a Tuesday is open).
        assert judged == stored == ["one_reply_answer", "reply_time", "reply_tone"]
        assert answer["verdict"] == "ok"
