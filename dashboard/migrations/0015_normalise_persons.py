"""Normalise the persons already on the desk: each gets its normalised key and script, and
every name and alias its PersonName row (dashboard.names), so existing spellings resolve.

Persons whose keys collide (김다미 and "김 다미" were two rows) are left as they are, each
findable; a senior merges them on the merge page. Backwards, the derived rows are removed.
"""

from django.db import migrations

from dashboard import names


def normalise(apps, schema_editor):
    Person = apps.get_model("dashboard", "Person")
    PersonName = apps.get_model("dashboard", "PersonName")
    for person in Person.objects.filter(merged_into__isnull=True).iterator():
        person.name_key = names.normalise_name(person.name)
        person.script = names.detect_script(person.name)
        person.save(update_fields=["name_key", "script"])
        rows, seen = [], set()
        aliases = person.aliases if isinstance(person.aliases, list) else []
        for spelling, primary in [(person.name, True), *((str(a), False) for a in aliases)]:
            spelling = " ".join(spelling.split())[:200]
            key = names.normalise_name(spelling)
            if key and key not in seen:
                seen.add(key)
                rows.append(
                    PersonName(
                        person=person,
                        name=spelling,
                        key=key,
                        loose=names.stored_loose(spelling),
                        script=names.detect_script(spelling),
                        primary=primary,
                    )
                )
        PersonName.objects.bulk_create(rows, ignore_conflicts=True)


def forget(apps, schema_editor):
    apps.get_model("dashboard", "PersonName").objects.all().delete()
    apps.get_model("dashboard", "Person").objects.update(name_key="", script="other")


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0014_person_identity")]

    operations = [migrations.RunPython(normalise, forget)]
