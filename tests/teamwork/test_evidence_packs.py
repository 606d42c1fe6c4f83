"""Evidence packs: a decided clip's ZIP holds every listed part; its hash is audited."""

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import AuditEvent
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus
from provenance.models import BankEntry, BankMatch, ClipCredentials, HashBank
from teamwork import evidence, tasks
from teamwork.appeals import file_appeal
from teamwork.confirmations import confirm_decision, overturn_decision
from teamwork.constants import PackState
from teamwork.models import EvidencePack
from teamwork.packs import EvidenceError, request_pack
from tests.factories import ClipFactory, PersonFactory, decided_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_clip(face_clip, reporter):
    data = face_clip.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = default_storage.save(f"clips/{sha[:2]}/{sha}.mp4", ContentFile(data))
    clip = ClipFactory(
        file=name,
        sha256=sha,
        status=ClipStatus.AWAITING_REVIEW,
        source_url="https://video.example/watch/1",
        platform="VideoSite",
        frame_count=50,
    )
    clip.reports.create(reporter=reporter, note="This is not really her")
    model = DetectorModel.objects.create(
        name="baseline",
        version="1.2.0",
        file="detectors/baseline.onnx",
        sha256="ab" * 32,
        input_spec={},
        output_spec={},
        is_active=True,
    )
    timeline = [{"t": i / 25, "frame": i, "score": (i % 7) / 7} for i in range(0, 50, 5)]
    run = DetectionRun.objects.create(
        clip=clip,
        model=model,
        status=RunStatus.DONE,
        clip_score=0.83,
        threshold=0.5,
        frames_scored=len(timeline),
        timeline=timeline,
    )
    ok, jpeg = cv2.imencode(".jpg", np.full((32, 32, 3), 128, np.uint8))
    FaceCrop.objects.create(run=run, rank=1, time_s=1.2, score=0.9, jpeg=jpeg.tobytes())
    bank = HashBank.objects.create(name="Partner fakes")
    entry = BankEntry.objects.create(
        bank=bank, source="import", title="Known fake 12", frame_hashes=b""
    )
    BankMatch.objects.create(
        clip=clip, entry=entry, query_share=0.9, bank_share=0.8, best_distance=6, matched_frames=9
    )
    ClipCredentials.objects.create(
        clip=clip, state="untrusted", signer_org="Gen Studio", ai_generated=True
    )
    return clip


def _decide_with_two_people(clip, first, second, third):
    """`first` proposes approving, `second` overturns it into a removal, which the
    protected-person policy covers too, so `third` confirms the removal."""
    clip.persons.add(PersonFactory(name="Famous Singer", protected=True))
    claim_clip(clip.pk, first)
    # The clip matches a known fake: approving it takes a reason (provenance's decision check).
    pending = apply_decision(
        clip.pk, first, DecisionRequest(action="approve", reason="Looks like the original")
    )
    held = overturn_decision(
        pending.pk, second, DecisionRequest(action="remove", reason="Impersonation policy")
    )
    confirm_decision(held.pk, third)


def test_pack_contains_every_part_and_its_hash_is_audited(
    scored_clip,
    moderator,
    moderator2,
    senior,
    reporter,
    monkeypatch,
    api_client_for,
    django_capture_on_commit_callbacks,
):
    clip = scored_clip
    _decide_with_two_people(clip, moderator, moderator2, senior)
    file_appeal(clip.pk, reporter, "It is a parody.")
    enqueued = []
    monkeypatch.setattr(
        tasks.build_evidence_pack, "apply_async", lambda args: enqueued.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=True):
        pack = request_pack(clip.pk, senior)
    assert enqueued == [pack.pk]
    assert AuditEvent.objects.filter(clip=clip, action="evidence.requested").exists()

    assert tasks.build_evidence_pack.run(pack.pk) == "built"
    pack.refresh_from_db()
    assert (pack.state, pack.progress) == (PackState.DONE, 100)
    with default_storage.open(pack.file.name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == pack.sha256
    event = AuditEvent.objects.get(clip=clip, action="evidence.built")
    assert event.data["sha256"] == pack.sha256 and event.data["pack"] == pack.pk

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert set(evidence.PARTS) <= names
    keyframes = sorted(n for n in names if n.startswith("keyframes/"))
    assert len(keyframes) == evidence.KEY_FRAMES
    assert keyframes[0].endswith("score0.857.jpg")  # the highest score first
    assert any(n.startswith("faces/") for n in names)

    hashes = json.loads(archive.read("hashes.json"))
    assert hashes["sha256"] == clip.sha256 and hashes["sha256_matches_record"]
    assert len(hashes["perceptual"]["frames"]) == evidence.HASH_FRAMES
    assert all(len(f["dhash"]) == 16 for f in hashes["perceptual"]["frames"])
    assert hashes["perceptual"]["pdq"]
    assert all(len(f["pdq"]) == 64 for f in hashes["perceptual"]["pdq"])
    runs = json.loads(archive.read("detection_runs.json"))
    assert (runs[0]["model"], runs[0]["model_version"]) == ("baseline", "1.2.0")
    provenance = json.loads(archive.read("provenance.json"))
    assert provenance["source_url"] == "https://video.example/watch/1"
    (match,) = provenance["findings"]["bank_matches"]
    assert (match["bank"], match["entry_title"], match["matched_frames"]) == (
        "Partner fakes",
        "Known fake 12",
        9,
    )
    credentials = provenance["findings"]["content_credentials"]
    assert credentials["ai_generated"] and credentials["signer_org"] == "Gen Studio"
    reports = json.loads(archive.read("reports.json"))
    assert reports[0]["note"] == "This is not really her"
    chain = json.loads(archive.read("decisions.json"))
    assert chain["proposals"][0]["proposed_by"] == "moderator"
    assert chain["proposals"][0]["state"] == "overturned"
    assert chain["proposals"][0]["resolved_by"] == "moderator2"
    assert (chain["proposals"][1]["proposed_by"], chain["proposals"][1]["state"]) == (
        "moderator2",
        "confirmed",
    )
    assert chain["decisions"][0]["moderator"] == "senior"
    assert chain["decisions"][0]["reason"] == "Impersonation policy"
    assert chain["appeals"][0]["statement"] == "It is a parody."
    summary = archive.read("summary.html").decode()
    assert "Impersonation policy" in summary and "Famous Singer" in summary
    assert "Partner fakes" in summary and "declared AI-generated" in summary
    # The statement of reasons: the decision's reason, the media in words, no demuxer list.
    assert "Statement of reasons" in summary and "Reason: Impersonation policy" in summary
    assert (
        'The media: <span lang="en">Video, 320×240, 2 s, no sound</span>' in summary
        and "mov,mp4" not in summary
    )
    manifest = json.loads(archive.read("manifest.json"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest

    # Moderators download it through the API, with its hash in a header.
    response = api_client_for(senior).get(f"/api/v1/evidence-packs/{pack.pk}/download/")
    assert response.status_code == 200
    assert response["X-Content-SHA256"] == pack.sha256
    assert b"".join(response.streaming_content) == data

    # A redelivered task leaves the built pack alone.
    assert tasks.build_evidence_pack.run(pack.pk) == "skipped"
    assert AuditEvent.objects.filter(clip=clip, action="evidence.built").count() == 1


def test_undecided_clip_has_no_pack(scored_clip, moderator):
    with pytest.raises(EvidenceError) as refused:
        request_pack(scored_clip.pk, moderator)
    assert refused.value.code == "not_decided"
    assert not EvidencePack.objects.exists()


def test_unreadable_media_fails_the_pack_audited(moderator):
    clip = decided_clip("remove")
    pack = EvidencePack.objects.create(clip=clip, requested_by=moderator)
    assert tasks.build_evidence_pack.run(pack.pk) == "failed"
    pack.refresh_from_db()
    assert pack.state == PackState.FAILED and pack.error
    assert AuditEvent.objects.filter(clip=clip, action="evidence.failed").exists()


def test_difference_hash_survives_rescaling():
    rng = np.random.default_rng(0)
    image = cv2.resize(rng.integers(0, 255, (8, 9, 3), dtype=np.uint8), (360, 320))
    smaller = cv2.resize(image, (180, 160), interpolation=cv2.INTER_AREA)
    assert evidence.difference_hash(image) == evidence.difference_hash(smaller)


def test_lost_or_abandoned_builds_are_sent_again(moderator, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.build_evidence_pack, "apply_async", lambda args: sent.append(args[0]))
    clip = decided_clip("remove")
    now = timezone.now()
    fresh = EvidencePack.objects.create(clip=clip, requested_at=now)
    lost = EvidencePack.objects.create(clip=clip, requested_at=now - timedelta(minutes=30))
    running = EvidencePack.objects.create(
        clip=clip, state=PackState.BUILDING, build_started_at=now - timedelta(minutes=2)
    )
    dead = EvidencePack.objects.create(
        clip=clip, state=PackState.BUILDING, build_started_at=now - timedelta(hours=1)
    )
    EvidencePack.objects.create(clip=clip, state=PackState.DONE, requested_at=now - timedelta(1))
    assert tasks.requeue_stale_packs() == 2
    assert sorted(sent) == sorted([lost.pk, dead.pk])
    # A redelivery while another worker builds is skipped; a dead worker's build is taken over.
    assert tasks.build_evidence_pack.run(running.pk) == "skipped"
    assert evidence._claim(dead.pk) and not evidence._claim(dead.pk)
    assert evidence._claim(fresh.pk)
