"""The pre-check service: the verdict an action would get, computed without storing anything."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import services
from commitments.models import Action, Customer, Finding
from commitments.prechecks import precheck_run

from .conftest import at


@pytest.fixture
def note_promise(make_promise):
    return make_promise("handwritten_note", {"min_lines": 5}, name="Handwritten note")


@pytest.fixture
def holiday_promise(make_promise):
    return make_promise("holiday_replies", {"mode": "none"}, name="No replies on closed days")


@pytest.fixture
def cutoff_promise(make_promise):
    return make_promise("shipping_cutoff", {"cutoff": "16:00"}, name="Cutoff 16:00")


def order_and_note(log, n, customer, when, lines, **extra):
    log.occasion(f"O-{n}", customer, "order_placed", at(when), total=5000)
    return log.action(
        f"N-{n}",
        customer,
        "note_enclosed",
        at(when) + timedelta(days=1),
        occasion=f"O-{n}",
        lines=lines,
        **extra,
    )


def note_precheck(shop, *, lines, customer="C-1", occasion="O-9", when="2026-11-18 10:00", **kw):
    return precheck_run(
        shop=shop,
        customer=customer,
        kind="note_enclosed",
        occurred_at=when,
        occasion=occasion,
        attributes={"lines": lines},
        **kw,
    )


def row_counts() -> dict:
    """Return the row count of every table the project's models have."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


class TestPrecheckVerdicts:
    @pytest.mark.parametrize(
        ("lines", "verdict", "types"),
        [
            pytest.param(10, "ok", [], id="same-as-last-time-is-ok"),
            pytest.param(6, "drift", ["drift"], id="shorter-than-last-time-is-drift"),
            pytest.param(4, "breach", ["breach"], id="below-the-promise-is-breach"),
            pytest.param(12, "precedent", ["precedent"], id="far-above-the-promise-is-precedent"),
        ],
    )
    def test_note_lengths_get_the_verdict_of_the_promise_and_history(
        self, shop, log, note_promise, lines, verdict, types
    ):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        result = note_precheck(shop, lines=lines)
        assert result.verdict == verdict
        assert [finding["type"] for finding in result.findings] == types

    def test_drift_says_what_the_customer_got_last_time(self, shop, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        [finding] = note_precheck(shop, lines=6).findings
        assert finding["details"] == {
            "lines": 6,
            "min_lines": 5,
            "customer_last": 10,
            "customer_best": 10,
        }
        assert "10 lines last time" in finding["message_en"]
        assert finding["promise"] == {
            "id": note_promise.pk,
            "kind": "handwritten_note",
            "version": 1,
            "name": "Handwritten note",
        }
        assert (finding["customer"], finding["action"], finding["occasion"]) == ("C-1", None, "O-9")
        assert finding["occurred_at"] == "2026-11-18T10:00:00+09:00"
        assert "id" not in finding and "created_at" not in finding

    def test_closed_day_reply_is_a_precedent_naming_the_allowed_reasons(
        self, shop, log, holiday_promise
    ):
        # 2026-11-23 is Labour Thanksgiving Day: the inbox is closed.
        log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-23 09:00"))
        result = precheck_run(
            shop=shop,
            customer="C-1",
            kind="reply_sent",
            occurred_at="2026-11-23 10:00",
            occasion="Q-1",
            attributes={},
        )
        assert result.verdict == "precedent"
        [promise] = result.promises
        assert promise["excused_reasons"] == ["our_mistake", "deadline"]
        assert (promise["judged"], promise["level"], promise["kept"]) == (True, 1.0, True)
        commitment = result.commitment[str(holiday_promise.pk)]
        assert commitment["before"] is None
        assert commitment["precedents"] == [
            {
                "action": None,
                "at": "2026-11-23T10:00:00+09:00",
                "what": "closed_day_reply",
                "reason": "holiday: 勤労感謝の日",
            }
        ]

    def test_order_after_the_cutoff_shipped_the_same_day_is_a_precedent(
        self, shop, log, cutoff_promise
    ):
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-20 17:30"), total=3000)
        result = precheck_run(
            shop=shop,
            customer="C-1",
            kind="shipped",
            occurred_at="2026-11-20 18:00",
            occasion="O-1",
            attributes={},
        )
        assert result.verdict == "precedent"
        assert result.findings[0]["details"]["promised_by"] == "2026-11-24"

    def test_breach_is_worse_than_precedent(self, shop, log, note_promise, make_promise):
        make_promise("included_extras", {"tiers": [{"min_total": 1000, "extras": ["card"]}]})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-20 10:00"), total=5000)
        result = precheck_run(
            shop=shop,
            customer="C-1",
            kind="shipped",
            occurred_at="2026-11-20 12:00",
            occasion="O-1",
            attributes={"extras": ["sticker"]},
        )
        assert {finding["type"] for finding in result.findings} == {"breach", "precedent"}
        assert result.verdict == "breach"

    def test_excused_findings_do_not_make_the_verdict_worse(self, shop, log, note_promise):
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        result = note_precheck(
            shop, lines=3, exception={"reason": "our_mistake", "note": "ran out of cards"}
        )
        assert result.verdict == "ok"
        assert [(f["type"], f["excused"]) for f in result.findings] == [("breach", True)]
        assert "excused_not_counted" in [note["code"] for note in result.notes]

    def test_goodwill_is_not_excused_until_a_manager_approves_it(self, shop, log, holiday_promise):
        log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-23 09:00"))
        result = precheck_run(
            shop=shop,
            customer="C-1",
            kind="reply_sent",
            occurred_at="2026-11-23 10:00",
            occasion="Q-1",
            attributes={},
            exception={"reason": "goodwill", "note": ""},
        )
        assert (result.verdict, result.findings[0]["excused"]) == ("precedent", False)

    def test_note_answering_no_occasion_is_still_judged_on_its_lines(self, shop, log, note_promise):
        result = note_precheck(shop, lines=2, occasion="")
        assert result.verdict == "breach"
        assert result.promises[0]["judged"] is True
        assert [note["code"] for note in result.notes] == ["new_customer"]

    def test_reply_answering_no_occasion_says_nothing_judged_it(self, shop, make_promise):
        make_promise("reply_time", {"within_business_hours": 8})
        result = precheck_run(
            shop=shop,
            customer="C-1",
            kind="reply_sent",
            occurred_at="2026-11-18 10:00",
            attributes={},
        )
        assert result.verdict == "ok"
        assert result.promises[0]["judged"] is False
        assert [note["code"] for note in result.notes] == ["new_customer", "not_judged"]

    def test_occasion_not_recorded_is_noted(self, shop, note_promise):
        result = note_precheck(shop, lines=2, occasion="O-404")
        assert "occasion_not_recorded" in [note["code"] for note in result.notes]

    def test_kind_no_promise_covers_is_noted(self, shop, note_promise):
        result = precheck_run(
            shop=shop,
            customer="C-1",
            kind="thank_you_sent",
            occurred_at="2026-11-18 10:00",
            attributes={},
        )
        assert (result.verdict, result.promises, result.commitment) == ("ok", [], {})
        assert "no_promise" in [note["code"] for note in result.notes]


class TestPrecheckHistory:
    def test_commitment_before_and_after_and_the_last_five_experiences(
        self, shop, log, note_promise
    ):
        for n, lines in enumerate([7, 8, 9, 10, 11, 12], start=1):
            order_and_note(log, n, "C-1", f"2026-0{n}-05 10:00", lines)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        result = note_precheck(shop, lines=6)
        key = str(note_promise.pk)
        commitment = result.commitment[key]
        assert (commitment["kind"], commitment["count"], commitment["last_level"]) == (
            "handwritten_note",
            7,
            6.0,
        )
        assert commitment["best_level"] == 12.0
        assert commitment["before"]["count"] == 6
        assert commitment["before"]["last_level"] == 12.0
        history = result.history[key]
        assert [item["action"] for item in history] == ["N-6", "N-5", "N-4", "N-3", "N-2"]
        assert [item["level"] for item in history] == [12.0, 11.0, 10.0, 9.0, 8.0]
        assert history[0]["at"] == "2026-06-06T10:00:00+09:00"

    def test_history_marks_excused_experiences(self, shop, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 3, exception={"reason": "deadline"})
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        [item] = note_precheck(shop, lines=6).history[str(note_promise.pk)]
        assert (item["action"], item["kept"], item["excused"]) == ("N-1", False, True)

    def test_another_customers_history_does_not_count(self, shop, log, note_promise):
        order_and_note(log, 1, "C-2", "2026-05-11 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        result = note_precheck(shop, lines=6)
        assert result.verdict == "ok"
        assert result.history[str(note_promise.pk)] == []


class TestPrecheckStoresNothing:
    def test_every_table_keeps_its_row_count(self, shop, log, note_promise, holiday_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        before = row_counts()
        assert (before["commitments.Action"], before["commitments.Customer"]) == (1, 1)
        note_precheck(shop, lines=4, exception={"reason": "goodwill", "note": "birthday"})
        note_precheck(shop, lines=6, customer="C-new", occasion="")
        assert row_counts() == before

    def test_unknown_customer_is_not_created(self, shop, note_promise):
        result = note_precheck(shop, lines=6, customer="C-never-seen", occasion="")
        assert result.customer == {
            "external_id": "C-never-seen",
            "known": False,
            "name": "",
        }
        assert Customer.objects.filter(external_id="C-never-seen").count() == 0

    def test_stored_findings_and_judged_times_stay_as_they_were(self, shop, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        order_and_note(log, 2, "C-1", "2026-06-11 10:00", 10)
        stored = list(Finding.objects.values_list("id", "type", "details"))
        waiting = Action.objects.values_list("id", "unjudged__since", "customer__judged_at")
        judged = list(waiting)
        # Back-dated before N-2: it would change N-2's findings if it were recorded.
        note_precheck(shop, lines=20, occasion="", when="2026-05-20 10:00")
        assert list(Finding.objects.values_list("id", "type", "details")) == stored
        assert list(waiting) == judged


class TestPrecheckPredictsTheRecord:
    @pytest.mark.parametrize(
        ("lines", "exception"),
        [
            pytest.param(6, None, id="drift"),
            pytest.param(3, None, id="breach"),
            pytest.param(3, {"reason": "our_mistake", "note": ""}, id="excused-breach"),
            pytest.param(20, {"reason": "goodwill", "note": "regular"}, id="goodwill-precedent"),
        ],
    )
    def test_recording_the_same_action_gives_the_findings_the_precheck_gave(
        self, shop, log, note_promise, lines, exception
    ):
        order_and_note(log, 1, "C-1", "2026-05-11 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        predicted = note_precheck(shop, lines=lines, exception=exception)
        action, _created = services.action_record(
            shop=shop,
            external_id="N-9",
            customer="C-1",
            kind="note_enclosed",
            occurred_at="2026-11-18 10:00",
            occasion="O-9",
            attributes={"lines": lines},
            exception=exception,
        )
        recorded = Finding.objects.filter(action=action).order_by("promise_id", "type")
        assert [
            (f["type"], f["excused"], f["message_en"], f["details"]) for f in predicted.findings
        ] == [(f.type, f.excused, f.message_en, f.details) for f in recorded]


class TestPrecheckValidation:
    @pytest.mark.parametrize(
        ("changes", "code", "field"),
        [
            pytest.param({"kind": "teleported"}, "unknown_kind", "kind", id="unknown-kind"),
            pytest.param(
                {"attributes": {}}, "invalid_attribute", "attributes.lines", id="no-lines"
            ),
            pytest.param(
                {"attributes": {"lines": "many"}},
                "invalid_attribute",
                "attributes.lines",
                id="lines-not-a-number",
            ),
            pytest.param(
                {"attributes": {"lines": 5, "ink": "blue"}},
                "invalid_attribute",
                "attributes.ink",
                id="unknown-attribute",
            ),
            pytest.param({"occurred_at": "tomorrow"}, "invalid_time", "occurred_at", id="bad-time"),
            pytest.param({"customer": ""}, "required", "customer", id="no-customer"),
            pytest.param(
                {"exception": {"reason": "because"}},
                "invalid_param",
                "exception.reason",
                id="unknown-reason",
            ),
            pytest.param(
                {"exception": {"reason": "other"}},
                "required",
                "exception.note",
                id="other-without-a-note",
            ),
        ],
    )
    def test_rejects_what_recording_rejects_with_the_same_code(
        self, shop, note_promise, changes, code, field
    ):
        body = {
            "customer": "C-1",
            "kind": "note_enclosed",
            "occurred_at": "2026-11-18 10:00",
            "attributes": {"lines": 5},
            **changes,
        }
        with pytest.raises(ValidationError) as prechecked:
            precheck_run(shop=shop, **body)
        with pytest.raises(ValidationError) as recorded:
            services.action_record(shop=shop, external_id="X-1", **body)
        got = [(e.code, e.params["field"]) for e in prechecked.value.error_list]
        assert (code, field) in got
        assert got == [(e.code, e.params["field"]) for e in recorded.value.error_list]


class TestPrecheckQueries:
    def test_queries_do_not_grow_with_the_customers_history(self, shop, log, note_promise):
        def queries(customer):
            log.occasion(f"O-{customer}", customer, "order_placed", at("2026-11-17 10:00"))
            with CaptureQueriesContext(connection) as captured:
                note_precheck(shop, lines=6, customer=customer, occasion=f"O-{customer}")
            return len(captured)

        order_and_note(log, 1, "C-short", "2026-01-05 10:00", 10)
        for n in range(2, 32):
            order_and_note(log, n, "C-long", f"2026-{1 + n % 9:02d}-{n % 27 + 1:02d} 10:00", 10)
        note_precheck(shop, lines=6, customer="C-new", occasion="")  # the promises kept
        # 8: one of them reads the shop's public precedents (judging/public.py).
        assert queries("C-short") == queries("C-long") <= 8

    def test_a_back_dated_precheck_walks_the_history_in_constant_queries(
        self, shop, log, note_promise
    ):
        def queries(customer):
            with CaptureQueriesContext(connection) as captured:
                note_precheck(
                    shop, lines=6, customer=customer, occasion="", when="2026-01-01 09:00"
                )
            return len(captured)

        order_and_note(log, 1, "C-short", "2026-01-05 10:00", 10)
        for n in range(2, 32):
            order_and_note(log, n, "C-long", f"2026-{1 + n % 9:02d}-{n % 27 + 1:02d} 10:00", 10)
        note_precheck(shop, lines=6, customer="C-new", occasion="")  # the promises kept
        # 8: one of them reads the shop's public precedents (judging/public.py).
        assert queries("C-short") == queries("C-long") <= 8

    def test_occasions_come_with_the_actions_and_public_ones_are_read_only_if_told(
        self, shop, log, note_promise
    ):
        # The customer, with its state of the kind, whether any precedent is public and the
        # stamp of the shop's promises (kept by the process from its last pre-check of the
        # shop: read again, one query more, when the stamp differs). On PostgreSQL the same
        # row holds the stored commitments, the actions with the occasions they answer, the
        # occasion named and the last five experiences. On SQLite each is its own query: the
        # commitments; the actions, the occasions they answer joined; the occasion named only
        # when no action answers it yet; resumed, the last five experiences. The public
        # precedents only when one is public.
        for n in range(1, 4):
            order_and_note(log, n, "C-1", f"2026-0{n}-05 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        postgresql = connection.vendor == "postgresql"

        def queries(**kw):
            with CaptureQueriesContext(connection) as captured:
                note_precheck(shop, lines=6, **kw)
            return len(captured)

        note_precheck(shop, lines=6)  # the promises are kept from here on
        assert queries() == (1 if postgresql else 5)  # resumed; O-9 answered by no action yet
        assert queries(when="2026-01-01 09:00", occasion="O-1") == (1 if postgresql else 3)
        order_and_note(log, 4, "C-1", "2026-04-05 10:00", 20)  # a precedent: 20 lines
        from commitments.public_precedents import precedent_make_public

        precedent = Finding.objects.get(customer__external_id="C-1", type="precedent")
        precedent_make_public(finding=precedent, note="told in a review")
        assert queries(when="2026-01-01 09:00", occasion="O-1") == (2 if postgresql else 4)

    def test_public_precedents_are_read_unless_the_customer_query_said_none_for_them(
        self, shop, log, note_promise
    ):
        from commitments.judging import precheck_load as load
        from commitments.public_precedents import precedent_make_public

        order_and_note(log, 1, "C-1", "2026-01-05 10:00", 10)
        order_and_note(log, 2, "C-1", "2026-02-05 10:00", 20)  # a precedent: 20 lines
        precedent = Finding.objects.get(customer__external_id="C-1", type="precedent")
        precedent_make_public(finding=precedent, note="told in a review")
        moment = at("2026-11-18 10:00")
        promises = load.precheck_promises(shop=shop, kind="note_enclosed", moment=moment)

        def public(**read):
            customer = load.precheck_customer(
                shop=shop, external_id="C-1", kind="note_enclosed", **read
            )
            return load.precheck_load(
                shop=shop, customer=customer, kind="note_enclosed", moment=moment,
                promises=promises,
            ).public  # fmt: skip

        assert list(public(promises=promises)) == [note_promise.pk]
        assert list(public()) == [note_promise.pk]  # read without them: not taken as none

    def test_an_unknown_customer_still_gets_the_occasion_named(self, shop, log, note_promise):
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        answer = note_precheck(shop, lines=6, customer="C-new")
        assert answer.customer["known"] is False
        assert [note["code"] for note in answer.notes] == ["new_customer"]
        assert answer.promises[0]["judged"] is True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="read as JSON on PostgreSQL only")
class TestPrecheckReadsWithTheCustomer:
    """On PostgreSQL the customer's row holds what the pre-check reads of it (JSON): the same
    values, of the same types, in the same order as the queries SQLite makes."""

    @pytest.mark.parametrize(
        ("when", "occasion"),
        [
            pytest.param("2026-11-18 10:00", "O-9", id="resumed-unanswered-occasion"),
            pytest.param("2026-11-18 10:00", "O-2", id="resumed-answered-occasion"),
            pytest.param("2026-11-18 10:00", "", id="resumed-no-occasion"),
            pytest.param("2026-01-01 09:00", "O-1", id="walked"),
            pytest.param("2026-01-01 09:00", "O-404", id="walked-unrecorded-occasion"),
        ],
    )
    def test_the_same_log_as_the_queries_of_their_own(
        self, shop, log, note_promise, when, occasion
    ):
        from commitments.judging import dryrun
        from commitments.judging import precheck_load as load

        for n, (lines, extra) in enumerate(
            [(10, {}), (3, {"exception": {"reason": "deadline"}}), (20, {}), (8, {})], start=1
        ):
            order_and_note(log, n, "C-1", f"2026-0{n}-05 10:00", lines, **extra)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        moment = at(when)
        promises = load.precheck_promises(shop=shop, kind="note_enclosed", moment=moment)

        def read(*, with_customer: bool):
            customer = load.precheck_customer(
                shop=shop, external_id="C-1", kind="note_enclosed", promises=promises,
                occasion=occasion, moment=moment,
            )  # fmt: skip
            read_with = {"stored_read", "actions_read"} | ({"occasion_read"} if occasion else set())
            resumed = moment > at("2026-11-01 00:00")  # the history only then
            assert read_with | ({"history_read"} if resumed else set()) <= set(vars(customer))
            assert ("history_read" in vars(customer)) is resumed
            if not with_customer:
                for name in ("stored_read", "actions_read", "occasion_read", "history_read"):
                    customer.__dict__.pop(name, None)
            loaded = load.precheck_load(
                shop=shop, customer=customer, kind="note_enclosed", moment=moment,
                occasion=occasion, promises=promises,
            )  # fmt: skip
            stored = {
                pk: [(f.name, getattr(row, f.attname)) for f in row._meta.concrete_fields]
                for pk, row in loaded.stored.items()
            }
            history = dryrun._stored_history(
                customer=customer, involved=promises, tz=at(when).tzinfo
            )
            return (
                [(repr(a), type(a.occurred_at)) for a in loaded.actions],
                {pk: repr(o) for pk, o in loaded.occasions.items()},
                repr(loaded.answered),
                repr(stored),
                history,
                loaded.resume is None,
            )

        assert read(with_customer=True) == read(with_customer=False)


class TestPrecheckPromisesKeptBetweenPrechecks:
    """The shop's promises are kept by the process between pre-checks and used only while the
    stamp read with the customer is the same: any change is seen by the next pre-check."""

    @pytest.fixture
    def noted(self, log, note_promise):
        order_and_note(log, 1, "C-1", "2026-01-05 10:00", 10)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        return note_promise

    @staticmethod
    def versions_read(shop) -> int:
        with CaptureQueriesContext(connection) as captured:
            note_precheck(shop, lines=6)
        return sum(q["sql"].startswith('SELECT "policies_promiseversion"') for q in captured)

    def test_the_promises_are_read_once_then_kept(self, shop, noted):
        from commitments.judging import precheck_load as load

        load._SHOP_PROMISES.clear()
        assert [self.versions_read(shop) for _ in range(3)] == [1, 0, 0]

    def test_a_renamed_promise_is_named_anew_by_the_next_precheck(self, shop, noted, manager):
        from policies.services import promise_rename

        assert note_precheck(shop, lines=6).promises[0]["name"] == "Handwritten note"
        promise_rename(promise=noted, name="Notes by hand", reason="shorter", author=manager)
        assert self.versions_read(shop) == 1
        assert note_precheck(shop, lines=6).promises[0]["name"] == "Notes by hand"

    def test_a_name_changed_in_place_by_another_process_is_seen(self, shop, noted):
        from policies.models import Promise

        note_precheck(shop, lines=6)
        # Another process (or the admin) changes the row; this process's copy is older.
        Promise.objects.filter(pk=noted.pk).update(name="Renamed elsewhere")
        assert note_precheck(shop, lines=6).promises[0]["name"] == "Renamed elsewhere"

    def test_a_new_version_judges_the_next_precheck(self, shop, noted, add_version):
        assert note_precheck(shop, lines=6).verdict == "drift"
        add_version(noted, {"min_lines": 8}, effective_from=at("2026-11-01 00:00"))
        answer = note_precheck(shop, lines=6)
        assert (answer.verdict, answer.promises[0]["version"]) == ("breach", 2)

    def test_a_retired_promise_judges_no_more(self, shop, noted, manager):
        from policies.services import promise_retire

        assert note_precheck(shop, lines=6).judged is True
        promise_retire(promise=noted, author=manager, at=at("2026-11-01 00:00"), rejudge=False)
        answer = note_precheck(shop, lines=6)
        assert (answer.judged, answer.promises) == (False, [])

    def test_a_new_promise_judges_the_next_precheck(self, shop, noted, make_promise):
        assert len(note_precheck(shop, lines=6).promises) == 1
        make_promise("handwritten_note", {"min_lines": 7}, name="Longer notes")
        answer = note_precheck(shop, lines=6)
        assert (len(answer.promises), answer.verdict) == (2, "breach")

    def test_an_unknown_customer_reads_the_promises(self, shop, noted, add_version):
        note_precheck(shop, lines=6, customer="C-new")
        add_version(noted, {"min_lines": 8}, effective_from=at("2026-11-01 00:00"))
        assert note_precheck(shop, lines=6, customer="C-new").promises[0]["version"] == 2


class TestPrecheckWalksOnceWhenTheStoredCommitmentsAreCurrent:
    """Back-dated, the pre-check walks the kind's log with the new action; "before" is the
    stored commitment when it is current, else the walk of the log without the action."""

    @pytest.fixture
    def walks(self, monkeypatch):
        from commitments.judging import dryrun

        calls = []
        derive = dryrun.derive

        def counted(**kwargs):
            calls.append(kwargs.get("resume"))
            return derive(**kwargs)

        monkeypatch.setattr(dryrun, "derive", counted)
        return calls

    @pytest.fixture
    def noted(self, log, note_promise):
        for n, lines in enumerate((10, 12, 8), start=1):
            order_and_note(log, n, "C-1", f"2026-0{n}-05 10:00", lines)

    def back_dated(self, shop):
        return note_precheck(shop, lines=6, occasion="O-1", when="2026-01-05 12:00").as_dict()

    def test_current_commitments_are_before_and_the_log_is_walked_once(
        self, shop, noted, walks, note_promise
    ):
        answer = self.back_dated(shop)
        assert walks == [None]
        before = answer["commitment"][str(note_promise.pk)]["before"]
        assert (before["count"], before["last_level"], before["best_level"]) == (3, 8.0, 12.0)

    def test_a_pending_rejudge_walks_the_log_without_the_action_too(
        self, shop, noted, walks, note_promise
    ):
        current = self.back_dated(shop)
        walks.clear()
        Customer.objects.filter(external_id="C-1").update(rejudge_requested_at=at("2026-11-01"))
        pending = self.back_dated(shop)
        assert walks == [None, None]
        assert pending == current

    def test_an_unjudged_action_of_the_kind_walks_it_too(self, shop, noted, walks, log):
        log.occasion("O-4", "C-1", "order_placed", at("2026-04-05 10:00"), total=5000)
        log.action(
            "N-4", "C-1", "note_enclosed", at("2026-04-06 10:00"), occasion="O-4", lines=3,
            judge=False,
        )  # fmt: skip
        answer = self.back_dated(shop)
        assert len(walks) == 2
        before = next(iter(answer["commitment"].values()))["before"]
        assert (before["count"], before["last_level"]) == (4, 3.0)  # N-4 counted, not stored


class TestPrecheckResumesFromStoredCommitments:
    """A new latest action is judged from the stored commitments; the answer is the same."""

    @pytest.mark.parametrize(
        ("lines", "exception"),
        [
            pytest.param(10, None, id="ok"),
            pytest.param(6, None, id="drift"),
            pytest.param(3, None, id="breach"),
            pytest.param(20, None, id="precedent"),
            pytest.param(3, {"reason": "our_mistake", "note": ""}, id="excused"),
        ],
    )
    def test_resuming_gives_the_answer_of_the_full_walk(
        self, shop, log, note_promise, monkeypatch, lines, exception
    ):
        from commitments.judging import precheck_load as load

        for n, (got, extra) in enumerate(
            [(10, {}), (3, {"exception": {"reason": "deadline"}}), (12, {}), (8, {})], start=1
        ):
            order_and_note(log, n, "C-1", f"2026-0{n}-05 10:00", got, **extra)
        log.occasion("O-9", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        resumed = note_precheck(shop, lines=lines, exception=exception).as_dict()
        monkeypatch.setattr(load, "can_resume", lambda **kwargs: False)
        walked = note_precheck(shop, lines=lines, exception=exception).as_dict()
        assert resumed == walked

    def test_shipping_notice_sees_the_shipment_when_resuming(self, shop, log, make_promise):
        from commitments.judging import precheck_load as load

        make_promise("shipping_notice", {"same_day": True, "tracking_required": True})
        log.occasion("O-1", "C-1", "order_placed", at("2026-11-16 10:00"), total=5000)
        log.action("S-1", "C-1", "shipped", at("2026-11-16 15:00"), occasion="O-1", extras=[])
        log.action(
            "SN-1",
            "C-1",
            "shipping_notice_sent",
            at("2026-11-16 18:00"),
            occasion="O-1",
            tracking_number="TN1",
        )
        log.occasion("O-2", "C-1", "order_placed", at("2026-11-17 10:00"), total=5000)
        log.action("S-2", "C-1", "shipped", at("2026-11-17 15:00"), occasion="O-2", extras=[])

        def answer():
            return precheck_run(
                shop=shop,
                customer="C-1",
                kind="shipping_notice_sent",
                occurred_at="2026-11-18 09:00",
                occasion="O-2",
                attributes={"tracking_number": "TN2"},
            ).as_dict()

        resumed = answer()
        monkeypatch = pytest.MonkeyPatch()
        monkeypatch.setattr(load, "can_resume", lambda **kwargs: False)
        try:
            walked = answer()
        finally:
            monkeypatch.undo()
        assert resumed == walked
        assert resumed["verdict"] == "breach"
        assert [f["details"]["days_after_shipment"] for f in resumed["findings"]] == [1]

    def test_a_reply_sees_the_earlier_replies_to_the_inquiry_when_resuming(
        self, shop, log, make_promise, monkeypatch
    ):
        # `related` is every other action answering the occasion, same kind included: a kind
        # counting the replies to an inquiry must see the first one in the resumed walk too.
        from commitments.judging import precheck_load as load
        from policies.kinds.reply_time import ReplyTime

        make_promise("reply_time", {"within_business_hours": 8})
        log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-17 10:00"), channel="email")
        log.action("R-1", "C-1", "reply_sent", at("2026-11-17 11:00"), occasion="Q-1")
        log.action("T-1", "C-1", "thank_you_sent", at("2026-11-17 11:30"), occasion="Q-1")
        seen = []
        evaluate = ReplyTime.evaluate

        def spy(kind, ctx):
            if ctx.action.external_id != "R-1":
                seen.append(sorted(event.external_id for event in ctx.related))
            return evaluate(kind, ctx)

        monkeypatch.setattr(ReplyTime, "evaluate", spy)

        def answer():
            return precheck_run(
                shop=shop,
                customer="C-1",
                kind="reply_sent",
                occurred_at="2026-11-17 15:00",
                occasion="Q-1",
                attributes={},
            ).as_dict()

        resumed = answer()
        monkeypatch.setattr(load, "can_resume", lambda **kwargs: False)
        walked = answer()
        assert resumed == walked
        assert seen == [["R-1", "T-1"], ["R-1", "T-1"]]
        assert resumed["commitment"][next(iter(resumed["commitment"]))]["count"] == 2
