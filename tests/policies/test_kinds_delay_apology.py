"""delay_apology: a delivery delay gets an apology within N business hours, whoever caused it."""

import io
from datetime import timedelta

import pytest
from django.test import Client

from commitments import judging, services, sweeper
from commitments.imports import import_run
from commitments.models import Commitment, Finding, Import, Occasion
from policies import vocabulary
from policies.kinds import registry
from policies.services import promise_create
from reports.builder import report_build
from tests.commitments.import_support import csv_bytes

from .kinds_support import SEED_CALENDAR, at, deadline, event, history, judge

KIND = "delay_apology"


def delay(when="2026-11-24 10:00", cause="carrier"):
    attributes = {"cause": cause, "tracking_number": "1234-5678-9012", "order_id": "O-77"}
    return event("delivery_delayed", when, "D1", **{k: v for k, v in attributes.items() if v})


def apology(when, compensation=None):
    attributes = {"compensation": compensation} if compensation else {}
    return event("apology_sent", when, "A1", **attributes)


COUPON = "500円クーポン"
PROMISED = {"compensation_promised": True}

# (params, delayed, apologised, compensation, business hours, customer's last, verdict types)
CASES = [
    ({}, "2026-11-24 10:00", "2026-11-24 11:00", None, 1.0, None, ()),
    ({}, "2026-11-24 10:00", "2026-11-24 14:00", None, 3.0, None, ()),
    ({}, "2026-11-24 10:00", "2026-11-24 15:00", None, 4.0, None, ()),
    ({}, "2026-11-24 10:00", "2026-11-24 15:30", None, 4.5, None, ("breach",)),
    ({}, "2026-11-20 17:00", "2026-11-24 12:00", None, 3.0, None, ()),
    ({}, "2026-11-21 09:00", "2026-11-24 15:00", None, 4.0, None, ()),
    ({}, "2026-11-24 10:00", "2026-11-25 10:30", None, 7.5, None, ("breach",)),
    ({"within_business_hours": 8}, "2026-11-24 10:00", "2026-11-25 10:30", None, 7.5, None, ()),
    ({}, "2026-12-28 17:00", "2027-01-04 11:00", None, 2.0, None, ()),
    ({}, "2026-11-24 10:00", "2026-11-24 14:00", None, 3.0, 0.5, ("drift",)),
    ({}, "2026-11-24 10:00", "2026-11-24 12:30", None, 2.0, 0.5, ()),
    ({}, "2026-11-24 10:00", "2026-11-24 15:30", None, 4.5, 0.5, ("breach",)),
    ({}, "2026-11-24 10:00", "2026-11-24 11:00", COUPON, 1.0, None, ("precedent",)),
    ({}, "2026-11-24 10:00", "2026-11-24 14:00", COUPON, 3.0, 0.5, ("drift", "precedent")),
    (PROMISED, "2026-11-24 10:00", "2026-11-24 11:00", None, 1.0, None, ("breach",)),
    (PROMISED, "2026-11-24 10:00", "2026-11-24 11:00", COUPON, 1.0, None, ()),
]
IDS = [
    "within-the-hour",
    "lunch-break-does-not-count",
    "exactly-4-business-hours-kept",
    "4.5-business-hours-is-breach",
    "friday-evening-delay-counts-from-tuesday-after-the-holiday",
    "weekend-tracking-update-counts-from-tuesday",
    "next-morning-is-breach",
    "longer-promise-kept",
    "new-year-closure-does-not-count",
    "slower-than-last-time-beyond-tolerance-is-drift",
    "slower-within-tolerance",
    "breach-is-not-also-drift",
    "compensation-not-promised-is-a-precedent",
    "drift-and-precedent-together",
    "promised-compensation-missing-is-breach",
    "promised-compensation-given",
]


class TestDelayApologyJudge:
    @pytest.mark.parametrize(
        ("params", "delayed", "apologised", "compensation", "hours", "last", "types"),
        CASES,
        ids=IDS,
    )
    def test_business_hours_to_the_apology(
        self, params, delayed, apologised, compensation, hours, last, types
    ):
        result = judge(
            KIND,
            occasion=delay(delayed),
            action=apology(apologised, compensation),
            params=params,
            past=history(last=last),
        )

        assert result.level == hours
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["business_hours"] == hours
            assert verdict.details["within_business_hours"] == params.get(
                "within_business_hours", 4
            )

    def test_a_carrier_delay_is_owed_an_apology_all_the_same(self):
        result = judge(KIND, occasion=delay(), action=apology("2026-11-25 10:30"))

        (verdict,) = result.verdicts
        assert verdict.message_ja == (
            "配達の遅れのお詫びまで7.5営業時間かかりました（約束は4営業時間以内）。"
            "配送業者による遅れでも、お詫びの約束は変わりません。"
        )
        assert verdict.message_en == (
            "The apology for the delivery delay took 7.5 business hours; the promise is "
            "within 4. The delay was caused by the carrier; the promise holds all the same."
        )
        assert verdict.details["cause"] == "carrier"
        assert verdict.details["tracking_number"] == "1234-5678-9012"
        assert verdict.details["order_id"] == "O-77"

    @pytest.mark.parametrize(
        ("cause", "note_ja"),
        [("weather", "天候による遅れでも"), ("shop", None), (None, None), ("Carrier ", "配送業者")],
        ids=["weather-named", "our-own-delay-needs-no-note", "cause-unknown", "cause-as-typed"],
    )
    def test_the_breach_names_a_cause_outside_the_shop(self, cause, note_ja):
        result = judge(KIND, occasion=delay(cause=cause), action=apology("2026-11-25 10:30"))

        message = result.verdicts[0].message_ja
        late = "配達の遅れのお詫びまで7.5営業時間かかりました（約束は4営業時間以内）。"
        if note_ja is None:
            assert message == late
        else:
            assert note_ja in message

    def test_drift_message_names_the_last_apology(self):
        result = judge(
            KIND,
            occasion=delay(),
            action=apology("2026-11-24 14:00"),
            past=history(last=0.5),
        )

        (verdict,) = result.verdicts
        assert verdict.message_ja == (
            "配達の遅れのお詫びまで3営業時間でした（約束は4営業時間以内）。"
            "このお客様は前回0.5営業時間でお詫びを受け取っています。"
        )
        assert "got one in 0.5 business hours last time" in verdict.message_en
        assert verdict.details["customer_last"] == 0.5

    def test_compensation_is_remembered_as_a_precedent(self):
        result = judge(KIND, occasion=delay(), action=apology("2026-11-24 11:00", COUPON))

        assert result.precedent == {"what": "compensation", "compensation": COUPON}
        assert result.kept is True
        (verdict,) = result.verdicts
        assert verdict.message_ja == (
            "お詫びに「500円クーポン」を添えました。約束にお詫びの品は含まれていません。"
            "このお客様は次に配達が遅れたときも同じ対応を期待するかもしれません。"
        )
        assert "came with “500円クーポン”" in verdict.message_en
        assert set(registry.get(KIND).precedent_labels) == {"compensation"}

    def test_promised_compensation_missing_and_late_is_one_breach(self):
        result = judge(KIND, occasion=delay(), action=apology("2026-11-25 10:30"), params=PROMISED)

        (verdict,) = result.verdicts
        assert verdict.type == "breach"
        assert "7.5営業時間かかりました" in verdict.message_ja
        assert "お詫びの品（クーポンなど）が添えられていません" in verdict.message_ja
        assert result.precedent is None

    def test_other_actions_and_occasions_are_not_judged(self):
        reply = event("reply_sent", "2026-11-24 11:00", "r1")
        inquiry = event("inquiry_received", "2026-11-24 10:00", "q1")

        assert judge(KIND, occasion=delay(), action=reply) is None
        assert judge(KIND, occasion=inquiry, action=apology("2026-11-24 11:00")) is None
        assert judge(KIND, occasion=None, action=apology("2026-11-24 11:00")) is None


class TestDelayApologyDeadline:
    @pytest.mark.parametrize(
        ("delayed", "within", "due"),
        [
            ("2026-11-24 10:00", 4, "2026-11-24 15:00"),
            ("2026-11-20 17:00", 4, "2026-11-24 14:00"),
            ("2026-11-21 09:00", 4, "2026-11-24 15:00"),
            ("2026-11-24 11:30", 1, "2026-11-24 13:30"),
        ],
        ids=["same-day", "over-the-weekend-and-holiday", "saturday-delay", "over-lunch"],
    )
    def test_deadline_adds_business_hours(self, delayed, within, due):
        params = {"within_business_hours": within}

        assert deadline(KIND, occasion=delay(delayed), params=params) == at(due)

    @pytest.mark.parametrize("day", ["2026-11-24", "2026-11-25", "2026-11-27", "2027-01-05"])
    def test_the_worklist_reach_separates_what_was_due_before_the_day(self, day):
        kind = registry.get(KIND)
        params = kind.default_params()
        start = at(f"{day} 00:00")

        reach = kind.deadline_reach(params=params, calendar=SEED_CALENDAR, day=start.date())

        due = lambda moment: SEED_CALENDAR.add_business_hours(moment, 4)  # noqa: E731
        assert due(reach - timedelta(minutes=1)) <= start
        assert due(reach + timedelta(minutes=2)) > start


class TestDelayApologyVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"within_business_hours": 4}, {"within_business_hours": 8}, True),
            ({"within_business_hours": 8}, {"within_business_hours": 4}, False),
            ({}, {"drift_tolerance_hours": 6}, False),
            (PROMISED, {}, True),
            ({}, PROMISED, False),
        ],
        ids=[
            "more-hours-lowers",
            "fewer-hours-raises",
            "tolerance-is-not-the-promise",
            "dropping-compensation-lowers",
            "adding-compensation-raises",
        ],
    )
    def test_more_hours_or_no_compensation_lower_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_promised_level_is_the_business_hours(self):
        kind = registry.get(KIND)

        assert kind.promised_level({"within_business_hours": 6}) == 6
        assert kind.level_unit == "business_hours"


class TestDelayApologyWords:
    def test_the_occasion_and_action_are_registered_with_their_attributes(self):
        occasion = vocabulary.occasion_kinds()["delivery_delayed"]
        action = vocabulary.action_kinds()["apology_sent"]

        assert [a.name for a in occasion.attributes] == ["cause", "tracking_number", "order_id"]
        assert [a.name for a in action.attributes] == ["compensation"]

    def test_the_words_read_in_japanese(self):
        occasion = vocabulary.occasion_kinds()["delivery_delayed"]
        action = vocabulary.action_kinds()["apology_sent"]
        params = registry.get(KIND).Params().fields

        assert vocabulary.words_ja(occasion.noun) == "配達の遅れ"
        assert vocabulary.words_ja(action.noun) == "お詫び"
        assert vocabulary.words_ja(action.done) == "配達の遅れをお詫びした"
        assert vocabulary.words_ja(params["within_business_hours"].label) == (
            "お詫びの期限（営業時間）"
        )
        assert vocabulary.words_ja(registry.get(KIND).precedent_labels["compensation"]) == (
            "お詫びに添えた品"
        )


# ---------------------------------------------------------------------------------------
# End to end: the kind declared in its module only, through the API, CSV, sweeper, pages
# ---------------------------------------------------------------------------------------

OCCASIONS = "/api/v1/shops/kobo/occasions/"
ACTIONS = "/api/v1/shops/kobo/actions/"


@pytest.fixture
def promise(shop, manager):
    return promise_create(
        shop=shop,
        kind=KIND,
        name="Apologise for delays",
        params={"within_business_hours": 4},
        author=manager,
        effective_from=at("2026-01-01 00:00"),
    )


def delay_body(external_id="D-1", when="2026-11-24T10:00:00+09:00", **attributes):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "delivery_delayed",
        "occurred_at": when,
        "attributes": attributes or {"cause": "carrier", "tracking_number": "1234-5678"},
    }


def apology_body(external_id="A-1", when="2026-11-25T10:30:00+09:00", occasion="D-1", **attrs):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "apology_sent",
        "occurred_at": when,
        "occasion": occasion,
        "attributes": attrs,
    }


@pytest.mark.django_db
class TestDelayApologyEndToEnd:
    def test_a_late_apology_recorded_through_the_api_returns_its_breach(self, api, promise):
        assert (
            api.post(
                OCCASIONS, delay_body(order_id="O-77", cause="carrier"), format="json"
            ).status_code
            == 201
        )

        response = api.post(ACTIONS, apology_body(), format="json")

        assert response.status_code == 201
        [finding] = response.json()["findings"]
        assert (finding["type"], finding["promise"]["kind"], finding["occasion"]) == (
            "breach",
            KIND,
            "D-1",
        )
        assert finding["details"]["business_hours"] == 7.5
        assert finding["details"]["order_id"] == "O-77"
        assert "配送業者による遅れでも" in finding["message_ja"]

    def test_a_compensation_is_a_precedent_remembered_in_the_commitment(self, api, promise):
        api.post(OCCASIONS, delay_body(), format="json")

        response = api.post(
            ACTIONS,
            apology_body(when="2026-11-24T11:00:00+09:00", compensation=COUPON),
            format="json",
        )

        assert [f["type"] for f in response.json()["findings"]] == ["precedent"]
        commitment = Commitment.objects.get(promise=promise)
        assert commitment.precedents[0]["what"] == "compensation"
        assert commitment.last_level == 1.0

    def test_an_attribute_of_the_wrong_type_is_refused_at_the_door(self, api, promise):
        response = api.post(OCCASIONS, delay_body(cause=["carrier"]), format="json")

        assert response.status_code == 400
        assert Occasion.objects.count() == 0

    def test_the_csv_import_reads_the_new_kinds_and_their_columns(self, shop, promise):
        header = (
            "type",
            "external_id",
            "customer",
            "kind",
            "occurred_at",
            "occasion",
            "cause",
            "tracking_number",
            "order_id",
            "compensation",
        )
        rows = [
            {
                "type": "occasion",
                "external_id": "D-1",
                "customer": "C-1",
                "kind": "delivery_delayed",
                "occurred_at": "2026-11-24 10:00",
                "cause": "weather",
                "tracking_number": "1234",
                "order_id": "O-77",
            },
            {
                "type": "action",
                "external_id": "A-1",
                "customer": "C-1",
                "kind": "apology_sent",
                "occurred_at": "2026-11-24 11:00",
                "occasion": "D-1",
                "compensation": COUPON,
            },
        ]
        data = csv_bytes(rows, header=header)
        imp = Import.objects.create(shop=shop, filename="delays.csv", size=len(data))

        imp = import_run(imp=imp, stream=io.BytesIO(data))
        judging.judge_shop(shop=shop)

        assert (imp.stored, imp.rejected) == (2, 0)
        assert Occasion.objects.get().attributes == {
            "cause": "weather",
            "tracking_number": "1234",
            "order_id": "O-77",
        }
        finding = Finding.objects.get()
        assert (finding.type, finding.action.external_id) == ("precedent", "A-1")

    def test_the_sweeper_raises_an_unanswered_delay_as_overdue(self, shop, promise):
        services.occasion_record(
            shop=shop,
            external_id="D-1",
            customer="C-1",
            kind="delivery_delayed",
            occurred_at=at("2026-11-24 10:00"),
            attributes={"cause": "carrier"},
            judge=False,
        )

        assert sweeper.sweep(now=at("2026-11-24 14:59")).overdue == 0
        assert sweeper.sweep(now=at("2026-11-24 15:01")).overdue == 1

        finding = Finding.objects.get(type="overdue")
        assert finding.details["deadline"] == "2026-11-24T15:00:00+09:00"
        assert "配達の遅れ（D-1）へのお詫び" in finding.message_ja
        assert "No apology is recorded for the delivery delay D-1" in finding.message_en

    def test_the_precheck_page_offers_the_apology_and_its_compensation(self, staff, promise):
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(staff)

        body = client.get("/shops/kobo/precheck/").content.decode()

        assert 'value="apology_sent"' in body
        assert "配達の遅れをお詫びした" in body
        assert 'name="attr_compensation"' in body

    def test_the_report_reads_the_level_in_business_hours(self, api, shop, manager, promise):
        api.post(OCCASIONS, delay_body(), format="json")
        api.post(ACTIONS, apology_body(when="2026-11-24T13:30:00+09:00"), format="json")
        report_build(shop=shop, week="2026-W48")
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(manager)

        body = client.get("/shops/kobo/reports/2026-W48/").content.decode()

        assert "2.5 営業時間" in body
        assert "business_hours" not in body
