"""Runs record the scoring rules they were made under, why the model abstained and the face
counts; models carry their validation status (the baseline's seeded from its manifest).

Existing runs keep rules version 1 (they scored the centre of faceless frames) and are not
rewritten: `manage.py rescore` scores clips again under version 2 as a new run.
"""

import json
from pathlib import Path

from django.db import migrations, models

BASELINE_MANIFEST = Path(__file__).resolve().parents[1] / "models" / "baseline-v1.json"


def seed_baseline_validation(apps, schema_editor):
    DetectorModel = apps.get_model("detection", "DetectorModel")
    try:
        manifest = json.loads(BASELINE_MANIFEST.read_text())
    except (OSError, ValueError):
        return
    validation = manifest.get("validation")
    if validation and manifest.get("sha256"):
        DetectorModel.objects.filter(sha256=manifest["sha256"], validation={}).update(
            validation=validation
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0007_clip_media_erased"),
        ("detection", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="detectionrun", name="one_run_per_model_version"),
        migrations.AddField(
            model_name="detectionrun",
            name="abstained",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="detectionrun",
            name="counts",
            field=models.JSONField(blank=True, default=dict),
        ),
        # Rows that exist were made under rules version 1; new ones default to version 2.
        migrations.AddField(
            model_name="detectionrun",
            name="rules_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="detectionrun",
            name="rules_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AlterField(
            model_name="detectionrun",
            name="aggregation",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="detectormodel",
            name="validation",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddConstraint(
            model_name="detectionrun",
            constraint=models.UniqueConstraint(
                fields=("clip", "model", "rules_version"), name="one_run_per_model_and_rules"
            ),
        ),
        migrations.RunPython(seed_baseline_validation, migrations.RunPython.noop),
    ]
