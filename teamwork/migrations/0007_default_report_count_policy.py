"""The default two-person rule for much-reported clips: removing or approving a clip that has
at least 20 reports. Operators change or deactivate the row in the admin."""

from django.db import migrations

NAME = "Many reports: remove or approve"
DEFAULT_MIN_REPORTS = 20


def create_default(apps, schema_editor):
    TwoPersonPolicy = apps.get_model("teamwork", "TwoPersonPolicy")
    TwoPersonPolicy.objects.get_or_create(
        name=NAME,
        defaults={
            "actions": ["remove", "approve"],
            "protected_person": False,
            "min_reports": DEFAULT_MIN_REPORTS,
            "active": True,
        },
    )


def remove_default(apps, schema_editor):
    apps.get_model("teamwork", "TwoPersonPolicy").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("teamwork", "0006_default_reach_policy")]

    operations = [migrations.RunPython(create_default, remove_default)]
