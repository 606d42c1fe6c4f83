"""The account behind a clip: one Account per platform and id, its page and counts, the
review page's line, the repeat-uploader priority and the recommendation sent in the webhook."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.accounts import (
    AccountError,
    Uploader,
    account_counts,
    account_summary,
    clean_uploader,
    uploader_for,
)
from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Account, Clip
from dashboard.priority import (
    MAX_COUNTED_PRIOR_ITEMS,
    REPEAT_UPLOADER_WEIGHT,
    priority_breakdown,
    refresh_priority,
)
from dashboard.reports import file_report
from integrations.models import WebhookEndpoint, WebhookEvent
from teamwork.confirmations import confirm_decision
from tests.factories import ScoredClipFactory, decided_clip

pytestmark = pytest.mark.django_db


def _account(platform: str = "video-site", account_id: str = "u-1", handle: str = "@maker"):
    return uploader_for(platform, Uploader(account_id=account_id, handle=handle))


def test_one_account_per_platform_and_id_with_first_and_last_seen(moderator):
    clip = ScoredClipFactory(platform="video-site")
    first = _account()
    later = timezone.now() + timedelta(minutes=5)
    again = uploader_for(
        "video-site",
        Uploader(account_id="u-1", handle="@maker2", profile_url="https://v.example/maker"),
    )
    other_platform = _account(platform="photo-site")
    assert again.pk == first.pk and other_platform.pk != first.pk
    again.refresh_from_db()
    assert again.handle == "@maker2" and again.profile_url == "https://v.example/maker"
    assert again.first_seen == first.first_seen <= again.last_seen <= later
    # A moderator's report naming it makes it the clip's uploader; a later one does not replace it.
    report = file_report(clip, moderator, account=first)
    file_report(clip, moderator, account=other_platform)
    clip.refresh_from_db()
    assert report.account == first and clip.account == first
    assert Account.objects.count() == 2


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://files.example/x", "file:///etc/passwd", "not a url"]
)
def test_profile_url_must_be_http_or_https(url):
    with pytest.raises(AccountError) as refused:
        clean_uploader("u-1", "@x", url)
    assert refused.value.code == "invalid_profile_url" and refused.value.status == 400


def test_an_uploader_needs_its_id():
    assert clean_uploader("", "", "") is None
    with pytest.raises(AccountError) as refused:
        clean_uploader("", "@handle only")
    assert refused.value.code == "uploader_id_required"


def test_account_page_lists_every_item_with_statuses_decisions_and_counts(client, moderator):
    account = _account()
    for _ in range(3):
        decided_clip("remove", moderator, account=account)
    labelled = decided_clip("label", moderator, account=account)
    old = decided_clip("remove", moderator, account=account)
    Clip.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=45))
    open_item = ScoredClipFactory(account=account)
    ScoredClipFactory()  # someone else's

    counts = account_counts(account)
    assert (counts.items, counts.removed, counts.labelled) == (6, 4, 1)
    assert (counts.removed_recent, counts.labelled_recent) == (3, 1)
    assert account_summary(counts) == "3 removed, 1 labelled in 30 days"

    client.force_login(moderator)
    html = client.get(reverse("dashboard:account", args=[account.pk])).content.decode()
    assert html.count("data-account-item=") == 6
    assert str(open_item.public_id) in html and str(labelled.public_id) in html
    assert "6 items: 4 removed, 1 labelled" in html
    assert "3 removed, 1 labelled in 30 days" in html
    assert "Remove</strong> by moderator" in html

    # The review page names the uploader with the same line.
    html = client.get(reverse("dashboard:clip", args=[open_item.public_id])).content.decode()
    assert reverse("dashboard:account", args=[account.pk]) in html
    assert "@maker" in html and "3 removed, 1 labelled in 30 days" in html


def test_account_page_is_for_moderators(client, reporter):
    account = _account()
    client.force_login(reporter)
    assert client.get(reverse("dashboard:account", args=[account.pk])).status_code == 403


def test_a_repeat_uploader_raises_priority_within_a_bound(moderator):
    account = _account()
    clip = ScoredClipFactory(account=account, reports=0)
    base = refresh_priority(clip)
    decided_clip("remove", moderator, account=account)
    decided_clip("label", moderator, account=account)
    assert refresh_priority(clip) == pytest.approx(base + 2 * REPEAT_UPLOADER_WEIGHT)
    assert ("Repeat uploader", 2 * REPEAT_UPLOADER_WEIGHT) in priority_breakdown(clip)
    for _ in range(MAX_COUNTED_PRIOR_ITEMS + 3):
        decided_clip("remove", moderator, account=account)
    bound = REPEAT_UPLOADER_WEIGHT * MAX_COUNTED_PRIOR_ITEMS
    assert refresh_priority(clip) == pytest.approx(base + bound)
    # Approvals do not count, nor does a clip without an uploader.
    lone = ScoredClipFactory(reports=0)
    assert ("Repeat uploader", 0.0) in priority_breakdown(lone)


def test_the_account_recommendation_is_sent_in_the_webhook(moderator):
    WebhookEndpoint.objects.create(
        name="all", url="http://127.0.0.1:9/hook", events=["clip.decided"]
    )
    account = _account()
    clip = ScoredClipFactory(account=account)
    claim_clip(clip.pk, moderator)
    decision = apply_decision(
        clip.pk,
        moderator,
        DecisionRequest("remove", reason="Impersonation", account_recommendation="suspend"),
    )
    assert decision.account_recommendation == "suspend"
    data = WebhookEvent.objects.get(clip=clip).payload["data"]
    assert data["account_recommendation"] == "suspend"
    assert data["account"] == {"platform": "video-site", "account_id": "u-1", "handle": "@maker"}
    assert clip.audit_events.get(action="decision.remove").data["account_recommendation"] == (
        "suspend"
    )


def test_an_unknown_recommendation_is_refused(moderator):
    clip = ScoredClipFactory()
    claim_clip(clip.pk, moderator)
    with pytest.raises(Exception) as refused:
        apply_decision(
            clip.pk, moderator, DecisionRequest("approve", account_recommendation="ban_forever")
        )
    assert refused.value.code == "invalid_recommendation"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW


def test_a_held_decision_keeps_its_recommendation_until_confirmed(moderator, moderator2):
    WebhookEndpoint.objects.create(
        name="all", url="http://127.0.0.1:9/hook", events=["clip.decided"]
    )
    clip = ScoredClipFactory(account=_account(), reach=5_000_000)
    claim_clip(clip.pk, moderator)
    pending = apply_decision(
        clip.pk, moderator, DecisionRequest("remove", reason="x", account_recommendation="warn")
    )
    decision = confirm_decision(pending.pk, moderator2)
    assert decision.account_recommendation == "warn"
    assert WebhookEvent.objects.get(clip=clip).payload["data"]["account_recommendation"] == "warn"


def test_the_desk_upload_form_names_the_uploader(client, moderator, face_clip):
    client.force_login(moderator)
    with face_clip.open("rb") as fh:
        response = client.post(
            reverse("dashboard:upload"),
            {
                "file": fh,
                "platform": "video-site",
                "reason": "deepfake",
                "uploader_id": "u-42",
                "uploader_handle": "@desk",
                "uploader_url": "https://video.example/@desk",
            },
        )
    assert response.status_code == 302, response.content[:500]
    clip = Clip.objects.get()
    assert (clip.account.platform, clip.account.account_id) == ("video-site", "u-42")


def test_the_desk_upload_form_refuses_a_non_web_profile_url(client, moderator, face_clip):
    client.force_login(moderator)
    with face_clip.open("rb") as fh:
        response = client.post(
            reverse("dashboard:upload"),
            {
                "file": fh,
                "platform": "p",
                "reason": "deepfake",
                "uploader_id": "u",
                "uploader_url": "javascript:alert(1)",
            },  # fmt: skip
        )
    assert response.status_code == 400
    assert "must be an http or https address" in response.content.decode()
    assert not Clip.objects.exists() and not Account.objects.exists()
