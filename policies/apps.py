from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Promises and shop calendar"

    def ready(self):
        from django.core import checks
        from django.db.backends.signals import connection_created

        from . import immutability

        connection_created.connect(
            immutability.register_sqlite_function, dispatch_uid="policies_history_deletion"
        )
        checks.register(immutability.check_triggers, checks.Tags.database)
