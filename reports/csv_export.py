"""The report as CSV: one row per promise, safe to open in a spreadsheet."""

import csv
import io

from django.utils import translation
from django.utils.translation import gettext_lazy as _

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


# The header a person reads (Japanese by default, English with ?lang=en), in COLUMNS order.
HEADERS = {
    "week": _("Week"),
    "promise_id": _("Promise id"),
    "promise": _("Promise"),
    "kind": _("Kind"),
    "version": _("Version"),
    "level_unit": _("Level unit"),
    "promised_level": _("Promised level"),
    "volume": _("Checks"),
    "kept": _("Kept"),
    "kept_pct": _("Kept (%)"),
    "breach": _("Breaches"),
    "overdue": _("Overdue"),
    "drift": _("Drift"),
    "precedent": _("Precedents"),
    "excused": _("Excused"),
    "avg_level": _("Average level"),
    "trend_start_week": _("Trend: first week"),
    "trend_start": _("Trend: first level"),
    "trend_latest_week": _("Trend: latest week"),
    "trend_latest": _("Trend: latest level"),
    "shop_level_drift": _("Shop-level drift"),
    "customers_at_risk": _("Repeat customers at risk"),
    "top_customers_at_risk": _("Top customers at risk"),
}
CSV_LANGUAGES = ("ja", "en")


def report_header(language: str) -> list[str]:
    """Return the header row in the language ("ja" or "en")."""
    with translation.override(language):
        return [str(HEADERS[column]) for column in COLUMNS]


def report_rows(report: Report, *, language: str = "ja") -> list[list]:
    """Return the CSV rows (header first, in the language) of the report."""
    with translation.override(language):
        yes, no = str(_("yes")), str(_("no"))
    rows = [report_header(language)]
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
                yes if drift["flagged"] else no,
                section["customers_at_risk"],
                " ".join(customer["customer"] for customer in section["at_risk"]),
            ]
        )
    return rows


def report_csv(report: Report, *, language: str = "ja") -> str:
    """Return the report as CSV text (with a BOM so spreadsheet apps read it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in report_rows(report, language=language):
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return "\ufeff" + out.getvalue()
