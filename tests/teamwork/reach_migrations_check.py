"""The reach migrations forward and back, run in its own process by test_reach_migrations.py
against a scratch database named by DATABASE_URL (SQLite or PostgreSQL), so the suite's own
test database and its flushes are never involved. Prints "ok" when every check held."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

BEFORE = [("dashboard", "0004_clip_awaiting_confirm"), ("teamwork", "0004_pack_build_started_at")]
AFTER = [("dashboard", "0005_clip_reach"), ("teamwork", "0006_default_reach_policy")]
PROTECTED = "Protected person: remove or approve"
HIGH_REACH = "High reach: remove or approve"


def migrate(targets: list[tuple[str, str]] | None = None) -> Apps:
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def main() -> None:
    old = migrate(BEFORE)
    assert "reach" not in columns("dashboard_clip")
    clip = old.get_model("dashboard", "Clip").objects.create(
        sha256="f" * 64, file="clips/ff/x.mp4", size_bytes=1
    )
    old.get_model("dashboard", "Report").objects.create(clip=clip, reason="deepfake")
    assert old.get_model("teamwork", "TwoPersonPolicy").objects.filter(name=PROTECTED).exists()

    new = migrate(AFTER)
    Clip = new.get_model("dashboard", "Clip")
    assert Clip.objects.get(pk=clip.pk).reach is None
    assert new.get_model("dashboard", "Report").objects.get(clip_id=clip.pk).reach is None
    Policy = new.get_model("teamwork", "TwoPersonPolicy")
    seeded = Policy.objects.get(name=HIGH_REACH)
    assert (seeded.min_reach, seeded.protected_person, seeded.active) == (1_000_000, False, True)
    assert sorted(seeded.actions) == ["approve", "remove"]
    assert Policy.objects.get(name=PROTECTED).min_reach is None
    # The column itself refuses a negative reach, whatever the code does; 10^12 fits.
    try:
        with transaction.atomic():
            Clip.objects.filter(pk=clip.pk).update(reach=-1)
    except IntegrityError:
        pass
    else:
        raise AssertionError("a negative reach was stored")
    Clip.objects.filter(pk=clip.pk).update(reach=10**12)
    assert Clip.objects.get(pk=clip.pk).reach == 10**12

    back = migrate(BEFORE)
    assert "reach" not in columns("dashboard_clip")
    assert "min_reach" not in columns("teamwork_twopersonpolicy")
    assert not back.get_model("teamwork", "TwoPersonPolicy").objects.filter(name=HIGH_REACH)
    assert back.get_model("dashboard", "Clip").objects.filter(pk=clip.pk).exists()

    # And forward again with every other app's migrations on top.
    latest = migrate()
    assert latest.get_model("teamwork", "TwoPersonPolicy").objects.filter(name=HIGH_REACH)
    print("ok")


if __name__ == "__main__":
    main()
