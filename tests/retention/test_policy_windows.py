"""Retention policies: media is due N days after the decision and never within the appeal
window; an open appeal, a legal hold (on the clip or on a person it depicts) keeps it."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.models import AuditEvent
from retention.models import RetentionPolicy
from retention.services import (
    RetentionError,
    place_hold,
    plan_sweep,
    release_hold,
    run_sweep,
)
from teamwork.appeals import decide_appeal, file_appeal
from tests.factories import PersonFactory
from tests.retention.conftest import stock

pytestmark = pytest.mark.django_db


def _after(days: float):
    return timezone.now() + timedelta(days=days)


def _action(clip, now):
    return next(item for item in plan_sweep(now) if item.clip.pk == clip.pk).action


def test_seeded_policies_cover_every_final_outcome():
    policies = {p.outcome: p for p in RetentionPolicy.objects.all()}
    assert set(policies) == {"approved", "labeled", "removed"}
    assert policies["removed"].delete_media and policies["removed"].delete_after_days == 30
    assert not policies["labeled"].delete_media  # platforms still fetch its rendition


def test_removed_clip_media_waits_n_days_then_goes(stocked):
    clip = stocked.clip
    before = run_sweep(dry_run=False, now=_after(29))
    assert before.erased == [] and _action(clip, _after(29)) == "wait"
    assert all(default_storage.exists(n) for n in stocked.names)

    after = run_sweep(dry_run=False, now=_after(31))
    assert [e.clip_id for e in after.erased] == [clip.pk]
    assert not any(default_storage.exists(n) for n in stocked.names)
    clip.refresh_from_db()
    assert clip.media_erased_under == "retention policy “Removed clips”"
    event = AuditEvent.objects.get(clip=clip, action="retention.media_erased")
    assert event.actor_label == "retention.sweep"
    assert {i["kind"] for i in event.data["items"]} == {
        "clip_file",
        "face_crop",
        "evidence_pack",
        "rendition",
    }


def test_appeal_window_longer_than_retention_holds_media(stocked):
    RetentionPolicy.objects.filter(outcome="removed").update(
        delete_after_days=7, appeal_window_days=60
    )
    assert _action(stocked.clip, _after(10)) == "wait"
    assert run_sweep(dry_run=False, now=_after(10)).erased == []
    assert default_storage.exists(stocked.clip.file.name)
    assert _action(stocked.clip, _after(61)) == "delete"


def test_open_appeal_blocks_deletion_until_it_is_decided(stocked, reporter, moderator2):
    appeal = file_appeal(stocked.clip.pk, reporter, "That is not me, it is parody.")
    report = run_sweep(dry_run=False, now=_after(40))
    assert report.erased == []
    item = next(i for i in report.items if i.clip.pk == stocked.clip.pk)
    assert item.action == "wait" and f"appeal {appeal.pk} is open" in item.why
    assert default_storage.exists(stocked.clip.file.name)

    decide_appeal(appeal.pk, moderator2, "upheld", "The removal stands.")
    assert [e.clip_id for e in run_sweep(dry_run=False, now=_after(40)).erased] == [stocked.clip.pk]


def test_legal_hold_on_clip_blocks_until_released(stocked, admin_user):
    hold = place_hold(admin_user, "Court order 2026-117", clip=stocked.clip)
    report = run_sweep(dry_run=False, now=_after(400))
    assert report.erased == []
    assert _action(stocked.clip, _after(400)) == "hold"
    assert all(default_storage.exists(n) for n in stocked.names)

    release_hold(hold.pk, admin_user, "Case closed")
    assert len(run_sweep(dry_run=False, now=_after(400)).erased) == 1


def test_legal_hold_on_a_person_blocks_every_clip_depicting_them(moderator, admin_user):
    person = PersonFactory(name="Held Person")
    first, second, other = stock(moderator), stock(moderator), stock(moderator)
    first.clip.persons.add(person)
    second.clip.persons.add(person)
    place_hold(admin_user, "Litigation hold", person=person)
    report = run_sweep(dry_run=False, now=_after(40))
    assert [e.clip_id for e in report.erased] == [other.clip.pk]
    assert default_storage.exists(first.clip.file.name)
    assert default_storage.exists(second.clip.file.name)


def test_outcome_kept_by_policy_is_never_deleted_until_switched_on(moderator, admin_user):
    approved = stock(moderator, action="approve", reason="")
    RetentionPolicy.objects.filter(outcome="approved").update(delete_media=False)
    assert _action(approved.clip, _after(1000)) == "keep"
    assert run_sweep(dry_run=False, now=_after(1000)).erased == []

    RetentionPolicy.objects.filter(outcome="approved").update(
        delete_media=True, delete_after_days=5, appeal_window_days=0
    )
    assert _action(approved.clip, _after(4)) == "wait"
    assert len(run_sweep(dry_run=False, now=_after(6)).erased) == 1


def test_hold_needs_an_admin_and_a_reason(stocked, moderator, admin_user):
    with pytest.raises(RetentionError) as refused:
        place_hold(moderator, "because", clip=stocked.clip)
    assert refused.value.status == 403
    with pytest.raises(RetentionError) as refused:
        place_hold(admin_user, "  ", clip=stocked.clip)
    assert refused.value.code == "reason_required"
