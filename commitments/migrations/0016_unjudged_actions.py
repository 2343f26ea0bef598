"""The actions waiting to be judged move from a column of the action to a table of their own.

Judging an action deleted nothing and wrote a new version of it (never a HOT update: the
partial index of the unjudged named `judged_at`), with an entry in each of its indexes. Now
the actions waiting are rows of `UnjudgedAction`, deleted when judged, and the time shown as
an action's `judged_at` is its customer's (docs/PERFORMANCE.md, "The actions waiting, a table
of their own").
"""

import django.db.models.deletion
from django.db import migrations, models

# Portable SQL (PostgreSQL and SQLite): the rows move in one statement each, not per row.
FILL = [
    # The actions waiting, since they were stored.
    "INSERT INTO commitments_unjudgedaction (action_id, since)"
    " SELECT id, created_at FROM commitments_action WHERE judged_at IS NULL",
    # A customer's judged_at: the latest of its actions'.
    "UPDATE commitments_customer SET judged_at = (SELECT MAX(a.judged_at)"
    " FROM commitments_action a WHERE a.customer_id = commitments_customer.id)"
    " WHERE EXISTS (SELECT 1 FROM commitments_action a"
    " WHERE a.customer_id = commitments_customer.id AND a.judged_at IS NOT NULL)",
]

# Back: every action judged at its customer's time, but the waiting ones.
EMPTY = [
    "UPDATE commitments_action SET judged_at = (SELECT c.judged_at FROM commitments_customer c"
    " WHERE c.id = commitments_action.customer_id) WHERE NOT EXISTS (SELECT 1"
    " FROM commitments_unjudgedaction u WHERE u.action_id = commitments_action.id)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0015_findings_no_log_constraints"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnjudgedAction",
            fields=[
                (
                    "action",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="unjudged",
                        serialize=False,
                        to="commitments.action",
                    ),
                ),
                ("since", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.AddField(
            model_name="customer",
            name="judged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(FILL, EMPTY),
        migrations.RemoveIndex(
            model_name="action",
            name="action_unjudged",
        ),
        migrations.RemoveField(
            model_name="action",
            name="judged_at",
        ),
    ]
