"""Disclosed rendition: a labelled clip re-encoded with a visible "AI-generated" notice and a
C2PA manifest signed with the operator's certificate citing the decision."""

import numpy as np
import pytest

from dashboard.models import AuditEvent
from detection.frames import sample_frames
from provenance import services, tasks
from provenance.c2pa_io import VALID, read_credentials
from provenance.models import DisclosedRendition, RenditionState
from tests.provenance.conftest import decide, stored_clip
from tests.provenance.throwaway_ca import make_identity


@pytest.fixture(scope="module")
def operator():
    return make_identity("Unmask Trust & Safety", "Example Platform")


@pytest.fixture
def signing(settings, operator):
    settings.PROVENANCE_SIGNING_CERT = operator.chain_pem.decode()
    settings.PROVENANCE_SIGNING_KEY = operator.key_pem.decode()


@pytest.fixture
def labelled(db, moderator, fake_original):
    clip = stored_clip(fake_original)
    return decide(clip, moderator, labels=("animated-still",))


def test_rendition_plays_shows_the_notice_and_reads_back_valid(
    signing, operator, labelled, fake_original, api_client_for, moderator, tmp_path
):
    rendition = services.do_make_rendition(labelled.pk)
    assert rendition.state == RenditionState.READY, rendition.failure_reason
    out = tmp_path / "rendition.mp4"
    out.write_bytes(rendition.file.read())

    # it plays: every sampled frame decodes
    frames = [f.image for f in sample_frames(out)]
    originals = [f.image for f in sample_frames(fake_original)]
    assert len(frames) == len(originals) > 0
    # the notice: a dark band over the bottom sixth with white lettering in it
    height = frames[0].shape[0]
    band = frames[0][height - height // 6 + 2 :].astype(int)
    assert band.mean() < originals[0][height - height // 6 + 2 :].mean()
    assert (band.min(axis=2) > 200).sum() > 50  # white text pixels
    top = slice(0, height // 2)
    assert np.abs(frames[0][top].astype(int) - originals[0][top].astype(int)).mean() < 8

    creds = read_credentials(out, operator.root_pem.decode())
    assert creds.state == VALID
    assert creds.ai_generated and creds.source_type == "trainedAlgorithmicMedia"
    assert creds.signer == "Unmask Trust & Safety"
    assert creds.decision["decision"] == labelled.pk
    assert creds.decision["labels"] == ["animated-still"]
    assert AuditEvent.objects.filter(action="provenance.rendition_ready").count() == 1

    response = api_client_for(moderator).get(f"/api/v1/clips/{labelled.clip.public_id}/rendition/")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == out.read_bytes()


def test_second_run_returns_the_ready_rendition(signing, labelled):
    first = services.do_make_rendition(labelled.pk)
    again = services.do_make_rendition(labelled.pk)
    assert again.pk == first.pk and DisclosedRendition.objects.count() == 1


def test_without_a_certificate_the_rendition_fails_audited(labelled):
    rendition = services.do_make_rendition(labelled.pk)
    assert rendition.state == RenditionState.FAILED
    assert "certificate" in rendition.failure_reason
    assert AuditEvent.objects.filter(action="provenance.rendition_failed").exists()


def test_only_label_decisions_get_a_rendition(signing, db, moderator, fake_original):
    decision = decide(stored_clip(fake_original), moderator, action="approve", labels=())
    with pytest.raises(services.ProvenanceError):
        services.do_make_rendition(decision.pk)


def test_api_without_rendition_is_404_in_the_error_shape(api_client_for, moderator, labelled):
    response = api_client_for(moderator).get(f"/api/v1/clips/{labelled.clip.public_id}/rendition/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_rendition"


def test_reporter_cannot_fetch_another_integrations_rendition(
    signing, api_client_for, reporter, labelled
):
    services.do_make_rendition(labelled.pk)
    response = api_client_for(reporter).get(f"/api/v1/clips/{labelled.clip.public_id}/rendition/")
    assert response.status_code in (403, 404)


def test_banking_a_label_enqueues_the_rendition_when_signing_is_configured(
    signing, labelled, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.make_rendition, "apply_async", lambda args: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.bank_decision(labelled.pk)
    assert sent == [labelled.pk]
