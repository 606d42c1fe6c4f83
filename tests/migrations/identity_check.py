"""Migrations dashboard 0014-0015 (one identity per person) run forwards, backwards and
forwards again on a desk holding persons.

Run by test_identity_migration.py in a process of its own against a scratch database: persons
written by the schema before 0014 (through its historical models) get their normalised key,
script and one PersonName row per spelling, so every spelling resolves; two rows whose names
share a key (김다미 and "김 다미") both stay, for a senior to merge. Backwards, the derived
columns and rows go and the persons, with their aliases, stay.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

BEFORE = ("dashboard", "0013_locale_preferences")


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("migrate", *BEFORE, verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldPerson = old.get_model("dashboard", "Person")
    dami = OldPerson.objects.create(name="김다미", aliases=["Kim Da-mi", "金多美"], protected=True)
    spaced = OldPerson.objects.create(name="김 다미")

    call_command("migrate", verbosity=0)
    from dashboard.identity import find_person
    from dashboard.models import Person, PersonName

    migrated = Person.objects.get(pk=dami.pk)
    assert (migrated.name_key, migrated.script) == ("김다미", "hangul"), migrated.name_key
    rows = set(PersonName.objects.filter(person=dami.pk).values_list("key", "script", "primary"))
    assert rows == {
        ("김다미", "hangul", True),
        ("kimdami", "latin", False),
        ("金多美", "hanja", False),
    }, rows
    for spelling in ["KIM DAMI", "kim da-mi", "金多美", "김다미", "김 다미"]:
        assert find_person(spelling).pk == dami.pk, spelling  # the older row first
    assert PersonName.objects.filter(person=spaced.pk, key="김다미").exists()

    call_command("migrate", *BEFORE, verbosity=0)
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "dashboard_person"
        )
    }
    assert "name_key" not in columns, columns
    assert "dashboard_personname" not in connection.introspection.table_names()
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    kept = old.get_model("dashboard", "Person").objects.get(pk=dami.pk)
    assert kept.aliases == ["Kim Da-mi", "金多美"] and kept.protected

    call_command("migrate", verbosity=0)
    assert find_person("kim dami").pk == dami.pk
    print("ok")


if __name__ == "__main__":
    main()
