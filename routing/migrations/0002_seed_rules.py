"""The seeded rules, in the order the issue lists the queues; editable in the admin."""

from django.db import migrations

# (order, name, queue slug, conditions)
SEEDED_RULES = [
    (10, "A protected person is depicted", "protected-persons", {"protected_person": True}),
    (20, "Stated reach of 100,000 or more", "high-reach", {"min_reach": 100_000}),
    (30, "Matches a banked known fake", "known-fakes", {"known_fake_match": True}),
    (40, "Photos", "photos", {"item_kind": "photo"}),
]


def seed_rules(apps, schema_editor):
    Queue = apps.get_model("dashboard", "Queue")
    RoutingRule = apps.get_model("routing", "RoutingRule")
    for order, name, slug, conditions in SEEDED_RULES:
        queue = Queue.objects.filter(slug=slug).first()
        if queue is not None and not RoutingRule.objects.filter(name=name).exists():
            RoutingRule.objects.create(order=order, name=name, queue=queue, **conditions)


def unseed_rules(apps, schema_editor):
    RoutingRule = apps.get_model("routing", "RoutingRule")
    RoutingRule.objects.filter(name__in=[name for _o, name, _s, _c in SEEDED_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(seed_rules, unseed_rules)]
