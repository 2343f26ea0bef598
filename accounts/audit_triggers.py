"""Database triggers that make accounts_auditentry append-only (SQLite and PostgreSQL).

Every UPDATE and DELETE of an audit row is aborted by the database itself, whatever code
or SQL asks for it. On PostgreSQL a TRUNCATE is refused too, and `created_at` is set by the
database (now()) whatever an INSERT sends, so an entry cannot be back-dated. The one
exception is Django's `flush` (emptying a whole database, used between transactional tests
and by operators): `accounts/management/commands/flush.py` opens `purge_allowed()` around
it, which a connection function (SQLite) or a session setting (PostgreSQL) tells the
triggers. These stop the application and anyone using its SQL by mistake; the table's owner
can still drop or disable triggers: run the app as a role that does not own the tables
(README, "Protecting the audit trail").

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
# PostgreSQL only: TRUNCATE refused (unless flush opened purge_allowed in this session), and
# created_at set by the database, whatever the INSERT says.
PURGE_SETTING = "tsuzuku.audit_purge"
POSTGRESQL_CREATE_GUARDS = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_no_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('{PURGE_SETTING}', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{MESSAGE} (TRUNCATE refused)' USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"""
    CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_no_truncate()
    """,
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_created_now() RETURNS trigger AS $$
    BEGIN
        NEW.created_at := now();
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS {TABLE}_created_now ON {TABLE}",
    f"""
    CREATE TRIGGER {TABLE}_created_now BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_created_now()
    """,
]
POSTGRESQL_DROP_GUARDS = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_no_truncate()",
    f"DROP TRIGGER IF EXISTS {TABLE}_created_now ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_created_now()",
]
POSTGRESQL_CREATE += POSTGRESQL_CREATE_GUARDS
POSTGRESQL_DROP = [
    *POSTGRESQL_DROP_GUARDS,
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


def drop_guards_operation(apps, schema_editor) -> None:
    """Remove the TRUNCATE and created_at triggers only (reverse of their migration)."""
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL_DROP_GUARDS:
            schema_editor.execute(sql, params=None)


def drop_operation(apps, schema_editor) -> None:
    drop(schema_editor)


def _purge_is_allowed() -> int:
    return 1 if getattr(_state, "purging", False) else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Give every new SQLite connection the function the delete trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_PURGE_FUNCTION, 0, _purge_is_allowed)


@contextmanager
def purge_allowed(connection=None):
    """Let a whole-database flush empty the audit table, in this thread (and session) only.

    SQLite: the delete trigger asks a connection function. PostgreSQL: the TRUNCATE trigger
    reads the session setting tsuzuku.audit_purge, set here on `connection` and reset after.
    """
    before = getattr(_state, "purging", False)
    _state.purging = True
    postgresql = connection is not None and connection.vendor == "postgresql"
    if postgresql:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [PURGE_SETTING])
    try:
        yield
    finally:
        _state.purging = before
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', false)", [PURGE_SETTING])
