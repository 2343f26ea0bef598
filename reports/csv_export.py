"""The report as CSV: one row per promise, safe to open in a spreadsheet."""

import csv
import io

from .models import Report

# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "week",
    "promise_id",
    "promise",
    "kind",
    "version",
    "level_unit",
    "promised_level",
    "volume",
    "kept",
    "kept_pct",
    "breach",
    "overdue",
    "drift",
    "precedent",
    "excused",
    "avg_level",
    "trend_start_week",
    "trend_start",
    "trend_latest_week",
    "trend_latest",
    "shop_level_drift",
    "customers_at_risk",
    "top_customers_at_risk",
]


def neutralise(value):
    """Return the cell value, with a leading quote if text would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def report_rows(report: Report) -> list[list]:
    """Return the CSV rows (header first) of the report."""
    rows = [COLUMNS]
    for section in report.data["promises"]:
        drift = section["shop_drift"]
        rows.append(
            [
                report.week,
                section["id"],
                section["name"],
                section["kind"],
                section["version"],
                section["level_unit"],
                section["promised_level"],
                section["volume"],
                section["kept"],
                section["kept_pct"],
                section["breach"],
                section["overdue"],
                section["drift"],
                section["precedent"],
                section["excused"],
                section["avg_level"],
                drift.get("start_week"),
                drift.get("start"),
                drift.get("latest_week"),
                drift.get("latest"),
                "yes" if drift["flagged"] else "no",
                section["customers_at_risk"],
                " ".join(customer["customer"] for customer in section["at_risk"]),
            ]
        )
    return rows


def report_csv(report: Report) -> str:
    """Return the report as CSV text (with a BOM so spreadsheet apps read it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in report_rows(report):
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return "\ufeff" + out.getvalue()
