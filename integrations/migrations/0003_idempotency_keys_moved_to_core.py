"""Idempotency keys now belong to the core (dashboard 0006); the table is left in place."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_event_type_appeal_decided"),
        ("dashboard", "0006_adopt_idempotency_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
        ),
    ]
