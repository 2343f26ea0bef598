"""Database upkeep after bulk writes: fresh planner statistics for the log tables.

Right after a bulk load, PostgreSQL's statistics still describe the tables as they were
(autovacuum may be late, or off): a judging batch's read of existing checks is then
planned as a sequential scan of the whole table. `tables_analyze` runs ANALYZE on the
tables an import or a judging run writes; imports call it at the end and each time they
pass another `ANALYZE_EVERY_ROWS` rows. Other databases: nothing to do.
"""

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from .models import Action, Check, Commitment, Customer, Finding, Occasion

# The tables an import and the judging of its rows write, in the order they are analysed.
LOG_TABLES = (Customer, Occasion, Action, Check, Finding, Commitment)
# An import analyses the tables each time it has read this many more rows, and at its end
# when it read at least ANALYZE_MIN_ROWS (a small import changes no statistics worth it).
ANALYZE_EVERY_ROWS = 100_000
ANALYZE_MIN_ROWS = 5_000


def tables_analyze(models=LOG_TABLES) -> list[str]:
    """Run ANALYZE on the models' tables (PostgreSQL only); return the tables analysed."""
    if connection.vendor != "postgresql":
        return []
    names = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return names


def tables_analyze_after(*, rows: int, batch: int) -> bool:
    """Analyse when the last batch (`batch` rows, `rows` read so far) passed another
    `ANALYZE_EVERY_ROWS` rows; return whether it did (or would, on PostgreSQL)."""
    due = rows // ANALYZE_EVERY_ROWS > (rows - batch) // ANALYZE_EVERY_ROWS
    if due:
        tables_analyze()
    return due


def tables_analyze_end(*, rows: int) -> bool:
    """Analyse at the end of an import of `rows` rows, if that many; return whether due."""
    due = rows >= ANALYZE_MIN_ROWS
    if due:
        tables_analyze()
    return due


def column_in_array(model, column: str, ids: list[int]):
    """Return a filter: the model's `column` is one of `ids`, sent as ONE array parameter.

    PostgreSQL only (`= ANY(%s)`). A batch's reads written as a join or a semi-join on the
    batch's customers (`action__customer_id__in=...`) are planned as a sequential scan of
    the whole table, even on fresh statistics (EXPLAIN in docs/PERFORMANCE.md); the ids of
    the rows the batch loaded, as one array, are an index scan proportional to the batch
    whatever their number (no limit of parameters per statement).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    # Names from the model, quoted; the ids are a parameter.
    return RawSQL(f"{table}.{name} = ANY(%s)", (list(ids),), output_field=BooleanField())  # noqa: S611
