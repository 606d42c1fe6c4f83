"""Accounts behind clips: Account, Clip.account, Report.account, Decision.account_recommendation.

SQLite rebuilds the decision table to add a column with a default, and the clip, report and
decision tables to drop the columns when migrating back; triggers of other tables that name them
(insight's staleness, the status counters, the caption index) would refuse the rebuild, so they
are dropped first, either way, and reinstalled by the apps' post_migrate receivers, as after any
migrate that lost them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

REBUILT = ("dashboard_clip", "dashboard_report", "dashboard_decision")


def drop_sqlite_triggers_naming_rebuilt_tables(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        names = [name for name, sql in cursor.fetchall() if any(t in (sql or "") for t in REBUILT)]
        for name in names:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0018_routed_queues"),
    ]

    operations = [
        # First, so that migrating forwards runs it before the rebuild (backwards: nothing).
        migrations.RunPython(drop_sqlite_triggers_naming_rebuilt_tables, migrations.RunPython.noop),
        migrations.AddField(
            model_name="decision",
            name="account_recommendation",
            field=models.CharField(
                choices=[
                    ("none", "No action on the account"),
                    ("warn", "Warn the account"),
                    ("restrict", "Restrict the account"),
                    ("suspend", "Suspend the account"),
                ],
                default="none",
                max_length=10,
            ),
        ),
        migrations.CreateModel(
            name="Account",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("platform", models.CharField(max_length=100)),
                ("account_id", models.CharField(max_length=200)),
                ("handle", models.CharField(blank=True, max_length=200)),
                ("profile_url", models.URLField(blank=True, max_length=2000)),
                ("first_seen", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "last_seen",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
            ],
            options={
                "ordering": ["platform", "account_id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("platform", "account_id"), name="one_account_per_platform_id"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="clip",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clips",
                to="dashboard.account",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="reports",
                to="dashboard.account",
            ),
        ),
        # Last, so that migrating back runs it first (forwards it does nothing).
        migrations.RunPython(migrations.RunPython.noop, drop_sqlite_triggers_naming_rebuilt_tables),
    ]
