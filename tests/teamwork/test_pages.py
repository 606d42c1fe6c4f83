"""The team-workflow pages: confirmation queue, appeals, SLA list, evidence packs, clip panel."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import AuditEvent
from teamwork import tasks
from teamwork.appeals import file_appeal
from teamwork.constants import AppealState, PendingState
from teamwork.models import EvidencePack, SlaBand
from teamwork.sla import record_sla_breaches
from tests.factories import ClipFactory, PersonFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db


def _held(moderator, **request):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    clip.persons.add(PersonFactory(protected=True))
    claim_clip(clip.pk, moderator)
    request = {"action": "remove", "reason": "Impersonation or fraud", **request}
    return clip, apply_decision(clip.pk, moderator, DecisionRequest(**request))


def test_desk_decision_on_a_protected_person_goes_to_the_confirmation_queue(client, moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    clip.persons.add(PersonFactory(protected=True))
    client.force_login(moderator)
    client.get(reverse("dashboard:clip", args=[clip.public_id]))
    clip.refresh_from_db()
    response = client.post(
        reverse("dashboard:decide", args=[clip.public_id]),
        {"action": "remove", "reason": "Impersonation or fraud", "expected_version": clip.version},
        follow=True,
    )
    assert "second moderator confirms it" in response.content.decode()
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM


def test_confirmation_queue_lists_pending_in_constant_queries(
    client, moderator, moderator2, django_assert_max_num_queries
):
    for _ in range(5):
        _held(moderator)
    client.force_login(moderator2)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("teamwork:confirmations"))
    page = response.content.decode()
    assert response.status_code == 200 and page.count(">Review</a>") == 5


def test_proposer_sees_no_confirm_form_and_a_post_is_refused(client, moderator):
    clip, pending = _held(moderator)
    client.force_login(moderator)
    page = client.get(reverse("teamwork:pending", args=[pending.pk])).content.decode()
    assert "another moderator must confirm" in page and "Confirm remove" not in page
    response = client.post(reverse("teamwork:confirm", args=[pending.pk]), {})
    assert response.status_code == 403
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM


def test_second_moderator_confirms_and_overturns_from_the_page(client, moderator, moderator2):
    clip, pending = _held(moderator)
    client.force_login(moderator2)
    assert (
        "Confirm remove"
        in client.get(reverse("teamwork:pending", args=[pending.pk])).content.decode()
    )
    response = client.post(reverse("teamwork:confirm", args=[pending.pk]), {"note": "agreed"})
    assert response.status_code == 302
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED

    other, pending = _held(moderator)
    response = client.post(
        reverse("teamwork:overturn", args=[pending.pk]),
        {"action": "label", "labels": ["face-swap"], "reason": "Satire"},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    pending.refresh_from_db()
    assert other.status == ClipStatus.LABELED and pending.state == PendingState.OVERTURNED


def test_appeal_by_hand_and_review_from_the_queue(client, moderator, moderator2):
    clip, _ = decided_clip(moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("teamwork:appeal_new", args=[clip.public_id]),
        {"statement": "Called in by the uploader", "appellant": "J. Doe"},
    )
    assert response.status_code == 302
    appeal = clip.appeals.get()
    assert appeal.source == "desk"
    # The decider may not review it.
    page = client.get(reverse("teamwork:appeal", args=[appeal.pk])).content.decode()
    assert "Record the outcome" not in page
    response = client.post(
        reverse("teamwork:appeal_decide", args=[appeal.pk]),
        {"outcome": "overturned", "reason": "x"},
    )
    assert response.status_code == 403
    client.force_login(moderator2)
    assert "1 open" in client.get(reverse("teamwork:appeals")).content.decode()
    response = client.post(
        reverse("teamwork:appeal_decide", args=[appeal.pk]),
        {"outcome": "upheld", "reason": "Policy applies"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == AppealState.UPHELD


def test_sla_page_is_for_seniors_and_lists_breaches(
    client, moderator, senior, django_assert_max_num_queries
):
    SlaBand.objects.create(name="all", min_priority=0, hours=1)
    for _ in range(3):
        ClipFactory(
            status=ClipStatus.AWAITING_REVIEW, created_at=timezone.now() - timedelta(hours=2)
        )
    ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    record_sla_breaches()
    client.force_login(moderator)
    assert client.get(reverse("teamwork:sla")).status_code == 403
    client.force_login(senior)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("teamwork:sla"))
    page = response.content.decode()
    assert page.count('class="sla-breached"') == 3
    assert page.count('class="countdown overdue"') == 3


def test_clip_page_offers_the_pack_and_the_button_queues_it(
    client, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(
        tasks.build_evidence_pack, "apply_async", lambda args: enqueued.append(args[0])
    )
    clip, _ = decided_clip(moderator)
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "Build evidence pack" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("teamwork:pack_request", args=[clip.public_id]))
    pack = EvidencePack.objects.get()
    assert response.url == reverse("teamwork:pack", args=[pack.pk])
    assert enqueued == [pack.pk]
    assert AuditEvent.objects.filter(clip=clip, action="evidence.requested").exists()
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert client.get(reverse("teamwork:pack_download", args=[pack.pk])).status_code == 404


def test_clip_page_shows_the_pending_decision(client, moderator, moderator2):
    clip, pending = _held(moderator)
    client.force_login(moderator2)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "awaiting a second moderator" in page
    assert reverse("teamwork:pending", args=[pending.pk]) in page


def test_proposer_withdraws_from_the_page(client, moderator):
    clip, pending = _held(moderator)
    client.force_login(moderator)
    response = client.post(reverse("teamwork:withdraw", args=[pending.pk]), {"reason": "Oops"})
    assert response.status_code == 302
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW


def test_appeals_queue_in_constant_queries(
    client, moderator, moderator2, reporter, django_assert_max_num_queries
):
    for _ in range(6):
        clip, _ = decided_clip(moderator)
        file_appeal(clip.pk, reporter, "Please look again")
    client.force_login(moderator2)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("teamwork:appeals"))
    page = response.content.decode()
    assert "6 open" in page and page.count(">Review</a>") == 6
