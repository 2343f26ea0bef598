"""Database triggers that keep promise versions immutable (SQLite and PostgreSQL).

Every UPDATE of a policies_promiseversion row is aborted by the database itself, whatever
code or SQL asks for it. A DELETE is aborted too while the version's promise exists, with
two exceptions, because a version may only disappear together with everything it belongs to:

- inside `history_deletion()`, which `shop_delete` opens to delete a whole shop (Django
  deletes the versions before their promise, so the trigger cannot see that the promise
  goes too);
- during Django's `flush` (emptying a whole database, between transactional tests): on
  PostgreSQL it TRUNCATEs, which row triggers do not see; on SQLite it DELETEs, inside
  accounts' `purge_allowed()` (accounts/management/commands/flush.py), which the SQLite
  function below honours as well.

SQLite drops a table's triggers when a migration rebuilds the table (most AlterField
operations): a later migration that changes PromiseVersion must call `create(schema_editor)`
again after its schema operations. The database system check `policies.E001` reports
missing triggers.
"""

import threading
from contextlib import contextmanager

from django.core import checks
from django.db import connections, transaction
from django.db.migrations.recorder import MigrationRecorder

TABLE = "policies_promiseversion"
PROMISE_TABLE = "policies_promise"
SQLITE_FUNCTION = "tsuzuku_history_deletion_allowed"
POSTGRESQL_SETTING = "tsuzuku.history_deletion"
UPDATE_MESSAGE = (
    "promise versions are immutable: a version is never changed; edit the promise to add one"
)
DELETE_MESSAGE = (
    "promise versions are immutable: a version is only deleted with its promise; "
    "retire the promise instead"
)

SQLITE_TRIGGERS = [f"{TABLE}_no_update", f"{TABLE}_no_delete"]
POSTGRESQL_TRIGGERS = [f"{TABLE}_immutable"]

_state = threading.local()

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END
    """,
    # An unknown function (a connection opened outside Django) aborts the delete as well.
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT {SQLITE_FUNCTION}()
        AND EXISTS (SELECT 1 FROM {PROMISE_TABLE} WHERE id = OLD.promise_id)
    BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END
    """,  # noqa: S608 - module constants, no input
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]

POSTGRESQL_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_immutable() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION '{UPDATE_MESSAGE} (version % of promise %)',
                OLD.number, OLD.promise_id USING ERRCODE = 'restrict_violation';
        END IF;
        IF coalesce(current_setting('{POSTGRESQL_SETTING}', true), '') = 'on'
           OR NOT EXISTS (SELECT 1 FROM {PROMISE_TABLE} WHERE id = OLD.promise_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{DELETE_MESSAGE} (version % of promise %)',
            OLD.number, OLD.promise_id USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,  # noqa: S608 - module constants, no input
    f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}",
    f"""
    CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_immutable()
    """,
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_immutable()",
]


def statements(vendor: str, *, drop: bool) -> list[str]:
    """Return the SQL that creates (or drops) the triggers on this database vendor."""
    if vendor == "sqlite":
        return SQLITE_DROP if drop else SQLITE_CREATE
    if vendor == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL_CREATE
    raise NotImplementedError(f"No immutability triggers for the {vendor} database.")


def create(schema_editor) -> None:
    """Record the immutability triggers in the database of this schema editor."""
    for sql in statements(schema_editor.connection.vendor, drop=False):
        # No parameters: the PL/pgSQL body has % placeholders of its own.
        schema_editor.execute(sql, params=None)


def drop(schema_editor) -> None:
    """Remove the immutability triggers (reverse migration only)."""
    for sql in statements(schema_editor.connection.vendor, drop=True):
        schema_editor.execute(sql, params=None)


def create_operation(apps, schema_editor) -> None:
    create(schema_editor)


def drop_operation(apps, schema_editor) -> None:
    drop(schema_editor)


def _flush_running() -> bool:
    """Return whether a whole-database flush is running in this thread (accounts' flag)."""
    from accounts import audit_triggers

    return bool(audit_triggers._purge_is_allowed())


def _deletion_allowed() -> int:
    return 1 if getattr(_state, "allowed", False) or _flush_running() else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Give every new SQLite connection the function the delete trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, _deletion_allowed)


@contextmanager
def history_deletion(*, using: str = "default"):
    """Let promise versions be deleted in this block (one transaction, this thread only)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        before = getattr(_state, "allowed", False)
        _state.allowed = True
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Local to the transaction: a rollback or the commit ends it anyway.
                    cursor.execute("SELECT set_config(%s, 'on', true)", [POSTGRESQL_SETTING])
            yield
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [POSTGRESQL_SETTING])
        finally:
            _state.allowed = before


MIGRATION = ("policies", "0002_promiseversion_immutable")


def installed_triggers(connection) -> set[str]:
    """Return the names of the immutability triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                "AND NOT tgisinternal",
                [TABLE],
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def expected_triggers(vendor: str) -> set[str]:
    """Return the trigger names this vendor must have."""
    return set({"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(vendor, []))


def _migrated(connection) -> bool:
    """Return whether the migration that installs the triggers has been applied."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    return recorder.migration_qs.filter(app=MIGRATION[0], name=MIGRATION[1]).exists()


def check_triggers(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Return an error for each migrated database whose promise versions lack their triggers."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        expected = expected_triggers(connection.vendor)
        # Before the migration has run (migrate runs this check first) there is nothing to see.
        if not expected or not _migrated(connection):
            continue
        missing = expected - installed_triggers(connection)
        if missing:
            errors.append(
                checks.Error(
                    f"Promise versions are not protected in database '{alias}': missing "
                    f"trigger(s) {', '.join(sorted(missing))}.",
                    hint="A migration rebuilt policies_promiseversion (SQLite drops triggers "
                    "then): call policies.immutability.create(schema_editor) after it.",
                    id="policies.E001",
                )
            )
    return errors
