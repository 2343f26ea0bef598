"""delivery_followup: a follow-up within N open days of delivery, to all or repeat customers."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from commitments import judging, services, sweeper
from commitments.imports import import_run
from commitments.models import Commitment, Finding, Import, Occasion
from policies import vocabulary
from policies.kinds import registry
from policies.services import promise_create
from reports.builder import report_build
from tests.commitments.import_support import csv_bytes

from .kinds_support import at, deadline, event, history, judge

KIND = "delivery_followup"
REPEAT = {"scope": "repeat"}


def delivered(when="2026-11-20 14:00", earlier=None):
    attributes = {"order_id": "O-77"}
    if earlier is not None:
        attributes["earlier_orders"] = earlier
    return event("delivered", when, "P1", **attributes)


def followup(when):
    return event("followup_sent", when, "F1")


# (params, delivery, follow-up, open days, customer's last, verdict types)
CASES = [
    ({}, delivered(), followup("2026-11-20 16:00"), 0, None, ()),
    ({}, delivered(), followup("2026-11-24 11:00"), 1, None, ()),
    ({}, delivered(), followup("2026-11-26 17:00"), 3, None, ()),
    ({}, delivered(), followup("2026-11-27 09:00"), 4, None, ("breach",)),
    ({}, delivered("2026-11-21 10:00"), followup("2026-11-21 12:00"), 0, None, ()),
    ({}, delivered("2026-11-21 10:00"), followup("2026-11-26 12:00"), 3, None, ()),
    ({"within_days": 0}, delivered(), followup("2026-11-21 10:00"), 1, None, ("breach",)),
    ({}, delivered("2026-12-28 10:00"), followup("2027-01-06 12:00"), 3, None, ()),
    ({}, delivered("2026-12-28 10:00"), followup("2027-01-07 12:00"), 4, None, ("breach",)),
    ({}, delivered(), followup("2026-11-25 10:00"), 2, 1.0, ("drift",)),
    ({}, delivered(), followup("2026-11-25 10:00"), 2, 2.0, ()),
    ({"within_days": 1}, delivered(), followup("2026-11-25 10:00"), 2, 0.0, ("breach",)),
    (REPEAT, delivered(earlier=2), followup("2026-11-27 09:00"), 4, None, ("breach",)),
    (REPEAT, delivered(earlier=1), followup("2026-11-24 09:00"), 1, None, ()),
    (REPEAT, delivered(earlier=0), followup("2026-11-30 09:00"), 5, None, ()),
    (REPEAT, delivered(), followup("2026-11-30 09:00"), 5, 1.0, ()),
]
IDS = [
    "same-day",
    "holiday-monday-is-skipped",
    "third-open-day-kept",
    "fourth-open-day-is-breach",
    "saturday-delivery-followed-up-saturday",
    "saturday-delivery-third-open-day-kept",
    "closed-day-after-the-deadline-is-breach",
    "new-year-closure-does-not-count",
    "new-year-fourth-open-day-is-breach",
    "slower-than-last-time-is-drift",
    "as-slow-as-last-time",
    "breach-is-not-also-drift",
    "repeat-customer-is-judged",
    "repeat-customer-kept",
    "first-order-under-repeat-only-is-not-promised",
    "unknown-orders-under-repeat-only-is-not-promised",
]


class TestDeliveryFollowupJudge:
    @pytest.mark.parametrize(
        ("params", "occasion", "action", "days", "last", "types"), CASES, ids=IDS
    )
    def test_open_days_to_the_followup(self, params, occasion, action, days, last, types):
        result = judge(
            KIND, occasion=occasion, action=action, params=params, past=history(last=last)
        )

        assert result.level == days
        assert result.kept is ("breach" not in types)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["days"] == days
            assert verdict.details["scope"] == params.get("scope", "all")

    def test_breach_message_names_the_days(self):
        result = judge(KIND, occasion=delivered(), action=followup("2026-11-27 09:00"))

        (verdict,) = result.verdicts
        assert verdict.message_ja == (
            "2026年11月20日(金)のお届けへのフォローメッセージが2026年11月27日(金)で、"
            "4営業日かかりました（約束は3営業日以内）。"
        )
        assert verdict.message_en == (
            "The follow-up for the delivery of Fri 2026-11-20 went out on Fri 2026-11-27, "
            "after 4 business days; the promise is within 3."
        )
        assert verdict.details["order_id"] == "O-77"

    def test_drift_message_names_the_last_followup(self):
        result = judge(
            KIND,
            occasion=delivered(),
            action=followup("2026-11-25 10:00"),
            past=history(last=1.0),
        )

        (verdict,) = result.verdicts
        assert verdict.message_ja == (
            "お届け後のフォローメッセージまで2営業日かかりました（約束は3営業日以内）。"
            "このお客様は前回、お届けから1営業日で受け取っています。"
        )
        assert "got one after 1 business day last time" in verdict.message_en

    def test_a_first_order_followed_up_is_the_customers_experience_without_findings(self):
        result = judge(
            KIND,
            occasion=delivered(earlier=0),
            action=followup("2026-11-20 16:00"),
            params=REPEAT,
        )

        assert (result.level, result.kept, result.verdicts, result.precedent) == (
            0.0,
            True,
            (),
            None,
        )
        assert registry.get(KIND).precedent_labels == {}

    def test_other_actions_are_not_judged(self):
        thanks = event("thank_you_sent", "2026-11-20 16:00", "t1")

        assert judge(KIND, occasion=delivered(), action=thanks) is None
        assert judge(KIND, occasion=None, action=followup("2026-11-20 16:00")) is None


class TestDeliveryFollowupDeadline:
    @pytest.mark.parametrize(
        ("params", "occasion", "due"),
        [
            ({}, delivered(), at("2026-11-27 00:00")),
            ({"within_days": 0}, delivered(), at("2026-11-21 00:00")),
            ({}, delivered("2026-12-28 10:00"), at("2027-01-07 00:00")),
            (REPEAT, delivered(earlier=0), None),
            (REPEAT, delivered(), None),
            (REPEAT, delivered(earlier=3), at("2026-11-27 00:00")),
        ],
        ids=[
            "third-open-day",
            "same-day",
            "over-new-year",
            "first-order-repeat-only",
            "unknown-orders-repeat-only",
            "repeat-customer",
        ],
    )
    def test_deadline_is_the_end_of_the_last_open_day_allowed(self, params, occasion, due):
        assert deadline(KIND, occasion=occasion, params=params) == due


class TestDeliveryFollowupVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"scope": "all"}, REPEAT, True),
            (REPEAT, {"scope": "all"}, False),
            ({"within_days": 3}, {"within_days": 5}, True),
            ({"within_days": 3}, {"within_days": 1}, False),
            ({}, {}, False),
        ],
        ids=[
            "all-to-repeat-lowers",
            "repeat-to-all-raises",
            "more-days-lowers",
            "fewer-days-raises",
            "unchanged",
        ],
    )
    def test_fewer_customers_or_more_days_lower_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_promised_level_is_the_days(self):
        kind = registry.get(KIND)

        assert kind.promised_level({"within_days": 2}) == 2
        assert kind.level_unit == "days"

    def test_scope_accepts_only_its_choices(self):
        with pytest.raises(ValidationError):
            registry.get(KIND).validate_params({"scope": "vip"})


class TestDeliveryFollowupWords:
    def test_the_occasion_and_action_are_registered(self):
        occasion = vocabulary.occasion_kinds()["delivered"]
        action = vocabulary.action_kinds()["followup_sent"]

        assert occasion.attribute("earlier_orders").type == "int"
        assert occasion.attribute("earlier_orders").min == 0
        assert action.attributes == ()

    def test_the_words_read_in_japanese(self):
        occasion = vocabulary.occasion_kinds()["delivered"]
        action = vocabulary.action_kinds()["followup_sent"]
        scope = registry.get(KIND).Params().fields["scope"]

        assert vocabulary.words_ja(occasion.noun) == "お届け"
        assert vocabulary.words_ja(action.noun) == "フォローメッセージ"
        assert vocabulary.words_ja(scope.choices["repeat"]) == "常連のお客様のみ"


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
        name="Follow up repeat customers",
        params={"within_days": 3, "scope": "repeat"},
        author=manager,
        effective_from=at("2026-01-01 00:00"),
    )


def delivery_body(external_id="P-1", customer="C-1", when="2026-11-20T14:00:00+09:00", **attrs):
    return {
        "external_id": external_id,
        "customer": customer,
        "kind": "delivered",
        "occurred_at": when,
        "attributes": attrs,
    }


def followup_body(
    external_id="F-1", customer="C-1", when="2026-11-27T09:00:00+09:00", occasion="P-1"
):
    return {
        "external_id": external_id,
        "customer": customer,
        "kind": "followup_sent",
        "occurred_at": when,
        "occasion": occasion,
    }


@pytest.mark.django_db
class TestDeliveryFollowupEndToEnd:
    def test_a_late_followup_to_a_repeat_customer_recorded_through_the_api_is_a_breach(
        self, api, promise
    ):
        api.post(OCCASIONS, delivery_body(earlier_orders=2, order_id="O-9"), format="json")

        response = api.post(ACTIONS, followup_body(), format="json")

        assert response.status_code == 201
        [finding] = response.json()["findings"]
        assert (finding["type"], finding["promise"]["kind"]) == ("breach", KIND)
        assert finding["details"]["days"] == 4
        assert finding["details"]["earlier_orders"] == 2

    def test_a_first_order_is_not_promised_under_repeat_only(self, api, promise):
        api.post(OCCASIONS, delivery_body(earlier_orders=0), format="json")

        response = api.post(ACTIONS, followup_body(), format="json")

        assert response.json()["findings"] == []
        assert Commitment.objects.get(promise=promise).last_level == 4.0

    def test_a_negative_count_of_orders_is_refused_at_the_door(self, api, promise):
        response = api.post(OCCASIONS, delivery_body(earlier_orders=-1), format="json")

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
            "earlier_orders",
            "order_id",
        )
        rows = [
            {
                "type": "occasion",
                "external_id": "P-1",
                "customer": "C-1",
                "kind": "delivered",
                "occurred_at": "2026-11-20 14:00",
                "earlier_orders": "3",
                "order_id": "O-9",
            },
            {
                "type": "action",
                "external_id": "F-1",
                "customer": "C-1",
                "kind": "followup_sent",
                "occurred_at": "2026-11-27 09:00",
                "occasion": "P-1",
            },
        ]
        data = csv_bytes(rows, header=header)
        imp = Import.objects.create(shop=shop, filename="deliveries.csv", size=len(data))

        imp = import_run(imp=imp, stream=io.BytesIO(data))
        judging.judge_shop(shop=shop)

        assert (imp.stored, imp.rejected) == (2, 0)
        assert Occasion.objects.get().attributes == {"earlier_orders": 3, "order_id": "O-9"}
        assert Finding.objects.get().type == "breach"

    def test_the_sweeper_raises_overdue_for_repeat_customers_only(self, shop, promise):
        for external_id, customer, earlier in (("P-1", "C-1", 1), ("P-2", "C-2", 0)):
            services.occasion_record(
                shop=shop,
                external_id=external_id,
                customer=customer,
                kind="delivered",
                occurred_at=at("2026-11-20 14:00"),
                attributes={"earlier_orders": earlier},
                judge=False,
            )

        assert sweeper.sweep(now=at("2026-11-26 23:59")).overdue == 0
        assert sweeper.sweep(now=at("2026-11-27 00:01")).overdue == 1

        finding = Finding.objects.get(type="overdue")
        assert finding.occasion.external_id == "P-1"
        assert "お届け（P-1）へのフォローメッセージ" in finding.message_ja
        assert "No follow-up message is recorded for the delivery P-1" in finding.message_en

    def test_the_precheck_page_offers_the_followup(self, staff, promise):
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(staff)

        body = client.get("/shops/kobo/precheck/").content.decode()

        assert 'value="followup_sent"' in body
        assert "フォローメッセージを送った" in body

    def test_the_report_reads_the_level_in_days(self, api, shop, manager, promise):
        api.post(
            OCCASIONS,
            delivery_body(earlier_orders=1, when="2026-11-24T10:00:00+09:00"),
            format="json",
        )
        api.post(ACTIONS, followup_body(when="2026-11-26T10:00:00+09:00"), format="json")
        report_build(shop=shop, week="2026-W48")
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(manager)

        body = client.get("/shops/kobo/reports/2026-W48/").content.decode()

        assert "2 days" in body
