"""The two-person rule for known fakes: a `known_fake` trigger on the policy, and the seeded
default row "Known fake: approve" (approving a clip a hash bank says is a known fake waits for
a second moderator). Operators change or deactivate the row in the admin."""

from django.db import migrations, models

NAME = "Known fake: approve"


def create_default(apps, schema_editor):
    TwoPersonPolicy = apps.get_model("teamwork", "TwoPersonPolicy")
    TwoPersonPolicy.objects.get_or_create(
        name=NAME,
        defaults={
            "actions": ["approve"],
            "protected_person": False,
            "known_fake": True,
            "active": True,
        },
    )


def remove_default(apps, schema_editor):
    apps.get_model("teamwork", "TwoPersonPolicy").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("teamwork", "0008_system_proposer")]

    operations = [
        migrations.AddField(
            model_name="twopersonpolicy",
            name="known_fake",
            field=models.BooleanField(
                default=False,
                help_text="Covered when a hash bank says the clip is a known fake (an active match).",
            ),
        ),
        migrations.RunPython(create_default, remove_default),
    ]
