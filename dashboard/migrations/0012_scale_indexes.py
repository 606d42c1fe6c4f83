"""Indexes and counters for a million clips (issue 21).

- The queue's order index gains the primary key, so keyset pages start inside it.
- The person page walks a person's clips newest first through (person_id, clip_id).
- Clips per status are counted by triggers into dashboard_clip_status_delta
  (dashboard/counters.py); the triggers themselves are installed after every migrate.
- Caption search gets a trigram index: FTS5 on SQLite, pg_trgm on PostgreSQL
  (dashboard/search.py).

Every step runs forwards and backwards on both databases.
"""

from django.conf import settings
from django.db import migrations, models

from dashboard import counters, search

PERSON_INDEX = "clip_persons_person_clip"


def create_counters(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(counters.create_table_sql(connection.vendor))
    counters.install_triggers(connection.alias)


def drop_counters(apps, schema_editor):
    counters.drop_triggers(schema_editor.connection.alias)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {counters.TABLE}")


def create_search(apps, schema_editor):
    search.create_index(schema_editor.connection.alias)
    search.install_triggers(schema_editor.connection.alias)


def drop_search(apps, schema_editor):
    search.drop_index(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0011_depiction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="clip", name="dashboard_c_status_80b86c_idx"),
        migrations.AddIndex(
            model_name="clip",
            index=models.Index(
                fields=["status", "-priority", "created_at", "id"], name="clip_queue_order"
            ),
        ),
        migrations.RunSQL(
            f"CREATE INDEX {PERSON_INDEX} ON dashboard_clip_persons (person_id, clip_id)",
            f"DROP INDEX {PERSON_INDEX}",
        ),
        migrations.RunPython(create_counters, drop_counters),
        migrations.RunPython(create_search, drop_search),
    ]
