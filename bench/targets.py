"""The application functions the benchmarks call, in one place.

When a module of Tsuzuku moves or a public function is renamed, this is the one file of
bench/ to change. Everything here is a public function of the application.
"""

from commitments.imports import import_from_path
from commitments.judging import (
    BATCH_SIZE,
    customer_part,
    judge_customers,
    judge_shop,
    promises_load,
)
from commitments.prechecks import precheck_run
from policies.calendar import ShopCalendar
from reports.builder import report_build

__all__ = [
    "BATCH_SIZE",
    "ShopCalendar",
    "analyze",
    "customer_part",
    "import_from_path",
    "judge_customers",
    "judge_shop",
    "precheck_run",
    "promises_load",
    "rebuild",
    "report_build",
]


def rebuild(*, shop):
    """Return what `manage.py rebuild_commitments --shop <slug>` does: judge the whole shop."""
    return judge_shop(shop=shop)


def analyze() -> None:
    """Refresh the planner's statistics of the log tables (PostgreSQL; nothing elsewhere)."""
    from commitments.maintenance import tables_analyze

    tables_analyze()
