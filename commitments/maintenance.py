"""Database upkeep after bulk writes: fresh planner statistics for the log tables.

Right after a bulk load, PostgreSQL's statistics still describe the tables as they were
(autovacuum may be late, or off): a judging batch's read of existing checks is then
planned as a sequential scan of the whole table. `tables_analyze` runs ANALYZE on the
tables an import or a judging run writes; imports call it at the end and every
`ANALYZE_EVERY_BATCHES` batches. Other databases: nothing to do.
"""

from django.db import connection

from .models import Action, Check, Commitment, Customer, Finding, Occasion

# The tables an import and the judging of its rows write, in the order they are analysed.
LOG_TABLES = (Customer, Occasion, Action, Check, Finding, Commitment)
# An import of 500-row batches analyses after every 200 batches (100,000 rows).
ANALYZE_EVERY_BATCHES = 200


def tables_analyze(models=LOG_TABLES) -> list[str]:
    """Run ANALYZE on the models' tables (PostgreSQL only); return the tables analysed."""
    if connection.vendor != "postgresql":
        return []
    names = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return names


def tables_analyze_due(batches: int) -> bool:
    """Return whether an import that has stored `batches` batches should analyse now."""
    return batches > 0 and batches % ANALYZE_EVERY_BATCHES == 0
