"""The issue's robustness set: transformed re-uploads still match their banked original,
unrelated clips do not.

The original is a generated camera clip (moving camera over the portrait, 8 s). The
unrelated clips are genuinely different content: outdoor scenery without a face (several
seeds) and FFmpeg's test patterns. They deliberately leave out other face clips: every
generated face clip is made from the same public-domain portrait, so two of them can
legitimately look alike.
"""

import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.synthetic import make_clip
from provenance.hashing import hash_video
from provenance.matching import BankedClip, HashIndex, MatchPolicy

pytestmark = pytest.mark.slow

POLICY = {1: MatchPolicy()}
X264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast"]
SEPIA = "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131:0"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("robustness")


@pytest.fixture(scope="module")
def original(workdir) -> Path:
    return make_clip(workdir / "original.mp4", kind="face", seconds=8, size=(640, 360), seed=11)


@pytest.fixture(scope="module")
def index(original) -> HashIndex:
    return HashIndex([BankedClip(entry_id=1, bank_id=1, hashes=hash_video(original))])


@pytest.fixture(scope="module")
def logo(workdir) -> Path:
    image = np.full((120, 200, 3), (30, 200, 250), np.uint8)
    cv2.putText(image, "LOGO", (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 5)
    path = workdir / "logo.png"
    cv2.imwrite(str(path), image)
    return path


TRANSFORMS = {
    "bitrate": ["-b:v", "150k"],
    "half_size": ["-vf", "scale=320:180"],
    "crop_10pc": ["-vf", "crop=iw*0.9:ih*0.9,scale=640:360"],
    "letterbox": ["-vf", "pad=640:480:0:60"],
    "pillarbox": ["-vf", "pad=854:360:107:0"],
    "fps_15": ["-r", "15"],
    "greyscale": ["-vf", "format=gray"],
    "sepia": ["-vf", SEPIA],
    "mirror": ["-vf", "hflip"],
    "middle_half": ["-ss", "2", "-t", "4"],
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transformed_copy_matches_original(name, original, index, workdir):
    out = workdir / f"{name}.mp4"
    _ffmpeg("-i", str(original), *TRANSFORMS[name], *X264, str(out))
    matches = index.match(hash_video(out), POLICY)
    assert [m.entry_id for m in matches] == [1], name
    assert matches[0].query_share >= 0.9


@pytest.mark.parametrize(("name", "width"), [("logo_small", 80), ("logo_large", 320)])
def test_logo_overlay_matches_original(name, width, original, index, workdir, logo):
    # 320 px of a 640 px frame: the logo covers about a quarter of the picture.
    out = workdir / f"{name}.mp4"
    _ffmpeg(
        "-i", str(original), "-i", str(logo),
        "-filter_complex", f"[1]scale={width}:-1[l];[0][l]overlay=W-w-10:10",
        *X264, str(out),
    )  # fmt: skip
    matches = index.match(hash_video(out), POLICY)
    assert [m.entry_id for m in matches] == [1]


UNRELATED = [
    *[("noface", seed) for seed in (1, 2, 3, 4, 5)],
    ("lavfi", "testsrc=size=640x360:rate=25"),
    ("lavfi", "mandelbrot=size=640x360:rate=25"),
    ("lavfi", "life=size=640x360:rate=25:mold=10:ratio=0.5"),
    ("lavfi", "cellauto=size=640x360:rate=25:rule=110"),
    ("lavfi", "smptehdbars=size=640x360:rate=25,hue=H=2*PI*t"),
]


@pytest.mark.parametrize(("source", "arg"), UNRELATED)
def test_unrelated_clip_does_not_match(source, arg, index, workdir):
    out = workdir / f"unrelated-{source}-{abs(hash(arg)) % 10_000}.mp4"
    if source == "noface":
        make_clip(out, kind="noface", seconds=8, size=(640, 360), seed=arg)
    else:
        _ffmpeg("-f", "lavfi", "-i", arg, "-t", "8", *X264, str(out))
    hashes = hash_video(out)
    assert hashes.frame_count > 0  # not vacuously unmatched: some frames were hashed
    assert index.match(hashes, POLICY) == []
