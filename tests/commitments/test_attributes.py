"""Attribute validation per occasion and action kind, and how times are read."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from commitments.attributes import attributes_validate, kind_validate, time_parse


def _errors(call) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return [(error.code, error.params["field"]) for error in caught.value.error_list]


class TestKindValidate:
    @pytest.mark.parametrize(
        ("record", "kind"),
        [
            pytest.param("occasion", "order_placed", id="order"),
            pytest.param("occasion", "review_posted", id="review"),
            pytest.param("action", "note_enclosed", id="note"),
            pytest.param("action", "thank_you_sent", id="thank-you"),
        ],
    )
    def test_known_kinds_pass(self, record, kind):
        assert kind_validate(record=record, kind=kind) == kind

    @pytest.mark.parametrize(
        ("record", "kind"),
        [
            pytest.param("occasion", "shipped", id="action-kind-as-occasion"),
            pytest.param("action", "order_placed", id="occasion-kind-as-action"),
            pytest.param("action", "teleported", id="made-up"),
            pytest.param("action", None, id="missing"),
            pytest.param("occasion", 3, id="number"),
        ],
    )
    def test_unknown_kind_is_rejected_on_the_kind_field(self, record, kind):
        assert _errors(lambda: kind_validate(record=record, kind=kind)) == [
            ("unknown_kind", "kind")
        ]


class TestAttributesValidate:
    @pytest.mark.parametrize(
        ("record", "kind", "attributes", "expected"),
        [
            pytest.param(
                "occasion",
                "order_placed",
                {"total": 7200, "gift": False},
                {"total": 7200, "gift": False},
                id="order",
            ),
            pytest.param("occasion", "order_placed", {}, {}, id="order-without-attributes"),
            pytest.param(
                "occasion",
                "inquiry_received",
                {"channel": "email", "text": "届きますか？"},
                {"channel": "email", "text": "届きますか？"},
                id="inquiry",
            ),
            pytest.param(
                "occasion",
                "review_posted",
                {"rating": 5, "text": "素敵"},
                {"rating": 5, "text": "素敵"},
                id="review",
            ),
            pytest.param(
                "action",
                "shipped",
                {"extras": [" greeting_card "], "tracking_number": "1234"},
                {"extras": ["greeting_card"], "tracking_number": "1234"},
                id="shipped",
            ),
            pytest.param("action", "note_enclosed", {"lines": 0}, {"lines": 0}, id="note-zero"),
            pytest.param(
                "action",
                "shipping_notice_sent",
                {"tracking_number": None},
                {},
                id="null-means-absent",
            ),
            pytest.param("action", "reply_sent", {}, {}, id="reply-without-text"),
            pytest.param("action", "review_replied", None, {}, id="no-attributes-at-all"),
        ],
    )
    def test_valid_attributes_are_returned_clean(self, record, kind, attributes, expected):
        assert attributes_validate(record=record, kind=kind, attributes=attributes) == expected

    @pytest.mark.parametrize(
        ("record", "kind", "attributes", "fields"),
        [
            pytest.param(
                "occasion", "order_placed", {"total": -1}, ["attributes.total"], id="negative-total"
            ),
            pytest.param(
                "occasion",
                "order_placed",
                {"total": "7200"},
                ["attributes.total"],
                id="total-as-text",
            ),
            pytest.param(
                "occasion",
                "order_placed",
                {"total": True},
                ["attributes.total"],
                id="total-as-bool",
            ),
            pytest.param(
                "occasion", "order_placed", {"gift": "yes"}, ["attributes.gift"], id="gift-as-text"
            ),
            pytest.param(
                "occasion", "review_posted", {"rating": 6}, ["attributes.rating"], id="rating-6"
            ),
            pytest.param(
                "occasion", "review_posted", {"rating": 0}, ["attributes.rating"], id="rating-0"
            ),
            pytest.param(
                "action", "note_enclosed", {"lines": -2}, ["attributes.lines"], id="negative-lines"
            ),
            pytest.param(
                "action", "note_enclosed", {"lines": 6.5}, ["attributes.lines"], id="half-a-line"
            ),
            pytest.param("action", "note_enclosed", {}, ["attributes.lines"], id="lines-missing"),
            pytest.param(
                "action",
                "shipped",
                {"extras": "greeting_card"},
                ["attributes.extras"],
                id="extras-not-a-list",
            ),
            pytest.param(
                "action",
                "shipped",
                {"extras": ["card", ""]},
                ["attributes.extras"],
                id="empty-extra",
            ),
            pytest.param(
                "action",
                "review_replied",
                {"text": "ok"},
                ["attributes.text"],
                id="unknown-key",
            ),
            pytest.param(
                "action",
                "note_enclosed",
                {"lines": 5, "colour": "blue", "ink%": 1},
                ["attributes.colour", "attributes.ink%"],
                id="unknown-keys-each-named",
            ),
            pytest.param(
                "occasion", "order_placed", ["total", 1], ["attributes"], id="not-an-object"
            ),
        ],
    )
    def test_bad_attributes_are_rejected_naming_the_attribute(
        self, record, kind, attributes, fields
    ):
        errors = _errors(
            lambda: attributes_validate(record=record, kind=kind, attributes=attributes)
        )
        assert errors == [("invalid_attribute", field) for field in fields]

    def test_unknown_attribute_message_lists_the_allowed_ones(self):
        with pytest.raises(ValidationError) as caught:
            attributes_validate(record="action", kind="note_enclosed", attributes={"line": 5})
        assert caught.value.messages[0] == (
            "Unknown attribute 'line' for note_enclosed; allowed: lines."
        )

    @pytest.mark.parametrize(
        ("kind", "cells", "expected"),
        [
            pytest.param(
                "order_placed",
                {"total": " 7200 ", "gift": "TRUE"},
                {"total": 7200, "gift": True},
                id="numbers-and-booleans",
            ),
            pytest.param("order_placed", {"gift": "0", "total": ""}, {"gift": False}, id="empty"),
            pytest.param(
                "review_posted",
                {"rating": "2", "text": " 遅い "},
                {"rating": 2, "text": " 遅い "},
                id="text-kept-as-written",
            ),
        ],
    )
    def test_csv_cells_are_converted_first(self, kind, cells, expected):
        assert attributes_validate(record="occasion", kind=kind, attributes=cells, text=True) == (
            expected
        )

    def test_csv_extras_are_split_on_semicolons(self):
        cleaned = attributes_validate(
            record="action",
            kind="shipped",
            attributes={"extras": "greeting_card; gift_wrap;"},
            text=True,
        )
        assert cleaned == {"extras": ["greeting_card", "gift_wrap"]}

    def test_csv_cell_that_is_not_a_number_is_rejected(self):
        errors = _errors(
            lambda: attributes_validate(
                record="action", kind="note_enclosed", attributes={"lines": "ten"}, text=True
            )
        )
        assert errors == [("invalid_attribute", "attributes.lines")]


class TestTimeParse:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            pytest.param(
                "2026-11-20T15:30:00+09:00",
                datetime(2026, 11, 20, 6, 30, tzinfo=UTC),
                id="with-offset",
            ),
            pytest.param(
                "2026-11-20T06:30:00Z", datetime(2026, 11, 20, 6, 30, tzinfo=UTC), id="utc"
            ),
            pytest.param(
                "2026-11-20 15:30",
                datetime(2026, 11, 20, 6, 30, tzinfo=UTC),
                id="without-offset-is-shop-time",
            ),
        ],
    )
    def test_iso_times_are_read(self, text, expected):
        moment = time_parse(text, tz=ZoneInfo("Asia/Tokyo"))
        assert moment == expected
        assert moment.utcoffset() is not None

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param("2026-11-20", id="date-only"),
            pytest.param("20/11/2026 15:30", id="not-iso"),
            pytest.param("2026-13-01T00:00", id="month-13"),
            pytest.param(None, id="missing"),
            pytest.param(1763620200, id="epoch-number"),
        ],
    )
    def test_other_values_are_invalid_time(self, value):
        assert _errors(lambda: time_parse(value, tz="Asia/Tokyo")) == [
            ("invalid_time", "occurred_at")
        ]
