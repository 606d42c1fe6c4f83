"""Seed one retention policy per final outcome (editable in the admin afterwards).

- Removed: the media of a removed clip is deleted 30 days after the decision; an appeal may
  come within 30 days, and an open appeal or a legal hold keeps it longer.
- Approved: deleted 90 days after the decision (the desk no longer needs it).
- Labelled: kept, because platforms fetch its disclosed rendition; switch on to delete.
"""

from django.db import migrations

SEEDS = [
    ("removed", "Removed clips", True, 30, 30),
    ("approved", "Approved clips", True, 90, 30),
    ("labeled", "Labelled clips", False, 365, 30),
]


def seed(apps, schema_editor):
    RetentionPolicy = apps.get_model("retention", "RetentionPolicy")
    for outcome, name, delete_media, after, window in SEEDS:
        RetentionPolicy.objects.get_or_create(
            outcome=outcome,
            defaults={
                "name": name,
                "delete_media": delete_media,
                "delete_after_days": after,
                "appeal_window_days": window,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
