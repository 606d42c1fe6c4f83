"""Known-fake bank: decided fakes are banked, their re-uploads matched and prioritised."""

import pytest

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip
from dashboard.priority import LEVEL_POINTS
from dashboard.signals import SuspicionLevel
from provenance import live_index, services, tasks
from provenance.models import BankEntry, BankMatch
from tests.factories import PersonFactory
from tests.provenance.conftest import decide, stored_clip


@pytest.fixture
def banked(db, moderator, fake_original):
    clip = stored_clip(fake_original)
    clip.persons.add(PersonFactory(name="Ada Example"))
    decision = decide(clip, moderator)
    return services.do_bank_decision(decision.pk)


def test_labelling_as_manipulated_enqueues_banking_after_commit(
    db, moderator, fake_original, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.bank_decision, "apply_async", lambda args: sent.append(args[0]))
    clip = stored_clip(fake_original)
    with django_capture_on_commit_callbacks(execute=True):
        decision = decide(clip, moderator)
    assert sent == [decision.pk]


def test_banked_entry_carries_decision_labels_and_persons(banked):
    assert banked.decision_action == "label"
    assert banked.labels == ["animated-still"]
    assert banked.persons == ["Ada Example"]
    assert banked.frame_count >= 8
    assert AuditEvent.objects.filter(action="provenance.banked", clip=banked.clip).count() == 1


def test_banking_twice_changes_nothing(banked):
    again = services.do_bank_decision(banked.decision_id)
    assert again.pk == banked.pk
    assert BankEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "labels", "reason", "banked"),
    [
        ("approve", (), "", False),
        ("label", ("authentic",), "", False),
        ("remove", (), "policy breach", True),
    ],
)
def test_only_manipulated_labels_and_removals_are_banked(
    db, moderator, fake_original, action, labels, reason, banked
):
    clip = stored_clip(fake_original)
    decision = decide(clip, moderator, action=action, labels=labels, reason=reason)
    assert (services.do_bank_decision(decision.pk) is not None) is banked


def test_reupload_matches_and_rises_in_priority(banked, fake_reupload):
    clip = stored_clip(fake_reupload, priority=0.0)
    [match] = services.do_match_clip(clip.pk)
    assert match.entry == banked
    assert match.query_share >= 0.9 and match.bank_share >= 0.9
    assert match.best_distance <= 31
    clip.refresh_from_db()
    # A known-fake match is conclusive; it weighs through the suspicion level (it was a
    # separate 60-point bonus before the level existed).
    assert clip.priority == LEVEL_POINTS[SuspicionLevel.CONCLUSIVE]
    assert AuditEvent.objects.filter(clip=clip, action="provenance.matched").count() == 1
    # a second run updates the same row and audits nothing new
    services.do_match_clip(clip.pk)
    assert BankMatch.objects.filter(clip=clip).count() == 1
    assert AuditEvent.objects.filter(clip=clip, action="provenance.matched").count() == 1


def test_unrelated_clip_does_not_match(banked, unrelated_video):
    clip = stored_clip(unrelated_video)
    assert services.do_match_clip(clip.pk) == []


def test_disabled_bank_is_not_searched(banked, fake_reupload):
    banked.bank.enabled = False
    banked.bank.save()
    assert services.do_match_clip(stored_clip(fake_reupload).pk) == []


def test_match_marked_wrong_is_excluded_from_then_on(banked, fake_reupload, moderator):
    clip = stored_clip(fake_reupload)
    [match] = services.do_match_clip(clip.pk)
    services.do_mark_match_wrong(match.pk, moderator)
    clip.refresh_from_db()
    assert clip.priority == 0.0
    assert services.active_matches(clip) == []
    assert services.do_match_clip(clip.pk) == []
    assert AuditEvent.objects.filter(
        action="provenance.match_marked_wrong", actor=moderator
    ).exists()


def test_only_moderators_mark_matches_wrong(banked, fake_reupload, reporter):
    [match] = services.do_match_clip(stored_clip(fake_reupload).pk)
    with pytest.raises(services.ProvenanceError) as caught:
        services.do_mark_match_wrong(match.pk, reporter)
    assert caught.value.status == 403


def test_entry_matching_too_many_clips_is_quarantined(banked, fake_reupload):
    bank = banked.bank
    bank.quarantine_matches = 2
    bank.save()
    for _ in range(2):
        assert len(services.do_match_clip(stored_clip(fake_reupload).pk)) == 1
    flood = stored_clip(fake_reupload)
    assert services.do_match_clip(flood.pk) == []
    banked.refresh_from_db()
    assert banked.quarantined_at is not None
    assert "3 clips" in banked.quarantine_reason
    assert AuditEvent.objects.filter(action="provenance.entry_quarantined").count() == 1
    # quarantined entries are left out of the next clip's search altogether
    assert services.do_match_clip(stored_clip(fake_reupload).pk) == []


def test_auto_apply_is_off_by_default(banked, fake_reupload):
    clip = stored_clip(fake_reupload)
    services.do_match_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW


def test_auto_apply_applies_the_banked_decision_as_the_system(banked, fake_reupload):
    banked.bank.auto_apply = True
    banked.bank.save()
    clip = stored_clip(fake_reupload)
    services.do_match_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.LABELED
    event = AuditEvent.objects.get(clip=clip, action="decision.label")
    assert event.actor is None
    assert event.actor_label == services.AUTO_APPLY_ACTOR
    assert event.data["auto_applied_from"]["entry"] == banked.pk


def test_auto_apply_leaves_a_clip_under_review_alone(banked, fake_reupload, moderator2):
    banked.bank.auto_apply = True
    banked.bank.save()
    clip = stored_clip(fake_reupload)
    claim_clip(clip.pk, moderator2)
    services.do_match_clip(clip.pk)
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.IN_REVIEW


def test_index_grows_in_place_when_the_bank_changes(
    banked, fake_reupload, moderator, unrelated_video
):
    first = services.hash_index()
    size = first.size
    other = stored_clip(unrelated_video)
    entry = services.do_bank_decision(decide(other, moderator).pk)
    assert services.hash_index() is first  # the same index, grown: no rebuild
    assert first.size > size and entry.pk in first.clips
    assert live_index.live.rebuilds == 1
    entry.delete()  # e.g. an overturned appeal
    assert entry.pk not in services.hash_index().clips
    assert live_index.live.rebuilds == 1


@pytest.mark.parametrize(
    ("action", "labels", "reason"), [("approve", (), ""), ("label", ("authentic",), "")]
)
def test_other_decisions_enqueue_nothing(
    db, moderator, fake_original, monkeypatch, django_capture_on_commit_callbacks, action, labels,
    reason,
):  # fmt: skip
    sent = []
    monkeypatch.setattr(tasks.bank_decision, "apply_async", lambda args: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        decide(stored_clip(fake_original), moderator, action=action, labels=labels, reason=reason)
    assert sent == []
