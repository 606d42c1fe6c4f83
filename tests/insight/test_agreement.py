"""Inter-moderator agreement: sampling, the blind second review, agreement rate and kappa."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.models import AuditEvent, Clip, Decision
from insight import agreement
from insight.metrics import DateRange
from insight.models import AgreementSample
from tests.insight.helpers import clip_at, decide

A, R, L = DecisionAction.APPROVE, DecisionAction.REMOVE, DecisionAction.LABEL


def test_kappa_worked_by_hand():
    # 10 pairs: approve/approve 4, approve/remove 1, remove/remove 3, remove/approve 2.
    # p_o = 7/10. First rater: approve 5, remove 5; second: approve 6, remove 4.
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    result = agreement.cohen_kappa([(A, A, 4), (A, R, 1), (R, R, 3), (R, A, 2)])
    assert result.pairs == 10
    assert result.agreed == 7
    assert result.rate == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)
    assert result.matrix[R][A] == 2


def test_kappa_perfect_and_chance_and_degenerate():
    # Perfect agreement over two categories: kappa 1.
    assert agreement.cohen_kappa([(A, A, 3), (R, R, 1)]).kappa == pytest.approx(1.0)
    # Agreement no better than chance: p_o = 0.5, p_e = 0.5 -> 0.
    chance = agreement.cohen_kappa([(A, A, 1), (A, R, 1), (R, A, 1), (R, R, 1)])
    assert chance.kappa == pytest.approx(0.0)
    # Everyone always approved: p_e = 1, kappa undefined; rate still 1.
    same = agreement.cohen_kappa([(A, A, 5)])
    assert same.rate == 1.0 and same.kappa is None
    assert agreement.cohen_kappa([]).rate is None


def test_agreement_stats_from_the_database(moderator, moderator2):
    now = timezone.now()
    pairs = [(A, A)] * 4 + [(A, R)] + [(R, R)] * 3 + [(R, A)] * 2
    for i, (first, second) in enumerate(pairs):
        clip = clip_at(now - timedelta(hours=2), ClipStatus.AWAITING_REVIEW)
        decision = decide(clip, moderator, first, now - timedelta(hours=1, minutes=i))
        AgreementSample.objects.create(
            clip=clip,
            first_decision=decision,
            second_moderator=moderator2,
            second_action=second,
            reviewed_at=now - timedelta(minutes=10),
        )
    # One sample still waiting for its second opinion does not count.
    waiting = clip_at(now, ClipStatus.AWAITING_REVIEW)
    AgreementSample.objects.create(clip=waiting, first_decision=decide(waiting, moderator, A, now))
    span = DateRange(now - timedelta(days=1), now)
    stats = agreement.agreement_stats(span)
    assert (stats.pairs, stats.agreed) == (10, 7)
    assert stats.kappa == pytest.approx(0.4)
    assert len(agreement.disagreements(span)) == 3


def test_sampling_is_deterministic_idempotent_and_first_decisions_only(moderator, senior):
    now = timezone.now()
    escalated = clip_at(now - timedelta(hours=3), ClipStatus.IN_REVIEW)
    first = decide(escalated, moderator, DecisionAction.ESCALATE, now - timedelta(hours=2))
    decide(escalated, senior, A, now - timedelta(hours=1), final_status=ClipStatus.APPROVED)
    other = clip_at(now - timedelta(hours=3), ClipStatus.IN_REVIEW)
    decide(other, moderator, R, now - timedelta(hours=1), final_status=ClipStatus.REMOVED)
    old = clip_at(now - timedelta(days=9), ClipStatus.IN_REVIEW)
    decide(old, moderator, A, now - timedelta(days=8), final_status=ClipStatus.APPROVED)

    assert agreement.sample_recent_decisions(share=0.0, now=now) == []
    marked = agreement.sample_recent_decisions(share=1.0, now=now)
    assert {s.first_decision_id for s in marked} == {first.pk, other.decisions.get().pk}
    assert agreement.sample_recent_decisions(share=1.0, now=now) == []
    assert AgreementSample.objects.count() == 2


def test_is_sampled_hits_the_share():
    import uuid

    hits = sum(agreement.is_sampled(uuid.uuid4().hex, 0.05) for _ in range(20_000))
    assert 800 < hits < 1200  # 5 % of 20,000 = 1,000


@pytest.fixture
def sampled(moderator):
    clip = clip_at(timezone.now(), ClipStatus.IN_REVIEW)
    decision = decide(clip, moderator, R, timezone.now(), final_status=ClipStatus.REMOVED)
    return AgreementSample.objects.create(clip=clip, first_decision=decision)


def test_second_opinion_never_changes_the_first_decision(sampled, moderator2):
    clip_before = Clip.objects.get(pk=sampled.clip_id)
    agreement.record_second_opinion(sampled.pk, moderator2, A, note="looks real")
    clip_after = Clip.objects.get(pk=sampled.clip_id)
    assert clip_after.status == ClipStatus.REMOVED
    assert clip_after.version == clip_before.version
    assert list(Decision.objects.filter(clip=clip_after).values_list("action", flat=True)) == [R]
    sampled.refresh_from_db()
    assert (sampled.second_action, sampled.second_moderator) == (A, moderator2)
    assert sampled.agreed is False
    event = AuditEvent.objects.get(action="insight.second_opinion")
    assert event.actor == moderator2 and event.from_status == event.to_status == "removed"


def test_second_review_refusals(sampled, moderator, moderator2, reporter):
    assert list(agreement.second_review_queue(moderator)) == []
    assert list(agreement.second_review_queue(moderator2)) == [sampled]
    with pytest.raises(agreement.AgreementError) as own:
        agreement.record_second_opinion(sampled.pk, moderator, A)
    assert own.value.code == "own_decision"
    with pytest.raises(agreement.AgreementError) as forbidden:
        agreement.record_second_opinion(sampled.pk, reporter, A)
    assert forbidden.value.code == "forbidden"
    with pytest.raises(agreement.AgreementError) as bad:
        agreement.record_second_opinion(sampled.pk, moderator2, "delete")
    assert bad.value.code == "invalid_action"
    agreement.record_second_opinion(sampled.pk, moderator2, R)
    with pytest.raises(agreement.AgreementError) as twice:
        agreement.record_second_opinion(sampled.pk, moderator2, A)
    assert twice.value.code == "already_reviewed"
    assert AuditEvent.objects.filter(action="insight.second_opinion").count() == 1
    assert agreement.second_review_queue(moderator2).count() == 0


def test_date_range_is_half_open():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = DateRange(start, start + timedelta(hours=2))
    assert span.buckets() == [start, start + timedelta(hours=1)]


def test_periodic_task_uses_the_configured_share(settings, moderator):
    from insight.tasks import sample_for_agreement

    now = timezone.now()
    clip = clip_at(now - timedelta(hours=2), ClipStatus.IN_REVIEW)
    decide(clip, moderator, A, now - timedelta(hours=1), final_status=ClipStatus.APPROVED)
    settings.INSIGHT_AGREEMENT_SHARE = 0.0
    assert sample_for_agreement() == 0
    settings.INSIGHT_AGREEMENT_SHARE = 1.0
    assert sample_for_agreement() == 1
    assert sample_for_agreement() == 0  # a re-run marks nothing twice


def test_admin_lists_samples_read_only(sampled, admin_user, client):
    client.force_login(admin_user)
    response = client.get("/admin/insight/agreementsample/")
    assert response.status_code == 200
    assert sampled.clip.short_id in response.content.decode()
    assert client.get(f"/admin/insight/agreementsample/{sampled.pk}/delete/").status_code == 403
