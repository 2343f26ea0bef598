"""consultation_confirmation: a booking is confirmed within hours, reminded the day before
(seeds/002)."""

import io
from datetime import datetime
from unittest import mock

import pytest
from django.utils import translation

from commitments import judging, sweeper
from commitments.imports import columns, import_run
from commitments.models import Check, Finding, Import, Occasion
from commitments.worklist import worklist_for
from policies import vocabulary
from policies.kinds import registry
from policies.kinds.consultation_confirmation import consultation_time
from policies.models import Shop
from reports.builder import report_build

from ..commitments.import_support import HEADER, csv_bytes
from ..commitments.import_support import action as csv_action
from .kinds_support import SEED_CALENDAR, TOKYO, at, deadline, event, history, judge

KIND = "consultation_confirmation"
CONSULTATION = "2026-11-20T15:00:00+09:00"  # Fri 15:00; the reminder is due on Thu 11-19
FRIDAY_15 = datetime(2026, 11, 20, 15, 0, tzinfo=TOKYO)


def booking(when="2026-11-16 10:00", consultation_at=CONSULTATION):
    attributes = {} if consultation_at is None else {"consultation_at": consultation_at}
    return event("consultation_booked", when, "b1", **attributes)


def confirmation(when, external_id="c1"):
    return event("confirmation_sent", when, external_id)


def reminder(when):
    return event("reminder_sent", when, "r1")


def judged(reminded, confirmed=("2026-11-16 11:30",), *, occasion=None, **kwargs):
    related = [confirmation(when, f"c{i}") for i, when in enumerate(confirmed)]
    return judge(
        KIND,
        occasion=occasion or booking(),
        action=reminder(reminded),
        related=related,
        **kwargs,
    )


# (confirmations, reminder, level: the first confirmation's hours, verdict types)
CASES = [
    (("2026-11-16 11:30",), "2026-11-19 10:00", 1.5, ()),
    (("2026-11-17 10:00",), "2026-11-19 10:00", 24, ()),
    (("2026-11-17 12:00",), "2026-11-19 10:00", 26, ("breach",)),
    (("2026-11-17 12:00", "2026-11-16 10:15"), "2026-11-19 10:00", 0.25, ()),
    ((), "2026-11-19 10:00", None, ("breach",)),
    (("2026-11-16 11:30",), "2026-11-19 00:00", 1.5, ()),
    (("2026-11-16 11:30",), "2026-11-19 23:59", 1.5, ()),
    (("2026-11-16 11:30",), "2026-11-18 18:00", 1.5, ("breach",)),
    (("2026-11-16 11:30",), "2026-11-20 09:00", 1.5, ("breach",)),
    (("2026-11-16 11:30",), "2026-11-20 16:00", 1.5, ("breach",)),
    (("2026-11-18 10:00",), "2026-11-20 09:00", 48, ("breach",)),
]
IDS = [
    "confirmed-in-90-minutes-reminded-the-day-before",
    "confirmed-at-exactly-24-hours",
    "confirmed-after-26-hours",
    "the-first-confirmation-counts",
    "no-confirmation-recorded",
    "reminded-at-the-start-of-the-day-before",
    "reminded-at-the-end-of-the-day-before",
    "reminded-two-days-before",
    "reminded-on-the-day",
    "reminded-after-the-consultation-began",
    "late-confirmation-and-late-reminder-in-one-breach",
]


class TestConsultationConfirmationJudge:
    @pytest.mark.parametrize(("confirmed", "reminded", "level", "types"), CASES, ids=IDS)
    def test_the_confirmation_hours_and_the_reminder_day_decide(
        self, confirmed, reminded, level, types
    ):
        result = judged(reminded, confirmed)

        assert result.level == level
        assert result.kept is (types == ())
        assert result.types == types
        for verdict in result.verdicts:
            assert verdict.details["reminder_day"] == "2026-11-19"
            assert verdict.details["confirmation_hours"] == level
            assert verdict.details["consultation_at"] == CONSULTATION

    def test_late_confirmation_message(self):
        (verdict,) = judged("2026-11-19 10:00", ("2026-11-17 12:00",)).verdicts

        assert verdict.message_en == (
            "The booking confirmation for the consultation of Fri 2026-11-20 15:00 went out "
            "26 hours after the booking; the promise is within 24."
        )
        assert verdict.message_ja == (
            "2026年11月20日(金) 15:00のオンライン接客のご予約への予約確認はご予約から26時間後"
            "でした（約束は24時間以内）。"
        )

    def test_missing_confirmation_message(self):
        (verdict,) = judged("2026-11-19 10:00", ()).verdicts

        assert verdict.details["confirmed_at"] is None
        assert "No booking confirmation is recorded" in verdict.message_en
        assert "予約確認が記録されていません（約束は24時間以内）" in verdict.message_ja

    @pytest.mark.parametrize(
        ("reminded", "en", "ja"),
        [
            (
                "2026-11-18 18:00",
                "went out 2 days before, on Wed 2026-11-18; the promise is the day before, "
                "Thu 2026-11-19.",
                "リマインドは2日前の2026年11月18日(水)に送られました（約束は前日の2026年11月19日(木)）。",
            ),
            (
                "2026-11-20 09:00",
                "went out on the day itself, at Fri 2026-11-20 09:00;",
                "リマインドは当日の2026年11月20日(金) 09:00でした"
                "（約束は前日の2026年11月19日(木)）。",
            ),
            (
                "2026-11-20 16:00",
                "went out after it began, at Fri 2026-11-20 16:00;",
                "リマインドは接客の開始後の2026年11月20日(金) 16:00でした",
            ),
        ],
        ids=["too-early", "on-the-day", "after-it-began"],
    )
    def test_reminder_messages_say_when_it_went_out(self, reminded, en, ja):
        (verdict,) = judged(reminded).verdicts

        assert en in verdict.message_en
        assert ja in verdict.message_ja

    def test_both_problems_are_one_breach(self):
        (verdict,) = judged("2026-11-20 09:00", ("2026-11-18 10:00",)).verdicts

        assert "48 hours after the booking" in verdict.message_en
        assert "on the day itself" in verdict.message_en
        assert "48時間後" in verdict.message_ja
        assert "当日の" in verdict.message_ja

    @pytest.mark.parametrize(
        ("confirmed", "last", "types"),
        [
            ("2026-11-17 00:00", 1.0, ("drift",)),
            ("2026-11-17 00:00", 10.0, ()),
            ("2026-11-16 11:00", 1.0, ()),
            ("2026-11-17 00:00", None, ()),
            ("2026-11-17 12:00", 1.0, ("breach",)),
        ],
        ids=[
            "14-hours-after-1-last-time",
            "14-hours-after-10-within-tolerance",
            "as-fast-as-last-time",
            "first-booking",
            "a-breach-is-not-also-drift",
        ],
    )
    def test_a_slower_confirmation_than_last_time_is_drift(self, confirmed, last, types):
        result = judged("2026-11-19 10:00", (confirmed,), past=history(last=last))

        assert result.types == types
        if types == ("drift",):
            (verdict,) = result.verdicts
            assert result.kept is True
            assert "got it after 1 hour last time" in verdict.message_en
            assert "このお客様は前回1時間後に受け取っています" in verdict.message_ja

    @pytest.mark.parametrize(
        ("tolerance", "types"), [(13, ()), (12, ("drift",)), (0, ("drift",))], ids=str
    )
    def test_drift_tolerance_is_a_parameter(self, tolerance, types):
        result = judged(
            "2026-11-19 10:00",
            ("2026-11-17 00:00",),
            past=history(last=1.0),
            params={"drift_tolerance_hours": tolerance},
        )

        assert result.types == types

    def test_confirm_within_hours_is_a_parameter(self):
        result = judged(
            "2026-11-19 10:00", ("2026-11-16 16:00",), params={"confirm_within_hours": 4}
        )

        assert result.types == ("breach",)
        assert "the promise is within 4." in result.verdicts[0].message_en

    @pytest.mark.parametrize(
        ("booked", "consultation_at"),
        [
            ("2026-11-19 09:00", CONSULTATION),
            ("2026-11-20 09:00", CONSULTATION),
            ("2026-11-21 09:00", CONSULTATION),
            ("2026-11-16 10:00", None),
            ("2026-11-16 10:00", "someday"),
        ],
        ids=[
            "booked-the-day-before",
            "booked-on-the-day",
            "booked-after-it",
            "no-consultation-time",
            "not-a-time",
        ],
    )
    def test_a_booking_without_a_day_before_is_not_reminded(self, booked, consultation_at):
        occasion = booking(booked, consultation_at)
        kind = registry.get(KIND)

        assert (
            kind.applies(occasion=occasion, params=kind.default_params(), calendar=SEED_CALENDAR)
            is False
        )
        assert judged("2026-11-20 09:00", occasion=occasion) is None
        assert deadline(KIND, occasion=occasion) is None

    @pytest.mark.parametrize(
        ("action", "occasion"),
        [
            (confirmation("2026-11-16 11:00"), booking()),
            (reminder("2026-11-19 10:00"), event("order_placed", "2026-11-16 10:00")),
            (reminder("2026-11-19 10:00"), None),
        ],
        ids=["the-confirmation-itself", "other-occasion", "no-occasion"],
    )
    def test_other_actions_are_not_judged(self, action, occasion):
        assert judge(KIND, occasion=occasion, action=action) is None


class TestConsultationConfirmationDeadline:
    @pytest.mark.parametrize(
        ("consultation_at", "due"),
        [
            (CONSULTATION, "2026-11-20 00:00"),
            ("2026-11-20T00:30:00+09:00", "2026-11-20 00:00"),
            ("2026-11-19T15:30:00+00:00", "2026-11-20 00:00"),
            ("2026-11-23T10:00:00", "2026-11-23 00:00"),
        ],
        ids=["friday-afternoon", "just-after-midnight", "utc-offset-is-friday-in-tokyo", "naive"],
    )
    def test_the_reminder_is_due_by_the_end_of_the_day_before(self, consultation_at, due):
        assert deadline(KIND, occasion=booking(consultation_at=consultation_at)) == at(due)

    def test_the_confirmation_does_not_move_the_deadline(self):
        occasion = booking()

        alone = deadline(KIND, occasion=occasion)
        confirmed = deadline(KIND, occasion=occasion, related=[confirmation("2026-11-16 11:00")])

        assert alone == confirmed == at("2026-11-20 00:00")


class TestConsultationConfirmationVocabulary:
    def test_the_booking_and_its_messages_are_registered(self):
        booked = vocabulary.record_kind(vocabulary.OCCASION, "consultation_booked")
        attribute = booked.attribute("consultation_at")

        assert (attribute.type, attribute.required) == ("datetime", True)
        assert vocabulary.words_ja(booked.noun) == "オンライン接客のご予約"
        assert vocabulary.words_ja(attribute.label) == "オンライン接客の日時"
        for action in ("confirmation_sent", "reminder_sent"):
            assert vocabulary.record_kind(vocabulary.ACTION, action).done

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (CONSULTATION, datetime(2026, 11, 20, 15, 0, tzinfo=TOKYO)),
            ("2026-11-20T06:00:00Z", datetime(2026, 11, 20, 15, 0, tzinfo=TOKYO)),
            ("2026-11-20T15:00:00", datetime(2026, 11, 20, 15, 0, tzinfo=TOKYO)),
            (
                datetime(2026, 11, 20, 15, 0, tzinfo=TOKYO),
                datetime(2026, 11, 20, 15, 0, tzinfo=TOKYO),
            ),
            ("", None),
            (None, None),
            (20261120, None),
        ],
        ids=repr,
    )
    def test_consultation_time_reads_the_stored_value(self, value, expected):
        assert consultation_time({"consultation_at": value}, SEED_CALENDAR) == expected


class TestConsultationConfirmationVersions:
    @pytest.mark.parametrize(
        ("old", "new", "lowers"),
        [
            ({"confirm_within_hours": 24}, {"confirm_within_hours": 48}, True),
            ({"confirm_within_hours": 24}, {"confirm_within_hours": 12}, False),
            ({}, {"drift_tolerance_hours": 24}, False),
        ],
        ids=["slower-confirmation-lowers", "faster-raises", "tolerance-only"],
    )
    def test_a_slower_confirmation_lowers_the_promise(self, old, new, lowers):
        assert registry.get(KIND).lowers(old, new) is lowers

    def test_promised_level_is_the_confirmation_hours(self):
        assert registry.get(KIND).promised_level({"confirm_within_hours": 6}) == 6


# ---------------------------------------------------------------------------------------
# End to end: the API, the CSV import, the sweeper, the pre-check and the weekly report
# ---------------------------------------------------------------------------------------

SHOP_API = "/api/v1/shops/kobo"


def record(api, path, body):
    response = api.post(f"{SHOP_API}/{path}/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def booking_body(external_id="B-1", when="2026-11-16T10:00:00+09:00", consultation_at=CONSULTATION):
    attributes = {} if consultation_at is None else {"consultation_at": consultation_at}
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": "consultation_booked",
        "occurred_at": when,
        "attributes": attributes,
    }


def message_body(kind, external_id, when, occasion="B-1"):
    return {
        "external_id": external_id,
        "customer": "C-1",
        "kind": kind,
        "occurred_at": when,
        "occasion": occasion,
    }


@pytest.fixture
def promise(api, shop):
    response = api.post(
        f"{SHOP_API}/promises/",
        {
            "kind": KIND,
            "name": "オンライン接客の予約確認",
            "params": {"confirm_within_hours": 24},
            "effective_from": "2026-01-01 00:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
class TestConsultationConfirmationEndToEnd:
    def test_the_api_records_the_booking_and_judges_the_reminder(self, api, promise):
        stored = record(api, "occasions", booking_body())
        record(
            api, "actions", message_body("confirmation_sent", "M-1", "2026-11-17T12:00:00+09:00")
        )
        reminded = record(
            api, "actions", message_body("reminder_sent", "M-2", "2026-11-19T10:00:00+09:00")
        )

        assert stored["attributes"]["consultation_at"] == CONSULTATION
        [finding] = reminded["findings"]
        assert (finding["type"], finding["promise"]["kind"]) == ("breach", KIND)
        assert finding["details"]["confirmation_hours"] == 26
        assert "26 hours after the booking" in finding["message_en"]
        check = Check.objects.get(promise_id=promise["id"])
        assert (check.action.external_id, check.level, check.kept) == ("M-2", 26.0, False)

    def test_a_confirmation_recorded_after_the_reminder_judges_it_again(self, api, promise):
        record(api, "occasions", booking_body())
        first = record(
            api, "actions", message_body("reminder_sent", "M-2", "2026-11-19T10:00:00+09:00")
        )
        record(
            api, "actions", message_body("confirmation_sent", "M-1", "2026-11-16T10:30:00+09:00")
        )

        assert [f["type"] for f in first["findings"]] == ["breach"]
        assert not Finding.objects.filter(promise_id=promise["id"]).exists()
        assert Check.objects.get(promise_id=promise["id"]).level == 0.5

    def test_the_precheck_of_a_confirmation_finds_its_booking_and_its_promise(
        self, api, promise, staff, client
    ):
        record(api, "occasions", booking_body())
        client.force_login(staff)

        occasions = client.get("/shops/kobo/precheck/occasions/", {"customer": "C-1"}).json()
        body = api.post(
            f"{SHOP_API}/prechecks/",
            {"customer": "C-1", "kind": "confirmation_sent", "occurred_at": "2026-11-17T12:00:00"},
            format="json",
        ).json()

        [booking_open] = occasions["occasions"]
        assert booking_open["external_id"] == "B-1"
        assert booking_open["open_for"] == ["confirmation_sent", "reminder_sent"]
        # Matched to its booking (its one open occasion), and said to count for the promise.
        assert body["occasion"] == "B-1"
        codes = [note["code"] for note in body["notes"]]
        assert "counts_for" in codes and "no_promise" not in codes
        [said] = [note for note in body["notes"] if note["code"] == "counts_for"]
        assert said["message_en"] == (
            "It counts for the promise “オンライン接客の予約確認” (Consultation confirmation and "
            "reminder): The booking confirmation for the consultation of Fri 2026-11-20 15:00 "
            "goes out 26 hours after the booking, late: the promise is within 24."
        )
        assert "26時間後で、遅れています（約束は24時間以内）" in said["message_ja"]
        # Nothing judges the confirmation itself: no finding, the verdict is "not judged".
        assert (body["verdict"], body["findings"], body["judged"]) == ("ok", [], False)

    def test_the_precheck_page_says_it_in_japanese(self, api, promise, staff):
        from django.test import Client

        record(api, "occasions", booking_body())
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(staff)
        client.cookies["django_language"] = "ja"

        page = client.post(
            "/shops/kobo/precheck/",
            {
                "customer": "C-1",
                "kind": "confirmation_sent",
                "occurred_at": "2026-11-16T11:30",
                "occasion": "B-1",
                "op": "check",
            },
        ).content.decode()

        assert (
            "約束「オンライン接客の予約確認」（オンライン接客の予約確認と前日のリマインド）の"
            "対象です：2026年11月20日(金) 15:00のオンライン接客のご予約への予約確認はご予約から"
            "1.5時間後で、約束の24時間以内です。"
        ) in page

    @pytest.mark.parametrize(
        ("confirmed", "earlier", "words"),
        [
            ("2026-11-16T11:30:00+09:00", None, "goes out 1.5 hours after the booking, within"),
            ("2026-11-17T12:00:00+09:00", "2026-11-16T10:30:00+09:00", "confirmed already"),
        ],
        ids=["in-time", "confirmed-before"],
    )
    def test_the_precheck_says_a_confirmation_is_in_time(
        self, api, promise, confirmed, earlier, words
    ):
        record(api, "occasions", booking_body())
        if earlier:
            record(api, "actions", message_body("confirmation_sent", "M-0", earlier))

        body = api.post(
            f"{SHOP_API}/prechecks/",
            {
                "customer": "C-1",
                "kind": "confirmation_sent",
                "occurred_at": confirmed,
                "occasion": "B-1",
            },
            format="json",
        ).json()

        [said] = [note for note in body["notes"] if note["code"] == "counts_for"]
        assert words in said["message_en"]

    def test_the_precheck_of_a_confirmation_without_the_promise_says_no_promise(self, api, shop):
        record(api, "occasions", booking_body())
        body = api.post(
            f"{SHOP_API}/prechecks/",
            {
                "customer": "C-1",
                "kind": "confirmation_sent",
                "occurred_at": "2026-11-16T11:00:00+09:00",
                "occasion": "B-1",
            },
            format="json",
        ).json()

        assert [note["code"] for note in body["notes"]] == ["no_promise"]

    @pytest.mark.parametrize(
        ("consultation_at", "code"),
        [(None, "required"), ("2026-11-20", "invalid_attribute"), ("soon", "invalid_attribute")],
        ids=["missing", "a-date-without-time", "not-a-time"],
    )
    def test_a_booking_without_its_time_is_refused(self, api, promise, consultation_at, code):
        response = api.post(
            f"{SHOP_API}/occasions/", booking_body(consultation_at=consultation_at), format="json"
        )

        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["field"] == "attributes.consultation_at"
        assert not Occasion.objects.exists()

    def test_the_csv_import_reads_the_bookings_and_their_messages(self, shop, promise):
        booked = {
            "type": "occasion",
            "external_id": "B-1",
            "customer": "C-1",
            "kind": "consultation_booked",
            "occurred_at": "2026/11/16 10:00",
            "consultation_at": "2026/11/20 15:00",
        }
        rows = [
            booked,
            csv_action("confirmation_sent", "M-1", occasion="B-1", when="2026-11-16 10:30"),
            csv_action("reminder_sent", "M-2", occasion="B-1", when="2026-11-18 10:00"),
        ]
        data = csv_bytes(rows, header=(*HEADER, "consultation_at"))
        imp = Import.objects.create(shop=shop, filename="log.csv", size=len(data))

        imp = import_run(imp=imp, stream=io.BytesIO(data))
        judging.judge_shop(shop=shop)

        assert (imp.stored, imp.rejected) == (3, 0), imp.errors
        stored = Occasion.objects.get(external_id="B-1").attributes["consultation_at"]
        assert consultation_time({"consultation_at": stored}, SEED_CALENDAR) == FRIDAY_15
        [finding] = Finding.objects.filter(promise_id=promise["id"])
        assert finding.type == "breach"
        assert "went out 2 days before" in finding.message_en

    def test_the_csv_columns_and_kinds_have_their_help(self):
        described = {column.name: str(column.description) for column in columns()}

        assert "when the online consultation takes place" in described["consultation_at"]
        for kind in ("consultation_booked", "confirmation_sent", "reminder_sent"):
            assert kind in described["kind"]

    def test_a_missed_reminder_is_overdue_even_after_the_confirmation(self, api, promise):
        record(api, "occasions", booking_body())
        record(
            api, "actions", message_body("confirmation_sent", "M-1", "2026-11-16T10:30:00+09:00")
        )
        # Booked the day before: confirmed, not reminded.
        record(api, "occasions", booking_body("B-2", when="2026-11-19T09:00:00+09:00"))

        assert sweeper.sweep(now=at("2026-11-19 23:30")).overdue == 0
        assert sweeper.sweep(now=at("2026-11-20 00:30")).overdue == 1

        [finding] = Finding.objects.filter(type="overdue")
        assert (finding.occasion.external_id, finding.promise_id) == ("B-1", promise["id"])
        assert finding.details["deadline"] == "2026-11-20T00:00:00+09:00"
        assert finding.message_en == (
            "No consultation reminder is recorded for the consultation of Fri 2026-11-20 15:00 "
            "(booking B-1 of Mon 2026-11-16 10:00); it was due by the end of Thu 2026-11-19, "
            "the day before (Consultation confirmation and reminder)."
        )
        assert finding.message_ja == (
            "2026年11月20日(金) 15:00のオンライン接客（ご予約B-1、2026年11月16日(月) 10:00受付）"
            "のリマインドが、期限の前日2026年11月19日(木)中を過ぎても記録されていません"
            "（オンライン接客の予約確認と前日のリマインド）。"
        )

    def test_the_precheck_page_offers_the_messages_and_judges_the_reminder(
        self, api, promise, staff, client
    ):
        record(api, "occasions", booking_body())
        record(
            api, "actions", message_body("confirmation_sent", "M-1", "2026-11-16T10:30:00+09:00")
        )
        client.force_login(staff)

        page = client.get("/shops/kobo/precheck/").content.decode()
        response = api.post(
            f"{SHOP_API}/prechecks/",
            {
                "customer": "C-1",
                "kind": "reminder_sent",
                "occurred_at": "2026-11-20T09:00:00+09:00",
                "occasion": "B-1",
            },
            format="json",
        )

        assert 'value="reminder_sent"' in page and "Sent the consultation reminder" in page
        assert 'value="confirmation_sent"' in page and "Sent the booking confirmation" in page
        body = response.json()
        assert body["verdict"] == "breach"
        [finding] = body["findings"]
        assert "went out on the day itself" in finding["message_en"]

    def test_the_weekly_report_reads_the_level_in_hours(self, api, promise, manager, client):
        record(api, "occasions", booking_body())
        record(
            api, "actions", message_body("confirmation_sent", "M-1", "2026-11-16T11:30:00+09:00")
        )
        record(api, "actions", message_body("reminder_sent", "M-2", "2026-11-19T10:00:00+09:00"))
        report_build(shop=Shop.objects.get(slug="kobo"), week="2026-W47")
        client.force_login(manager)

        page = client.get("/shops/kobo/reports/2026-W47/").content.decode()
        # The request activates Japanese; the language of the tests after it stays as it was.
        with translation.override(translation.get_language()):
            japanese = client.get(
                "/shops/kobo/reports/2026-W47/", HTTP_ACCEPT_LANGUAGE="ja"
            ).content.decode()

        assert "オンライン接客の予約確認" in page
        assert "1.5 hours" in page
        assert "1.5 時間" in japanese

    def test_the_worklist_lists_the_reminder_on_the_day_before(self, api, promise, staff, client):
        record(api, "occasions", booking_body(when="2026-11-17T10:00:00+09:00"))
        record(
            api, "actions", message_body("confirmation_sent", "M-1", "2026-11-17T10:30:00+09:00")
        )
        record(api, "occasions", booking_body("B-2", when="2026-11-19T09:00:00+09:00"))
        shop = Shop.objects.get(slug="kobo")

        before = worklist_for(shop=shop, now=at("2026-11-18 10:00"))
        today = worklist_for(shop=shop, now=at("2026-11-19 10:00"))
        client.force_login(staff)
        with mock.patch("django.utils.timezone.now", return_value=at("2026-11-19 10:00")):
            page = client.get("/shops/kobo/today/").content.decode()

        assert before.sections == []
        [section] = today.sections
        assert section.promise.pk == promise["id"]
        assert [(i.occasion.external_id, i.deadline) for i in section.items] == [
            ("B-1", at("2026-11-20 00:00"))
        ]
        assert "B-1" in page and "B-2" not in page
