"""Django's flush, allowed to empty the append-only audit table on SQLite too.

Flush wipes the whole database (between transactional tests, or by an operator); on
PostgreSQL it TRUNCATEs, which a statement trigger refuses unless the session says a purge
is allowed (accounts.audit_triggers.purge_allowed).
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from accounts.audit_triggers import purge_allowed


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with purge_allowed(connection):
            return super().handle(**options)
