"""PDQ frame hashing: bars stripped, flat frames skipped, mirror hashed, hex round trip."""

import numpy as np
import pytest

from detection.synthetic import noface_frames
from provenance.hashing import (
    FULL,
    ClipHashes,
    find_content_box,
    hamming,
    hash_frames,
    hash_image,
    hex_to_bytes,
)


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return next(noface_frames(1, size=(640, 360), seed=7))


def test_letterbox_bars_are_found_and_stripped(scene):
    boxed = np.zeros((480, 640, 3), np.uint8)
    boxed[60:420] = scene
    assert find_content_box([boxed]) == (60, 420, 0, 640)
    plain = hash_frames([(0, 0.0, scene)])
    stripped = hash_frames([(0, 0.0, boxed)])
    distance = hamming(bytes(plain.hashes[0, 0, FULL]), bytes(stripped.hashes[0, 0, FULL]))
    assert distance <= 4


def test_pillarbox_bars_are_found(scene):
    boxed = np.zeros((360, 854, 3), np.uint8)
    boxed[:, 107:747] = scene
    assert find_content_box([boxed]) == (0, 360, 107, 747)


def test_dark_scene_is_not_a_bar(scene):
    # Dark in one frame only: a bar must be dark in every sampled frame.
    dark_top = scene.copy()
    dark_top[:60] = 0
    assert find_content_box([dark_top, scene]) == (0, 360, 0, 640)


def test_flat_frames_are_skipped(scene):
    flat = np.full((360, 640, 3), 128, np.uint8)
    hashes = hash_frames([(0, 0.0, flat), (5, 0.2, scene), (9, 0.4, flat)])
    assert hashes.indices == (5,)


def test_mirror_hash_equals_hash_of_mirrored_picture(scene):
    hashes, _ = hash_image(scene)
    mirrored, _ = hash_image(np.ascontiguousarray(scene[:, ::-1]))
    assert hamming(bytes(hashes[1, FULL]), bytes(mirrored[0, FULL])) <= 2
    assert hamming(bytes(hashes[0, FULL]), bytes(hashes[1, FULL])) > 60


def test_hex_round_trip_and_bad_hex():
    hashes = ClipHashes.from_full_hex(["f" * 64, "0" * 63 + "1"])
    assert hashes.full_hex() == ["f" * 64, "0" * 63 + "1"]
    assert hashes.valid[:, FULL].all() and not hashes.valid[:, 1:].any()
    with pytest.raises(ValueError):
        hex_to_bytes("abc")
    with pytest.raises(ValueError):
        hex_to_bytes("z" * 64)


def test_bytes_round_trip(scene):
    hashes = hash_frames([(3, 0.1, scene)])
    again = ClipHashes.from_bytes(
        hashes.to_bytes(), hashes.valid.tolist(), list(hashes.indices), list(hashes.times)
    )
    assert np.array_equal(again.hashes, hashes.hashes)
    assert again.indices == (3,)
