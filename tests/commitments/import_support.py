"""Builders of CSV files for the import tests: rows as dicts, any encoding."""

import csv
import io

HEADER = (
    "type",
    "external_id",
    "customer",
    "customer_name",
    "kind",
    "occurred_at",
    "occasion",
    "staff",
    "exception_reason",
    "exception_note",
    "total",
    "gift",
    "channel",
    "text",
    "rating",
    "lines",
    "tracking_number",
    "extras",
)


def csv_text(rows: list[dict], header=HEADER, newline: str = "\r\n") -> str:
    """Return the CSV text of the rows (missing keys are empty cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def csv_bytes(rows: list[dict], *, encoding: str = "utf-8", header=HEADER, **kwargs) -> bytes:
    """Return the CSV file of the rows in an encoding ("utf-8-sig" writes the BOM)."""
    return csv_text(rows, header=header, **kwargs).encode(encoding)


def order(external_id="O-1", customer="C-1", when="2026-11-16 10:00", **cells) -> dict:
    """Return an order_placed occasion row."""
    return {
        "type": "occasion",
        "external_id": external_id,
        "customer": customer,
        "kind": "order_placed",
        "occurred_at": when,
        "total": "5000",
        "gift": "false",
        **cells,
    }


def action(kind, external_id, occasion="O-1", customer="C-1", when="2026-11-16 14:00", **cells):
    """Return an action row answering an occasion."""
    return {
        "type": "action",
        "external_id": external_id,
        "customer": customer,
        "kind": kind,
        "occurred_at": when,
        "occasion": occasion,
        **cells,
    }
