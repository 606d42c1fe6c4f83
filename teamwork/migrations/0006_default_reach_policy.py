"""The default two-person rule for widely seen clips: removing or approving a clip whose reach
(the largest view count a report stated) is at least 1,000,000. Operators change or deactivate
the row in the admin."""

from django.db import migrations

NAME = "High reach: remove or approve"
DEFAULT_MIN_REACH = 1_000_000


def create_default(apps, schema_editor):
    TwoPersonPolicy = apps.get_model("teamwork", "TwoPersonPolicy")
    TwoPersonPolicy.objects.get_or_create(
        name=NAME,
        defaults={
            "actions": ["remove", "approve"],
            "protected_person": False,
            "min_reach": DEFAULT_MIN_REACH,
            "active": True,
        },
    )


def remove_default(apps, schema_editor):
    apps.get_model("teamwork", "TwoPersonPolicy").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("teamwork", "0005_policy_min_reach"), ("dashboard", "0005_clip_reach")]

    operations = [migrations.RunPython(create_default, remove_default)]
