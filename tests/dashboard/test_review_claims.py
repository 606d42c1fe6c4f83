"""Looking is not reviewing (issue 17): opening a clip claims nothing and audits nothing; a claim
starts with Next clip, Start review or the first decision (claimed and decided at once); the
page's leave beacon releases the claim it held, and only that claim."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Decision
from tests.factories import ScoredClipFactory

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def url(name: str, clip: Clip) -> str:
    return reverse(f"dashboard:{name}", args=[clip.public_id])


def test_viewing_claims_nothing_and_another_moderators_next_clip_gets_it(
    client, moderator, moderator2
):
    clip = ScoredClipFactory(score=0.9)
    client.force_login(moderator)
    page = client.get(url("clip", clip)).content.decode()
    assert 'data-open="dlg-approve"' in page  # the first decision key will claim it
    clip.refresh_from_db()
    assert clip.claimed_by is None and clip.status == ClipStatus.AWAITING_REVIEW
    assert not AuditEvent.objects.filter(clip=clip, action__startswith="claim.").exists()

    client.force_login(moderator2)
    response = client.post(reverse("dashboard:next"))
    assert response["Location"] == url("clip", clip)
    assert Clip.objects.get(pk=clip.pk).claimed_by == moderator2


def test_start_review_claims_audited_and_refuses_a_held_clip(client, moderator, moderator2):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    response = client.post(url("start", clip), **JSON)
    assert response.status_code == 200
    clip.refresh_from_db()
    assert response.json()["claim_expires_at"] == clip.claim_expires_at.isoformat()
    assert response.json()["version"] == clip.version  # the page's forms take the new version
    assert clip.status == ClipStatus.IN_REVIEW and clip.claimed_by == moderator
    claimed = AuditEvent.objects.filter(clip=clip, action="claim.claimed", actor=moderator)
    assert claimed.count() == 1

    client.force_login(moderator2)
    refused = client.post(url("start", clip), **JSON)
    assert refused.status_code == 409 and refused.json()["error"] == "held_by_other"
    page = client.get(url("clip", clip)).content.decode()
    assert "moderator is reviewing this clip" in page and ">Start review</button>" not in page


def test_the_first_decision_claims_and_decides_at_once(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    response = client.post(
        url("decide", clip),
        {"action": "approve", "expected_version": clip.version},
        **JSON,
    )
    assert response.status_code == 200
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED and clip.claimed_by is None
    actions = list(
        AuditEvent.objects.filter(clip=clip).order_by("id").values_list("action", flat=True)
    )
    assert actions[-2:][0] == "claim.claimed" and Decision.objects.get().moderator == moderator


def test_a_decision_on_a_clip_someone_else_holds_is_refused(client, moderator, moderator2):
    clip = ScoredClipFactory()
    claim_clip(clip.pk, moderator2)
    clip.refresh_from_db()
    client.force_login(moderator)
    response = client.post(
        url("decide", clip), {"action": "approve", "expected_version": clip.version}, **JSON
    )
    assert response.status_code == 409 and response.json()["error"] == "held_by_other"
    assert Clip.objects.get(pk=clip.pk).claimed_by == moderator2
    assert not Decision.objects.exists()


def test_leaving_the_page_releases_only_the_claim_it_held(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    old_lease = client.post(url("start", clip), **JSON).json()["claim_expires_at"]
    # A reload (or a second tab) renews the lease without an audit event...
    events = AuditEvent.objects.filter(clip=clip).count()
    page = client.get(url("clip", clip)).content.decode()
    assert AuditEvent.objects.filter(clip=clip).count() == events
    new_lease = Clip.objects.get(pk=clip.pk).claim_expires_at.isoformat()
    assert new_lease != old_lease and f'data-lease-token="{new_lease}"' in page
    # ... so the old page's beacon, arriving after it, releases nothing.
    assert client.post(url("leave", clip), {"lease": old_lease}).status_code == 204
    assert Clip.objects.get(pk=clip.pk).claimed_by == moderator
    assert client.post(url("leave", clip), {"lease": "not a date"}).status_code == 204
    assert client.post(url("leave", clip), {"lease": "2026-13-45T00:00:00"}).status_code == 204
    assert Clip.objects.get(pk=clip.pk).claimed_by == moderator

    response = client.post(url("leave", clip), {"lease": new_lease})
    assert response.status_code == 204
    clip.refresh_from_db()
    assert clip.claimed_by is None and clip.status == ClipStatus.AWAITING_REVIEW
    assert AuditEvent.objects.filter(clip=clip, action="claim.released").count() == 1
    # Leaving a clip one no longer holds is quiet: no message waits on the next page.
    assert client.post(url("leave", clip), {"lease": new_lease}).status_code == 204
    assert list(get_messages(response.wsgi_request)) == []


def test_the_leave_beacon_needs_the_csrf_token(moderator):
    clip = ScoredClipFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(url("leave", clip), {"lease": ""}).status_code == 403


def test_remove_and_label_offer_no_default_choice(client, moderator):
    clip = ScoredClipFactory()
    client.force_login(moderator)
    page = client.get(url("clip", clip)).content.decode()
    remove = page[page.index('id="dlg-remove"') : page.index('id="dlg-escalate"')]
    assert remove.count('type="radio" name="reason"') == 5
    assert " checked" not in remove and " selected" not in remove and "<select" not in remove
    label = page[page.index('id="dlg-label"') : page.index('id="dlg-remove"')]
    assert " checked" not in label
    # The list takes the dialog's focus, not its first entry.
    assert 'class="policies" data-choices tabindex="-1" autofocus' in remove


def test_the_claim_controls_speak_korean(client, moderator):
    clip = ScoredClipFactory(status=ClipStatus.SCORING, score=None)
    looked = ScoredClipFactory()
    client.force_login(moderator)
    page = client.get(url("clip", looked), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert ">검토 시작</button>" in page and "보기만 하는 중입니다" in page
    assert "1–9를 눌러 선택" in page
    scoring = client.get(url("clip", clip), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "끝나면 페이지가 저절로" in scoring


def test_the_script_catalog_is_one_cacheable_address_per_language(client, moderator):
    """The next clip's page runs its scripts without first fetching the catalog again."""
    client.force_login(moderator)
    page = client.get(reverse("dashboard:queue"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert 'src="/jsi18n/?lang=ko"' in page
    catalog = client.get("/jsi18n/?lang=ko", HTTP_ACCEPT_LANGUAGE="ko")
    assert catalog.status_code == 200 and '"last used"' in catalog.content.decode()
    assert "max-age=3600" in catalog["Cache-Control"] and "private" in catalog["Cache-Control"]
