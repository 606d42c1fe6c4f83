"""Service additions the desk relies on: renew_claim, skipping in claim_next_clip, notes and
persons (audited), the SLA deadline per priority band, and the blur preference."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.claims import ClaimError, claim_clip, claim_next_clip, may_decide_now, renew_claim
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, add_note
from dashboard.models import AuditEvent, Depiction, Person
from dashboard.persons import PersonEditError, add_person, remove_person
from desk.ingest import Submission, report_existing
from desk.media import blur_media_for, set_blur_media
from desk.queue import priority_band, sla_deadline
from tests.factories import PersonFactory, ScoredClipFactory, escalated_clip

pytestmark = pytest.mark.django_db


def test_renew_claim_extends_only_a_live_claim_of_the_holder(moderator, moderator2, settings):
    clip = ScoredClipFactory()
    claimed = claim_clip(clip.pk, moderator).clip
    with pytest.raises(ClaimError) as refused:
        renew_claim(clip.pk, moderator2)
    assert refused.value.code == "not_held"
    settings.UNMASK_CLAIM_LEASE = timedelta(hours=1)
    renewed = renew_claim(clip.pk, moderator)
    assert renewed.claim_expires_at > claimed.claim_expires_at
    assert renewed.version == claimed.version
    renewed.claim_expires_at = timezone.now() - timedelta(seconds=1)
    renewed.save()
    with pytest.raises(ClaimError):
        renew_claim(clip.pk, moderator)


def test_claim_next_clip_skips_excluded_clips(moderator):
    top = ScoredClipFactory(score=0.9)
    other = ScoredClipFactory(score=0.1)
    assert claim_next_clip(moderator, exclude=[top.pk]).pk == other.pk
    assert claim_next_clip(moderator, exclude=[top.pk]) is None
    assert claim_next_clip(moderator).pk == top.pk


def test_add_note_is_audited_and_needs_text_and_a_moderator(moderator, reporter):
    clip = ScoredClipFactory()
    event = add_note(clip.pk, moderator, "  looks animated  ")
    assert event.action == "clip.note" and event.data == {"note": "looks animated"}
    assert event.clip == clip and event.actor == moderator
    with pytest.raises(DecisionError):
        add_note(clip.pk, moderator, "   ")
    with pytest.raises(DecisionError) as refused:
        add_note(clip.pk, reporter, "hello")
    assert refused.value.status == 403
    assert AuditEvent.objects.filter(action="clip.note").count() == 1


def test_persons_added_once_removed_audited_and_remembered(moderator):
    clip = ScoredClipFactory(score=0.2, reports=0)
    claim_clip(clip.pk, moderator)
    person = add_person(clip.pk, moderator, "Bo Example")
    assert add_person(clip.pk, moderator, "bo example") == person
    assert Person.objects.count() == 1
    assert AuditEvent.objects.filter(clip=clip, action="clip.person_added").count() == 1
    remove_person(clip.pk, moderator, person.pk)
    assert not clip.persons.exists()
    # Untagged, but the clip's record of having depicted them stays.
    depiction = Depiction.objects.get(clip=clip)
    assert (depiction.person, depiction.source, depiction.added_by) == (
        person,
        "moderator",
        moderator,
    )
    with pytest.raises(PermissionError):
        depiction.delete()
    with pytest.raises(PersonEditError) as refused:
        remove_person(clip.pk, moderator, person.pk)
    assert (refused.value.code, refused.value.status) == ("not_depicted", 409)
    with pytest.raises(PersonEditError) as refused:
        add_person(clip.pk, moderator, "   ")
    assert (refused.value.code, refused.value.status) == ("name_required", 400)


def test_person_edits_refused_by_role_and_state(moderator, senior, reporter):
    clip = escalated_clip(persons=[PersonFactory(name="Ana Example")])
    ana = clip.persons.get()
    with pytest.raises(PersonEditError) as refused:
        remove_person(clip.pk, reporter, ana.pk)
    assert (refused.value.code, refused.value.status) == ("forbidden", 403)
    with pytest.raises(PersonEditError) as refused:
        remove_person(clip.pk, moderator, ana.pk)
    assert (refused.value.code, refused.value.status) == ("senior_only", 403)
    queued = ScoredClipFactory(status=ClipStatus.QUEUED, score=None)
    with pytest.raises(PersonEditError) as refused:
        add_person(queued.pk, moderator, "Bo Example")
    assert refused.value.code == "not_reviewable"
    claim_clip(clip.pk, senior)
    remove_person(clip.pk, senior, ana.pk)  # the senior holding it: not an override
    event = AuditEvent.objects.get(clip=clip, action="clip.person_removed")
    assert event.actor == senior and event.data["override"] is False


def test_a_report_naming_a_person_records_the_depiction(reporter):
    # The clip's own submitter: its statements apply at once (dashboard.reports); another
    # reporter's wait for a moderator and record nothing yet (test_report_statements.py).
    clip = ScoredClipFactory(reports=0, submitted_by=reporter)
    report_existing(clip, Submission(subjects=("Ana Example",)), reporter)
    depiction = Depiction.objects.get(clip=clip)
    assert (depiction.person.name, depiction.source, depiction.added_by) == (
        "Ana Example",
        "report",
        reporter,
    )
    assert list(clip.persons.all()) == [depiction.person]


def test_another_reporters_pending_report_records_no_depiction(reporter):
    clip = ScoredClipFactory(reports=0)
    report_existing(clip, Submission(subjects=("Ana Example",)), reporter)
    assert not Depiction.objects.filter(clip=clip).exists() and not clip.persons.exists()


def test_sla_deadline_per_priority_band(settings):
    settings.UNMASK_SLA_HIGH_PRIORITY = 100.0
    settings.UNMASK_SLA_HOURS_HIGH = 4.0
    settings.UNMASK_SLA_HOURS_NORMAL = 24.0
    start = timezone.now()
    assert priority_band(100.0) == "high" and priority_band(99.9) == "normal"
    assert sla_deadline(start, 130.0) == start + timedelta(hours=4)
    assert sla_deadline(start, 10.0) == start + timedelta(hours=24)


def test_review_page_sla_counts_from_the_first_report(client, moderator, settings):
    settings.UNMASK_SLA_HOURS_NORMAL = 24.0
    clip = ScoredClipFactory(score=0.5, age=timedelta(hours=30))
    client.force_login(moderator)
    response = client.get(f"/clips/{clip.public_id}/")
    assert response.context["sla_deadline"] == clip.reports.get().created_at + timedelta(hours=24)
    assert response.context["sla_deadline"] < timezone.now()  # overdue
    assert clip.status == ClipStatus.AWAITING_REVIEW


def test_blur_preference_defaults_on_and_is_per_user(moderator, moderator2):
    assert blur_media_for(moderator) is True
    set_blur_media(moderator, False)
    assert blur_media_for(moderator) is False
    assert blur_media_for(moderator2) is True
    set_blur_media(moderator, True)
    assert blur_media_for(moderator) is True


def test_may_decide_now_only_with_a_live_claim_and_the_right_role(moderator, moderator2, senior):
    clip = ScoredClipFactory()
    assert not may_decide_now(clip, moderator)  # not claimed yet
    clip = claim_clip(clip.pk, moderator).clip
    assert may_decide_now(clip, moderator)
    assert not may_decide_now(clip, moderator2)
    clip.claim_expires_at = timezone.now() - timedelta(seconds=1)
    assert not may_decide_now(clip, moderator)
    escalated = escalated_clip(by=moderator2)
    # Even with a live claim (in memory: the claim service would refuse it), not a moderator.
    escalated.claimed_by = moderator
    escalated.claim_expires_at = timezone.now() + timedelta(minutes=1)
    assert not may_decide_now(escalated, moderator)  # escalated: seniors only
    escalated = claim_clip(escalated.pk, senior).clip
    assert may_decide_now(escalated, senior)
