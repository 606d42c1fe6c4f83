"""Photos by content (detection.images), without a database: accepted formats, the limits on
bytes, pixels and frames (a decompression bomb refused from its header), EXIF orientation for
analysis and for the served copy, and a served copy without GPS."""

import dataclasses
import time
from pathlib import Path

import pytest
from PIL import Image

from detection.frames import ImageSampler, MediaLimitExceeded, VideoSampler, open_sampler
from detection.images import make_photo_copy, probe_image
from detection.probe import DEFAULT_LIMITS, MediaRejected
from tests import hostile
from tests.photos import animated, face_photo, gps_of


@pytest.mark.parametrize(
    ("name", "build", "extension", "frames"),
    [
        ("photo.jpg", lambda p: face_photo(p), "jpg", 1),
        ("photo.png", lambda p: face_photo(p, format="PNG"), "png", 1),
        ("photo.webp", lambda p: face_photo(p, format="WEBP"), "webp", 1),
        ("anim.gif", lambda p: animated(p), "gif", 12),
        ("anim.webp", lambda p: animated(p), "webp", 12),
    ],
)
def test_photo_formats_are_accepted_by_content(tmp_path, name, build, extension, frames):
    # Named .mp4: the content decides, not the name.
    path = build(tmp_path / name)
    disguised = path.rename(tmp_path / "upload.mp4")
    facts = probe_image(disguised, DEFAULT_LIMITS)
    assert (facts.kind, facts.extension, facts.frame_count) == ("photo", extension, frames)
    assert facts.has_audio is False
    assert (facts.duration_s > 0) is (frames > 1)


def test_a_jpeg_bomb_is_refused_from_its_header(tmp_path):
    bomb = hostile.jpeg_bomb(tmp_path / "bomb.jpg")
    assert bomb.stat().st_size < 1000
    started = time.perf_counter()
    with pytest.raises(MediaRejected) as refused:
        probe_image(bomb, DEFAULT_LIMITS)
    assert refused.value.code == "image_too_large"
    assert time.perf_counter() - started < 0.5  # nothing was decoded


def test_a_photo_over_our_pixel_limit_but_under_pillows_guard_is_refused(tmp_path):
    # 10 000 × 10 000 = 100 Mpx: Pillow only warns; our limit (64 Mpx) refuses it.
    with pytest.raises(MediaRejected) as refused:
        probe_image(hostile.jpeg_bomb(tmp_path / "big.jpg", side=10_000), DEFAULT_LIMITS)
    assert refused.value.code == "image_too_large"
    assert "64000000" in refused.value.message


def test_an_animation_past_the_frame_limit_is_refused(tmp_path):
    limits = dataclasses.replace(DEFAULT_LIMITS, max_image_frames=10)
    assert probe_image(hostile.gif_with_frames(tmp_path / "ten.gif", 10), limits).frame_count == 10
    with pytest.raises(MediaRejected) as refused:
        probe_image(hostile.gif_with_frames(tmp_path / "eleven.gif", 11), limits)
    assert refused.value.code == "too_many_frames"
    # The reader the worker uses is bounded by the same limit.
    with pytest.raises(MediaLimitExceeded):
        open_sampler(tmp_path / "eleven.gif", limits=limits)


def test_a_truncated_jpeg_is_unreadable(tmp_path):
    whole = face_photo(tmp_path / "whole.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaRejected) as refused:
        probe_image(cut, DEFAULT_LIMITS)
    assert refused.value.code == "unreadable_media"


def test_a_photo_is_read_as_one_frame_upright(tmp_path):
    # Orientation 6: stored landscape, shown rotated 90° clockwise (a portrait phone photo).
    path = face_photo(tmp_path / "portrait.jpg", size=(640, 480), orientation=6)
    facts = probe_image(path, DEFAULT_LIMITS)
    assert (facts.width, facts.height) == (480, 640)
    sampler = open_sampler(path)
    assert isinstance(sampler, ImageSampler)
    assert sampler.indices == [0] and sampler.frame_count == 1 and sampler.duration_s == 0
    [frame] = list(sampler.frames())
    assert frame.index == 0 and frame.image.shape == (640, 480, 3)


def test_an_animation_is_sampled_like_a_clip(tmp_path):
    sampler = open_sampler(animated(tmp_path / "anim.gif", frames=20))
    assert sampler.frame_count == 20 and sampler.duration_s == pytest.approx(1.6)
    assert sampler.indices == [2, 7, 12, 17]  # 2 per second, mid-slice, as for video
    assert [f.index for f in sampler.frames()] == sampler.indices


def test_a_video_still_gets_the_video_reader(face_clip):
    assert isinstance(open_sampler(face_clip), VideoSampler)


def test_the_served_copy_is_upright_and_has_no_gps_while_the_original_keeps_it(tmp_path):
    original = face_photo(tmp_path / "gps.jpg", orientation=6)
    before = original.read_bytes()
    assert gps_of(original)  # the evidence carries the position
    out = tmp_path / "out"
    out.mkdir()
    copy = make_photo_copy(original, out)
    assert (copy.codec, copy.width, copy.height, copy.frames) == ("jpeg", 480, 640, 1)
    with Image.open(copy.path) as served:
        assert served.size == (480, 640)
        assert gps_of(served) == {} and dict(served.getexif()) == {}
        assert "exif" not in served.info and "xmp" not in served.info
    assert original.read_bytes() == before  # untouched
    with Image.open(copy.poster) as poster:
        assert max(poster.size) <= 480


def test_an_animation_is_served_as_animated_webp_with_a_contact_sheet(tmp_path):
    copy = make_photo_copy(animated(tmp_path / "anim.gif", frames=12), tmp_path)
    assert copy.codec == "webp" and copy.frames == 12 and copy.path.suffix == ".webp"
    with Image.open(copy.path) as served:
        assert served.n_frames == 12
    assert copy.contact_sheet is not None and len(copy.sheet_times) == 12


def test_a_transparent_png_is_served_as_png(tmp_path):
    path = tmp_path / "alpha.png"
    Image.new("RGBA", (64, 64), (255, 0, 0, 128)).save(path)
    copy = make_photo_copy(path, tmp_path / ".")
    assert copy.codec == "png" and Path(copy.path).suffix == ".png"


def test_heic_photos_are_accepted_and_served_without_gps(tmp_path):
    # pillow-heif is pinned in requirements.txt; an environment without it fails here.
    from detection.images import HEIC_SUPPORTED

    assert HEIC_SUPPORTED, "pip install -r requirements.txt (pillow-heif)"
    jpeg = face_photo(tmp_path / "photo.jpg", size=(320, 240))
    heic = tmp_path / "IMG_0001.mov"  # the name says nothing; the bytes do
    with Image.open(jpeg) as picture:
        picture.save(heic, format="HEIF", quality=80, exif=picture.getexif().tobytes())
    assert gps_of(heic)
    facts = probe_image(heic, DEFAULT_LIMITS)
    assert (facts.kind, facts.extension, facts.width, facts.height) == ("photo", "heic", 320, 240)
    [frame] = list(open_sampler(heic).frames())
    assert frame.image.shape == (240, 320, 3)
    copy = make_photo_copy(heic, tmp_path)
    assert copy.codec == "jpeg" and gps_of(copy.path) == {}
