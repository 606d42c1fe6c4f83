"""Provenance's signals: a known-fake match is conclusive, Content Credentials declaring AI are
conclusive only when the manifest holds and the signer is trusted; no manifest is no evidence."""

import pytest

from dashboard.signals import SuspicionLevel, gather_signals, suspicion_level
from provenance import services
from provenance.models import ClipCredentials, CredentialState
from provenance.signals import credentials_signal, known_fake_signal
from tests.factories import ClipFactory
from tests.provenance.conftest import stored_clip


def test_known_fake_match_is_conclusive_and_says_where(banked_entry, fake_reupload):
    clip = stored_clip(fake_reupload)
    assert not known_fake_signal(clip).applicable  # not hashed yet
    services.do_match_clip(clip.pk)
    signal = known_fake_signal(clip)
    assert signal.fired and signal.supports == SuspicionLevel.CONCLUSIVE
    assert "label: Animated still photo" in signal.sentence  # names, not slugs
    assert f"original clip {banked_entry.clip.short_id}" in signal.sentence
    assert signal.where and 0.9 <= signal.value <= 1.0
    assert suspicion_level(gather_signals(clip)) == SuspicionLevel.CONCLUSIVE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "ai", "fired", "level"),
    [
        (CredentialState.VALID, True, True, SuspicionLevel.CONCLUSIVE),
        (CredentialState.UNTRUSTED, True, True, SuspicionLevel.STRONG),
        (CredentialState.INVALID, True, True, SuspicionLevel.WEAK),
        (CredentialState.VALID, False, False, SuspicionLevel.NONE),
    ],
)
def test_content_credentials_declaring_ai(state, ai, fired, level):
    clip = ClipFactory()
    ClipCredentials.objects.create(
        clip=clip, state=state, signer_org="Example Org", ai_generated=ai, claim_generator="Gen"
    )
    signal = credentials_signal(clip)
    assert signal.fired is fired and signal.level == level
    assert "Example Org" in signal.sentence


@pytest.mark.django_db
def test_no_manifest_is_not_applicable_never_evidence():
    clip = ClipFactory()
    ClipCredentials.objects.create(clip=clip, state=CredentialState.NONE)
    signal = credentials_signal(clip)
    assert not signal.applicable and not signal.fired
    assert "says nothing either way" in signal.sentence
