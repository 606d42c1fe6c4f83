"""`manage.py retention_sweep`: --dry-run reports what would go and why and deletes nothing; the
real run deletes; a re-run does nothing; the nightly task runs the same sweep."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from dashboard.models import AuditEvent, Clip
from detection.models import FaceCrop
from retention import tasks
from retention.services import place_hold
from tests.retention.conftest import stock

pytestmark = pytest.mark.django_db


def _age(clip: Clip, days: int) -> None:
    Clip.objects.filter(pk=clip.pk).update(decided_at=timezone.now() - timedelta(days=days))


def _sweep(*args: str) -> str:
    out = StringIO()
    call_command("retention_sweep", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_and_deletes_nothing(moderator, admin_user):
    due, young, held = stock(moderator), stock(moderator), stock(moderator)
    _age(due.clip, 45)
    _age(held.clip, 45)
    place_hold(admin_user, "Subpoena 9", clip=held.clip)

    report = _sweep("--dry-run")

    assert report.startswith("Dry run: nothing deleted. 1 clip(s) due, 1 on legal hold, 1 waiting")
    assert f"clip {due.clip.public_id} [removed] would delete: decided" in report
    assert "under retention policy “Removed clips”" in report
    assert f"    - clip file {due.clip.file.name}" in report
    assert f"    - evidence pack {due.pack.pk}" in report
    assert (
        f"clip {held.clip.public_id} [removed] hold: legal hold" in report
        and "Subpoena 9" in report
    )
    assert f"clip {young.clip.public_id} [removed] wait: appeal window runs until" in report or (
        f"clip {young.clip.public_id} [removed] wait: retention period runs until" in report
    )
    for s in (due, young, held):
        assert all(default_storage.exists(n) for n in s.names)
    assert FaceCrop.objects.count() == 3
    assert not AuditEvent.objects.filter(action="retention.media_erased").exists()
    assert not Clip.objects.filter(media_erased_at__isnull=False).exists()


def test_real_run_deletes_and_a_rerun_is_a_no_op(moderator):
    due = stock(moderator)
    _age(due.clip, 45)
    first = _sweep()
    assert f"clip {due.clip.public_id} [removed] deleted:" in first
    assert "1 clip(s) erased" in first
    assert not any(default_storage.exists(n) for n in due.names)

    second = _sweep()
    assert "0 clip(s) due" in second and "0 clip(s) erased" in second
    assert AuditEvent.objects.filter(action="retention.media_erased").count() == 1


def test_nightly_task_runs_the_sweep_and_is_scheduled(moderator):
    due = stock(moderator)
    _age(due.clip, 45)
    assert tasks.retention_sweep.run() == 1
    assert tasks.retention_sweep.run() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["retention-sweep"]
    assert entry["task"] == "retention.tasks.retention_sweep"
    assert entry["schedule"].hour == {settings.UNMASK_RETENTION_SWEEP_HOUR}
