"""Database upkeep after bulk writes: fresh planner statistics for the log tables.

Right after a bulk load, PostgreSQL's statistics still describe the tables as they were
(autovacuum may be late, or off): a judging batch's read of existing checks is then
planned as a sequential scan of the whole table. `tables_analyze` runs ANALYZE on tables
of the log. An import analyses the tables it writes (`ImportAnalysis`) each time it has
written another `ANALYZE_EVERY_ROWS` rows, and at its end when it wrote a tenth of the log
or more since (as autovacuum would: smaller imports change no statistics worth a fixed
cost of ANALYZE, which samples the same number of rows of a big table whatever was added).
Judging analyses the tables it writes when they grew by half (`tables_analyze_grown`).
Other databases: nothing to do.
"""

import json
import time
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from .models import Action, Check, Commitment, Customer, Finding, Occasion

# The tables an import and the judging of its rows write, in the order they are analysed.
LOG_TABLES = (Customer, Occasion, Action, Check, Finding, Commitment)
# The tables an import writes (judging looks after the rest: tables_analyze_grown).
IMPORT_TABLES = (Customer, Occasion, Action)
# An import analyses them each time it has read this many more rows, and at its end when it
# read at least ANALYZE_MIN_ROWS and at least ANALYZE_SHARE of the actions the statistics
# know of since it last analysed them (autovacuum's default analyze scale factor is 0.1 too).
ANALYZE_EVERY_ROWS = 100_000
ANALYZE_MIN_ROWS = 5_000
ANALYZE_SHARE = 0.1


def tables_analyze(models=LOG_TABLES) -> list[str]:
    """Run ANALYZE on the models' tables (PostgreSQL only); return the tables analysed."""
    if connection.vendor != "postgresql":
        return []
    names = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return names


def actions_estimated() -> int:
    """Return the action rows the planner's statistics know of (0: none, or not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Action._meta.db_table]
        )
        found = cursor.fetchone()
    return max(0, int(found[0])) if found else 0


class ImportAnalysis:
    """When one run of an import analyses the tables it writes (IMPORT_TABLES).

    `rows` is the import's count of rows read, a resumed run's included: the run analyses
    each time it read ANALYZE_EVERY_ROWS more, and at its end if it read enough since."""

    def __init__(self, *, rows: int = 0):
        self.analysed_at = rows  # the rows read when the tables were last analysed (or started)

    def after_batch(self, *, rows: int) -> bool:
        """Analyse if `rows` is ANALYZE_EVERY_ROWS past the last time; return whether due."""
        due = rows - self.analysed_at >= ANALYZE_EVERY_ROWS
        if due:
            tables_analyze(IMPORT_TABLES)
            self.analysed_at = rows
        return due

    def at_end(self, *, rows: int, known: int | None = None) -> bool:
        """Analyse if the rows read since the last time are at least ANALYZE_MIN_ROWS and
        ANALYZE_SHARE of the `known` action rows (default: the statistics' estimate);
        return whether it was due. A run whose last batch analysed does not again."""
        since = rows - self.analysed_at
        if since < ANALYZE_MIN_ROWS:
            return False
        known = actions_estimated() if known is None else known
        due = since >= ANALYZE_SHARE * known
        if due:
            tables_analyze(IMPORT_TABLES)
            self.analysed_at = rows
        return due


# Judging writes the derived tables in bulk too (a year judged from empty, a big import's
# rows judged by the workers): each judging run analyses those of them that grew by more
# than ANALYZE_GROWTH of what their statistics know (at least ANALYZE_EVERY_ROWS rows).
DERIVED_TABLES = (Check, Finding, Commitment)
ANALYZE_GROWTH = 0.5
# pg_try_advisory_xact_lock(key, table oid): one process analyses a table at a time.
ANALYZE_LOCK = 7_131_013


def tables_analyze_grown(models=DERIVED_TABLES, *, at_least: int | None = None) -> list[str]:
    """Analyse those of the models' tables with more rows written since their last ANALYZE
    than `at_least` (default ANALYZE_EVERY_ROWS) and ANALYZE_GROWTH of the rows their
    statistics know; return them.

    Without it, statistics of a table judged from empty say "empty" while it fills, and a
    read the planner has a choice for (the public precedents: the partial index of the few
    public ones, or the shop's index of every finding) goes to the wrong index: 0.03 ms
    became 185 ms a batch at 1M actions, growing with the table (docs/PERFORMANCE.md).
    Autovacuum would do the same when it is on and on time. One statement when nothing is
    due; a process that finds another analysing the table goes on (advisory lock).
    PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    names = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.oid FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            " WHERE c.relname = ANY(%s) AND s.n_mod_since_analyze > %s"
            " AND s.n_mod_since_analyze > %s * GREATEST(c.reltuples, 0)",
            [names, ANALYZE_EVERY_ROWS if at_least is None else at_least, ANALYZE_GROWTH],
        )
        due = cursor.fetchall()
    done = []
    for name, oid in due:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [ANALYZE_LOCK, oid])
            if cursor.fetchone()[0]:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
                done.append(name)
    return done


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


def ids_in(model, column: str, ids: list[int]):
    """Return a filter: the model's `column` is one of `ids` (PostgreSQL: one array parameter,
    `column_in_array`; elsewhere `IN`, at most `ids_chunk()` of them)."""
    if connection.vendor == "postgresql":
        return column_in_array(model, column, ids)
    return Q(**{f"{column}__in": ids})


def ids_chunk() -> int:
    """Return how many ids one statement takes: SQLite caps the parameters of a statement;
    PostgreSQL takes up to 65535."""
    return 900 if connection.vendor == "sqlite" else 20_000


def rows_insert(model, rows: list[dict]) -> int:
    """Insert new rows of `model` given as dicts of attribute names (`shop_id`, ...); return
    how many. Nothing is read back (no ids): for derived rows nobody holds on to, or rows
    that give their primary key (objects_insert).

    PostgreSQL: one `COPY ... FROM STDIN` (psycopg formats the rows in C): several times
    faster than `bulk_create`, whose per-value preparation in Python was most of judging's
    writes. A column a row does not give takes the field's default (`auto_now_add`: now).
    Other databases: `bulk_create`.
    """
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return len(rows)
    from django.db.models import JSONField
    from django.utils import timezone

    now = timezone.now()
    given = list(rows[0])
    fields = {field.attname: field for field in model._meta.concrete_fields}
    # The columns each row gives, in its keys' order, then the others' constants. A JSON
    # value goes as its text (json.dumps, what psycopg's Jsonb sends): COPY's text format
    # reads each column by its type, and a constant is dumped once, not once per row.
    names = [connection.ops.quote_name(fields[name].column) for name in given]
    json_at = [at for at, name in enumerate(given) if isinstance(fields[name], JSONField)]
    constants = []
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        names.append(connection.ops.quote_name(field.column))
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            value = now
        else:  # the default; "" for text without one, None when nullable
            value = field.get_default()
            value = json.dumps(value) if isinstance(field, JSONField) else value
        constants.append(value)
    values_of = itemgetter(*given) if len(given) > 1 else lambda row: (row[given[0]],)
    dumps = json.dumps
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    started = time.monotonic()
    # The driver's errors as Django's (IntegrityError, OperationalError, ...), as for any query.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        write_row = copy.write_row
        for row in rows:
            values = [*values_of(row), *constants]
            for at in json_at:
                values[at] = dumps(values[at])
            write_row(values)
    if connection.queries_logged:  # DEBUG, or a test capturing queries: counted as one
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    return len(rows)


def ids_reserve(model, count: int) -> list[int]:
    """Return `count` new primary keys of `model` from its table's sequence, ascending, in
    one query (PostgreSQL). Concurrent writers take other values of the same sequence."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def rows_insert_keyed(model, rows: list[dict]) -> None:
    """Insert new rows of `model` given as dicts of attribute names, as rows_insert, and
    set each row's primary key in it (`id`), as objects_insert sets an instance's.

    PostgreSQL: the keys are reserved from the table's sequence in one query (ascending in
    the order of `rows`), then the rows are written with one COPY: two queries whatever the
    count, and no model instance built for a row only to be copied. Other databases:
    bulk_create. No signals, as bulk_create.
    """
    if not rows:
        return
    pk = model._meta.pk.attname
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model.objects.bulk_create(objs)
        for row, obj in zip(rows, objs, strict=True):
            row[pk] = obj.pk
        return
    for row, key in zip(rows, ids_reserve(model, len(rows)), strict=True):
        row[pk] = key
    rows_insert(model, rows)


def objects_insert(model, objs: list) -> None:
    """Insert new, unsaved instances of `model` and set their primary keys, as bulk_create.

    PostgreSQL: the keys are reserved from the table's sequence in one query (ascending in
    the order of `objs`, as bulk_create's), then the rows are written with one COPY
    (rows_insert_keyed): a record's foreign keys are those of the objects it holds (saved
    before it, as bulk_create requires), `auto_now_add` / `auto_now` fields are set to now.
    Two queries whatever the count, without bulk_create's per-value preparation in Python.
    Other databases: bulk_create. No signals, as bulk_create.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    from django.utils import timezone

    fields = model._meta.concrete_fields
    related = [field for field in fields if field.is_relation]
    stamped = [
        field.attname
        for field in fields
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
    ]
    now = timezone.now()
    rows = []
    for obj in objs:
        values = obj.__dict__
        for field in related:
            held = field.get_cached_value(obj, None)
            if held is not None and values.get(field.attname) is None:
                if held.pk is None:
                    raise ValueError(f"{model.__name__}.{field.name} holds an unsaved object.")
                # Not through the attribute's setter: it would forget the object held.
                values[field.attname] = held.pk
        for name in stamped:
            values[name] = now
        rows.append(
            {field.attname: values[field.attname] for field in fields if not field.primary_key}
        )
    rows_insert_keyed(model, rows)
    pk = model._meta.pk.attname
    for obj, row in zip(objs, rows, strict=True):
        obj.pk = row[pk]
        obj._state.adding, obj._state.db = False, connection.alias
