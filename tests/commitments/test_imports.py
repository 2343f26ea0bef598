"""The streaming CSV import: encodings, columns, per-row errors, counts and progress."""

import io
from pathlib import Path

import pytest

from commitments import imports
from commitments.imports import (
    SNIFF_BYTES,
    ImportErrorCode,
    _Source,
    encoding_sniff,
    import_run,
)
from commitments.models import (
    Action,
    ActionException,
    Customer,
    Import,
    ImportStatus,
    Occasion,
)

from .import_support import HEADER, action, csv_bytes, csv_text, order

SYUKUJITSU = Path(__file__).resolve().parents[3] / "shared" / "data" / "syukujitsu.csv"
EXAMPLE = Path(imports.__file__).parent / "static" / "commitments" / "example-import.csv"


def run(shop, data: bytes, **kwargs) -> Import:
    """Return the finished import of these bytes into the shop."""
    imp = Import.objects.create(shop=shop, filename="test.csv", size=len(data))
    return import_run(imp=imp, stream=io.BytesIO(data), **kwargs)


def counts(imp: Import) -> tuple:
    return (imp.rows, imp.stored, imp.duplicates, imp.rejected)


def errors_of(imp: Import) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in imp.errors]


# Names with CP932-only characters (髙, 﨑: NEC/IBM extensions) and half-width kana.
NAME = "髙橋 﨑子 ｶﾀｶﾅ"
TEXT = "ギフト包装はできますか？ ﾊﾝｶｸ"


@pytest.mark.django_db
class TestEncodings:
    @pytest.mark.parametrize(
        ("encoding", "recorded"),
        [
            pytest.param("utf-8", "utf-8", id="utf-8"),
            pytest.param("utf-8-sig", "utf-8-sig", id="utf-8 with BOM"),
            pytest.param("cp932", "cp932", id="cp932 (Excel)"),
        ],
    )
    def test_japanese_text_arrives_intact_in_each_encoding(self, shop, encoding, recorded):
        rows = [
            order(customer_name=NAME),
            {
                "type": "occasion",
                "external_id": "I-1",
                "customer": "C-1",
                "kind": "inquiry_received",
                "occurred_at": "2026-11-16 11:00",
                "channel": "email",
                "text": TEXT,
            },
        ]
        imp = run(shop, csv_bytes(rows, encoding=encoding))
        assert imp.status == ImportStatus.DONE
        assert imp.encoding == recorded
        assert counts(imp) == (2, 2, 0, 0)
        assert Customer.objects.get(external_id="C-1").name == NAME
        assert Occasion.objects.get(external_id="I-1").attributes["text"] == TEXT

    @pytest.mark.parametrize(
        ("head", "complete", "expected"),
        [
            pytest.param(b"ab" + "髙".encode()[:2], False, "utf-8", id="utf-8 cut, more follows"),
            pytest.param(b"ab" + "髙".encode()[:2], True, "cp932", id="utf-8 cut at the end"),
            pytest.param("ab髙橋".encode("cp932"), True, "cp932", id="cp932"),
            pytest.param(b"\xef\xbb\xbftype", True, "utf-8-sig", id="bom"),
            pytest.param(b"type,kind\r\n", True, "utf-8", id="ascii"),
        ],
    )
    def test_encoding_is_sniffed_from_the_head(self, head, complete, expected):
        assert encoding_sniff(head, complete=complete) == expected

    @pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
    def test_characters_and_line_breaks_split_across_chunks_are_read_whole(
        self, shop, monkeypatch, encoding
    ):
        # Tiny chunks after the head: every multibyte character and "\r\n" straddles an end.
        monkeypatch.setattr(imports, "SNIFF_BYTES", 300)
        monkeypatch.setattr(imports, "CHUNK_BYTES", 3)
        texts = ["髙橋", "ｶﾀｶﾅ", "改行\r\nあり", "﨑"] * 3
        rows = [
            {
                "type": "occasion",
                "external_id": f"I-{n}",
                "customer": "C-1",
                "kind": "inquiry_received",
                "occurred_at": "2026-11-16 11:00",
                "text": text,
            }
            for n, text in enumerate(texts)
        ]
        data = csv_bytes(rows, encoding=encoding)
        imp = run(shop, data)
        assert counts(imp) == (12, 12, 0, 0)
        assert imp.bytes_read == len(data)
        stored = dict(Occasion.objects.values_list("external_id", "attributes__text"))
        assert stored == {f"I-{n}": text for n, text in enumerate(texts)}

    def test_cp932_detected_after_a_long_ascii_head_is_not_misread(self, shop):
        # The sniffed head is pure ASCII (valid UTF-8): a CP932 byte later is reported.
        rows = [order(external_id=f"O-{n}", customer=f"C-{n}") for n in range(2000)]
        rows.append(order(external_id="O-late", customer="C-late", customer_name=NAME))
        data = csv_bytes(rows, encoding="cp932")
        assert len(data) > SNIFF_BYTES
        imp = run(shop, data)
        assert imp.encoding == "utf-8"
        assert counts(imp) == (2001, 2000, 0, 1)
        assert errors_of(imp) == [(2002, "customer_name", ImportErrorCode.INVALID_ENCODING)]

    @pytest.mark.skipif(not SYUKUJITSU.exists(), reason="shared/data/syukujitsu.csv not present")
    def test_the_cabinet_office_holiday_file_reads_as_cp932(self):
        data = SYUKUJITSU.read_bytes()
        stream = io.BytesIO(data)
        head = stream.read(SNIFF_BYTES)
        encoding = encoding_sniff(head, complete=len(head) < SNIFF_BYTES)
        lines = list(_Source(stream, head=head, encoding=encoding).lines())
        assert encoding == "cp932"
        assert lines[1].strip() == "1955/1/1,元日"
        assert "\ufffd" not in "".join(lines)


@pytest.mark.django_db
class TestColumns:
    def test_columns_may_come_in_any_order(self, shop):
        header = tuple(reversed(HEADER))
        imp = run(
            shop, csv_bytes([order(), action("note_enclosed", "A-1", lines="6")], header=header)
        )
        assert counts(imp) == (2, 2, 0, 0)
        assert Action.objects.get().attributes == {"lines": 6}

    def test_unknown_columns_are_reported_once_and_ignored(self, shop):
        header = (*HEADER, "memo", "Colour")
        rows = [order(external_id=f"O-{n}", memo="x", Colour="red") for n in range(3)]
        imp = run(shop, csv_bytes(rows, header=header))
        assert counts(imp) == (3, 3, 0, 0)
        assert [(w["code"], w["column"]) for w in imp.warnings] == [
            ("unknown_column", "memo"),
            ("unknown_column", "colour"),
        ]

    def test_missing_required_columns_fail_the_import_naming_them(self, shop):
        header = ("type", "external_id", "kind")
        imp = run(shop, csv_bytes([{"type": "occasion"}], header=header))
        assert imp.status == ImportStatus.FAILED
        assert errors_of(imp) == [(1, "customer", ImportErrorCode.MISSING_COLUMN)]
        assert "customer, occurred_at" in imp.errors[0]["message"]
        assert Occasion.objects.count() == 0

    def test_a_column_named_twice_fails_the_import(self, shop):
        imp = run(shop, csv_bytes([], header=(*HEADER, "kind")))
        assert imp.status == ImportStatus.FAILED
        assert errors_of(imp) == [(1, "kind", ImportErrorCode.DUPLICATE_COLUMN)]

    def test_header_names_are_trimmed_and_case_insensitive(self, shop):
        first, rest = csv_text([order()]).split("\r\n", 1)
        shouted = ",".join(f" {name.upper()} " for name in first.split(","))
        imp = run(shop, f"{shouted}\r\n{rest}".encode())
        assert counts(imp) == (1, 1, 0, 0)

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            pytest.param(b"", ImportErrorCode.EMPTY_FILE, id="empty"),
            pytest.param(b"PK\x03\x04\x14\x00rest", ImportErrorCode.NOT_CSV, id="xlsx"),
            pytest.param(b"type,\x00\x00", ImportErrorCode.NOT_CSV, id="binary"),
        ],
    )
    def test_a_file_that_is_not_csv_fails_with_a_reason(self, shop, data, code):
        imp = run(shop, data)
        assert imp.status == ImportStatus.FAILED
        assert [e["code"] for e in imp.errors] == [code]

    def test_a_file_with_only_a_header_is_done_with_no_rows(self, shop):
        imp = run(shop, csv_bytes([]))
        assert (imp.status, counts(imp)) == (ImportStatus.DONE, (0, 0, 0, 0))


BAD_ROWS = [
    pytest.param({**order(), "type": "order"}, "type", "invalid_type", id="type"),
    pytest.param(order(kind="order"), "kind", "unknown_kind", id="occasion kind"),
    pytest.param(action("mailed", "A-9"), "kind", "unknown_kind", id="action kind"),
    pytest.param(order(when="tomorrow"), "occurred_at", "invalid_time", id="time"),
    pytest.param(order(when="2026-11-16"), "occurred_at", "invalid_time", id="date only"),
    pytest.param(order(total="abc"), "total", "invalid_attribute", id="total not a number"),
    pytest.param(order(gift="maybe"), "gift", "invalid_attribute", id="gift not a bool"),
    pytest.param(order(lines="6"), "lines", "invalid_attribute", id="attribute of another kind"),
    pytest.param(
        {**order(kind="review_posted", total="", gift=""), "rating": "9"},
        "rating",
        "invalid_attribute",
        id="rating out of range",
    ),
    pytest.param(action("note_enclosed", "A-9"), "lines", "invalid_attribute", id="note no lines"),
    pytest.param(order(customer=""), "customer", "required", id="no customer"),
    pytest.param(order(external_id=""), "external_id", "required", id="no external id"),
    pytest.param(
        action("shipped", "A-9", exception_reason="whim"),
        "exception_reason",
        "invalid_param",
        id="exception reason",
    ),
    pytest.param(
        action("shipped", "A-9", exception_reason="other"),
        "exception_note",
        "required",
        id="other without a note",
    ),
    pytest.param(order(staff="佐藤"), "staff", "not_for_occasion", id="staff on an occasion"),
    pytest.param(
        order(customer_email="not-an-address"), "customer_email", "invalid_param", id="email"
    ),
]


@pytest.mark.django_db
class TestRows:
    @pytest.mark.parametrize(("bad", "column", "code"), BAD_ROWS)
    def test_a_bad_row_is_reported_and_the_good_rows_beside_it_are_stored(
        self, shop, bad, column, code
    ):
        bad = {"customer_email": "", **bad}
        rows = [order(external_id="O-good-1"), bad, order(external_id="O-good-2")]
        header = (*HEADER, "customer_email")
        imp = run(shop, csv_bytes(rows, header=header))
        assert imp.status == ImportStatus.DONE
        assert counts(imp) == (3, 2, 0, 1)
        assert errors_of(imp) == [(3, column, code)]
        assert imp.errors[0]["message"]
        assert set(Occasion.objects.values_list("external_id", flat=True)) == {
            "O-good-1",
            "O-good-2",
        }

    def test_a_row_with_several_problems_lists_each(self, shop):
        imp = run(shop, csv_bytes([order(when="soon", total="-5", customer="")]))
        assert counts(imp) == (1, 0, 0, 1)
        assert sorted(errors_of(imp)) == [
            (2, "customer", "required"),
            (2, "occurred_at", "invalid_time"),
            (2, "total", "invalid_attribute"),
        ]

    def test_row_numbers_are_excel_rows_even_after_a_cell_with_line_breaks(self, shop):
        rows = [
            {
                "type": "occasion",
                "external_id": "I-1",
                "customer": "C-1",
                "kind": "inquiry_received",
                "occurred_at": "2026-11-16 11:00",
                "text": "一行目\r\n二行目\n三行目",
            },
            order(total="x"),
        ]
        imp = run(shop, csv_bytes(rows))
        assert errors_of(imp) == [(3, "total", "invalid_attribute")]
        assert Occasion.objects.get().attributes["text"] == "一行目\r\n二行目\n三行目"

    def test_blank_lines_are_skipped_but_keep_the_row_numbers(self, shop):
        text = (
            csv_text([order(external_id="O-1")])
            + "\r\n,,,\r\n"
            + csv_text([order(external_id="O-2", total="x")]).split("\r\n", 1)[1]
        )
        imp = run(shop, text.encode())
        assert counts(imp) == (2, 1, 0, 1)
        assert errors_of(imp) == [(5, "total", "invalid_attribute")]

    def test_more_cells_than_columns_is_a_row_error_unless_they_are_empty(self, shop):
        line = ",".join(csv_text([order(external_id="O-2")]).split("\r\n")[1].split(","))
        text = csv_text([order(external_id="O-1")]) + line + ",,\r\n" + line + ",surplus\r\n"
        imp = run(shop, text.encode())
        assert counts(imp) == (3, 2, 0, 1)
        assert errors_of(imp) == [(4, None, ImportErrorCode.INVALID_ROW)]

    def test_duplicates_and_conflicts_are_counted_and_rows_add_up(self, shop):
        rows = [
            order(external_id="O-1"),
            order(external_id="O-1"),
            order(external_id="O-1", total="9999"),
            action("shipped", "A-1"),
            action("shipped", "A-1"),
            action("shipped", "A-1", staff="someone else"),
        ]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (6, 2, 2, 2)
        assert imp.rows == imp.stored + imp.duplicates + imp.rejected
        assert errors_of(imp) == [(4, "external_id", "conflict"), (7, "external_id", "conflict")]
        assert "attributes" in imp.errors[0]["message"]

    def test_the_same_file_imported_twice_is_all_duplicates(self, shop):
        data = csv_bytes([order(), action("shipped", "A-1"), action("thank_you_sent", "A-2")])
        run(shop, data)
        again = run(shop, data)
        assert counts(again) == (3, 0, 3, 0)
        assert Action.objects.count() == 2

    @pytest.mark.parametrize(
        ("cells", "attributes"),
        [
            pytest.param({"total": "7200", "gift": "true"}, {"total": 7200, "gift": True}, id="t"),
            pytest.param({"total": "0", "gift": "0"}, {"total": 0, "gift": False}, id="0"),
            pytest.param({"total": " 100 ", "gift": "1"}, {"total": 100, "gift": True}, id="1"),
            pytest.param({"total": "", "gift": ""}, {}, id="empty cells are absent"),
            pytest.param({"total": "500", "gift": "FALSE"}, {"total": 500, "gift": False}, id="F"),
        ],
    )
    def test_order_attributes_are_read_from_text(self, shop, cells, attributes):
        imp = run(shop, csv_bytes([order(**cells)]))
        assert imp.stored == 1
        assert Occasion.objects.get().attributes == attributes

    def test_extras_are_semicolon_separated_and_exceptions_are_recorded(self, shop):
        rows = [
            order(),
            action(
                "shipped",
                "A-1",
                extras="greeting_card; gift_wrap ;",
                tracking_number="1234",
                staff="佐藤",
                exception_reason="our_mistake",
                exception_note="ラベルの印刷ミス",
            ),
        ]
        imp = run(shop, csv_bytes(rows))
        assert counts(imp) == (2, 2, 0, 0)
        shipped = Action.objects.get()
        assert shipped.attributes == {
            "extras": ["greeting_card", "gift_wrap"],
            "tracking_number": "1234",
        }
        assert (shipped.staff, shipped.occasion.external_id) == ("佐藤", "O-1")
        exception = ActionException.objects.get()
        assert (exception.reason, exception.note) == ("our_mistake", "ラベルの印刷ミス")

    @pytest.mark.parametrize(
        ("cell", "local"),
        [
            pytest.param("2026-11-16 15:30", "2026-11-16T15:30:00+09:00", id="iso, shop time"),
            pytest.param("2026/11/6 9:05", "2026-11-06T09:05:00+09:00", id="excel slashes"),
            pytest.param("2026-11-16T06:30:00+00:00", "2026-11-16T15:30:00+09:00", id="offset"),
        ],
    )
    def test_times_are_read_in_shop_time(self, shop, cell, local):
        run(shop, csv_bytes([order(when=cell)]))
        occurred = Occasion.objects.get().occurred_at
        assert occurred.astimezone(shop_tz(shop)).isoformat() == local

    def test_actions_are_stored_unjudged(self, shop, make_promise):
        make_promise("handwritten_note")
        imp = run(shop, csv_bytes([order(), action("note_enclosed", "A-1", lines="3")]))
        assert imp.stored == 2
        assert Action.objects.get().judged_at is None

    def test_actions_before_their_occasion_are_linked_when_it_arrives(self, shop):
        imp = run(shop, csv_bytes([action("shipped", "A-1"), order()]))
        assert counts(imp) == (2, 2, 0, 0)
        assert Action.objects.get().occasion == Occasion.objects.get()


def shop_tz(shop):
    from zoneinfo import ZoneInfo

    return ZoneInfo(shop.timezone)


@pytest.mark.django_db
class TestProgressAndLimits:
    def test_counts_and_bytes_are_saved_after_every_batch(self, shop):
        rows = [order(external_id=f"O-{n}", customer=f"C-{n}") for n in range(7)]
        data = csv_bytes(rows)
        seen = []

        def progress(imp):
            stored = Import.objects.get(pk=imp.pk)
            seen.append((stored.status, stored.rows, stored.bytes_read))

        imp = run(shop, data, batch_rows=3, on_progress=progress)
        assert [rows for _status, rows, _bytes in seen] == [3, 6, 7, 7]
        assert seen[-1] == (ImportStatus.DONE, 7, len(data))
        assert imports.import_progress(imp) == 1.0

    def test_errors_beyond_the_cap_are_counted_not_listed(self, shop, monkeypatch):
        monkeypatch.setattr(imports, "ERRORS_KEPT", 5)
        rows = [order(external_id=f"O-{n}", total="x") for n in range(12)]
        imp = run(shop, csv_bytes(rows), batch_rows=4)
        assert counts(imp) == (12, 0, 0, 12)
        assert [e["row"] for e in imp.errors] == [2, 3, 4, 5, 6]
        truncated = [w for w in imp.warnings if w["code"] == "errors_truncated"]
        assert [w["count"] for w in truncated] == [7]

    def test_an_unterminated_line_longer_than_the_limit_stops_the_import(self, shop, monkeypatch):
        monkeypatch.setattr(imports, "LINE_MAX_CHARS", 1000)
        monkeypatch.setattr(imports, "CHUNK_BYTES", 512)
        data = csv_bytes([order()]) + b"x" * 5000
        imp = run(shop, data)
        assert imp.status == ImportStatus.FAILED
        assert [e["code"] for e in imp.errors] == [ImportErrorCode.INVALID_CSV]
        assert imp.stored == 1


@pytest.mark.django_db
class TestExampleFile:
    def test_the_example_stores_every_row_and_covers_every_kind(self, shop):
        data = EXAMPLE.read_bytes()
        imp = run(shop, data)
        assert imp.encoding == "utf-8-sig"
        assert (imp.status, imp.rejected, imp.duplicates) == (ImportStatus.DONE, 0, 0)
        assert imp.stored == imp.rows == Occasion.objects.count() + Action.objects.count()
        # Every built-in occasion and action kind (policies.vocabulary's shared ones).
        assert set(Occasion.objects.values_list("kind", flat=True)) == {
            "order_placed",
            "inquiry_received",
            "review_posted",
        }
        assert set(Action.objects.values_list("kind", flat=True)) == {
            "shipped",
            "note_enclosed",
            "shipping_notice_sent",
            "reply_sent",
            "review_replied",
            "thank_you_sent",
        }
        assert ActionException.objects.count() >= 1
