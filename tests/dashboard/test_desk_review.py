"""The review page: opening only looks (tests/dashboard/test_review_claims.py), Start review
claims, others are refused, decide-and-next, heartbeat, release,
notes and persons (audited), escalations for seniors only, and the blur preference."""

import pytest
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Decision, DeskPreference
from tests.factories import (
    DetectionRunFactory,
    DetectorModelFactory,
    PersonFactory,
    ScoredClipFactory,
)

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def url(name: str, clip: Clip, *args: object) -> str:
    return reverse(f"dashboard:{name}", args=[clip.public_id, *args])


def decide(client, clip: Clip, action: str, version: int | None = None, json=False, **fields):
    clip.refresh_from_db()
    data = {"action": action, "expected_version": version or clip.version, **fields}
    return client.post(url("decide", clip), data, **(JSON if json else {}))


@pytest.fixture
def model():
    return DetectorModelFactory()


def test_opening_a_clip_shows_the_evidence_and_claims_nothing(client, moderator, model):
    clip = ScoredClipFactory(model=model, platform="video-site", caption="kiss off-screen")
    DetectionRunFactory(
        clip=clip,
        model=DetectorModelFactory(name="candidate", version="2", is_active=False, is_shadow=True),
        scores=[0.1, 0.2],
        is_shadow=True,
    )
    client.force_login(moderator)
    response = client.get(url("clip", clip))
    assert response.status_code == 200
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW and clip.claimed_by is None
    assert not AuditEvent.objects.filter(clip=clip, action__startswith="claim.").exists()
    page = response.content.decode()
    assert 'data-holding="0"' in page and ">Start review</button>" in page
    assert f'name="expected_version" value="{clip.version}"' in page
    assert f'src="{url("media", clip)}"' in page
    assert '<svg class="timeline"' in page and 'class="tl-threshold"' in page
    assert page.count('class="tl-point') == 4
    assert "baseline" in page and "candidate" in page and ">shadow<" in page
    assert "decode 12 ms" in page  # stage timings
    assert "Jump to highest score" in page and 'data-seek="1.000"' in page
    assert "SLA deadline" in page and "data-countdown" in page
    assert 'data-heartbeat-seconds="60"' in page  # a 10-minute lease, renewed every minute
    for name in ("Approve", "Label", "Remove", "Escalate", "Next clip"):
        assert f">{name}</button>" in page
    assert page.count(reverse("dashboard:crop", args=[0])[:-5]) >= 2  # face crops


def test_another_moderator_sees_who_holds_it_and_cannot_decide(client, moderator, moderator2):
    clip = ScoredClipFactory()
    claim_clip(clip.pk, moderator)
    client.force_login(moderator2)
    page = client.get(url("clip", clip)).content.decode()
    assert "moderator is reviewing this clip" in page
    assert 'data-open="dlg-approve"' not in page
    response = decide(client, clip, "approve", json=True)
    assert response.status_code == 409
    assert response.json()["error"] == "held_by_other"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW and clip.claimed_by == moderator
    assert not Decision.objects.exists()


def test_decide_and_next_by_form_post(client, moderator):
    first = ScoredClipFactory(score=0.9)
    second = ScoredClipFactory(score=0.5)
    client.force_login(moderator)
    client.post(url("start", first))  # Start review claims it
    response = decide(client, first, "approve")
    assert response.status_code == 302
    assert response["Location"] == url("clip", second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ClipStatus.APPROVED and first.claimed_by is None
    assert second.status == ClipStatus.IN_REVIEW and second.claimed_by == moderator


def test_decide_by_script_answers_json_with_the_next_url(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    response = decide(client, clip, "label", json=True, labels=["animated-still"], note="n")
    assert response.status_code == 200
    assert response.json()["next_url"] == reverse("dashboard:queue")
    decision = Decision.objects.get()
    assert decision.action == "label" and decision.note == "n"
    assert list(decision.labels.values_list("slug", flat=True)) == ["animated-still"]


def test_a_decision_is_never_applied_twice(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    clip.refresh_from_db()
    version = clip.version
    assert decide(client, clip, "approve", version, json=True).status_code == 200
    again = decide(client, clip, "approve", version, json=True)
    assert again.status_code == 409
    assert Decision.objects.count() == 1


def test_a_clip_changed_since_the_page_opened_is_refused(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    clip.refresh_from_db()
    response = decide(client, clip, "approve", clip.version - 1, json=True)
    assert response.status_code == 409
    assert response.json()["error"] == "stale_version"
    assert "changed since you opened it" in response.json()["message"]
    # The plain form post shows the page again with the message, and the same status.
    page = decide(client, clip, "approve", clip.version - 1)
    assert page.status_code == 409
    assert "changed since you opened it" in page.content.decode()


@pytest.mark.parametrize(
    ("action", "fields", "code"),
    [
        ("label", {}, "labels_required"),
        ("remove", {"reason": " "}, "reason_required"),
        ("escalate", {}, "reason_required"),
        ("delete", {}, "invalid_form"),
    ],
)
def test_incomplete_decisions_are_refused(client, moderator, action, fields, code):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    response = decide(client, clip, action, json=True, **fields)
    assert response.status_code == 400
    assert response.json()["error"] == code
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW


def test_escalated_clips_are_decided_by_seniors_only(client, moderator, senior):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    assert decide(client, clip, "escalate", reason="famous person").status_code == 302
    clip.refresh_from_db()
    assert clip.status == ClipStatus.ESCALATED

    # Escalated clips are for seniors: the moderator no longer reads the page (dashboard.access).
    refused = client.get(url("clip", clip))
    assert refused.status_code == 403 and b'data-open="dlg-remove"' not in refused.content
    assert decide(client, clip, "remove", reason="policy", json=True).status_code == 403

    client.force_login(senior)
    page = client.get(url("clip", clip)).content.decode()
    assert 'data-open="dlg-remove"' in page and 'data-open="dlg-escalate"' not in page
    assert 'name="escalated" value="1"' in page  # "Next clip" stays in the escalations
    response = decide(client, clip, "remove", reason="Impersonation or fraud", json=True)
    assert response.status_code == 200
    assert response.json()["next_url"] == reverse("dashboard:escalations")
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED


def test_heartbeat_renews_only_the_holders_claim(client, moderator, moderator2):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    clip.refresh_from_db()
    Clip.objects.filter(pk=clip.pk).update(
        claim_expires_at=clip.claim_expires_at.replace(year=2000)
    )
    client.force_login(moderator2)
    assert client.post(url("heartbeat", clip)).status_code == 409
    client.force_login(moderator)
    assert client.post(url("heartbeat", clip)).status_code == 409  # expired: not renewed
    Clip.objects.filter(pk=clip.pk).update(claim_expires_at=clip.claim_expires_at)
    response = client.post(url("heartbeat", clip))
    assert response.status_code == 200
    renewed = Clip.objects.get(pk=clip.pk)
    assert renewed.claim_expires_at > clip.claim_expires_at
    assert renewed.version == clip.version  # a renewal is not a change of the clip


def test_release_gives_the_clip_back(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    response = client.post(url("release", clip))
    assert response["Location"] == reverse("dashboard:queue")
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW and clip.claimed_by is None
    assert AuditEvent.objects.filter(clip=clip, action="claim.released").exists()


def test_decided_clips_open_read_only(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    decide(client, clip, "approve")
    page = client.get(url("clip", clip)).content.decode()
    assert "was already decided" in page
    assert 'data-open="dlg-approve"' not in page
    assert "Approve</strong> by moderator" in page


def test_notes_are_audited_and_shown(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    response = client.post(url("note", clip), {"note": "Mouth edges flicker at 0:01"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(clip=clip, action="clip.note")
    assert event.actor == moderator and event.data["note"] == "Mouth edges flicker at 0:01"
    fragment = client.post(url("note", clip), {"note": "second"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.startswith('<section id="notes"') and "Mouth edges flicker" in body
    assert client.post(url("note", clip), {"note": "  "}).status_code == 400


def test_persons_are_added_and_removed_audited_and_reprioritised(client, moderator):
    clip = ScoredClipFactory(score=0.5, reports=0)
    PersonFactory(name="Ana Example", protected=True, aliases=["A. Example"])
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it
    client.post(url("person_add", clip), {"name": "a. example"})
    clip.refresh_from_db()
    ana = clip.persons.get()
    assert ana.name == "Ana Example"
    # 40 for a protected person; a stored score without a run of a model trusted on real data
    # adds nothing (it was 100 × 0.5 before the suspicion level).
    assert clip.priority == 40.0
    assert AuditEvent.objects.filter(clip=clip, action="clip.person_added", actor=moderator)
    fragment = client.post(
        url("person_remove", clip, ana.pk), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.startswith('<section id="persons"') and "Nobody named yet" in fragment
    clip.refresh_from_db()
    assert clip.priority == 0.0
    assert AuditEvent.objects.filter(clip=clip, action="clip.person_removed").exists()
    assert client.post(url("person_remove", clip, ana.pk)).status_code == 409


def test_blur_is_on_by_default_and_remembered_per_moderator(client, moderator, moderator2):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    assert 'class="blur-media"' in client.get(reverse("dashboard:queue")).content.decode()
    response = client.post(reverse("dashboard:blur"), {"blur": "0"}, **JSON)
    assert response.json() == {"blur_media": False}
    assert DeskPreference.objects.get(user=moderator).blur_media is False
    assert 'class="blur-media"' not in client.get(url("clip", clip)).content.decode()
    client.force_login(moderator2)
    assert 'class="blur-media"' in client.get(reverse("dashboard:queue")).content.decode()


def test_blur_form_post_only_redirects_to_this_site(client, moderator):
    client.force_login(moderator)
    evil = client.post(reverse("dashboard:blur"), {"blur": "1", "next": "https://evil.example/"})
    assert evil["Location"] == reverse("dashboard:queue")
    back = client.post(reverse("dashboard:blur"), {"blur": "1", "next": "/?status=removed"})
    assert back["Location"] == "/?status=removed"
