"""ship_by_announced_date: the parcel ships on or before the announced date (seeds/000, 003)."""

import io
from datetime import date
from unittest import mock

import pytest
from django.utils import translation

from commitments import judging, sweeper
from commitments.imports import columns, import_run
from commitments.models import Check, Finding, Import, Occasion
from commitments.worklist import worklist_for
from policies import vocabulary
from policies.kinds import registry
from policies.kinds.ship_by_announced_date import announced_date
from policies.models import Shop
from reports.builder import report_build

from ..commitments.import_support import HEADER, csv_bytes
from ..commitments.import_support import action as csv_action
from ..commitments.import_support import order as csv_order
from .kinds_support import SEED_CALENDAR, at, deadline, event, history, judge

KIND = "ship_by_announced_date"


def order(ship_by="2026-11-20", when="2026-11-16 10:00"):
    attributes = {"total": 5000}
    if ship_by is not None:
        attributes["ship_by"] = ship_by
    return event("order_placed", when, "o1", **attributes)


def shipped(when):
    return event("shipped", when, "s1")


# (announced ship date, shipped, business days late, verdict types); ordered Mon 2026-11-16.
# The seed calendar: closed Saturday, Sunday, national holidays (Mon 2026-11-23 勤労感謝の日)
# and 2026-12-29 .. 2027-01-03.
CASES = [
    ("2026-11-20", "2026-11-20 17:00", 0, ()),
    ("2026-11-20", "2026-11-19 11:00", -1, ()),
    ("2026-11-20", "2026-11-17 09:00", -3, ()),
    ("2026-11-20", "2026-11-24 10:00", 1, ("breach",)),
    ("2026-11-20", "2026-11-21 10:00", 1, ("breach",)),
    ("2026-11-20", "2026-11-25 10:00", 2, ("breach",)),
    ("2026-11-22", "2026-11-20 17:00", 0, ()),
    ("2026-11-22", "2026-11-19 17:00", -1, ()),
    ("2026-11-22", "2026-11-24 10:00", 1, ("breach",)),
    ("2026-11-23", "2026-11-19 17:00", -1, ()),
    ("2026-12-30", "2026-12-28 15:00", 0, ()),
    ("2026-12-30", "2027-01-04 10:00", 1, ("breach",)),
    ("2027-01-04", "2026-12-28 15:00", -1, ()),
]
IDS = [
    "shipped-on-the-announced-friday",
    "one-business-day-early",
    "three-business-days-early",
    "tuesday-after-the-holiday-monday-is-1-late",
    "closed-saturday-after-the-date-counts-as-tuesday",
    "wednesday-is-2-late",
    "announced-sunday-friday-is-the-last-shipping-day",
    "announced-sunday-thursday-is-1-early",
    "announced-sunday-tuesday-after-holiday-is-1-late",
    "announced-holiday-thursday-is-1-early",
    "announced-inside-new-year-closure-last-shipping-day-before",
    "announced-inside-closure-shipped-after-it-is-late",
    "announced-after-closure-shipped-before-it-is-early",
]


class TestShipByAnnouncedDateJudge:
    @pytest.mark.parametrize(("ship_by", "shipped_at", "late", "types"), CASES, ids=IDS)
    def test_level_and_verdicts_follow_the_announced_date_and_the_calendar(
        self, ship_by, shipped_at, late, types
    ):
        result = judge(KIND, occasion=order(ship_by), action=shipped(shipped_at))

        assert result.level == late
        assert result.kept is (late <= 0)
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["ship_by"] == ship_by
            assert verdict.details["shipped_on"] == shipped_at[:10]
            assert verdict.details["business_days_late"] == late

    def test_breach_message_names_the_announced_date_and_the_delay(self):
        result = judge(KIND, occasion=order(), action=shipped("2026-11-24 10:00"))

        (verdict,) = result.verdicts
        assert verdict.message_en == (
            "The order of Mon 2026-11-16 10:00 (announced ship date Fri 2026-11-20) shipped on "
            "Tue 2026-11-24, 1 business day after the announced date."
        )
        assert verdict.message_ja == (
            "2026年11月16日(月) 10:00のご注文（発送予定日2026年11月20日(金)）の発送は"
            "2026年11月24日(火)で、お知らせした発送予定日より1営業日遅れました。"
        )

    @pytest.mark.parametrize(
        ("shipped_at", "last", "types"),
        [
            ("2026-11-20 17:00", -2.0, ("drift",)),
            ("2026-11-20 17:00", -1.0, ("drift",)),
            ("2026-11-20 17:00", 0.0, ()),
            ("2026-11-20 17:00", 1.0, ()),
            ("2026-11-20 17:00", None, ()),
            ("2026-11-19 17:00", -3.0, ()),
            ("2026-11-24 10:00", -2.0, ("breach",)),
        ],
        ids=[
            "last-day-after-two-days-early",
            "last-day-after-one-day-early",
            "last-day-after-last-day",
            "last-day-after-a-late-one",
            "first-order",
            "still-early-is-not-drift",
            "a-breach-is-not-also-drift",
        ],
    )
    def test_the_last_day_after_earlier_parcels_is_drift(self, shipped_at, last, types):
        result = judge(KIND, occasion=order(), action=shipped(shipped_at), past=history(last=last))

        assert result.types == types

    def test_drift_message_says_how_early_the_last_parcel_was(self):
        result = judge(
            KIND, occasion=order(), action=shipped("2026-11-20 17:00"), past=history(last=-2.0)
        )

        (verdict,) = result.verdicts
        assert result.kept is True
        assert verdict.details["customer_last"] == -2
        assert "on time but no earlier than announced" in verdict.message_en
        assert "2 business days before the announced date" in verdict.message_en
        assert "約束どおり2026年11月20日(金)に発送しましたが" in verdict.message_ja
        assert "前回、発送予定日より2営業日早く発送を受けています" in verdict.message_ja

    @pytest.mark.parametrize("ship_by", [None, "", "next week", "2026-13-01", 20261120], ids=repr)
    def test_an_order_without_an_announced_date_is_not_promised(self, ship_by):
        occasion = order(ship_by)

        assert judge(KIND, occasion=occasion, action=shipped("2026-12-01 10:00")) is None
        assert deadline(KIND, occasion=occasion) is None
        kind = registry.get(KIND)
        params = kind.default_params()
        assert kind.applies(occasion=occasion, params=params, calendar=SEED_CALENDAR) is False

    @pytest.mark.parametrize(
        ("action", "occasion"),
        [
            (event("note_enclosed", "2026-11-20 17:00", lines=10), order()),
            (shipped("2026-11-20 17:00"), event("inquiry_received", "2026-11-16 10:00")),
            (shipped("2026-11-20 17:00"), None),
        ],
        ids=["other-action", "other-occasion", "no-occasion"],
    )
    def test_other_actions_are_not_judged(self, action, occasion):
        assert judge(KIND, occasion=occasion, action=action) is None


class TestShipByAnnouncedDateDeadline:
    @pytest.mark.parametrize(
        ("ship_by", "due"),
        [
            ("2026-11-20", "2026-11-21 00:00"),
            ("2026-11-22", "2026-11-23 00:00"),
            ("2026-12-30", "2026-12-31 00:00"),
        ],
        ids=["end-of-the-announced-day", "a-closed-day-too", "inside-the-closure"],
    )
    def test_deadline_is_the_end_of_the_announced_day(self, ship_by, due):
        assert deadline(KIND, occasion=order(ship_by)) == at(due)

    def test_the_deadline_does_not_depend_on_the_order_time(self):
        early, late = order(when="2026-11-02 09:00"), order(when="2026-11-19 23:00")

        assert deadline(KIND, occasion=early) == deadline(KIND, occasion=late)


class TestShipByAnnouncedDateVocabulary:
    def test_orders_accept_the_announced_date_as_a_date_attribute(self):
        attribute = vocabulary.record_kind(vocabulary.OCCASION, "order_placed").attribute("ship_by")

        assert attribute is not None
        assert attribute.type == "date"
        assert vocabulary.words_ja(attribute.label) == "発送予定日"
        assert vocabulary.words_en(attribute.label) == "Announced ship date"
        assert "YYYY-MM-DD" in vocabulary.words_en(attribute.help)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("2026-11-20", date(2026, 11, 20)),
            (" 2026-11-20 ", date(2026, 11, 20)),
            (date(2026, 11, 20), date(2026, 11, 20)),
            ("2026-11-20T10:00:00+09:00", date(2026, 11, 20)),
            ("", None),
            (None, None),
            ("20/11/2026", None),
        ],
        ids=repr,
    )
    def test_announced_date_reads_the_stored_value(self, value, expected):
        assert announced_date({"ship_by": value}) == expected


class TestShipByAnnouncedDateVersions:
    def test_the_parameters_cannot_promise_less(self):
        kind = registry.get(KIND)

        assert kind.lowers({}, {"excused_reasons": []}) is False
        assert kind.promised_level({}) == 0


# ---------------------------------------------------------------------------------------
# End to end: the API, the CSV import, the sweeper, the pre-check and the weekly report
# ---------------------------------------------------------------------------------------

SHOP_API = "/api/v1/shops/kobo"


def record(api, path, body):
    response = api.post(f"{SHOP_API}/{path}/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def order_body(external_id="O-1", ship_by="2026-11-20", when="2026-11-16T10:00:00+09:00"):
    attributes = {"total": 5000}
    if ship_by is not None:
        attributes["ship_by"] = ship_by
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "order_placed",
        "occurred_at": when,
        "attributes": attributes,
    }


def shipment_body(external_id="S-1", occasion="O-1", when="2026-11-24T10:00:00+09:00"):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "shipped",
        "occurred_at": when,
        "occasion": occasion,
    }


@pytest.fixture
def promise(api, shop):
    response = api.post(
        f"{SHOP_API}/promises/",
        {"kind": KIND, "name": "発送予定日", "effective_from": "2026-01-01 00:00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
class TestShipByAnnouncedDateEndToEnd:
    def test_the_api_takes_the_announced_date_and_a_late_parcel_is_a_breach(self, api, promise):
        stored = record(api, "occasions", order_body())
        shipped_late = record(api, "actions", shipment_body())

        assert stored["attributes"]["ship_by"] == "2026-11-20"
        [finding] = shipped_late["findings"]
        assert (finding["type"], finding["promise"]["kind"]) == ("breach", KIND)
        assert finding["details"]["business_days_late"] == 1
        assert "1 business day after the announced date" in finding["message_en"]
        assert "1営業日遅れました" in finding["message_ja"]

    def test_an_order_without_the_date_is_not_judged(self, api, promise):
        record(api, "occasions", order_body(ship_by=None))
        shipped = record(api, "actions", shipment_body())

        assert shipped["findings"] == []
        assert not Check.objects.filter(promise_id=promise["id"]).exists()

    @pytest.mark.parametrize("ship_by", ["2026-11-31", "20 November", "2026/11/20 10:00", 20261120])
    def test_a_date_that_is_not_one_is_refused_with_the_field_named(self, api, promise, ship_by):
        response = api.post(f"{SHOP_API}/occasions/", order_body(ship_by=ship_by), format="json")

        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["field"] == "attributes.ship_by"
        assert not Occasion.objects.exists()

    def test_the_csv_import_reads_the_ship_by_column(self, shop, promise):
        rows = [
            csv_order(ship_by="2026-11-20"),
            csv_order("O-2", ship_by="2026/11/24"),
            csv_action("shipped", "S-1", when="2026-11-24 10:00"),
            csv_action("shipped", "S-2", occasion="O-2", when="2026-11-24 10:00"),
        ]
        data = csv_bytes(rows, header=(*HEADER, "ship_by"))
        imp = Import.objects.create(shop=shop, filename="log.csv", size=len(data))

        imp = import_run(imp=imp, stream=io.BytesIO(data))
        judging.judge_shop(shop=shop)

        assert (imp.stored, imp.rejected) == (4, 0)
        assert Occasion.objects.get(external_id="O-2").attributes["ship_by"] == "2026-11-24"
        found = {
            (f.action.external_id, f.type)
            for f in Finding.objects.filter(promise_id=promise["id"]).select_related("action")
        }
        assert found == {("S-1", "breach")}
        levels = dict(
            Check.objects.filter(promise_id=promise["id"]).values_list(
                "action__external_id", "level"
            )
        )
        assert levels == {"S-1": 1.0, "S-2": 0.0}

    def test_the_csv_column_has_its_help(self):
        help_texts = {column.name: str(column.description) for column in columns()}

        assert "announced in the order confirmation" in help_texts["ship_by"]

    def test_the_sweeper_raises_overdue_after_the_end_of_the_announced_day(self, api, promise):
        record(api, "occasions", order_body())
        record(api, "occasions", order_body("O-2", ship_by=None))
        record(api, "occasions", order_body("O-3", ship_by="2026-11-26"))

        assert sweeper.sweep(now=at("2026-11-20 23:00")).overdue == 0
        assert sweeper.sweep(now=at("2026-11-21 00:30")).overdue == 1

        [finding] = Finding.objects.filter(type="overdue")
        assert (finding.occasion.external_id, finding.promise_id) == ("O-1", promise["id"])
        assert finding.details["deadline"] == "2026-11-21T00:00:00+09:00"
        assert finding.message_en == (
            "No shipment is recorded for the order O-1 of Mon 2026-11-16 10:00; it was due by "
            "the end of Fri 2026-11-20 (Shipping by the announced date)."
        )
        assert "2026年11月20日(金)" in finding.message_ja
        assert "発送予定日までの発送" in finding.message_ja

    def test_the_precheck_says_drift_before_the_last_day_shipment(self, api, promise):
        record(api, "occasions", order_body("O-0", ship_by="2026-11-13", when="2026-11-09T10:00"))
        record(api, "actions", shipment_body("S-0", "O-0", when="2026-11-11T10:00:00+09:00"))
        record(api, "occasions", order_body())

        response = api.post(
            f"{SHOP_API}/prechecks/",
            {
                "customer": "C-1",
                "kind": "shipped",
                "occurred_at": "2026-11-20T17:00:00+09:00",
                "occasion": "O-1",
            },
            format="json",
        )

        assert response.status_code == 200
        body = response.json()
        assert body["verdict"] == "drift"
        [finding] = body["findings"]
        assert finding["promise"]["kind"] == KIND
        assert finding["details"]["customer_last"] == -2

    def test_the_weekly_report_reads_the_level_in_business_days(
        self, api, promise, manager, client
    ):
        record(api, "occasions", order_body())
        record(api, "actions", shipment_body(when="2026-11-18T10:00:00+09:00"))
        report_build(shop=Shop.objects.get(slug="kobo"), week="2026-W47")
        client.force_login(manager)

        page = client.get("/shops/kobo/reports/2026-W47/").content.decode()
        # The request activates Japanese; the language of the tests after it stays as it was.
        with translation.override(translation.get_language()):
            japanese = client.get(
                "/shops/kobo/reports/2026-W47/", HTTP_ACCEPT_LANGUAGE="ja"
            ).content.decode()

        assert "発送予定日" in page
        assert "2 business days early" in page
        assert "2 営業日早く発送" in japanese

    def test_the_worklist_lists_the_order_on_its_announced_day(self, api, promise, staff, client):
        record(api, "occasions", order_body(when="2026-11-17T10:00:00+09:00"))
        record(api, "occasions", order_body("O-2", ship_by=None, when="2026-11-17T10:00:00+09:00"))
        record(api, "occasions", order_body("O-3", ship_by="2026-11-24"))
        shop = Shop.objects.get(slug="kobo")

        before = worklist_for(shop=shop, now=at("2026-11-19 10:00"))
        today = worklist_for(shop=shop, now=at("2026-11-20 10:00"))
        client.force_login(staff)
        with mock.patch("django.utils.timezone.now", return_value=at("2026-11-20 10:00")):
            page = client.get("/shops/kobo/today/").content.decode()

        assert [s.promise.pk for s in before.sections] == []
        [section] = today.sections
        assert section.promise.pk == promise["id"]
        assert [(i.occasion.external_id, i.deadline, i.late) for i in section.items] == [
            ("O-1", at("2026-11-21 00:00"), False)
        ]
        assert "O-1" in page and "O-3" not in page
