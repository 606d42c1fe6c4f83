"""An evidence pack of a decided photo: built from the untouched original (its SHA-256 and
PDQ hash of its one frame), with the key frame and face crop of its scoring run."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from dashboard.claims import claim_clip
from dashboard.constants import ClipKind
from dashboard.decisions import DecisionRequest, apply_decision
from desk.ingest import Submission, ingest_upload
from detection import tasks as detection_tasks
from detection.registry import Manifest, register_model
from teamwork import evidence, tasks
from teamwork.packs import request_pack
from tests.detection.conftest import SPEC, build_onnx
from tests.photos import face_photo

pytestmark = pytest.mark.django_db


def test_a_decided_photo_gets_a_complete_evidence_pack(moderator, senior, reporter, tmp_path):
    manifest = Manifest.from_dict({"name": "tiny", "version": "1", "threshold": 0.5, **SPEC})
    register_model(build_onnx(tmp_path / "tiny.onnx"), manifest, activate=True)
    path = face_photo(tmp_path / "photo.jpg")
    with path.open("rb") as fh:
        clip = ingest_upload(File(fh, name="photo.jpg"), Submission(), reporter).clip
    assert clip.kind == ClipKind.PHOTO
    assert detection_tasks.run_scoring(clip.pk, job_id="job").outcome == "scored"
    claim_clip(clip.pk, moderator)
    apply_decision(clip.pk, moderator, DecisionRequest(action="remove", reason="Fabricated"))

    pack = request_pack(clip.pk, senior)
    assert tasks.build_evidence_pack.run(pack.pk) == "built"
    pack.refresh_from_db()
    with default_storage.open(pack.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = set(archive.namelist())
    assert set(evidence.PARTS) <= names
    assert [n for n in names if n.startswith("keyframes/")]  # the photo's one frame
    assert any(n.startswith("faces/") for n in names)
    hashes = json.loads(archive.read("hashes.json"))
    assert hashes["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
