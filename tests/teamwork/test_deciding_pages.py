"""The pages where a person decides show the one review panel; the confirmation page offers
Withdraw to the proposer only and formats scores; an evidence pack's statement of reasons cites
only the signals that support the decision, the moderator's reason and note, and the media in
words."""

import pytest
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.media_words import describe_media
from teamwork.appeals import file_appeal
from teamwork.evidence import statement_of_reasons, supporting_signals
from teamwork.models import PendingDecision
from tests.factories import ClipFactory, PersonFactory, ScoredClipFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db


def _held(moderator):
    clip = ScoredClipFactory(status=ClipStatus.AWAITING_REVIEW, score=0.997919762134552)
    clip.persons.add(PersonFactory(protected=True))
    claim_clip(clip.pk, moderator)
    apply_decision(clip.pk, moderator, DecisionRequest("remove", reason="Impersonation or fraud"))
    return clip, PendingDecision.objects.get(clip=clip)


def test_confirmation_page_shows_the_panel_with_formatted_scores(client, moderator, moderator2):
    clip, pending = _held(moderator)
    client.force_login(moderator2)
    page = client.get(reverse("teamwork:pending", args=[pending.pk])).content.decode()
    assert "data-review-panel" in page and "data-suspicion" in page
    assert "0.997919762134552" not in page
    assert 'data-shortcut="r"' in page  # the proposed removal's key goes to "Confirm remove"
    assert "js/panel.js" in page


def test_withdraw_is_offered_to_the_proposer_only(client, moderator, senior):
    _clip, pending = _held(moderator)
    client.force_login(senior)
    page = client.get(reverse("teamwork:pending", args=[pending.pk])).content.decode()
    assert 'id="withdraw-title"' not in page
    client.force_login(moderator)
    page = client.get(reverse("teamwork:pending", args=[pending.pk])).content.decode()
    assert 'id="withdraw-title"' in page


def test_appeal_and_second_opinion_pages_show_the_panel(client, moderator, senior):
    clip, _decision = decided_clip(moderator)
    appeal = file_appeal(clip.pk, moderator, "It is a parody.")
    client.force_login(senior)
    page = client.get(reverse("teamwork:appeal", args=[appeal.pk])).content.decode()
    assert "data-review-panel" in page and 'data-choice-keys="u:upheld o:overturned"' in page
    assert 'id="panel-history-title"' in page


def test_describe_media_in_words():
    assert describe_media("h264", 1280, 720, 30.0) == "H.264 video, 1280×720, 30 s, no sound"
    assert describe_media("hevc", 640, 360, 125.4, has_audio=True) == (
        "H.265 (HEVC) video, 640×360, 2 min 5 s, with sound"
    )
    assert describe_media("", 0, 0, 2.5) == "Video, 2.5 s, no sound"


SIGNALS = [
    {"title": "Known-fake banks", "sentence": "Matches a removed fake.", "fired": True,
     "applicable": True},
    {"title": "Face-manipulation model", "sentence": "Scored 0.31, below its threshold 0.50.",
     "fired": False, "applicable": True},
    {"title": "Content Credentials", "sentence": "None.", "fired": False, "applicable": False},
]  # fmt: skip


def test_a_removal_cites_only_the_signals_that_fired():
    assert [s["title"] for s in supporting_signals("remove", SIGNALS)] == ["Known-fake banks"]
    assert [s["title"] for s in supporting_signals("approve", SIGNALS)] == [
        "Face-manipulation model"
    ]
    assert supporting_signals("escalate", SIGNALS) == []


def test_statement_of_reasons_has_the_reason_the_note_and_the_media(moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, codec="h264", width=1280, height=720)
    clip.duration_s = 30.0
    clip.save(update_fields=["duration_s"])
    claim_clip(clip.pk, moderator)
    apply_decision(
        clip.pk,
        moderator,
        DecisionRequest("remove", reason="Impersonation or fraud", note="Her agent confirmed"),
    )
    clip.refresh_from_db()
    reasons = statement_of_reasons(clip)
    assert reasons is not None
    assert (reasons["reason"], reasons["note"]) == ("Impersonation or fraud", "Her agent confirmed")
    assert reasons["media"].startswith("H.264 video, 1280×720, 30 s")
    # No signal fired on this clip (no run, no bank): none is cited for the removal.
    assert reasons["signals"] == []
