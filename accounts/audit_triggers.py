"""Database triggers that make accounts_auditentry append-only (SQLite and PostgreSQL).

Every UPDATE and DELETE of an audit row is aborted by the database itself, whatever code
or SQL asks for it. The one exception is Django's `flush` (emptying a whole database, used
between transactional tests and by operators): on PostgreSQL it TRUNCATEs, which row
triggers do not see; on SQLite it DELETEs, so `accounts/management/commands/flush.py`
opens `purge_allowed()` around it, which a connection function the trigger asks reports.

SQLite drops a table's triggers when a migration rebuilds the table (most AlterField
operations): a later migration that changes AuditEntry must call `create(schema_editor)`
again after its schema operations.
"""

import threading
from contextlib import contextmanager

TABLE = "accounts_auditentry"
SQLITE_PURGE_FUNCTION = "tsuzuku_audit_purge_allowed"
MESSAGE = "accounts_auditentry is append-only: audit entries are never updated or deleted"

_state = threading.local()

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    # An unknown function (a connection opened outside Django) also aborts the delete.
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT {SQLITE_PURGE_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]

POSTGRESQL_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"""
    CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()
    """,
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]


def _statements(vendor: str, *, drop: bool) -> list[str]:
    """Return the SQL that creates (or drops) the triggers on this database vendor."""
    if vendor == "sqlite":
        return SQLITE_DROP if drop else SQLITE_CREATE
    if vendor == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL_CREATE
    raise NotImplementedError(f"No append-only triggers for the {vendor} database.")


def create(schema_editor) -> None:
    """Record the append-only triggers in the database of this schema editor."""
    for sql in _statements(schema_editor.connection.vendor, drop=False):
        schema_editor.execute(sql, params=None)


def drop(schema_editor) -> None:
    """Remove the append-only triggers (reverse migration only)."""
    for sql in _statements(schema_editor.connection.vendor, drop=True):
        schema_editor.execute(sql, params=None)


def create_operation(apps, schema_editor) -> None:
    create(schema_editor)


def drop_operation(apps, schema_editor) -> None:
    drop(schema_editor)


def _purge_is_allowed() -> int:
    return 1 if getattr(_state, "purging", False) else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Give every new SQLite connection the function the delete trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_PURGE_FUNCTION, 0, _purge_is_allowed)


@contextmanager
def purge_allowed():
    """Let a whole-database flush delete audit rows on SQLite, in this thread only."""
    before = getattr(_state, "purging", False)
    _state.purging = True
    try:
        yield
    finally:
        _state.purging = before
