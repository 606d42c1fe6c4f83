"""An evidence pack's key frames are the very frames scoring scored, on the clips a seek gets
wrong: a variable frame rate, then cut by stream copy (an edit list hides lead-in frames)."""

import hashlib
import io
import zipfile
from pathlib import Path

import av
import cv2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dashboard.constants import ClipStatus
from detection.frames import VideoSampler, read_every_frame
from detection.models import DetectionRun, DetectorModel, RunStatus
from teamwork import evidence
from teamwork.models import EvidencePack
from tests.detection.test_frames import ffmpeg, presented
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vfr_trimmed_clip(face_clip, tmp_path) -> Path:
    """1 s at 25 fps then 25 frames at 5 fps (B-frames, a key frame every 10), cut at 0.7 s
    by stream copy: the cut starts at the key frame before and an edit list hides the rest."""
    vfr = tmp_path / "vfr.mp4"
    ffmpeg("-i", str(face_clip), "-vf", "setpts='if(lt(N,25),N/25/TB,(1+(N-25)/5)/TB)'",
           "-fps_mode", "passthrough", "-c:v", "libx264", "-bf", "3", "-g", "10",
           "-pix_fmt", "yuv420p",
           str(vfr))  # fmt: skip
    trimmed = tmp_path / "vfr-trimmed.mp4"
    ffmpeg("-ss", "0.7", "-i", str(vfr), "-c", "copy", str(trimmed))
    with av.open(str(trimmed)) as container:
        listed = container.streams.video[0].frames
    assert listed > len(presented(trimmed)[0])  # the edit list hides frames the index counts
    return trimmed


def jpeg_sha256(image) -> str:
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return hashlib.sha256(jpeg.tobytes()).hexdigest()


def test_key_frames_are_the_frames_that_were_scored(vfr_trimmed_clip):
    # Score as the pipeline does: the sampler's frames, the later ones most suspicious.
    with VideoSampler(vfr_trimmed_clip, rate_per_s=4.0) as sampler:
        scored = {frame.index: frame for frame in sampler.frames()}
    total = max(scored) + 1
    timeline = [
        {"t": round(f.time_s, 3), "frame": f.index, "score": round(f.index / total, 4)}
        for f in scored.values()
    ]
    data = vfr_trimmed_clip.read_bytes()
    clip = ClipFactory(
        file=default_storage.save("clips/vfr-trimmed.mp4", ContentFile(data)),
        sha256=hashlib.sha256(data).hexdigest(),
        status=ClipStatus.REMOVED,
    )
    model = DetectorModel.objects.create(
        name="baseline", version="1", file="detectors/b.onnx", sha256="ab" * 32,
        input_spec={}, output_spec={}, is_active=True,
    )  # fmt: skip
    DetectionRun.objects.create(
        clip=clip, model=model, status=RunStatus.DONE, clip_score=0.9, threshold=0.5,
        frames_scored=len(timeline), timeline=timeline,
    )  # fmt: skip
    pack = EvidencePack.objects.create(clip=clip)

    assert evidence.build_pack(pack.pk, progress=lambda *args: None) == "built"

    pack.refresh_from_db()
    with default_storage.open(pack.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    key_files = sorted(n for n in archive.namelist() if n.startswith("keyframes/"))
    for name in key_files:
        index = int(name.split("-frame")[1].split("-")[0])
        assert hashlib.sha256(archive.read(name)).hexdigest() == jpeg_sha256(scored[index].image), (
            name
        )


def test_every_frame_reader_shows_what_the_sampler_shows(vfr_trimmed_clip):
    """Training decodes clips with the same reader: frame n is the sampler's frame n."""
    every = read_every_frame(vfr_trimmed_clip)
    images, _ = presented(vfr_trimmed_clip)
    assert len(every) == len(images)
    with VideoSampler(vfr_trimmed_clip) as sampler:
        for frame in sampler.read([0, 7, len(images) - 1, len(images) + 5]):
            assert (frame.image == every[frame.index]).all()
    assert all((a == b).all() for a, b in zip(every, images, strict=True))
