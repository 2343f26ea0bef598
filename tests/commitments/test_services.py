"""The log's services: idempotent recording, conflicts, customers, occasion links, exceptions."""

import threading
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from commitments import services
from commitments.models import (
    Action,
    ActionException,
    Customer,
    ExceptionStatus,
    Occasion,
)

from .conftest import at


def _codes(error: ValidationError) -> list[tuple[str, str]]:
    return [(item.code, item.params["field"]) for item in error.error_list]


def _order(shop, **overrides):
    values = {
        "shop": shop,
        "external_id": "O-1",
        "customer": "C-1",
        "kind": "order_placed",
        "occurred_at": "2026-11-20T15:30:00+09:00",
        "attributes": {"total": 7200, "gift": False},
    }
    values.update(overrides)
    return values


def _note(shop, **overrides):
    values = {
        "shop": shop,
        "external_id": "A-1",
        "customer": "C-1",
        "kind": "note_enclosed",
        "occurred_at": "2026-11-21T10:00:00+09:00",
        "occasion": "O-1",
        "attributes": {"lines": 6},
    }
    values.update(overrides)
    return values


class TestOccasionRecord:
    def test_new_occasion_is_stored_with_its_customer(self, shop):
        occasion, created = services.occasion_record(
            **_order(shop), customer_name="山田 花子", customer_email="hanako@example.com"
        )
        assert created is True
        assert occasion.occurred_at == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
        assert occasion.attributes == {"total": 7200, "gift": False}
        customer = Customer.objects.get(shop=shop, external_id="C-1")
        assert (customer.name, customer.email) == ("山田 花子", "hanako@example.com")
        assert len(occasion.content_hash) == 64

    def test_same_content_again_returns_the_stored_occasion(self, shop):
        first, _ = services.occasion_record(**_order(shop))
        again, created = services.occasion_record(
            **_order(shop, occurred_at="2026-11-20T06:30:00Z")
        )
        assert created is False
        assert again.pk == first.pk
        assert Occasion.objects.count() == 1

    def test_time_without_offset_is_read_in_shop_time(self, shop):
        occasion, _ = services.occasion_record(**_order(shop, occurred_at="2026-11-20 15:30"))
        assert occasion.occurred_at == at("2026-11-20 15:30")

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            pytest.param(
                {"attributes": {"total": 7300, "gift": False}}, ["attributes"], id="attrs"
            ),
            pytest.param({"customer": "C-2"}, ["customer"], id="customer"),
            pytest.param(
                {"kind": "inquiry_received", "attributes": {}, "occurred_at": "2026-11-21 9:00"},
                ["attributes", "kind", "occurred_at"],
                id="three-fields",
            ),
        ],
    )
    def test_other_content_under_the_same_id_is_a_conflict(self, shop, overrides, fields):
        services.occasion_record(**_order(shop))
        with pytest.raises(services.Conflict) as caught:
            services.occasion_record(**_order(shop, **overrides))
        assert caught.value.code == "conflict"
        assert caught.value.fields == fields
        assert ", ".join(fields) in caught.value.message
        assert Occasion.objects.count() == 1

    def test_external_ids_are_per_shop(self, shop, make_user):
        from policies.models import Shop

        other = Shop.objects.create(slug="other", name="Other")
        services.occasion_record(**_order(shop))
        _, created = services.occasion_record(**_order(other, customer="C-9"))
        assert created is True
        assert Occasion.objects.filter(external_id="O-1").count() == 2

    def test_every_problem_is_reported_at_once(self, shop):
        with pytest.raises(ValidationError) as caught:
            services.occasion_record(
                **_order(
                    shop,
                    external_id="",
                    kind="order_placed",
                    occurred_at="soon",
                    attributes={"total": -5},
                )
            )
        assert _codes(caught.value) == [
            ("required", "external_id"),
            ("invalid_attribute", "attributes.total"),
            ("invalid_time", "occurred_at"),
        ]

    def test_unknown_kind_is_rejected(self, shop):
        with pytest.raises(ValidationError) as caught:
            services.occasion_record(**_order(shop, kind="order_cancelled"))
        assert _codes(caught.value) == [("unknown_kind", "kind")]
        assert Occasion.objects.count() == 0

    def test_later_name_replaces_the_customer_name(self, shop):
        services.occasion_record(**_order(shop), customer_name="Hanako")
        services.occasion_record(**_order(shop, external_id="O-2"), customer_name="Hanako Y.")
        assert Customer.objects.get(external_id="C-1").name == "Hanako Y."

    def test_bad_customer_email_is_rejected(self, shop):
        with pytest.raises(ValidationError) as caught:
            services.occasion_record(**_order(shop), customer_email="not-an-address")
        assert _codes(caught.value) == [("invalid_param", "customer_email")]


class TestActionRecord:
    def test_action_is_linked_to_its_stored_occasion(self, shop):
        occasion, _ = services.occasion_record(**_order(shop))
        action, created = services.action_record(**_note(shop))
        assert created is True
        assert action.occasion_id == occasion.pk
        assert action.occasion_external_id == "O-1"
        assert action.judged_at is not None

    def test_action_before_its_occasion_is_linked_when_the_occasion_arrives(self, shop):
        action, _ = services.action_record(**_note(shop))
        assert action.occasion_id is None
        occasion, _ = services.occasion_record(**_order(shop))
        action.refresh_from_db()
        assert action.occasion_id == occasion.pk
        assert action.judged_at is not None

    def test_linking_without_judging_leaves_the_action_for_the_sweeper(self, shop):
        services.action_record(**_note(shop))
        services.occasion_record(**_order(shop), judge=False)
        assert Action.objects.get(external_id="A-1").judged_at is None

    def test_without_judging_the_action_stays_unjudged(self, shop):
        action, _ = services.action_record(**_note(shop), judge=False)
        assert action.judged_at is None

    def test_same_content_again_returns_the_stored_action(self, shop):
        first, _ = services.action_record(**_note(shop, exception={"reason": "goodwill"}))
        again, created = services.action_record(
            **_note(shop, exception={"reason": "goodwill", "note": ""})
        )
        assert (again.pk, created) == (first.pk, False)
        assert Action.objects.count() == 1
        assert ActionException.objects.count() == 1

    def test_retry_of_an_unjudged_action_judges_it(self, shop):
        services.action_record(**_note(shop), judge=False)
        action, created = services.action_record(**_note(shop))
        assert created is False
        assert action.judged_at is not None

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            pytest.param({"attributes": {"lines": 5}}, ["attributes"], id="lines"),
            pytest.param({"staff": "sato"}, ["staff"], id="staff"),
            pytest.param({"occasion": "O-2"}, ["occasion"], id="occasion"),
            pytest.param({"exception": {"reason": "goodwill"}}, ["exception"], id="exception"),
        ],
    )
    def test_other_content_under_the_same_id_is_a_conflict(self, shop, overrides, fields):
        services.action_record(**_note(shop))
        with pytest.raises(services.Conflict) as caught:
            services.action_record(**_note(shop, **overrides))
        assert caught.value.fields == fields
        assert Action.objects.count() == 1

    def test_exception_is_stored_with_who_asked(self, shop, staff):
        action, _ = services.action_record(
            **_note(shop, exception={"reason": "deadline", "note": "needed by Friday"}),
            requested_by=staff,
        )
        exception = ActionException.objects.get(action=action)
        assert (exception.reason, exception.note, exception.status) == (
            "deadline",
            "needed by Friday",
            ExceptionStatus.REQUESTED,
        )
        assert exception.requested_by == staff

    @pytest.mark.parametrize(
        ("exception", "errors"),
        [
            pytest.param({"reason": "other"}, [("required", "exception.note")], id="other-no-note"),
            pytest.param({"reason": "bored"}, [("invalid_param", "exception.reason")], id="bad"),
            pytest.param({"note": "x"}, [("required", "exception.reason")], id="no-reason"),
            pytest.param(
                {"reason": "goodwill", "by": "me"},
                [("invalid_param", "exception.by")],
                id="unknown-key",
            ),
            pytest.param("goodwill", [("invalid_param", "exception")], id="not-an-object"),
        ],
    )
    def test_bad_exception_is_rejected(self, shop, exception, errors):
        with pytest.raises(ValidationError) as caught:
            services.action_record(**_note(shop, exception=exception))
        assert _codes(caught.value) == errors
        assert Action.objects.count() == 0

    def test_bad_attribute_is_rejected_with_its_field(self, shop):
        with pytest.raises(ValidationError) as caught:
            services.action_record(**_note(shop, attributes={"lines": -1}))
        assert _codes(caught.value) == [("invalid_attribute", "attributes.lines")]


class TestExceptions:
    def test_exception_can_be_recorded_for_an_action_without_one(self, shop, staff):
        action, _ = services.action_record(**_note(shop))
        exception = services.exception_record(
            action=action, reason="our_mistake", note="wrong size", requested_by=staff
        )
        assert (exception.reason, exception.requested_by) == ("our_mistake", staff)

    def test_second_exception_for_an_action_is_refused(self, shop):
        action, _ = services.action_record(**_note(shop, exception={"reason": "goodwill"}))
        with pytest.raises(ValidationError) as caught:
            services.exception_record(action=action, reason="deadline")
        assert _codes(caught.value) == [("conflict", "exception")]

    @pytest.mark.parametrize("decision", ["approved", "rejected"])
    def test_manager_decides_an_exception(self, shop, manager, decision):
        action, _ = services.action_record(**_note(shop, exception={"reason": "goodwill"}))
        decided = services.exception_decide(
            exception=action.exception, status=decision, decided_by=manager, note="ok"
        )
        decided.refresh_from_db()
        assert (decided.status, decided.decided_by, decided.decision_note) == (
            decision,
            manager,
            "ok",
        )
        assert decided.decided_at is not None

    def test_decision_must_be_approved_or_rejected(self, shop, manager):
        action, _ = services.action_record(**_note(shop, exception={"reason": "goodwill"}))
        with pytest.raises(ValidationError) as caught:
            services.exception_decide(
                exception=action.exception, status="maybe", decided_by=manager
            )
        assert _codes(caught.value) == [("invalid_status", "status")]


class TestTextFields:
    """An ASCII text without NUL skips text_error (services._text): the same values and
    errors as the texts that go through it."""

    @pytest.mark.parametrize(
        ("value", "cleaned"),
        [(" C-1 ", "C-1"), ("山田 ", "山田"), ("tab\tinside", "tab\tinside"), ("", "")],
    )
    def test_a_storable_text_is_stripped(self, value, cleaned):
        assert services._text(value, field="staff", max_length=100, required=False) == (
            cleaned,
            [],
        )

    @pytest.mark.parametrize("value", ["a\x00b", "山\x00", "a\ud800b", "\udfff"])
    def test_nul_and_lone_surrogates_are_invalid_text(self, value):
        cleaned, errors = services._text(value, field="staff", max_length=100, required=False)
        assert cleaned == ""
        assert [(e.code, e.params["field"]) for e in errors] == [("invalid_text", "staff")]

    def test_action_validate_reports_each_invalid_text(self, shop):
        with pytest.raises(ValidationError) as caught:
            services.action_validate(
                **_note(shop, external_id="A-\x00", customer="C-\ud800", staff="ken")
            )
        assert _codes(caught.value) == [
            ("invalid_text", "external_id"),
            ("invalid_text", "customer"),
        ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need a server database"
)
@pytest.mark.django_db(transaction=True)
class TestConcurrentRecording:
    def _race(self, record, bodies):
        barrier = threading.Barrier(len(bodies))
        outcomes = [None] * len(bodies)

        def run(index, body):
            try:
                barrier.wait()
                outcomes[index] = record(**body)[1]
            except Exception as error:  # noqa: BLE001 - collected for the assertion
                outcomes[index] = error
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=run, args=(index, body)) for index, body in enumerate(bodies)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def test_same_action_sent_twice_at_once_is_stored_once(self, shop):
        outcomes = self._race(services.action_record, [_note(shop), _note(shop), _note(shop)])
        assert sorted(outcomes) == [False, False, True]
        assert Action.objects.count() == 1
        assert Customer.objects.count() == 1

    def test_conflicting_occasions_sent_at_once_store_one_and_report_the_other(self, shop):
        outcomes = self._race(
            services.occasion_record,
            [_order(shop), _order(shop, attributes={"total": 1, "gift": True})],
        )
        assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "bool"]
        assert Occasion.objects.count() == 1

    def test_actions_of_one_customer_recorded_at_once_are_all_judged(self, shop):
        from commitments import judging
        from commitments.models import Commitment, Finding
        from policies.kinds import registry
        from policies.models import Promise, PromiseVersion

        promise = Promise.objects.create(shop=shop, kind="handwritten_note", name="note")
        PromiseVersion.objects.create(
            promise=promise,
            number=1,
            params=registry.get("handwritten_note").validate_params({"min_lines": 5}),
            effective_from=datetime(2020, 1, 1, tzinfo=UTC),
        )
        for n in range(4):
            services.occasion_record(**_order(shop, external_id=f"O-{n}"))
        bodies = [
            _note(
                shop,
                external_id=f"A-{n}",
                occasion=f"O-{n}",
                occurred_at=f"2026-11-2{n}T10:00:00+09:00",
                attributes={"lines": 10 - 2 * n},
            )
            for n in range(4)
        ]
        outcomes = self._race(services.action_record, bodies)
        assert outcomes == [True, True, True, True]
        assert Action.objects.filter(unjudged__isnull=False).count() == 0
        judged = sorted(Finding.objects.values_list("action__external_id", "type"))
        commitment = Commitment.objects.values_list("count", "last_level", "best_level").get()
        judging.judge_shop(shop=shop)
        assert sorted(Finding.objects.values_list("action__external_id", "type")) == judged
        assert judged == [("A-1", "drift"), ("A-2", "drift"), ("A-3", "breach")]
        assert commitment == (4, 4, 10)
