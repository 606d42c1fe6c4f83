"""Clips and model files in an S3-compatible store (moto's server on 127.0.0.1).

Web and workers read media only through Django's storage API, so nothing here touches the local
media directory: ingest, scoring, the media view and rejection clean-up all work against S3.
"""

import socket

import boto3
import pytest
from django.core.files import File
from moto.server import ThreadedMotoServer

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import Clip
from desk.ingest import Submission, ingest_upload
from detection.probe import MediaRejected
from detection.registry import Manifest, register_model
from detection.tasks import run_scoring
from tests import hostile
from tests.detection.conftest import SPEC, build_onnx

BUCKET = "unmask-media"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db
def test_ingest_scoring_and_media_view_go_through_s3(
    s3, isolated_media, face_clip, tmp_path, moderator, client
):
    register_model(
        build_onnx(tmp_path / "tiny.onnx"),
        Manifest.from_dict({"name": "tiny", "version": "1", **SPEC}),
        activate=True,
    )
    with face_clip.open("rb") as fh:
        clip = ingest_upload(File(fh, name="face.mp4"), Submission(), None).clip
    stored = keys(s3)
    assert clip.file.name in stored
    assert any(k.startswith("detectors/") for k in stored)
    assert not list(isolated_media.rglob("*.mp4")), "nothing may land on the local disk"

    assert run_scoring(clip.pk).outcome == "scored"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW and clip.score is not None

    claim_clip(clip.pk, moderator)
    client.force_login(moderator)
    response = client.get(f"/clips/{clip.public_id}/media/", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    body = b"".join(response.streaming_content)
    assert body == face_clip.read_bytes()[:100]


@pytest.mark.django_db
def test_rejected_upload_leaves_nothing_in_s3(s3, tmp_path):
    path = hostile.truncated(hostile.video(tmp_path / "v.mp4", frames=30), tmp_path / "cut.mp4")
    with path.open("rb") as fh, pytest.raises(MediaRejected):
        ingest_upload(File(fh, name="cut.mp4"), Submission(), None)
    assert keys(s3) == []
    assert Clip.objects.count() == 0
