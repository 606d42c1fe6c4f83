"""Seed the four roles as groups and the label taxonomy (editable afterwards in the admin)."""

from django.db import migrations

ROLES = ["Moderator", "Senior moderator", "Admin", "Reporter"]

LABELS = [
    ("face-swap", "Face swap", "manipulation", True, "A face replaced by another person's."),
    (
        "lip-sync",
        "Lip-sync",
        "manipulation",
        True,
        "Mouth movements altered to match other speech.",
    ),
    (
        "animated-still",
        "Animated still photo",
        "manipulation",
        True,
        "A single photograph animated into motion (for example a press photo made to move).",
    ),
    (
        "fully-synthetic",
        "Fully synthetic",
        "manipulation",
        True,
        "Generated without a real source.",
    ),
    ("voice-clone", "Voice clone", "manipulation", True, "A cloned or synthetic voice."),
    (
        "romantic-sexual-fabrication",
        "Romantic or sexual fabrication",
        "context",
        True,
        "Fabricates romantic or sexual acts between real people.",
    ),
    (
        "impersonation-fraud",
        "Impersonation or fraud",
        "context",
        True,
        "Pretends to be a real person to deceive.",
    ),
    (
        "satire-declared",
        "Satire (declared)",
        "context",
        True,
        "Manipulated and openly declared satire.",
    ),
    ("authentic", "Authentic", "context", False, "No manipulation found."),
]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Label = apps.get_model("dashboard", "Label")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for slug, name, category, manipulated, description in LABELS:
        Label.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "manipulated": manipulated,
                "description": description,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("dashboard", "Label").objects.filter(slug__in=[s for s, *_ in LABELS]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
