"""reply_tone: the reply matches the customer's temperature (seeds/000, 「同じ温度」).

The scorer is built from the seed article's own examples: the reserved customer
「発送の件、承知しました。」 and the delighted one 「一目惚れしました💛…」, each with the reply
the article calls right and the one it calls wrong (温度差).
"""

import pytest

from policies.kinds import registry
from policies.kinds.reply_tone import tone

from .kinds_support import event, history, judge

KIND = "reply_tone"
FACE = "(\u043e\u00b4\u2200`\u043e)"  # (о´∀`о), with the article's Cyrillic о

# The article's two customers and the replies it calls right and wrong.
RESERVED = "発送の件、承知しました。"
RESERVED_RIGHT = "ご丁寧にありがとうございます。\n引き続きどうぞ宜しくお願い致します。"
RESERVED_WRONG = f"わー💛ありがとうございます💛よろしくお願いします{FACE}"
DELIGHTED = f"一目惚れしました💛めちゃくちゃ楽しみに待ってます{FACE}"
DELIGHTED_RIGHT = f"目に留めてもらえて嬉しいです✨心を込めてお作りしますね{FACE}"
DELIGHTED_WRONG = "有難う御座います。引き続きどうぞ宜しくお願い致します"
# The article's order confirmation (polite, neither warm nor cold).
CONFIRMATION = (
    "この度はお選び頂きありがとうございます\n本日より順次製作となり発送予定日は◯月◯日となります"
)


def inquiry(text=None):
    attributes = {"channel": "email"} if text is None else {"channel": "email", "text": text}
    return event("inquiry_received", "2026-11-24 10:00", "q1", **attributes)


def reply(text=None, when="2026-11-24 11:00"):
    return event("reply_sent", when, "r1", **({} if text is None else {"text": text}))


# (text, score, markers): every marker that counted, in text order.
SCORES = [
    (RESERVED, -1, ("承知しました",)),
    (RESERVED_RIGHT, -3, ("ご丁寧", "ございます", "宜しく")),
    (RESERVED_WRONG, 6, ("わー", "💛", "ございます", FACE)),
    (DELIGHTED, 7, ("一目惚れ", "💛", "めちゃくちゃ", "楽しみ", FACE)),
    (DELIGHTED_RIGHT, 6, ("嬉しい", "✨", "ね", FACE)),
    (DELIGHTED_WRONG, -3, ("有難う", "御座います", "宜しく")),
    (CONFIRMATION, -1, ("ございます",)),
    ("Mサイズ(M)は在庫ありますか？(2点)", 0, ()),
    ("ありがとう！楽しみにしてるね〜♪", 7, ("ありがとう", "！", "楽しみ", "ね", "〜", "♪")),
    ("よろしくお願いしますm(_ _)m", 2, ("m(_ _)m",)),
    ("届きました（＾＾）", 2, ("（＾＾）",)),
    ("了解です(^^)!!", 3, ("(^^)", "!!")),
    ("👨\u200d👩\u200d👧❤️", 4, ("👨\u200d👩\u200d👧", "❤️")),
    ("恐れ入りますが、申し上げます。承知いたしました。ございます。", -3, None),
]
SCORE_IDS = [
    "seed-reserved-customer",
    "seed-reserved-right-reply",
    "seed-reserved-wrong-reply",
    "seed-delighted-customer",
    "seed-delighted-right-reply",
    "seed-delighted-wrong-reply",
    "seed-order-confirmation",
    "parentheses-that-are-not-faces",
    "casual-friendly",
    "bowing-face",
    "full-width-face",
    "a-face-then-exclamations",
    "emoji-sequences-count-once-each",
    "formality-counts-at-most-three",
]


class TestToneScorer:
    @pytest.mark.parametrize(("text", "score", "markers"), SCORES, ids=SCORE_IDS)
    def test_the_rules_score_the_seed_examples(self, text, score, markers):
        found = tone(text)

        assert found.score == score
        if markers is not None:
            assert found.markers == markers


# (message, reply, tolerance, gap, direction, verdict types)
CASES = [
    (RESERVED, RESERVED_RIGHT, 4, 2, "colder", ()),
    (RESERVED, RESERVED_WRONG, 4, 7, "more_casual", ("breach",)),
    (DELIGHTED, DELIGHTED_RIGHT, 4, 1, "colder", ()),
    (DELIGHTED, DELIGHTED_WRONG, 4, 10, "colder", ("breach",)),
    # The article's answers are right for their own customer, wrong for the other one.
    (RESERVED, DELIGHTED_RIGHT, 4, 7, "more_casual", ("breach",)),
    (DELIGHTED, RESERVED_RIGHT, 4, 10, "colder", ("breach",)),
    (RESERVED, RESERVED, 0, 0, "matched", ()),
    (DELIGHTED, DELIGHTED_RIGHT, 0, 1, "colder", ("breach",)),
    (RESERVED, RESERVED_WRONG, 7, 7, "more_casual", ()),
]
CASE_IDS = [
    "reserved-customer-polite-reply-kept",
    "reserved-customer-gushing-reply-is-too-casual",
    "delighted-customer-warm-reply-kept",
    "delighted-customer-stiff-reply-is-too-cold",
    "warm-reply-to-the-reserved-customer",
    "stiff-reply-to-the-delighted-customer",
    "same-tone-zero-gap",
    "no-tolerance-any-gap-is-breach",
    "gap-equal-to-tolerance-is-kept",
]


class TestReplyToneJudge:
    @pytest.mark.parametrize(
        ("message", "answer", "tolerance", "gap", "direction", "types"), CASES, ids=CASE_IDS
    )
    def test_the_reply_against_the_customers_temperature(
        self, message, answer, tolerance, gap, direction, types
    ):
        result = judge(
            KIND,
            occasion=inquiry(message),
            action=reply(answer),
            params={"tolerance": tolerance},
        )

        assert result.level == gap
        assert result.kept is ("breach" not in types)
        assert result.types == types

    def test_breach_details_carry_the_words_that_decided_it(self):
        result = judge(KIND, occasion=inquiry(DELIGHTED), action=reply(DELIGHTED_WRONG))

        assert result.verdicts[0].details == {
            "message_markers": ["一目惚れ", "💛", "めちゃくちゃ", "楽しみ", FACE],
            "reply_markers": ["有難う", "御座います", "宜しく"],
            "message_score": 7,
            "reply_score": -3,
            "gap": 10,
            "direction": "colder",
            "tolerance": 4,
            "customer_last": None,
        }

    def test_too_cold_reads_as_cold(self):
        result = judge(KIND, occasion=inquiry(DELIGHTED), action=reply(DELIGHTED_WRONG))

        assert result.verdicts[0].message_ja == (
            "返信がお客様のメッセージより10ポイント冷たいトーンでした（許容は4ポイントまで）。"
            f"お客様：一目惚れ、💛、めちゃくちゃ、楽しみ、{FACE}（+7）／"
            "返信：有難う、御座います、宜しく（-3）"
        )
        assert result.verdicts[0].message_en == (
            "The reply is 10 tone points colder than the customer's message (allowed: 4). "
            f"Customer: 一目惚れ, 💛, めちゃくちゃ, 楽しみ, {FACE} (+7); "
            "reply: 有難う, 御座います, 宜しく (-3)."
        )

    def test_too_casual_reads_as_casual(self):
        result = judge(KIND, occasion=inquiry(RESERVED), action=reply(RESERVED_WRONG))

        assert result.verdicts[0].message_ja.startswith(
            "返信がお客様のメッセージより7ポイントくだけたトーンでした（許容は4ポイントまで）。"
            "お客様：承知しました（-1）／"
        )
        assert result.verdicts[0].message_en.startswith(
            "The reply is 7 tone points more casual than the customer's message (allowed: 4)."
        )
        assert result.verdicts[0].details["direction"] == "more_casual"

    @pytest.mark.parametrize(
        ("last", "drift_tolerance", "types"),
        [(0.0, 2, ("drift",)), (1.0, 2, ()), (0.0, 3, ()), (None, 2, ())],
        ids=["was-matched-now-3-off", "was-1-off", "within-drift-tolerance", "first-reply"],
    )
    def test_drift_when_the_customer_used_to_get_their_temperature(
        self, last, drift_tolerance, types
    ):
        # Customer +7, reply +4 (emoji, face; no ending, no warm word): 3 points colder.
        answer = f"お作りします✨{FACE}"
        result = judge(
            KIND,
            occasion=inquiry(DELIGHTED),
            action=reply(answer),
            params={"drift_tolerance": drift_tolerance},
            past=history(last=last),
        )

        assert result.level == 3
        assert result.kept is True
        assert result.types == types

    def test_drift_message_names_the_last_gap(self):
        result = judge(
            KIND,
            occasion=inquiry(DELIGHTED),
            action=reply(f"お作りします✨{FACE}"),
            past=history(last=0.0),
        )

        assert result.verdicts[0].message_ja.startswith(
            "返信のトーンがお客様のメッセージと3ポイント離れていました（許容は4ポイントまで）。"
            "このお客様への前回の返信は0ポイントの差でした。"
        )
        assert "this customer's last reply was 0 off" in result.verdicts[0].message_en
        assert result.verdicts[0].details["customer_last"] == 0

    @pytest.mark.parametrize(
        ("message", "answer"),
        [(DELIGHTED, None), (None, DELIGHTED_RIGHT), (DELIGHTED, "  \n"), ("", DELIGHTED_RIGHT)],
        ids=["reply-without-text", "inquiry-without-text", "blank-reply", "empty-inquiry"],
    )
    def test_without_text_there_is_nothing_to_judge(self, message, answer):
        assert judge(KIND, occasion=inquiry(message), action=reply(answer)) is None

    def test_a_reply_without_its_inquiry_is_not_judged(self):
        assert judge(KIND, occasion=None, action=reply(DELIGHTED_RIGHT)) is None

    def test_a_reply_to_a_review_is_not_judged(self):
        review = event("review_posted", "2026-11-24 10:00", "v1", rating=5, text=DELIGHTED)

        assert judge(KIND, occasion=review, action=reply(DELIGHTED_WRONG)) is None


class TestReplyToneParams:
    def test_defaults(self):
        params = registry.get(KIND).default_params()

        assert (params["tolerance"], params["drift_tolerance"]) == (4, 2)

    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [(4, 6, True), (4, 2, False), (4, 4, False)],
        ids=["wider-tolerance-lowers", "narrower-raises", "unchanged"],
    )
    def test_a_wider_tolerance_lowers_the_promise(self, old, new, lowers):
        kind = registry.get(KIND)

        assert kind.lowers({"tolerance": old}, {"tolerance": new}) is lowers

    def test_promised_level_is_the_tolerance(self):
        assert registry.get(KIND).promised_level({"tolerance": 3}) == 3

    def test_the_unit_is_tone_points(self):
        from django.utils import translation

        unit = registry.get(KIND).unit

        assert registry.get(KIND).level_unit == "tone_points"
        with translation.override("en"):
            assert (unit.level_words(1), unit.level_words(3)) == ("1 tone point", "3 tone points")
        with translation.override("ja"):
            assert unit.level_words(3) == "温度差 3"

    def test_parameters_have_labels_and_help(self):
        fields = registry.get(KIND).Params().fields

        for name in ("tolerance", "drift_tolerance"):
            assert str(fields[name].label) and str(fields[name].help_text)


# ---------------------------------------------------------------------------------------
# End to end: promise, inquiry and reply through the API, the finding, the pre-check
# ---------------------------------------------------------------------------------------

SHOP_API = "/api/v1/shops/kobo/"


def record(api, path, body):
    response = api.post(f"{SHOP_API}{path}/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def reply_body(text, external_id="R-1", when="2026-11-24T11:00:00+09:00"):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "reply_sent",
        "occurred_at": when,
        "occasion": "Q-1",
        "attributes": {"text": text},
    }


@pytest.fixture
def tone_promise(api, shop):
    body = {"kind": KIND, "name": "Temperature", "effective_from": "2026-11-01 00:00"}
    return record(api, "promises", body)


@pytest.fixture
def delighted_inquiry(api, tone_promise):
    return record(
        api,
        "occasions",
        {
            "external_id": "Q-1",
            "customer": "C-1",
            "kind": "inquiry_received",
            "occurred_at": "2026-11-24T10:00:00+09:00",
            "attributes": {"channel": "email", "text": DELIGHTED},
        },
    )


@pytest.mark.django_db
class TestReplyToneEndToEnd:
    def test_a_stiff_reply_recorded_through_the_api_is_a_breach_with_its_words(
        self, api, tone_promise, delighted_inquiry
    ):
        record(api, "actions", reply_body(DELIGHTED_WRONG))

        findings = api.get(f"{SHOP_API}findings/", {"promise": tone_promise["id"]}).json()
        [finding] = findings["results"]
        assert (finding["type"], finding["action"], finding["occasion"]) == (
            "breach",
            "R-1",
            "Q-1",
        )
        assert finding["promise"]["kind"] == KIND
        assert finding["details"]["message_markers"] == [
            "一目惚れ",
            "💛",
            "めちゃくちゃ",
            "楽しみ",
            FACE,
        ]
        assert finding["details"]["reply_markers"] == ["有難う", "御座います", "宜しく"]
        assert (finding["details"]["gap"], finding["details"]["direction"]) == (10, "colder")
        assert finding["message_ja"].startswith("返信がお客様のメッセージより10ポイント冷たい")

    def test_the_right_reply_is_kept_and_measured(self, api, tone_promise, delighted_inquiry):
        from commitments.models import Check

        record(api, "actions", reply_body(DELIGHTED_RIGHT))

        assert api.get(f"{SHOP_API}findings/").json()["results"] == []
        check = Check.objects.get(action__external_id="R-1", promise_id=tone_promise["id"])
        assert (check.level, check.kept) == (1.0, True)

    def test_a_reply_without_text_is_not_judged(self, api, tone_promise, delighted_inquiry):
        from commitments.models import Check

        body = reply_body(DELIGHTED_WRONG)
        body["attributes"] = {}
        record(api, "actions", body)

        assert not Check.objects.filter(promise_id=tone_promise["id"]).exists()

    def test_the_precheck_shows_the_verdict_and_recording_stores_it(
        self, api, tone_promise, delighted_inquiry
    ):
        body = reply_body(DELIGHTED_WRONG)
        precheck = dict(body)
        precheck.pop("external_id")

        answer = api.post(f"{SHOP_API}prechecks/", precheck, format="json").json()
        record(api, "actions", body)

        assert answer["verdict"] == "breach"
        [row] = [row for row in answer["promises"] if row["kind"] == KIND]
        assert (row["judged"], row["level"], row["kept"]) == (True, 10.0, False)
        [foreseen] = [f for f in answer["findings"] if f["promise"]["kind"] == KIND]
        [stored] = api.get(f"{SHOP_API}findings/", {"promise": tone_promise["id"]}).json()[
            "results"
        ]
        assert (foreseen["message_en"], foreseen["details"]) == (
            stored["message_en"],
            stored["details"],
        )

    def test_drift_when_this_customer_used_to_get_their_temperature(
        self, api, tone_promise, delighted_inquiry
    ):
        record(api, "actions", reply_body(DELIGHTED_RIGHT))
        record(
            api,
            "occasions",
            {
                "external_id": "Q-2",
                "customer": "C-1",
                "kind": "inquiry_received",
                "occurred_at": "2026-11-25T10:00:00+09:00",
                "attributes": {"text": DELIGHTED},
            },
        )
        # +3 against +7: 4 points, within the tolerance but 3 further off than last time.
        later = reply_body("お作りしますね✨", "R-2", "2026-11-25T11:00:00+09:00")
        later["occasion"] = "Q-2"
        record(api, "actions", later)

        [finding] = api.get(f"{SHOP_API}findings/", {"promise": tone_promise["id"]}).json()[
            "results"
        ]
        assert (finding["type"], finding["action"]) == ("drift", "R-2")
        assert finding["details"]["customer_last"] == 1

    def test_the_report_speaks_in_tone_points(
        self, api, shop, manager, tone_promise, delighted_inquiry
    ):
        from django.test import Client

        from reports.builder import report_build

        record(api, "actions", reply_body(DELIGHTED_RIGHT))
        report_build(shop=shop, week="2026-W48")

        pages = {}
        for language in ("en", "ja"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.force_login(manager)
            response = client.get("/shops/kobo/reports/2026-W48/")
            assert response.status_code == 200
            pages[language] = response.content.decode()
        assert "4 tone points" in pages["en"] and "1 tone point<" in pages["en"]
        assert "温度差 4" in pages["ja"] and "温度差 1" in pages["ja"]
        assert "お客様の温度に合わせた返信" in pages["ja"]

    def test_the_precheck_page_judges_a_reply_text(
        self, shop, manager, tone_promise, delighted_inquiry
    ):
        from django.test import Client

        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(manager)
        response = client.post(
            "/shops/kobo/precheck/",
            {
                "customer": "C-1",
                "kind": "reply_sent",
                "occurred_at": "2026-11-24T11:00",
                "occasion": "Q-1",
                "attr_text": DELIGHTED_WRONG,
            },
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "返信がお客様のメッセージより10ポイント冷たいトーンでした" in html
