"""Django's flush, allowed to empty the append-only audit table on SQLite too.

Flush wipes the whole database (between transactional tests, or by an operator); on
PostgreSQL it TRUNCATEs, which the row triggers do not see, so both databases behave alike.
"""

from django.core.management.commands.flush import Command as FlushCommand

from accounts.audit_triggers import purge_allowed


class Command(FlushCommand):
    def handle(self, **options):
        with purge_allowed():
            return super().handle(**options)
