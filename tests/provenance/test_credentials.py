"""Content Credentials on the desk: a clip declared AI-generated shows it on its review page
and in the API with Label suggested; a tampered one shows as invalid; an unsigned one shows
nothing. Fixtures are signed in the test by a throwaway CA."""

from pathlib import Path

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent
from detection.synthetic import make_clip
from provenance import services
from provenance.c2pa_io import sign_file
from provenance.models import ClipCredentials, CredentialState
from tests.provenance.conftest import stored_clip
from tests.provenance.test_c2pa_io import tamper
from tests.provenance.throwaway_ca import make_identity


@pytest.fixture(scope="module")
def identity():
    return make_identity("Acme Video Generator", "Acme AI")


@pytest.fixture(scope="module")
def media(tmp_path_factory, identity) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("creds")
    plain = make_clip(folder / "plain.mp4", kind="noface", seconds=1, size=(160, 120), seed=5)
    signed = folder / "signed.mp4"
    sign_file(plain, signed, cert_chain_pem=identity.chain_pem, private_key_pem=identity.key_pem,
              generator="Acme Gen")  # fmt: skip
    return {"plain": plain, "signed": signed, "tampered": tamper(signed)}


@pytest.fixture
def trusted(settings, identity):
    settings.PROVENANCE_C2PA_TRUST_ANCHORS = identity.root_pem.decode()


def _read(path: Path):
    clip = stored_clip(path)
    services.do_read_credentials(clip.pk)
    return clip


def test_declared_ai_clip_shows_on_review_page_and_api(
    db, trusted, media, client, moderator, api_client_for
):
    clip = _read(media["signed"])
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "Content Credentials: Valid" in page
    assert "declared AI-generated" in page and "trainedAlgorithmicMedia" in page
    assert "Acme Video Generator" in page and "Acme Gen 1" in page
    assert "Suggested decision: <strong>Label</strong>" in page
    body = api_client_for(moderator).get(f"/api/v1/clips/{clip.public_id}/").json()
    creds = body["content_credentials"]
    assert creds["state"] == "valid" and creds["ai_generated"] is True
    assert creds["signer"] == "Acme Video Generator" and creds["suggested_action"] == "label"
    assert AuditEvent.objects.filter(clip=clip, action="provenance.credentials_read").exists()


def test_signer_not_in_trust_anchors_reads_untrusted(db, media):
    clip = _read(media["signed"])
    assert ClipCredentials.objects.get(clip=clip).state == CredentialState.UNTRUSTED


def test_tampered_clip_shows_invalid_without_suggestion(
    db, trusted, media, client, moderator, api_client_for
):
    clip = _read(media["tampered"])
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "Content Credentials: Invalid" in page
    assert "Suggested decision" not in page
    creds = (
        api_client_for(moderator)
        .get(f"/api/v1/clips/{clip.public_id}/")
        .json()["content_credentials"]
    )
    assert creds["state"] == "invalid" and creds["suggested_action"] is None


def test_unsigned_clip_shows_nothing(db, trusted, media, client, moderator, api_client_for):
    clip = _read(media["plain"])
    assert ClipCredentials.objects.get(clip=clip).state == CredentialState.NONE
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "Content Credentials:" not in page  # no credentials panel
    # The signal list says the absence is no evidence either way, and nothing fired.
    assert "carries no Content Credentials; that says nothing either way" in page
    assert 'data-suspicion="none"' in page
    body = api_client_for(moderator).get(f"/api/v1/clips/{clip.public_id}/").json()
    assert body["content_credentials"] is None


def test_reading_twice_reads_once(db, media):
    clip = _read(media["signed"])
    services.do_read_credentials(clip.pk)
    assert ClipCredentials.objects.filter(clip=clip).count() == 1
    assert AuditEvent.objects.filter(clip=clip, action="provenance.credentials_read").count() == 1
