"""Clip.kind: video or photo (issue 16). Every existing row is a video; reversible.

On SQLite, Django adds a NOT NULL column by rebuilding the whole table (copy, drop, rename),
which a desk at a million clips pays in minutes and which fails outright while other tables'
triggers read `dashboard_clip` (insight's summary triggers: "error in trigger ...: no such
table: main.dashboard_clip"). SQLite adds a NOT NULL column with a constant default in place,
so there the column is added with `ALTER TABLE ... ADD COLUMN` and keeps that default in the
schema (Django always writes the value itself). Other databases take the ordinary AddField.
"""

from django.db import migrations, models

FIELD = models.CharField(
    choices=[("video", "Video"), ("photo", "Photo")], default="video", max_length=10
)


def _kind_field() -> models.CharField:
    # RunPython sees the model without the field (the state gains it separately).
    field = FIELD.clone()
    field.set_attributes_from_name("kind")
    return field


def add_kind(apps, schema_editor):
    clip = apps.get_model("dashboard", "Clip")
    if schema_editor.connection.vendor == "sqlite":
        table = schema_editor.quote_name(clip._meta.db_table)
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN \"kind\" varchar(10) NOT NULL DEFAULT 'video'"
        )
        return
    schema_editor.add_field(clip, _kind_field())


def remove_kind(apps, schema_editor):
    clip = apps.get_model("dashboard", "Clip")
    if schema_editor.connection.vendor == "sqlite":
        table = schema_editor.quote_name(clip._meta.db_table)
        schema_editor.execute(f'ALTER TABLE {table} DROP COLUMN "kind"')
        return
    schema_editor.remove_field(clip, _kind_field())


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0015_normalise_persons"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="clip", name="kind", field=FIELD)],
            database_operations=[migrations.RunPython(add_kind, remove_kind)],
        ),
    ]
