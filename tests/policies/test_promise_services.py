"""Promise writes: create with version 1, edit into a new version, retire; the audit trail."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from policies.error_codes import PromiseErrorCode
from policies.models import Promise, PromiseVersion
from policies.services import promise_create, promise_edit, promise_retire

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day, hour=0):
    return datetime(2026, 11, day, hour, tzinfo=TOKYO)


def codes(error: ValidationError) -> list[tuple[str | None, str]]:
    """Return (field, code) of every error, fields as the API shows them."""
    if hasattr(error, "error_dict"):
        return [
            ((item.params or {}).get("field", field), item.code)
            for field, items in error.error_dict.items()
            for item in items
        ]
    return [((item.params or {}).get("field"), item.code) for item in error.error_list]


@pytest.fixture
def note(shop, manager):
    return promise_create(
        shop=shop,
        kind="handwritten_note",
        name="Handwritten note",
        params={"min_lines": 10},
        author=manager,
        effective_from=at(1),
    )


@pytest.mark.django_db
class TestPromiseCreate:
    def test_creates_version_1_with_defaults_filled(self, note, manager):
        version = note.versions.get()
        assert version.number == 1
        assert version.params == {
            "min_lines": 10,
            "drift_tolerance": 0,
            "precedent_above": 5,
            "excused_reasons": ["our_mistake", "deadline"],
        }
        assert version.author == manager
        assert version.effective_from == at(1)
        assert note.version == version

    def test_effective_from_defaults_to_now(self, shop, manager):
        before = timezone.now()
        promise = promise_create(
            shop=shop, kind="reply_time", name="Replies", params=None, author=manager
        )
        assert before <= promise.versions.get().effective_from <= timezone.now()

    def test_records_the_audit_trail(self, note, manager):
        entry = AuditEntry.objects.get(event="promise.created")
        assert (entry.shop_id, entry.actor_id, entry.object_type, entry.object_id) == (
            note.shop_id,
            manager.pk,
            "promise",
            str(note.pk),
        )
        assert entry.before is None
        assert entry.after["version"] == 1
        assert entry.after["params"]["min_lines"] == 10

    def test_unknown_kind_is_refused_with_its_code(self, shop, manager):
        with pytest.raises(ValidationError) as caught:
            promise_create(shop=shop, kind="teleport", name="x", params={}, author=manager)
        assert codes(caught.value) == [("kind", "unknown_kind")]
        assert Promise.objects.count() == 0

    @pytest.mark.parametrize(
        ("kind", "params", "expected"),
        [
            ("handwritten_note", {"min_lines": 0}, [("params.min_lines", "invalid_param")]),
            ("handwritten_note", {"min_lines": "ten"}, [("params.min_lines", "invalid_param")]),
            ("handwritten_note", {"lines": 3}, [("params.lines", "invalid_param")]),
            ("shipping_cutoff", {"cutoff": "25:00"}, [("params.cutoff", "invalid_param")]),
            ("holiday_replies", {"mode": "sometimes"}, [("params.mode", "invalid_param")]),
            (
                "included_extras",
                {"tiers": [{"min_total": -1, "extras": ["card"]}]},
                [("params.tiers[0].min_total", "invalid_param")],
            ),
            ("reply_time", ["not", "an", "object"], [("params", "invalid_param")]),
        ],
        ids=[
            "below-minimum",
            "not-a-number",
            "unknown-param",
            "bad-time",
            "bad-choice",
            "nested-tier",
            "not-an-object",
        ],
    )
    def test_bad_parameters_name_the_field(self, shop, manager, kind, params, expected):
        with pytest.raises(ValidationError) as caught:
            promise_create(shop=shop, kind=kind, name="x", params=params, author=manager)
        assert codes(caught.value) == expected
        assert PromiseVersion.objects.count() == 0

    def test_a_name_is_required(self, shop, manager):
        with pytest.raises(ValidationError) as caught:
            promise_create(shop=shop, kind="reply_time", name="  ", params={}, author=manager)
        assert list(caught.value.error_dict) == ["name"]
        assert Promise.objects.count() == 0


@pytest.mark.django_db
class TestPromiseEdit:
    def test_creates_the_next_version_and_keeps_the_old_one(self, note, manager):
        version = promise_edit(
            promise=note, params={"min_lines": 5}, reason="Busy season", author=manager
        )
        assert version.number == 2
        assert version.reason == "Busy season"
        assert version.params["min_lines"] == 5
        assert note.versions.get(number=1).params["min_lines"] == 10
        assert note.versions.count() == 2

    def test_params_are_complete_parameters_with_defaults(self, note, manager):
        version = promise_edit(
            promise=note, params={"min_lines": 12}, reason="More care", author=manager
        )
        assert version.params["drift_tolerance"] == 0
        assert version.params["excused_reasons"] == ["our_mistake", "deadline"]

    def test_records_before_and_after_in_the_audit_trail(self, note, manager):
        promise_edit(promise=note, params={"min_lines": 5}, reason="Busy", author=manager)
        entry = AuditEntry.objects.get(event="promise.edited")
        assert entry.before["version"] == 1
        assert entry.after["version"] == 2
        assert (entry.before["params"]["min_lines"], entry.after["params"]["min_lines"]) == (10, 5)
        assert entry.after["reason"] == "Busy"

    @pytest.mark.parametrize("reason", ["", "   ", None], ids=["empty", "blank", "none"])
    def test_a_reason_is_required(self, note, manager, reason):
        with pytest.raises(ValidationError) as caught:
            promise_edit(promise=note, params={"min_lines": 5}, reason=reason, author=manager)
        assert codes(caught.value) == [("reason", PromiseErrorCode.REQUIRED)]
        assert note.versions.count() == 1

    def test_bad_parameters_are_refused(self, note, manager):
        with pytest.raises(ValidationError) as caught:
            promise_edit(promise=note, params={"min_lines": -3}, reason="x", author=manager)
        assert codes(caught.value) == [("params.min_lines", "invalid_param")]
        assert note.versions.count() == 1

    def test_same_parameters_are_refused_as_unchanged(self, note, manager):
        with pytest.raises(ValidationError) as caught:
            promise_edit(promise=note, params={"min_lines": 10}, reason="x", author=manager)
        assert codes(caught.value) == [("params", PromiseErrorCode.UNCHANGED)]

    def test_effective_from_before_the_latest_version_is_refused(self, note, manager):
        promise_edit(
            promise=note, params={"min_lines": 8}, reason="a", author=manager, effective_from=at(10)
        )
        with pytest.raises(ValidationError) as caught:
            promise_edit(
                promise=note,
                params={"min_lines": 6},
                reason="b",
                author=manager,
                effective_from=at(9),
            )
        assert codes(caught.value) == [("effective_from", PromiseErrorCode.EFFECTIVE_TOO_EARLY)]
        assert "version 2" in caught.value.messages[0]
        assert note.versions.count() == 2

    def test_effective_from_equal_to_the_latest_is_accepted(self, note, manager):
        version = promise_edit(
            promise=note, params={"min_lines": 8}, reason="a", author=manager, effective_from=at(1)
        )
        assert (version.number, version.effective_from) == (2, at(1))

    def test_a_retired_promise_cannot_be_edited(self, note, manager):
        promise_retire(promise=note, author=manager)
        with pytest.raises(ValidationError) as caught:
            promise_edit(promise=note, params={"min_lines": 5}, reason="x", author=manager)
        assert codes(caught.value) == [(None, PromiseErrorCode.PROMISE_RETIRED)]
        assert note.versions.count() == 1


@pytest.mark.django_db
class TestPromiseRetire:
    def test_sets_retired_at_and_keeps_the_versions(self, note, manager):
        promise_retire(promise=note, author=manager, at=at(20))
        note.refresh_from_db()
        assert note.retired_at == at(20)
        assert note.versions.count() == 1

    def test_defaults_to_now_and_records_the_audit_trail(self, note, manager):
        before = timezone.now()
        promise = promise_retire(promise=note, author=manager)
        assert before <= promise.retired_at <= timezone.now()
        entry = AuditEntry.objects.get(event="promise.retired")
        assert entry.object_id == str(note.pk)
        assert entry.before["retired_at"] is None
        assert entry.after["retired_at"] is not None

    def test_retiring_twice_is_refused(self, note, manager):
        promise_retire(promise=note, author=manager, at=at(20))
        with pytest.raises(ValidationError) as caught:
            promise_retire(promise=note, author=manager, at=at(21) + timedelta(days=1))
        assert codes(caught.value) == [(None, PromiseErrorCode.PROMISE_RETIRED)]
        note.refresh_from_db()
        assert note.retired_at == at(20)
