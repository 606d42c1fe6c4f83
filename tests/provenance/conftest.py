"""Provenance fixtures: desk clips backed by real generated files, a decided known fake."""

import subprocess
from pathlib import Path

import pytest
from django.core.files.base import File
from django.core.files.storage import default_storage

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from detection.synthetic import make_clip
from provenance.services import do_bank_decision
from tests.factories import ClipFactory


@pytest.fixture(scope="session")
def fake_original(media_dir) -> Path:
    return make_clip(
        media_dir / "prov-fake.mp4", kind="animated_still", seconds=3, size=(320, 240), seed=21
    )


@pytest.fixture(scope="session")
def fake_reupload(media_dir, fake_original) -> Path:
    """The same fake, mirrored and shrunk, as a re-upload would bring it back."""
    out = media_dir / "prov-fake-reupload.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-i", str(fake_original),
         "-vf", "hflip,scale=240:180", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def unrelated_video(media_dir) -> Path:
    return make_clip(
        media_dir / "prov-unrelated.mp4", kind="noface", seconds=3, size=(320, 240), seed=22
    )


def stored_clip(path: Path, status: str = ClipStatus.AWAITING_REVIEW, **fields):
    """A desk clip whose file is ``path``, saved to the default storage."""
    clip = ClipFactory(status=status, **fields)
    with path.open("rb") as handle:
        clip.file.name = default_storage.save(clip.file.name, File(handle))
    clip.save(update_fields=["file"])
    return clip


def decide(clip, user, action: str = "label", labels=("animated-still",), reason: str = ""):
    claim_clip(clip.pk, user)
    return apply_decision(
        clip.pk, user, DecisionRequest(action=action, labels=list(labels), reason=reason)
    )


@pytest.fixture
def banked_entry(db, moderator, fake_original):
    """The fake, labelled by a moderator and banked."""
    return do_bank_decision(decide(stored_clip(fake_original), moderator).pk)
