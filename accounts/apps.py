from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Roles, API tokens and audit trail"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import audit_triggers

        connection_created.connect(
            audit_triggers.register_sqlite_function, dispatch_uid="accounts_audit_purge_function"
        )
