"""The review rendition encoder (detection/rendition.py), without a database: what plays in
browsers as uploaded, and what a rendition of the rest looks like."""

from pathlib import Path

import av
import cv2
import pytest

from detection import rendition
from detection.synthetic import encode_clip, face_frames, make_clip


def _streams(path: Path) -> dict[str, av.codec.context.CodecContext]:
    with av.open(str(path)) as container:
        return {s.type: s.codec_context for s in container.streams}


@pytest.fixture(scope="module")
def mpeg4_with_audio(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mpeg4")
    return encode_clip(
        folder / "talk.avi",
        face_frames(40, (320, 240), seed=4),
        25,
        container_format="avi",
        video_codec="mpeg4",
        audio_codec="mp2",
    )


def test_mpeg4_part2_needs_a_rendition(tmp_path):
    clip = make_clip(tmp_path / "mp4v.mp4", kind="face", seconds=0.4, size=(160, 120), seed=1)
    playback = rendition.browser_playback(clip)
    assert (playback.container, playback.video_codec) == ("mp4", "mpeg4")
    assert not playback.plays_in_browsers
    assert "mpeg4" in playback.why


def test_h264_mp4_and_vp9_webm_play_as_uploaded(tmp_path):
    h264 = make_clip(tmp_path / "a.mp4", seconds=0.4, size=(160, 120), codec="h264")
    vp9 = encode_clip(
        tmp_path / "b.webm",
        face_frames(10, (160, 120)),
        container_format="webm",
        video_codec="libvpx-vp9",
        audio_codec="libopus",
        audio_rate=48_000,
    )
    assert rendition.browser_playback(h264).plays_in_browsers
    assert rendition.browser_playback(vp9).plays_in_browsers


@pytest.mark.parametrize(
    ("fmt", "codec", "pix_fmt", "name", "why"),
    [
        ("matroska", "libvpx-vp9", "yuv420p", "c.mkv", "matroska container"),
        ("mp4", "libx264", "yuv444p", "d.mp4", "yuv444p pixel format"),
        ("avi", "libx264", "yuv420p", "e.avi", "avi container"),
    ],
)
def test_what_browsers_do_not_play(tmp_path, fmt, codec, pix_fmt, name, why):
    path = encode_clip(
        tmp_path / name,
        face_frames(5, (160, 120)),
        container_format=fmt,
        video_codec=codec,
        pix_fmt=pix_fmt,
    )
    playback = rendition.browser_playback(path)
    assert not playback.plays_in_browsers
    assert why in playback.why


def test_rendition_is_h264_yuv420p_aac_faststart(mpeg4_with_audio, tmp_path):
    result = rendition.make_rendition(mpeg4_with_audio, tmp_path, threads=1)
    streams = _streams(result.path)
    assert streams["video"].name == "h264"
    assert streams["video"].format.name == "yuv420p"
    assert streams["audio"].name == "aac"
    assert result.has_audio and result.codec == "h264"
    head = result.path.read_bytes()
    assert 0 < head.find(b"moov") < head.find(b"mdat"), "the index must come first (faststart)"
    assert rendition.browser_playback(result.path).plays_in_browsers
    with av.open(str(result.path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 40


def test_rendition_is_scaled_down_to_1080p_never_up(tmp_path):
    wide = encode_clip(tmp_path / "wide.mp4", face_frames(3, (2560, 1440)), video_codec="mpeg4")
    upright = encode_clip(
        tmp_path / "upright.mp4", face_frames(3, (1440, 2560)), video_codec="mpeg4"
    )
    small = encode_clip(tmp_path / "small.mp4", face_frames(3, (322, 180)), video_codec="mpeg4")
    assert rendition.make_rendition(wide, tmp_path).width == 1920
    tall = rendition.make_rendition(upright, tmp_path)
    assert (tall.width, tall.height) == (1080, 1920)
    kept = rendition.make_rendition(small, tmp_path)
    assert (kept.width, kept.height) == (322, 180)
    assert (_streams(kept.path)["video"].width, _streams(kept.path)["video"].height) == (322, 180)


def test_poster_and_contact_sheet(mpeg4_with_audio, tmp_path):
    result = rendition.make_rendition(mpeg4_with_audio, tmp_path)
    poster = cv2.imread(str(result.stills.poster))
    sheet = cv2.imread(str(result.stills.contact_sheet))
    assert poster.shape[:2] == (240, 320)
    assert sheet.shape[1] == 4 * rendition.SHEET_THUMB_WIDTH + 3 * 4
    assert len(result.stills.sheet_times) == 12
    assert list(result.stills.sheet_times) == sorted(result.stills.sheet_times)


def test_stills_of_a_clip_served_as_uploaded(tmp_path):
    clip = make_clip(tmp_path / "ok.mp4", seconds=1.0, size=(160, 120), codec="h264")
    stills = rendition.make_stills(clip, tmp_path)
    assert cv2.imread(str(stills.poster)).shape[:2] == (120, 160)
    assert stills.contact_sheet.stat().st_size > 0


def test_garbage_and_timeouts_are_rendition_errors(mpeg4_with_audio, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    with pytest.raises(rendition.RenditionError):
        rendition.make_rendition(junk, tmp_path)
    with pytest.raises(rendition.RenditionTimeout):
        rendition.make_rendition(mpeg4_with_audio, tmp_path, max_seconds=0)
    assert not (tmp_path / "talk.review.mp4").exists(), "a failed rendition leaves no file"
