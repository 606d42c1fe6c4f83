"""An authentic reference registered after clips arrived is matched against the open clips on
the desk: a task (bounded, audited, idempotent) sent once the registration commits, with the
provenance sweeper sending it again when it never ran."""

from datetime import timedelta

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent
from detection.frames import sample_frames
from provenance import services, tasks
from provenance.cases import case_of
from provenance.models import BankEntry, BankKind, BankMatch
from tests.factories import PersonFactory
from tests.provenance.conftest import stored_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def press_still(fake_original, tmp_path):
    """An authentic still: the first frame of what was later animated into the fake."""
    frame = next(iter(sample_frames(fake_original))).image
    path = tmp_path / "press.png"
    cv2.imwrite(str(path), frame)
    return path


def register(press_still, moderator) -> BankEntry:
    upload = SimpleUploadedFile("press.png", press_still.read_bytes(), content_type="image/png")
    return services.do_register_reference(
        PersonFactory(name="Ada Example"), "Press event 2026", upload, moderator
    )


def on_desk(path, status=ClipStatus.AWAITING_REVIEW):
    """A clip that arrived before the reference and was hashed when it was scored."""
    clip = stored_clip(path, status=status)
    services.fingerprint(clip)
    return clip


def test_open_clips_that_match_a_new_reference_show_it(
    client, moderator, press_still, fake_reupload, unrelated_video
):
    derived = on_desk(fake_reupload)
    unrelated = on_desk(unrelated_video)
    decided = on_desk(fake_reupload, status=ClipStatus.APPROVED)  # not on the desk any more
    entry = register(press_still, moderator)
    assert entry.desk_matched_at is None  # the sweeper's marker until the pass ran

    [found] = services.do_match_desk_against_reference(entry.pk)

    assert found.clip == derived and found.entry == entry
    assert not BankMatch.objects.filter(clip__in=[unrelated, decided]).exists()
    matched = AuditEvent.objects.get(clip=derived, action="provenance.matched")
    assert matched.data["entry"] == entry.pk and matched.data["registered_after_clip"]
    summary = AuditEvent.objects.get(action="provenance.reference_matched_desk")
    assert summary.data["clips_compared"] == 2 and summary.data["matched"] == [derived.pk]
    entry.refresh_from_db()
    assert entry.desk_matched_at is not None
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[derived.public_id])).content.decode()
    assert "Derived from authentic source" in page and "Press event 2026" in page

    # A re-sent job does nothing: no new rows, no new audit.
    assert services.do_match_desk_against_reference(entry.pk) == []
    assert AuditEvent.objects.filter(action="provenance.reference_matched_desk").count() == 1
    assert AuditEvent.objects.filter(clip=derived, action="provenance.matched").count() == 1


def test_the_pass_is_bounded_newest_first(monkeypatch, moderator, press_still, fake_reupload):
    older = on_desk(fake_reupload)
    newer = on_desk(fake_reupload)
    type(older).objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    monkeypatch.setattr(services, "REFERENCE_DESK_LIMIT", 1)
    entry = register(press_still, moderator)
    [found] = services.do_match_desk_against_reference(entry.pk)
    assert found.clip == newer
    summary = AuditEvent.objects.get(action="provenance.reference_matched_desk")
    assert summary.data["clips_compared"] == 1 and summary.data["limit"] == 1


def test_the_sweeper_sends_a_pass_that_never_ran(
    monkeypatch, moderator, press_still, fake_reupload
):
    derived = on_desk(fake_reupload)
    entry = register(press_still, moderator)
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)
    assert tasks.resend_stale_desk_matching() == 0  # within the grace: the first send may come
    an_hour_ago = timezone.now() - timedelta(hours=1)
    BankEntry.objects.filter(pk=entry.pk).update(created_at=an_hour_ago)
    assert tasks.resend_provenance_jobs() == 1
    entry.refresh_from_db()
    assert entry.desk_matched_at is not None and entry.desk_match_sent_at is not None
    assert BankMatch.objects.filter(clip=derived, entry=entry).exists()
    assert tasks.resend_provenance_jobs() == 0  # done: never sent again


def test_registering_from_the_page_asks_for_the_pass(
    client, moderator, press_still, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks, "_send_desk_matching", lambda pk, on_commit: sent.append(pk))
    client.force_login(moderator)
    upload = SimpleUploadedFile("press.png", press_still.read_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("provenance:references"),
            {"person": PersonFactory().pk, "title": "Press", "file": upload},
        )
    assert response.status_code == 302
    assert sent == [BankEntry.objects.get(bank__kind=BankKind.REFERENCE).pk]


def test_copies_matched_by_the_retroactive_pass_form_one_case(
    moderator, press_still, fake_reupload
):
    """Two open copies derived from the same authentic still join one case when a reference
    registered after them matches both."""
    first, second = on_desk(fake_reupload), on_desk(fake_reupload)
    entry = register(press_still, moderator)

    found = services.do_match_desk_against_reference(entry.pk)

    assert {m.clip_id for m in found} == {first.pk, second.pk}
    case = case_of(first)
    assert case is not None and case_of(second) == case
    assert list(case.entries.all()) == [entry]
    assert AuditEvent.objects.filter(action="case.joined", clip__in=[first, second]).count() == 2
