"""The reach migrations on the database under test (SQLite, and PostgreSQL in scripts/test-suite):
existing clips and policies survive with no reach, the default reach policy is seeded, the
column refuses a negative reach, and the migrations reverse cleanly."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("dashboard", "0004_clip_awaiting_confirm"), ("teamwork", "0004_pack_build_started_at")]
AFTER = [("dashboard", "0005_clip_reach"), ("teamwork", "0006_default_reach_policy")]
HIGH_REACH = "High reach: remove or approve"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    call_command("migrate", verbosity=0)


@pytest.mark.slow
# Transactional like the suite's other such tests (no serialized_rollback: a flush before it
# recreates content types under new ids, which the serialized copy would then collide with).
@pytest.mark.django_db(transaction=True)
def test_reach_migrations_forward_and_back():
    try:
        old = _migrate(BEFORE)
        OldClip = old.get_model("dashboard", "Clip")
        clip = OldClip.objects.create(sha256="f" * 64, file="clips/ff/x.mp4", size_bytes=1)
        old.get_model("dashboard", "Report").objects.create(clip=clip, reason="deepfake")
        old.get_model("teamwork", "TwoPersonPolicy").objects.update_or_create(
            name="Protected person: remove or approve",
            defaults={"actions": ["remove", "approve"], "protected_person": True},
        )

        new = _migrate(AFTER)
        Clip = new.get_model("dashboard", "Clip")
        assert Clip.objects.get(pk=clip.pk).reach is None
        assert new.get_model("dashboard", "Report").objects.get(clip_id=clip.pk).reach is None
        Policy = new.get_model("teamwork", "TwoPersonPolicy")
        seeded = Policy.objects.get(name=HIGH_REACH)
        assert (seeded.min_reach, seeded.protected_person, seeded.active) == (
            1_000_000,
            False,
            True,
        )
        assert sorted(seeded.actions) == ["approve", "remove"]
        assert Policy.objects.get(name="Protected person: remove or approve").min_reach is None
        # The database itself refuses a negative reach, whatever the code does.
        with pytest.raises(IntegrityError), transaction.atomic():
            Clip.objects.filter(pk=clip.pk).update(reach=-1)
        Clip.objects.filter(pk=clip.pk).update(reach=10**12)
        assert Clip.objects.get(pk=clip.pk).reach == 10**12

        back = _migrate(BEFORE)
        assert (
            not back.get_model("teamwork", "TwoPersonPolicy")
            .objects.filter(name=HIGH_REACH)
            .exists()
        )
        assert back.get_model("dashboard", "Clip").objects.filter(pk=clip.pk).exists()
        columns = {
            c.name
            for c in connection.introspection.get_table_description(
                connection.cursor(), "dashboard_clip"
            )
        }
        assert "reach" not in columns
    finally:
        _latest()


def test_dashboard_and_teamwork_models_match_their_migrations():
    call_command("makemigrations", "dashboard", "teamwork", "--check", "--dry-run", verbosity=0)
