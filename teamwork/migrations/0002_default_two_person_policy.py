"""The default two-person rule: removing or approving a clip that depicts a protected person."""

from django.db import migrations


def create_default(apps, schema_editor):
    TwoPersonPolicy = apps.get_model("teamwork", "TwoPersonPolicy")
    TwoPersonPolicy.objects.get_or_create(
        name="Protected person: remove or approve",
        defaults={"actions": ["remove", "approve"], "protected_person": True, "active": True},
    )


class Migration(migrations.Migration):
    dependencies = [("teamwork", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
