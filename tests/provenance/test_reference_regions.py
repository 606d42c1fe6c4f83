"""Animated portraits are traced to their registered reference, with a change mask on the face.

The clips are made here from scikit-image's two real portraits (tests/provenance/animate.py):
mesh warp of the face, zoom, square crop around the face, 16:9 black bars, H.264 by PyAV.
"""

import time

import cv2
import numpy as np
import pytest
import skimage.data

from detection.frames import sample_frames
from provenance.hashing import hamming, hash_frames
from provenance.regions import (
    FOUND_INLIERS,
    ReferenceFeatures,
    change_mask,
    find_derived,
    largest_change,
    largest_face,
    strip_bars,
)
from tests.provenance.animate import animate, encode, pad_16_9, portrait

PORTRAITS = ("astronaut", "camera")
HOWS = ("warp", "zoom", "square", "pad", "square+pad")


@pytest.fixture(scope="module")
def references() -> dict[str, np.ndarray]:
    return {name: portrait(name) for name in PORTRAITS}


@pytest.fixture(scope="module")
def features(references) -> list[ReferenceFeatures]:
    return [ReferenceFeatures.of(n, references[name]) for n, name in enumerate(PORTRAITS)]


@pytest.fixture(scope="module")
def clips(tmp_path_factory, references) -> dict[tuple[str, str], list[tuple[int, np.ndarray]]]:
    """Every animation's sampled frames, as the desk decodes them."""
    out = tmp_path_factory.mktemp("animations")
    made = {}
    for name, image in references.items():
        box = largest_face(image)
        assert box is not None, f"the detector finds the face in {name}"
        for how in HOWS:
            path = animate(image, box, out / f"{name}-{how.replace('+', '_')}.mp4", how=how)
            made[name, how] = [(f.index, f.image) for f in sample_frames(path, 4.0, 40)]
    return made


@pytest.mark.parametrize("name", PORTRAITS)
@pytest.mark.parametrize("how", HOWS)
def test_an_animation_of_a_registered_portrait_is_found_derived_from_it(name, how, clips, features):
    started = time.perf_counter()
    found = find_derived(clips[name, how], features)
    elapsed = time.perf_counter() - started
    assert [features[m.entry_id].entry_id for m in found] == [PORTRAITS.index(name)]
    assert found[0].inliers >= FOUND_INLIERS
    assert elapsed < 5.0  # two references, three frames: bounded work per clip


def test_the_square_crop_is_beyond_pixel_hashes_which_is_why_features_are_used(clips, references):
    whole = hash_frames([(0, 0.0, references["astronaut"])]).hashes[0, 0, 0]
    frame = clips["astronaut", "square"][0][1]
    assert hamming(bytes(whole), bytes(hash_frames([(0, 0.0, frame)]).hashes[0, 0, 0])) > 60


def test_an_unrelated_portrait_and_a_different_scene_are_not_matched(
    tmp_path, clips, references, features
):
    # Each portrait's animations against the other portrait only.
    for name in PORTRAITS:
        other = [f for f in features if PORTRAITS[f.entry_id] != name]
        for how in HOWS:
            assert find_derived(clips[name, how], other) == []
    scene = cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR)
    path = encode([np.roll(scene, 3 * k, axis=1) for k in range(24)], tmp_path / "scene.mp4")
    frames = [(f.index, f.image) for f in sample_frames(path, 4.0, 40)]
    assert find_derived(frames, features) == []


# Where the mask lands on the face (measured, seeded RANSAC). Not here, and reported: the
# cameraman's grey, low-contrast face under the plain warp (no change found), zoomed (41 %
# of the change on the face) and padded (the change found sits on the coat's edge).
ON_THE_FACE = [
    ("astronaut", "warp"),
    ("astronaut", "zoom"),
    ("astronaut", "pad"),
    ("astronaut", "square"),
    ("astronaut", "square+pad"),
    ("camera", "square"),
    ("camera", "square+pad"),
]


@pytest.mark.parametrize(("name", "how"), ON_THE_FACE)
def test_the_change_mask_sits_on_the_face(name, how, clips, references, features):
    reference = references[name]
    found = largest_change(reference, clips[name, how])
    assert found is not None
    changes = found[1]
    assert changes.inliers >= FOUND_INLIERS
    # Something changed (the warp), little of the picture, and most of it on the face.
    assert 0 < changes.changed_share < 0.2
    assert changes.face_share is not None and changes.face_share >= 0.6
    png = changes.overlay_png(reference)
    assert png.startswith(b"\x89PNG")


def test_the_unchanged_reference_has_an_empty_change_mask(references):
    reference = references["astronaut"]
    changes = change_mask(reference, reference.copy())
    assert changes.changed_share == 0 and changes.face_share is None


def test_bars_of_any_width_are_stripped():
    picture = portrait("astronaut")[:, 128:384]  # a 1:2 portrait: 28 % of a 16:9 frame
    padded = pad_16_9(picture)
    stripped = strip_bars([padded, padded.copy()])
    height, width = stripped[0].shape[:2]
    assert height == 360 and abs(width - 180) <= 4
