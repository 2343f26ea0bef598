"""Fault suite, issue 12 item 6: a CSV file is never read wrongly without a word.

Real bytes: an EUC-JP file is read as EUC-JP (not as CP932, which turns 山田太郎 into
ｻｳﾅﾄﾂﾀﾏｺ) and the import says so; text that still decodes to mostly half-width katakana is
imported with a warning; Excel's "Unicode text" (UTF-16 with BOM, tab-separated) is read;
an unterminated quote is a row error naming the row, the rows after it read normally.
"""

import io

import pytest

from commitments.imports import encoding_sniff, implausible_text, import_run
from commitments.models import Customer, Import, ImportStatus, Occasion
from tests.commitments.import_support import HEADER, csv_text, order

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

NAMES = ["山田太郎", "佐藤花子", "鈴木一郎"]


def run(shop, data: bytes) -> Import:
    imp = Import.objects.create(shop=shop, filename="t.csv", size=len(data))
    return import_run(imp=imp, stream=io.BytesIO(data))


def named_orders() -> list[dict]:
    return [order(f"O-{n}", customer=f"C-{n}", customer_name=name) for n, name in enumerate(NAMES)]


def stored_names() -> list[str]:
    return list(Customer.objects.order_by("external_id").values_list("name", flat=True))


class TestEncodings:
    def test_euc_jp_is_read_as_euc_jp_and_the_import_says_so(self, shop):
        data = csv_text(named_orders()).encode("euc_jp")
        assert (
            data.decode("cp932", errors="replace").count("ｻｳﾅﾄﾂﾀﾏｺ") == 1
        )  # what reading it as CP932 gave
        imp = run(shop, data)
        assert (imp.status, imp.encoding, imp.stored) == (ImportStatus.DONE, "euc_jp", 3)
        assert stored_names() == NAMES
        assert [w["code"] for w in imp.warnings] == ["implausible_text"]

    def test_cp932_with_kanji_and_half_width_kana_stays_cp932_without_warning(self, shop):
        rows = [*named_orders(), order("O-9", customer="C-9", customer_name="ﾔﾏﾀﾞ ﾊﾅｺ")]
        imp = run(shop, csv_text(rows).encode("cp932"))
        assert (imp.encoding, imp.stored, imp.warnings) == ("cp932", 4, [])
        assert stored_names() == [*NAMES, "ﾔﾏﾀﾞ ﾊﾅｺ"]

    def test_text_that_decodes_to_mostly_half_width_katakana_is_warned(self, shop):
        # Shift_JIS bytes of mostly half-width kana with one CP932-only lead byte (0x82:
        # hiragana): not EUC-JP, read as CP932, and most of it half-width katakana.
        name = "ｱｲｳｴｵｶｷｸｹｺ" * 2 + "あ"
        rows = [order("O-1", customer="C-1", customer_name=name)]
        imp = run(shop, csv_text(rows).encode("cp932"))
        assert (imp.status, imp.encoding, imp.stored) == (ImportStatus.DONE, "cp932", 1)
        assert [w["code"] for w in imp.warnings] == ["implausible_text"]
        assert implausible_text("山田 ﾔﾏﾀﾞ") is False

    def test_excel_unicode_text_utf16_tab_separated_is_read(self, shop):
        text = csv_text(named_orders()).replace(",", "\t")
        data = text.encode("utf-16")  # with its BOM, as Excel writes it
        assert data[:2] == b"\xff\xfe"
        imp = run(shop, data)
        assert (imp.status, imp.encoding, imp.stored, imp.rejected) == (
            ImportStatus.DONE,
            "utf-16",
            3,
            0,
        )
        assert stored_names() == NAMES

    def test_utf16_big_endian_is_read(self, shop):
        data = b"\xfe\xff" + csv_text(named_orders()).encode("utf-16-be")
        assert (encoding_sniff(data, complete=True), run(shop, data).stored) == ("utf-16", 3)


class TestQuotes:
    def test_an_unterminated_quote_is_a_row_error_naming_the_row(self, shop):
        lines = csv_text([order("O-1"), order("O-2"), order("O-3"), order("O-4")]).splitlines()
        # Row 3 (O-2): its customer cell opens a quote that is never closed.
        lines[2] = lines[2].replace(",C-1,", ',"C-1,', 1)
        data = ("\r\n".join(lines) + "\r\n").encode()
        imp = run(shop, data)
        assert imp.status == ImportStatus.DONE
        assert [(e["row"], e["column"], e["code"]) for e in imp.errors] == [
            (3, "customer", "unterminated_quote")
        ]
        assert "2" in imp.errors[0]["message"]  # the two rows it swallowed
        assert (imp.rows, imp.stored, imp.rejected) == (2, 1, 1)
        assert list(Occasion.objects.values_list("external_id", flat=True)) == ["O-1"]

    def test_a_quoted_cell_with_a_line_break_is_text(self, shop):
        rows = [order("O-1", kind="inquiry_received", total="", gift="", text="1行目\n2行目")]
        imp = run(shop, csv_text(rows, header=HEADER).encode())
        assert (imp.stored, imp.errors) == (1, [])
        assert Occasion.objects.get().attributes["text"] == "1行目\n2行目"
