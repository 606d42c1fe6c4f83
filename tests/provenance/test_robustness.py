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
CAPTION = "drawtext=text='WHEN YOU SEE IT lol':fontsize=34:fontcolor={c}:x=(w-tw)/2:y={y}"
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
    "crop_20pc": ["-vf", "crop=iw*0.8:ih*0.8,scale=640:360"],
    "speed_1_5x": ["-vf", "setpts=PTS/1.5"],
    "trimmed_middle_third": ["-vf", "select='not(between(t,2.67,5.33))',setpts=N/25/TB"],
    "only_middle_third": ["-ss", "2.67", "-t", "2.67"],
    "white_band_caption": ["-vf", f"pad=640:500:0:140:white,{CAPTION.format(y=40, c='black')}"],
    "black_band_caption": [
        "-vf",
        f"pad=640:480:0:60:black,{CAPTION.format(y='h-45', c='white')}",
    ],  # fmt: skip
    "portrait_in_red_bars": ["-vf", "scale=200:360,pad=640:360:220:0:red"],
    "photo_of_a_frame": [
        "-vf",
        "scale=480:270,pad=640:400:80:60:0x807060,rotate=0.03:fillcolor=0x807060,"
        "eq=brightness=0.05:contrast=0.9,noise=alls=10:allf=t",
    ],
}
# What the desk must say it recognised, per transformation.
RECOGNISED = {
    "white_band_caption": "white band with caption (top",
    "black_band_caption": "black band with caption (bottom",
    "portrait_in_red_bars": "red band (left",
    "mirror": "mirrored",
    "crop_20pc": "cropped",
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transformed_copy_matches_original(name, original, index, workdir):
    out = workdir / f"{name}.mp4"
    _ffmpeg("-i", str(original), *TRANSFORMS[name], *X264, str(out))
    matches = index.match(hash_video(out), POLICY)
    assert [m.entry_id for m in matches] == [1], name
    assert matches[0].query_share >= (0.75 if name == "photo_of_a_frame" else 0.9)
    assert RECOGNISED.get(name, "") in matches[0].transform


@pytest.mark.parametrize(("source_fps", "fps"), [(22, 19), (19, 22)])
def test_frame_rate_change_matches(source_fps, fps, original, workdir):
    banked = workdir / f"banked-{source_fps}.mp4"
    _ffmpeg("-i", str(original), "-r", str(source_fps), *X264, str(banked))
    out = workdir / f"fps-{source_fps}-{fps}.mp4"
    _ffmpeg("-i", str(banked), "-r", str(fps), *X264, str(out))
    index = HashIndex([BankedClip(entry_id=1, bank_id=1, hashes=hash_video(banked))])
    assert [m.entry_id for m in index.match(hash_video(out), POLICY)] == [1]


@pytest.mark.parametrize(
    "card", ["color=c=black:size=640x360:rate=25", "color=c=white:size=640x360:rate=25"]
)
def test_flat_frames_and_title_cards_do_not_match(card, index, workdir):
    flat = workdir / f"flat-{card[8:13]}.mp4"
    _ffmpeg("-f", "lavfi", "-i", card, "-t", "4", *X264, str(flat))
    assert hash_video(flat).frame_count == 0  # flat: nothing hashed, nothing matched
    title = workdir / f"title-{card[8:13]}.mp4"
    text = "fontcolor=gray:fontsize=40:x=(w-tw)/2:y=(h-th)/2"
    _ffmpeg(
        "-f", "lavfi", "-i", card,
        "-vf", f"drawtext=text='PART 2 - THE TRUTH':{text}", "-t", "4", *X264, str(title),
    )  # fmt: skip
    assert index.match(hash_video(title), POLICY) == []


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
