# PostgreSQL: TRUNCATE of the audit table refused; created_at set by the database.

from django.db import migrations

from accounts import audit_triggers


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_audit_append_only"),
    ]

    operations = [
        migrations.RunPython(audit_triggers.create_operation, audit_triggers.drop_guards_operation),
    ]
