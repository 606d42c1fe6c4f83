"""Covering indexes on the desk's tables for the team dashboard's range queries.

The dashboard groups 100,000s of clips and decisions by time; with these indexes SQLite and
PostgreSQL answer those queries from the index alone instead of reading every wide clip row.
They live here, not in dashboard/models.py, because only insight's queries need them; the
names are prefixed insight_ so their owner is obvious, and reversing the migration drops them.
"""

from django.db import migrations

INDEXES = [
    ("insight_clip_decided", "dashboard_clip", "decided_at, created_at, status"),
    ("insight_clip_arrived", "dashboard_clip", "created_at, platform"),
    ("insight_decision_when", "dashboard_decision", "created_at, moderator_id, action, clip_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {name} ON {table} ({columns})",
            reverse_sql=f"DROP INDEX {name}",
        )
        for name, table, columns in INDEXES
    ]
