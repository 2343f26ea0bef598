"""Streaming CSV import of occasions and actions, with per-row errors and progress.

The file is read in binary chunks and decoded incrementally (UTF-8 with or without BOM,
CP932 as Excel writes it, EUC-JP, or UTF-16 with its BOM as Excel's "Unicode text" writes it,
tab-separated; the first 64 KiB decide, see encoding_sniff), split into lines and parsed by
csv.reader, so memory stays flat however large the file. Text that decodes to mostly half-
width katakana is imported with a warning; a quote that is never closed is a row error. Rows
are recorded in batches by `services.log_record_batch`, a constant number of queries per
batch, with the results of `occasion_record` / `action_record` (judge=False) row by row; if
the database refuses a batch (a concurrent writer), that batch is recorded row by row, each
row in its own savepoint. A bad row becomes an error naming its row (as Excel numbers it:
the header is row 1) and column, and the good rows beside it are stored. Each batch is
committed with the import's counts and progress, and its new actions are queued for judging
on commit. If the queue is unreachable the import still completes and the sweeper judges
them later.
"""

import codecs
import csv
import gc
import io
import itertools
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from policies import vocabulary
from policies.hooks import RejudgeRequest, rejudge_needed

from . import import_hooks, jobs, judging, maintenance, selectors, services
from .attributes import cell_value
from .models import (
    Action,
    ActionException,
    Customer,
    ExceptionStatus,
    Finding,
    FindingStatus,
    FindingType,
    Import,
    ImportChunk,
    ImportStatus,
    Occasion,
)
from .order_counts import customer_orders_refresh

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
SNIFF_BYTES = 64 * 1024
# A line this long without a line break is not a CSV row; stop instead of buffering it.
LINE_MAX_CHARS = 1024 * 1024
BATCH_ROWS = 500
# A full garbage collection after this many batches (see import_run).
GC_EVERY_BATCHES = 50
# The import's judging is queued in jobs growing to this many action ids (the first batch's
# at once, then as many as were queued before; the rest at the end): a job has a fixed cost
# in the worker (a forked process, its database connection, the shop's promises and calendar
# loaded again) several times that of judging a 500-row batch's actions (docs/PERFORMANCE.md,
# "Import with judging by the workers").
JUDGE_JOB_ACTIONS = 2000
# Record each batch with a constant number of queries (services.log_record_batch); off, every
# row goes through occasion_record / action_record in its own savepoint.
BATCH_FAST = True
ERRORS_KEPT = 1000
UPLOAD_EXTENSIONS = (".csv", ".txt")


class ImportErrorCode(StrEnum):
    EMPTY_FILE = "empty_file"
    NOT_CSV = "not_csv"
    TOO_LARGE = "too_large"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    UNKNOWN_COLUMN = "unknown_column"
    INVALID_TYPE = "invalid_type"
    INVALID_ENCODING = "invalid_encoding"
    IMPLAUSIBLE_TEXT = "implausible_text"
    UNTERMINATED_QUOTE = "unterminated_quote"
    INVALID_ROW = "invalid_row"
    INVALID_CSV = "invalid_csv"
    NOT_FOR_OCCASION = "not_for_occasion"
    DATABASE_ERROR = "database_error"
    ERRORS_TRUNCATED = "errors_truncated"
    FAILED = "failed"
    WORKER_LOST = "worker_lost"


# ------------------------------------------------------------------------------
# The columns
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One CSV column: whether it is required, which records use it, what it holds."""

    name: str
    required: bool
    records: str  # "both", "occasion" or "action"
    description: str


# The columns every record has; the attribute columns follow, one per attribute registered in
# policies.vocabulary (read at call time, so a kind registered by its own module has them).
BASE_COLUMNS: tuple[Column, ...] = (
    Column("type", True, "both", _("occasion or action")),
    Column("external_id", True, "both", _("Your id of the record; the same id is stored once")),
    Column("customer", True, "both", _("Your id of the customer")),
    Column("kind", True, "both", _("The kind of the record (see the list of kinds)")),
    Column(
        "occurred_at",
        True,
        "both",
        _(
            "When it happened: 2026-11-20 15:30 (shop time), 2026/11/20 15:30 as Excel "
            "writes it, or ISO 8601 with an offset"
        ),
    ),
    Column("occasion", False, "action", _("The external id of the occasion the action answers")),
    Column("staff", False, "action", _("Who did it")),
    Column(
        "exception_reason",
        False,
        "action",
        _("An exception recorded for the action (see its reasons)"),
    ),
    Column("exception_note", False, "action", _("Why (required with the reason other)")),
    Column("customer_name", False, "both", _("The customer's name (optional)")),
    Column("customer_email", False, "both", _("The customer's e-mail address (optional)")),
)
REQUIRED_COLUMNS = tuple(column.name for column in BASE_COLUMNS if column.required)
ACTION_ONLY = ("occasion", "staff", "exception_reason", "exception_note")


def _codes(labels: dict) -> str:
    """Return codes as typed in the CSV with their words: "order_placed (Order), …"."""
    return ", ".join(f"{code} ({words})" for code, words in labels.items())


def kind_help() -> str:
    """Return the kind column's help: the registered occasion and action kinds, in words."""
    return str(
        _("Occasions: %(occasions)s. Actions: %(actions)s")
        % {
            "occasions": _codes(
                {kind_id: kind.label for kind_id, kind in vocabulary.occasion_kinds().items()}
            ),
            "actions": _codes(
                {kind_id: kind.done for kind_id, kind in vocabulary.action_kinds().items()}
            ),
        }
    )


def reason_help() -> str:
    """Return the exception_reason column's help: the reasons as typed, with their words."""
    return str(
        _("An exception recorded for the action: %(reasons)s")
        % {"reasons": _codes(dict(vocabulary.ExceptionReason.choices))}
    )


def attribute_records() -> dict[str, str]:
    """Return each attribute column with the records that use it: both, occasion or action."""
    records: dict[str, set[str]] = {}
    for record in vocabulary.RECORDS:
        for kind in vocabulary.record_kinds(record).values():
            for attribute in kind.attributes:
                records.setdefault(attribute.name, set()).add(record)
    return {name: "both" if len(found) > 1 else found.pop() for name, found in records.items()}


def columns() -> tuple[Column, ...]:
    """Return every CSV column: the common ones, then one per registered attribute."""
    records = attribute_records()
    out = []
    for column in BASE_COLUMNS:
        if column.name == "kind":
            column = Column("kind", True, "both", kind_help())
        elif column.name == "exception_reason":
            column = Column("exception_reason", False, "action", reason_help())
        out.append(column)
    for attribute in vocabulary.attributes_all():
        out.append(
            Column(
                attribute.name, False, records[attribute.name], attribute.help or attribute.label
            )
        )
    return tuple(out)


def column_names() -> tuple[str, ...]:
    return tuple(column.name for column in columns())


def attribute_columns() -> dict:
    """Return the attribute columns by name (policies.vocabulary.Attribute)."""
    return {attribute.name: attribute for attribute in vocabulary.attributes_all()}


# Excel writes 2026/11/20 15:30; the services read ISO dates.
_SLASH_DATE = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})")
_EOL = re.compile(r"\r\n|\r|\n")


def _time_text(text: str) -> str:
    return _SLASH_DATE.sub(
        lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text.strip(), count=1
    )


def _column_of(field: str | None) -> str | None:
    """Return the CSV column a service error's field names."""
    if not field:
        return None
    if field.startswith("attributes."):
        return field.removeprefix("attributes.")
    if field == "attributes":
        return None
    if field.startswith("exception"):
        return "exception_note" if field == "exception.note" else "exception_reason"
    return field


# ------------------------------------------------------------------------------
# Reading: bytes -> lines -> records, flat in memory
# ------------------------------------------------------------------------------
# Bytes CP932 uses as the first byte of most characters (kana, most kanji) and EUC-JP never
# uses (except 0x8E/0x8F, its half-width kana and JIS X 0212 prefixes).
_CP932_ONLY = re.compile(rb"[\x81-\x8d\x90-\xa0]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Text in which most non-ASCII characters are half-width katakana is what EUC-JP (or another
# encoding) read as CP932 looks like: warn from this many such characters.
IMPLAUSIBLE_MIN_CHARS = 8


def encoding_sniff(head: bytes, *, complete: bool) -> str:
    """Return the codec of a file from its first bytes.

    - a UTF-16 byte order mark (Excel's "Unicode text"): utf-16;
    - a UTF-8 BOM: utf-8-sig; strict UTF-8 (a multibyte character cut at the end is allowed
      unless the head is the whole file): utf-8;
    - otherwise CP932 (Excel's Japanese CSV), unless read as CP932 the text is mostly
      half-width katakana, the bytes hold none of 0x81-0x8D/0x90-0xA0 (which start CP932's
      kana and most kanji but never occur in EUC-JP) and they decode as EUC-JP: then
      euc_jp. (Read as CP932, EUC-JP's 山田太郎 becomes ｻｳﾅﾄﾂﾀﾏｺ.)
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    as_cp932 = codecs.decode(head, "cp932", errors="replace")
    if not _CP932_ONLY.search(head) and implausible_text(as_cp932, at_least=2):
        try:
            codecs.getincrementaldecoder("euc_jp")("strict").decode(head, final=complete)
        except UnicodeDecodeError:
            pass
        else:
            return "euc_jp"
    return "cp932"


def implausible_text(text: str, *, at_least: int = IMPLAUSIBLE_MIN_CHARS) -> bool:
    """Return whether decoded text looks like a wrong encoding: mostly half-width katakana."""
    kana = len(_HALFWIDTH_KANA.findall(text))
    return kana >= at_least and kana * 2 > len(_NON_ASCII.findall(text))


def delimiter_sniff(first_line: str) -> str:
    """Return the header's delimiter: a tab when it has tabs and no comma, else a comma."""
    return "\t" if "\t" in first_line and "," not in first_line else ","


def binary_problem(head: bytes) -> str | None:
    """Return why the first bytes are not a CSV text file, or None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # UTF-16 text: NUL bytes are half of its ASCII characters
    if head.startswith(b"PK\x03\x04"):
        return str(_("This is an Excel workbook (.xlsx) or another zip file: save it as CSV."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return str(_("This is an old Excel workbook (.xls): save it as CSV."))
    if b"\x00" in head:
        return str(_("This is not a text file (it contains NUL bytes): upload a CSV file."))
    return None


class FatalImportError(Exception):
    """A problem that stops the import: it names the row and says why."""

    def __init__(self, *, code: str, message: str, row: int | None = None, column=None):
        self.error = {"row": row, "column": column, "code": code, "message": message}
        super().__init__(message)


class _Source:
    """A binary stream read in chunks and decoded incrementally, counting the bytes read."""

    def __init__(self, stream: BinaryIO, *, head: bytes, encoding: str):
        self.stream = stream
        self.head = head
        self.encoding = encoding
        self.bytes_read = 0

    def lines(self) -> Iterator[str]:
        """Yield the decoded lines, each with its line break (csv.reader wants them)."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        chunk, self.head = self.head, b""
        self.bytes_read = len(chunk)
        pending = ""
        while True:
            final = not chunk
            text = pending + decoder.decode(chunk, final=final)
            start = 0
            for match in _EOL.finditer(text):
                # A "\r" at the end of a chunk may be the first half of "\r\n".
                if not final and match.end() == len(text) and match.group() == "\r":
                    break
                yield text[start : match.end()]
                start = match.end()
            pending = text[start:]
            if final:
                if pending:
                    yield pending
                return
            if len(pending) > LINE_MAX_CHARS:
                raise FatalImportError(
                    code=ImportErrorCode.INVALID_CSV,
                    message=str(
                        _("A line is longer than %(limit)s characters: this is not a CSV file.")
                        % {"limit": LINE_MAX_CHARS}
                    ),
                )
            chunk = self.stream.read(CHUNK_BYTES)
            self.bytes_read += len(chunk)


# ------------------------------------------------------------------------------
# The header
# ------------------------------------------------------------------------------
@dataclass
class Header:
    """Where each known column is, and what was wrong with the header."""

    positions: dict[str, int]
    unknown: list[str]
    width: int  # cells in the header row
    # The attribute columns present, by name (policies.vocabulary.Attribute).
    attributes: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, cells: list[str]) -> "Header":
        """Return the header of these cells; raise FatalImportError if it cannot be used."""
        names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
        known = set(column_names())
        positions: dict[str, int] = {}
        unknown: list[str] = []
        duplicated: list[str] = []
        for index, name in enumerate(names):
            if not name:
                continue
            if name in positions or name in unknown:
                duplicated.append(name)
            elif name in known:
                positions[name] = index
            else:
                unknown.append(name)
        if duplicated:
            raise FatalImportError(
                code=ImportErrorCode.DUPLICATE_COLUMN,
                row=1,
                column=duplicated[0],
                message=str(
                    _("The header names these columns twice: %(names)s.")
                    % {"names": ", ".join(dict.fromkeys(duplicated))}
                ),
            )
        missing = [name for name in REQUIRED_COLUMNS if name not in positions]
        if missing:
            raise FatalImportError(
                code=ImportErrorCode.MISSING_COLUMN,
                row=1,
                column=missing[0],
                message=str(
                    _(
                        "The header lacks the required columns: %(missing)s. The first row "
                        "must name the columns, e.g. %(required)s."
                    )
                    % {"missing": ", ".join(missing), "required": ",".join(REQUIRED_COLUMNS)}
                ),
            )
        attributes = {
            name: attribute for name, attribute in attribute_columns().items() if name in positions
        }
        return cls(positions=positions, unknown=unknown, width=len(cells), attributes=attributes)

    def values(self, cells: list[str]) -> dict[str, str]:
        """Return the known columns' cells of a record (a missing cell is empty)."""
        width = len(cells)
        return {
            name: cells[index] if index < width else "" for name, index in self.positions.items()
        }


# ------------------------------------------------------------------------------
# One row
# ------------------------------------------------------------------------------
@dataclass
class RowResult:
    """What became of one row."""

    outcome: str  # "stored" | "duplicate" | "rejected"
    errors: list
    action_id: int | None = None
    occasion_id: int | None = None


def _problem(row: int, column, code: str, message: str) -> dict:
    return {"row": row, "column": column, "code": str(code), "message": str(message)}


def _reject(row: int, column, code: str, message: str) -> RowResult:
    return RowResult("rejected", [_problem(row, column, code, message)])


_ROW_START = re.compile(r"^\s*\"?\s*(occasion|action)\s*\"?\s*[,\t]", re.IGNORECASE)


def _swallowed_rows(value: str) -> int:
    """Return how many rows a cell swallowed: lines after its first that start like a row.

    A quoted cell may hold line breaks; a line inside it that starts with "occasion," or
    "action," is a row the reader took into the cell because a quote was never closed.
    """
    if "\n" not in value and "\r" not in value:
        return 0
    return sum(1 for line in value.splitlines()[1:] if _ROW_START.match(line))


def _row_fields(*, header: Header, cells: list[str], row: int) -> tuple[str, dict] | RowResult:
    """Return a row's record ("occasion"/"action") and its services' arguments, or its rejection."""
    values = header.values(cells)
    # The cells' checks below run only when the row's text holds what they look for.
    text = "".join(values.values())
    for name, value in values.items() if "\x00" in text or "\ufffd" in text else ():
        if "\x00" in value or "\ufffd" in value:
            return _reject(
                row,
                name,
                ImportErrorCode.INVALID_ENCODING,
                _(
                    "This cell holds bytes that are not text in the file's encoding "
                    "(UTF-8 or CP932); save the file again as UTF-8 or CP932."
                ),
            )
    for name, value in values.items() if "\n" in text or "\r" in text else ():
        swallowed = _swallowed_rows(value)
        if swallowed:
            return _reject(
                row,
                name,
                ImportErrorCode.UNTERMINATED_QUOTE,
                _(
                    'The quote (") that opens this cell is not closed, so the next %(count)s '
                    "rows were read into it and not recorded. Close the quote (or remove it) "
                    "and import the file again: rows already stored count as duplicates."
                )
                % {"count": swallowed},
            )
    extra = [cell for cell in cells[header.width :] if cell.strip()]
    if extra:
        return _reject(
            row,
            None,
            ImportErrorCode.INVALID_ROW,
            _("This row has %(count)s more cells than the header has columns.")
            % {"count": len(cells) - header.width},
        )
    record = values.get("type", "").strip().lower()
    if record not in ("occasion", "action"):
        return _reject(
            row,
            "type",
            ImportErrorCode.INVALID_TYPE,
            _("type must be occasion or action; got %(value)r.") % {"value": values.get("type")},
        )
    attributes = {
        name: cell_value(attribute, values[name])
        for name, attribute in header.attributes.items()
        if values.get(name, "").strip()
    }
    common = {
        "external_id": values["external_id"],
        "customer": values["customer"],
        "kind": values["kind"].strip(),
        "occurred_at": _time_text(values["occurred_at"]),
        "attributes": attributes,
        "customer_name": values.get("customer_name", ""),
        "customer_email": values.get("customer_email", ""),
    }
    if record == "occasion":
        misplaced = [name for name in ACTION_ONLY if values.get(name, "").strip()]
        if misplaced:
            return _reject(
                row,
                misplaced[0],
                ImportErrorCode.NOT_FOR_OCCASION,
                _("%(column)s belongs to actions; leave it empty on an occasion row.")
                % {"column": misplaced[0]},
            )
        return record, common
    reason = values.get("exception_reason", "").strip()
    note = values.get("exception_note", "").strip()
    common["occasion"] = values.get("occasion", "")
    common["staff"] = values.get("staff", "")
    common["exception"] = {"reason": reason, "note": note} if reason or note else None
    return record, common


def _row_result(*, row: int, record: str, pk: int | None, created: bool, error=None) -> RowResult:
    """Return a row's outcome from what the services did with it."""
    if isinstance(error, ValidationError):
        return RowResult(
            "rejected",
            [
                _problem(
                    row,
                    _column_of((item.params or {}).get("field")),
                    item.code or "invalid_param",
                    " ".join(item.messages),
                )
                for item in error.error_list
            ],
        )
    if isinstance(error, services.Conflict):
        return _reject(row, "external_id", error.code, error.message)
    if not created:
        return RowResult("duplicate", [])
    if record == "action":
        return RowResult("stored", [], action_id=pk)
    return RowResult("stored", [], occasion_id=pk)


def row_record(*, shop, header: Header, cells: list[str], row: int) -> RowResult:
    """Record one CSV row through the log's services; return its outcome and errors."""
    parsed = _row_fields(header=header, cells=cells, row=row)
    if isinstance(parsed, RowResult):
        return parsed
    record, fields = parsed
    call = services.occasion_record if record == "occasion" else services.action_record
    try:
        with transaction.atomic():
            stored, created = call(shop=shop, judge=False, **fields)
    except (ValidationError, services.Conflict) as error:
        return _row_result(row=row, record=record, pk=None, created=False, error=error)
    except DatabaseError as error:
        logger.warning("Import row %s refused by the database: %s", row, error)
        return _reject(
            row,
            None,
            ImportErrorCode.DATABASE_ERROR,
            _("The database refused this row: %(error)s") % {"error": error},
        )
    except Exception as error:
        # A value the services did not foresee stops this row, never the import.
        logger.exception("Import row %s could not be recorded", row)
        return _reject(
            row,
            None,
            ImportErrorCode.INVALID_ROW,
            _(
                "This row could not be recorded (%(error)s). Check its values against the "
                "column descriptions."
            )
            % {"error": type(error).__name__},
        )
    return _row_result(row=row, record=record, pk=stored.pk, created=created)


def batch_record(
    *, shop, header: Header, batch: list[tuple[int, list[str]]], source_import=None
) -> list[RowResult]:
    """Record a batch of CSV rows in a constant number of queries; return each row's outcome.

    The outcomes are those of row_record row by row. If the database refuses the bulk
    writes (a concurrent writer stored one of the ids first), the batch is rolled back and
    recorded row by row, so the results never depend on the fast path. The records created
    remember `source_import` (so the import can be undone, import_undo).
    """
    if not BATCH_FAST:
        return _rows_record(shop=shop, header=header, batch=batch, source_import=source_import)
    results: list[RowResult | None] = []
    rows: list[dict] = []
    pending: list[tuple[int, int, str]] = []  # (index in results, row number, record)
    for row, cells in batch:
        parsed = _row_fields(header=header, cells=cells, row=row)
        if isinstance(parsed, RowResult):
            results.append(parsed)
            continue
        record, fields = parsed
        pending.append((len(results), row, record))
        results.append(None)
        fields["record"] = record  # the row for log_record_batch (its arguments are ours)
        rows.append(fields)
    if rows:
        try:
            outcomes = services.log_record_batch(shop=shop, rows=rows, source_import=source_import)
        except Exception as error:
            # A concurrent writer (DatabaseError) or a row the batch path could not handle:
            # row by row, each row's problem stays that row's.
            logger.info("Import batch recorded row by row after: %r", error)
            return _rows_record(shop=shop, header=header, batch=batch, source_import=source_import)
        for (index, row, record), outcome in zip(pending, outcomes, strict=True):
            results[index] = _row_result(
                row=row,
                record=record,
                pk=outcome.pk,
                created=outcome.created,
                error=outcome.error,
            )
    return results


def _rows_record(*, shop, header: Header, batch, source_import) -> list[RowResult]:
    """Record the rows one by one (row_record); the records created remember the import."""
    results = [row_record(shop=shop, header=header, cells=cells, row=row) for row, cells in batch]
    if source_import is not None:
        action_ids = [r.action_id for r in results if r.action_id is not None]
        occasion_ids = [r.occasion_id for r in results if r.occasion_id is not None]
        if action_ids:
            Action.objects.filter(pk__in=action_ids).update(source_import=source_import)
        if occasion_ids:
            Occasion.objects.filter(pk__in=occasion_ids).update(source_import=source_import)
    return results


# ------------------------------------------------------------------------------
# The whole file
# ------------------------------------------------------------------------------
class _Tally:
    """The counts and errors of an import, saved to it after every batch."""

    def __init__(self, imp: Import):
        self.imp = imp
        self.errors_dropped = 0

    def add(self, result: RowResult) -> None:
        imp = self.imp
        imp.rows += 1
        if result.outcome == "stored":
            imp.stored += 1
        elif result.outcome == "duplicate":
            imp.duplicates += 1
        else:
            imp.rejected += 1
        if result.errors:
            self.error(*result.errors)

    def error(self, *errors: dict) -> None:
        room = ERRORS_KEPT - len(self.imp.errors)
        self.imp.errors.extend(errors[: max(room, 0)])
        self.errors_dropped += max(len(errors) - max(room, 0), 0)

    def save(self, fields=()) -> None:
        imp = self.imp
        if self.errors_dropped:
            note = {
                "code": str(ImportErrorCode.ERRORS_TRUNCATED),
                "column": None,
                "count": self.errors_dropped,
                "message": str(
                    _("Only the first %(kept)s errors are listed; %(count)s more are not.")
                    % {"kept": ERRORS_KEPT, "count": self.errors_dropped}
                ),
            }
            imp.warnings = [
                w for w in imp.warnings if w.get("code") != ImportErrorCode.ERRORS_TRUNCATED
            ] + [note]
        imp.heartbeat_at = timezone.now()
        imp.save(
            update_fields=[
                "heartbeat_at",
                "rows",
                "stored",
                "duplicates",
                "rejected",
                "bytes_read",
                "errors",
                "warnings",
                *fields,
            ]
        )


def _records(reader, source: _Source) -> Iterator[tuple[int, list[str]]]:
    """Yield (Excel row number, cells) of the data records, skipping blank ones."""
    row = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FatalImportError(
                code=ImportErrorCode.INVALID_CSV,
                row=row + 1,
                message=str(
                    _("The file is not valid CSV here (%(error)s); the import stopped at this row.")
                    % {"error": error}
                ),
            ) from error
        row += 1
        if any(cell.strip() for cell in cells):
            yield row, cells


def _batches(records: Iterator, size: int) -> Iterator[tuple[list, FatalImportError | None]]:
    """Yield lists of up to `size` records; a fatal error ends the last list."""
    batch: list = []
    while True:
        try:
            record = next(records)
        except StopIteration:
            if batch:
                yield batch, None
            return
        except FatalImportError as error:
            yield batch, error
            return
        batch.append(record)
        if len(batch) >= size:
            yield batch, None
            batch = []


def _finish(imp: Import, tally: _Tally, *, status: str, fatal: dict | None = None) -> None:
    if fatal is not None:
        # The reason the import stopped comes first, whatever the cap on the errors.
        imp.errors = [fatal, *imp.errors][:ERRORS_KEPT]
    imp.status = status
    imp.finished_at = timezone.now()
    tally.save(fields=("status", "finished_at"))


def import_run(
    *,
    imp: Import,
    stream: BinaryIO,
    batch_rows: int = BATCH_ROWS,
    on_progress: Callable[[Import], None] | None = None,
    resume: bool = False,
    enqueue_judging: bool = True,
) -> Import:
    """Record every row of the CSV stream into the import's shop; return the finished import.

    Must not run inside a transaction: each batch of rows is committed (with the import's
    counts and heartbeat) so the progress is visible and the batch's actions can be queued
    for judging. With resume, the rows the import already counts (committed with their
    batches by a run that died) are read past and its counts and errors are kept. Without
    enqueue_judging (`import_log --judge-now`, which judges right after), no judging job is
    queued: the actions stay unjudged for the caller (or the sweeper).
    """
    tally = _Tally(imp)
    imp.status = ImportStatus.RUNNING
    skip = imp.rows if resume else 0
    if not skip:
        imp.rows = imp.stored = imp.duplicates = imp.rejected = imp.bytes_read = 0
        imp.errors, imp.warnings = [], []
    head = stream.read(SNIFF_BYTES)
    problem = binary_problem(head) if head else str(_("The file is empty."))
    if problem is not None:
        code = ImportErrorCode.NOT_CSV if head else ImportErrorCode.EMPTY_FILE
        _finish(imp, tally, status=ImportStatus.FAILED, fatal=_problem(None, None, code, problem))
        return imp
    imp.encoding = encoding_sniff(head, complete=len(head) < SNIFF_BYTES)
    imp.save(update_fields=["status", "encoding"])
    head_text = codecs.decode(head, imp.encoding, errors="replace")
    source = _Source(stream, head=head, encoding=imp.encoding)
    delimiter = delimiter_sniff(head_text.lstrip("\ufeff").split("\n", 1)[0])
    reader = csv.reader(source.lines(), delimiter=delimiter)
    profile = import_hooks.profile_for(imp)  # a platform's export (platforms.profiles)
    try:
        first = next(reader, [])
        header = Header.parse(profile.header(first) if profile else first)
    except FatalImportError as error:
        imp.bytes_read = source.bytes_read
        _finish(imp, tally, status=ImportStatus.FAILED, fatal=error.error)
        return imp
    except csv.Error as error:
        imp.bytes_read = source.bytes_read
        fatal = _problem(1, None, ImportErrorCode.INVALID_CSV, error)
        _finish(imp, tally, status=ImportStatus.FAILED, fatal=fatal)
        return imp
    if not skip:
        imp.warnings = [
            {
                "code": str(ImportErrorCode.UNKNOWN_COLUMN),
                "column": name,
                "message": str(_("Unknown column %(name)r: ignored.") % {"name": name}),
            }
            for name in header.unknown
        ]
        if imp.encoding == "euc_jp":
            imp.warnings.append(
                {
                    "code": str(ImportErrorCode.IMPLAUSIBLE_TEXT),
                    "column": None,
                    "message": str(
                        _(
                            "This file was read as EUC-JP: read as CP932 (Excel's Japanese CSV) "
                            "its Japanese text was mostly half-width katakana. Check the stored "
                            "names; if they are garbled, save the file as UTF-8 and import it "
                            "again."
                        )
                    ),
                }
            )
        elif implausible_text(head_text):
            imp.warnings.append(
                {
                    "code": str(ImportErrorCode.IMPLAUSIBLE_TEXT),
                    "column": None,
                    "message": str(
                        _(
                            "Read as %(encoding)s, most Japanese characters of this file are "
                            "half-width katakana: it may be in another encoding. Check the stored "
                            "names; if they are garbled, save the file as UTF-8 and import it "
                            "again."
                        )
                        % {"encoding": imp.encoding}
                    ),
                }
            )
    stop: FatalImportError | None = None
    records = itertools.islice(_records(reader, source), skip, None)
    if profile is not None:
        records = profile.records(records)
    # Stored (committed) actions whose judging is not queued yet: queued with a later batch's
    # commit once there are JUDGE_JOB_ACTIONS, the rest at the end (or when the import stops;
    # if this process dies first, the sweeper queues them as unjudged actions).
    unqueued: set[int] = set()
    analysis = maintenance.ImportAnalysis(rows=skip)
    try:
        stop = _batches_record(
            imp=imp,
            tally=tally,
            header=header,
            source=source,
            batches=_batches(records, batch_rows),
            on_progress=on_progress,
            unqueued=unqueued if enqueue_judging else None,
            analysis=analysis,
        )
    finally:
        if unqueued:
            jobs.judge_actions_enqueue(list(unqueued), per_job=2 * JUDGE_JOB_ACTIONS)
    analysis.at_end(rows=imp.rows)  # statistics for the judging of the rows
    imp.bytes_read = source.bytes_read
    if stop is not None:
        _finish(imp, tally, status=ImportStatus.FAILED, fatal=stop.error)
    else:
        _finish(imp, tally, status=ImportStatus.DONE)
    if on_progress is not None:
        on_progress(imp)
    return imp


def _batches_record(
    *,
    imp: Import,
    tally: _Tally,
    header: Header,
    source: _Source,
    batches,
    on_progress,
    unqueued,
    analysis: maintenance.ImportAnalysis,
) -> FatalImportError | None:
    """Record the batches, each in its transaction; return the fatal error that ended them.

    The actions to judge are added to `unqueued` (None: no judging queued), and queued with
    the batch's commit once there are as many as were queued before, at least one batch's
    and at most JUDGE_JOB_ACTIONS (the set then emptied)."""
    shop = imp.shop
    stop: FatalImportError | None = None
    judged = 0  # actions queued for judging so far
    for number, (batch, fatal) in enumerate(batches, start=1):
        stop = stop or fatal
        with transaction.atomic():
            _run_check(imp)
            action_ids, occasion_ids = [], []
            # The records this batch creates remember their import (import_undo).
            for result in batch_record(shop=shop, header=header, batch=batch, source_import=imp):
                tally.add(result)
                if result.action_id is not None:
                    action_ids.append(result.action_id)
                if result.occasion_id is not None:
                    occasion_ids.append(result.occasion_id)
            if occasion_ids:
                # Actions stored earlier that these occasions answer are judged again.
                action_ids += selectors.actions_unjudged_answering(occasion_ids=occasion_ids)
            imp.bytes_read = source.bytes_read
            tally.save()
            queued = 0
            if unqueued is not None:
                unqueued.update(action_ids)
                # The first batch's at once, then jobs growing to JUDGE_JOB_ACTIONS: the
                # workers start early, and a small file is not judged in one job at its end.
                if len(unqueued) >= min(JUDGE_JOB_ACTIONS, max(1, judged)):
                    jobs.judge_actions_enqueue(list(unqueued), per_job=2 * JUDGE_JOB_ACTIONS)
                    queued = len(unqueued)
        if queued:
            judged += queued
            unqueued.clear()
        # The ORM leaves reference cycles behind. Python's own collector frees them; a full
        # collection now and then (each costs about 0.1 s in a big process: it was 16 % of
        # an import when run after every batch) keeps a long import's peak memory flat.
        if number % GC_EVERY_BATCHES == 0:
            gc.collect()
        analysis.after_batch(rows=imp.rows)
        if on_progress is not None:
            on_progress(imp)
    return stop


def import_progress(imp: Import) -> float:
    """Return how far the import is, from 0 to 1 (bytes read of the file's size)."""
    if imp.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return 1.0
    if not imp.size:
        return 0.0
    return round(min(imp.bytes_read / imp.size, 1.0), 4)


# ------------------------------------------------------------------------------
# Uploads and the background job
# ------------------------------------------------------------------------------
def upload_validate(upload, *, max_bytes: int) -> None:
    """Raise a ValidationError (field "file") unless the upload looks like a CSV file."""
    name = os.path.basename(upload.name or "")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes. Split it into parts."),
            code=ImportErrorCode.TOO_LARGE,
            params={"field": "file", "size": upload.size, "limit": max_bytes},
        )
    if upload.size == 0:
        raise ValidationError(
            _("The file is empty."), code=ImportErrorCode.EMPTY_FILE, params={"field": "file"}
        )
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        raise ValidationError(
            _("Upload a .csv file (got %(name)s)."),
            code=ImportErrorCode.NOT_CSV,
            params={"field": "file", "name": name or "?"},
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    problem = binary_problem(head)
    if problem is not None:
        raise ValidationError(
            problem.replace("%", "%%"), code=ImportErrorCode.NOT_CSV, params={"field": "file"}
        )


class ImportSuperseded(Exception):
    """The sweeper gave this import to another run: this one stops without a word."""


def _run_check(imp: Import) -> None:
    """Raise ImportSuperseded unless this run still owns the import (inside the batch's
    transaction, with the import's row locked, so two runs never record the same batch)."""
    mine = (
        Import.objects.select_for_update()
        .filter(pk=imp.pk, status=ImportStatus.RUNNING, resumes=imp.resumes)
        .exists()
    )
    if not mine:
        raise ImportSuperseded(imp.pk)


class ChunkReader(io.RawIOBase):
    """A binary stream over an import's stored chunks, one chunk in memory at a time."""

    def __init__(self, import_id: int):
        super().__init__()
        self.import_id = import_id
        self.index = 0
        self.chunk = memoryview(b"")
        self.position = 0
        self.exhausted = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bool:
        data = (
            ImportChunk.objects.filter(import_ref_id=self.import_id, index=self.index)
            .values_list("data", flat=True)
            .first()
        )
        if data is None:
            self.exhausted = True
            return False
        self.chunk, self.position, self.index = memoryview(bytes(data)), 0, self.index + 1
        return True

    def read(self, size: int = -1) -> bytes:
        """Return up to size bytes (all the rest when size < 0); b"" at the end."""
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if self.position >= len(self.chunk) and (self.exhausted or not self._next_chunk()):
                break
            end = (
                len(self.chunk) if wanted is None else min(len(self.chunk), self.position + wanted)
            )
            part = bytes(self.chunk[self.position : end])
            self.position = end
            parts.append(part)
            if wanted is not None:
                wanted -= len(part)
        return b"".join(parts)


def import_file_store(*, imp: Import, upload) -> int:
    """Store the upload's bytes in the database as the import's chunks; return how many.

    Read and written a chunk at a time (IMPORT_CHUNK_BYTES), so memory stays flat.
    """
    upload.seek(0)
    count = 0
    # read(n), not chunks(): an in-memory upload's chunks() is the whole file at once.
    while data := upload.read(settings.IMPORT_CHUNK_BYTES):
        ImportChunk.objects.create(import_ref=imp, index=count, data=data)
        count += 1
    return count


def import_file_discard(*, imp: Import) -> None:
    """Delete an ended import's file (its chunks, or a legacy file under MEDIA_ROOT)."""
    ImportChunk.objects.filter(import_ref=imp).delete()
    if imp.file:
        imp.file.delete(save=False)
        Import.objects.filter(pk=imp.pk).update(file="")


@transaction.atomic
def import_create(*, shop, upload, created_by=None, max_bytes: int) -> Import:
    """Record an uploaded CSV file as an import (its bytes in the database, so a worker on
    any machine reads it) and queue its processing on commit."""
    upload_validate(upload, max_bytes=max_bytes)
    imp = Import(
        shop=shop,
        filename=os.path.basename(upload.name)[:255],
        size=upload.size,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    imp.full_clean(exclude=["file"])
    imp.save()
    import_file_store(imp=imp, upload=upload)
    audit_record(
        shop=shop,
        actor=created_by,
        event="import.uploaded",
        object_type="import",
        object_id=imp.pk,
        after={"filename": imp.filename, "size": imp.size},
    )
    jobs.import_process_enqueue(imp.pk)
    return imp


# How many of a dry run's errors are shown.
DRY_RUN_ERRORS = 10


def import_dry_run(*, shop, stream: BinaryIO, filename: str, size: int, created_by=None) -> dict:
    """Check a whole CSV file as an import would, and store nothing.

    The rows go through the very code of a real import (import_run) inside a transaction
    that is rolled back: the counts (rows, would be stored, duplicates, rejected) and the
    first errors are those the import would give; no record, no import and no job remain.
    """
    with transaction.atomic():
        imp = Import(
            shop=shop,
            filename=os.path.basename(filename)[:255],
            size=size,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        imp.save()
        import_run(imp=imp, stream=stream)
        result = {
            "filename": imp.filename,
            "status": imp.status,
            "encoding": imp.encoding,
            "rows": imp.rows,
            "stored": imp.stored,
            "duplicates": imp.duplicates,
            "rejected": imp.rejected,
            "errors": list(imp.errors)[:DRY_RUN_ERRORS],
            "warnings": list(imp.warnings),
        }
        # Nothing of it stays: the records, the import row, the queued judging (on_commit).
        transaction.set_rollback(True)
    return result


@jobs.job_body("import_process")
def import_process(*, import_id: int) -> Import | None:
    """Run (or resume) a queued import from its stored file; None when it is not queued.

    Taking it from queued to running is one conditional UPDATE, so an import queued twice
    (the sweeper re-queues stale ones) runs once. An import the sweeper resumed goes on
    from the row its dead worker reached. Once it is done or failed, its file is deleted.
    """
    taken = Import.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not taken:
        return None
    imp = Import.objects.select_related("shop").get(pk=import_id)
    from_database = imp.chunks.exists()

    def opener():
        return ChunkReader(imp.pk) if from_database else imp.file.open("rb")

    try:
        return _run_or_fail(imp, opener, resume=True)
    finally:
        if imp.status in (ImportStatus.DONE, ImportStatus.FAILED):
            import_file_discard(imp=imp)


def _run_or_fail(imp: Import, opener, **kwargs) -> Import:
    """Run the import; if anything stops it (even Ctrl-C), record it as failed and re-raise.

    A failed import no longer holds back its shop's overdue findings (see the sweeper). A
    run the sweeper superseded (its worker looked dead) just stops.
    """
    try:
        with opener() as stream:
            return import_run(imp=imp, stream=stream, **kwargs)
    except ImportSuperseded:
        logger.warning("Import %s was taken over by another run; this one stops", imp.pk)
        imp.refresh_from_db()
        return imp
    except BaseException as error:
        logger.exception("Import %s failed", imp.pk)
        imp.refresh_from_db()
        imp.status = ImportStatus.FAILED
        imp.finished_at = timezone.now()
        imp.errors = [
            _problem(
                None,
                None,
                ImportErrorCode.FAILED,
                _(
                    "The import stopped unexpectedly (%(error)s) after %(rows)s rows; those "
                    "rows were recorded (%(stored)s stored), the rest were not. Import the "
                    "file again: stored rows count as duplicates."
                )
                % {"error": type(error).__name__, "rows": imp.rows, "stored": imp.stored},
            ),
            *imp.errors,
        ][:ERRORS_KEPT]
        imp.save(update_fields=["status", "finished_at", "errors"])
        raise


def import_dead_recover(*, imp: Import, resumes_max: int) -> str:
    """Resume (re-queue from the row it reached) or fail an import whose worker died.

    Return "resumed" or "failed". It fails when it was resumed resumes_max times already or
    has no stored file to read again (a `manage.py import_log` run that died).
    """
    has_file = bool(imp.file) or imp.chunks.exists()
    if has_file and imp.resumes < resumes_max:
        moved = Import.objects.filter(
            pk=imp.pk, status=ImportStatus.RUNNING, resumes=imp.resumes
        ).update(status=ImportStatus.QUEUED, resumes=imp.resumes + 1)
        if moved:
            jobs.import_process_enqueue(imp.pk)
            logger.warning("Import %s lost its worker at row %s: resumed", imp.pk, imp.rows + 1)
        return "resumed"
    problem = _problem(
        imp.rows + 1,
        None,
        ImportErrorCode.WORKER_LOST,
        _(
            "The process running this import stopped before row %(row)s; the %(rows)s rows "
            "before it were recorded. Import the rest of the file again (rows already stored "
            "count as duplicates)."
        )
        % {"row": imp.rows + 1, "rows": imp.rows},
    )
    moved = Import.objects.filter(
        pk=imp.pk, status=ImportStatus.RUNNING, resumes=imp.resumes
    ).update(
        status=ImportStatus.FAILED,
        finished_at=timezone.now(),
        errors=[problem, *imp.errors][:ERRORS_KEPT],
    )
    if moved:
        import_file_discard(imp=imp)
        logger.warning("Import %s lost its worker at row %s: failed", imp.pk, imp.rows + 1)
    return "failed"


def import_from_path(*, shop, path: str, created_by=None, **kwargs) -> Import:
    """Record a local CSV file as an import of the shop and run it now (the command)."""
    imp = Import(
        shop=shop,
        filename=os.path.basename(path)[:255],
        size=os.path.getsize(path),
        status=ImportStatus.RUNNING,
        heartbeat_at=timezone.now(),
        created_by=created_by,
    )
    imp.full_clean(exclude=["file"])
    imp.save()
    return _run_or_fail(imp, lambda: open(path, "rb"), **kwargs)  # noqa: SIM115


# ------------------------------------------------------------------------------
# Undo
# ------------------------------------------------------------------------------
class ImportUndoRefused(Exception):
    """An import that cannot be undone: `code` says why, `message` what to do instead."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = str(message)


@dataclass
class UndoResult:
    """What an undo removed, and the customers judged again."""

    actions: int = 0
    occasions: int = 0
    occasions_kept: int = 0
    customers_removed: int = 0
    customers_judged: int = 0


def _undo_refusal(imp: Import, actions, occasions) -> ImportUndoRefused | None:
    if imp.status == ImportStatus.UNDONE:
        return ImportUndoRefused("import_undone", _("This import has already been undone."))
    if imp.status not in (ImportStatus.DONE, ImportStatus.FAILED):
        return ImportUndoRefused(
            "import_not_finished",
            _("This import has not finished yet. Undo it once it is done or failed."),
        )
    judged = Finding.objects.filter(action__in=actions) | Finding.objects.filter(
        occasion__in=occasions
    )
    if judged.exclude(status=FindingStatus.OPEN).exists():
        return ImportUndoRefused(
            "findings_handled",
            _(
                "A finding about this import's records has already been acknowledged or "
                "resolved, so the import can no longer be undone. Correct the records one by "
                "one instead."
            ),
        )
    decided = ActionException.objects.filter(action__in=actions).exclude(
        status=ExceptionStatus.REQUESTED
    )
    if decided.exists():
        return ImportUndoRefused(
            "exceptions_decided",
            _(
                "A manager has already decided an exception on this import's actions, so the "
                "import can no longer be undone. Correct the records one by one instead."
            ),
        )
    return None


def import_undo(*, imp: Import, by=None) -> UndoResult:
    """Delete what an import stored and judge its customers again; refuse once acted upon.

    Refused (ImportUndoRefused) while the import is queued or running, when it was already
    undone, when a finding about its records is no longer open (acknowledged or resolved) or
    when an exception on its actions was decided. Otherwise, in one transaction: its actions
    are deleted with their checks, findings and exceptions; its occasions too, with their
    overdue findings, except an occasion that an action of another source answers, which is
    kept in the log (it is no longer counted as the import's); customers the import created
    that have no record left are deleted; the import is marked undone and the undo audited.
    The customers touched are marked for a re-judge in that transaction (durable if this
    process dies) and judged again right after the commit, which clears the marks. When a
    deleted action had a public precedent, a re-judge of the shop's customers since it was
    made public is asked for too (`policies.hooks.rejudge_needed`, "finding.public_gone").
    """
    result = UndoResult()
    shop = imp.shop
    with transaction.atomic():
        imp = Import.objects.select_for_update().select_related("shop").get(pk=imp.pk)
        actions = Action.objects.filter(source_import=imp)
        occasions = Occasion.objects.filter(source_import=imp)
        refusal = _undo_refusal(imp, actions, occasions)
        if refusal is not None:
            raise refusal
        touched = set(actions.values_list("customer_id", flat=True)) | set(
            occasions.values_list("customer_id", flat=True)
        )
        # Locked in id order, as judging locks them, so a judge running now waits.
        list(
            Customer.objects.select_for_update()
            .filter(id__in=touched)
            .order_by("id")
            .values_list("id", flat=True)
        )
        result.actions = actions.count()
        # A public precedent lives on its finding, deleted with its action: the customers
        # judged against it since it was made public are judged again (as judging does when
        # the log no longer implies one, judging/public.py `public_gone`).
        told = Finding.objects.filter(
            action__in=actions, type=FindingType.PRECEDENT, public_at__isnull=False
        ).aggregate(since=Min("public_at"))["since"]
        if told is not None:
            rejudge_needed(
                RejudgeRequest(shop_id=shop.pk, reason="finding.public_gone", since=told)
            )
        actions.delete()
        answered = occasions.filter(actions__isnull=False).distinct()
        result.occasions_kept = Occasion.objects.filter(pk__in=answered).update(source_import=None)
        result.occasions = Occasion.objects.filter(source_import=imp).count()
        Occasion.objects.filter(source_import=imp).delete()
        # Customers the import brought in and nothing else uses.
        orphans = Customer.objects.filter(
            id__in=touched, created_at__gte=imp.created_at, occasions=None, actions=None
        )
        orphan_ids = set(orphans.values_list("id", flat=True))
        if orphan_ids:
            Customer.objects.filter(id__in=orphan_ids).delete()
        result.customers_removed = len(orphan_ids)
        rejudge = sorted(touched - orphan_ids)
        customer_orders_refresh(customer_ids=rejudge)
        now = timezone.now()
        for start in range(0, len(rejudge), 900):
            Customer.objects.filter(id__in=rejudge[start : start + 900]).update(
                rejudge_requested_at=now
            )
        if rejudge:
            jobs.rejudge_batch_enqueue(shop.pk)
        before = {"status": imp.status}
        imp.status = ImportStatus.UNDONE
        imp.undone_at = now
        imp.undone_by = by if getattr(by, "is_authenticated", False) else None
        imp.save(update_fields=["status", "undone_at", "undone_by"])
        audit_record(
            shop=shop,
            actor=by,
            event="import.undone",
            object_type="import",
            object_id=imp.pk,
            before={**before, "filename": imp.filename},
            after={
                "status": imp.status,
                "actions": result.actions,
                "occasions": result.occasions,
                "occasions_kept": result.occasions_kept,
                "customers_removed": result.customers_removed,
            },
        )
    # After the commit (or in the caller's transaction): the marks are cleared as each batch
    # of customers is judged; if this process dies first, the queued job or the sweeper does it.
    judged = judging.judge_customers_batched(shop=shop, customer_ids=rejudge)
    result.customers_judged = judged.customers
    return result
