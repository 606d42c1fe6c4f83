"""Finding a clip's authentic reference by local features, and what changed (no ORM).

Animation tools rarely hand back the photo's framing: they crop a portrait to a square
around the face, zoom in, pad a portrait to 16:9, and move the face. Measured on animations
made from scikit-image's two real portraits (``tests/provenance/animate.py``: mesh warp of
the face, zoom, square crop around the face, 16:9 black bars, H.264), PDQ cannot bridge
this even region by region: the whole frame of a square crop is 78-140 bits from its
source, and face-centred squares at 1.5/2/3x the face (the idea in issue 15) are 36-132 bits
apart, because the face is what the tool moves and it fills those squares. Unrelated
pictures sit near 128. So hash matching stays for re-encodes, and this module adds:

* :func:`find_derived`: ORB features of a few of the clip's frames (bars stripped first, any
  width) matched to each candidate reference's features and verified by a RANSAC homography.
  The unchanged scene around the person carries the match: derived clips gave 41-2528
  inliers, unrelated portraits and a different scene 0-10;
* :func:`change_mask`: the best frame registered onto the reference by that homography; the
  grey-level difference after alignment (levels matched, thresholded, opened, closed, small
  blobs dropped) is the change mask, which on an animated portrait sits on the face.

Cost is bounded: ``SEARCH_FRAMES`` frames per clip, features at ``SEARCH_SIDE`` px, and the
caller caps how many references are compared (reference features are computed once per
process and kept, see :class:`ReferenceFeatures`).

What this cannot survive: a frame fully re-drawn (diffusion re-renderers, a new background:
nothing of the scene keeps its local texture), a crop that keeps almost nothing but the
moving face (fewer than ``MIN_INLIERS`` consistent features), heavy blur or very low
resolution, and scenes that are not roughly one plane seen from one viewpoint (the
homography fits one plane; a re-filmed scene with parallax aligns only in part).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from detection.faces import FaceBox, FaceDetector
from provenance.hashing import find_bands

# The square around the reference's face that the change mask's share is measured in, as a
# multiple of the face box's longer side.
FACE_SQUARE = 2.5
# Frames of a clip compared with references (evenly spread over its sampled frames).
SEARCH_FRAMES = 3
SEARCH_SIDE = 480
SEARCH_FEATURES = 2000
# RANSAC needs this many ratio-test matches to try; a reference is found when one frame has
# FOUND_INLIERS consistent ones. Measured at 480 px / 2000 features: unrelated portraits and
# a different scene reach 0-10 inliers, derived clips 41 (zoomed square crop, last frames)
# to 2500 (face warp only).
MIN_INLIERS = 12
FOUND_INLIERS = 25
# Change mask: grey-level difference after alignment that counts as changed, and the
# smallest changed blob kept (share of the reference's area).
CHANGE_THRESHOLD = 20
MIN_BLOB_SHARE = 0.002
ALIGN_SIDE = 720
ALIGN_FEATURES = 3000

_detector: FaceDetector | None = None


def detector() -> FaceDetector:
    """One BlazeFace net for this module (nets are not thread-safe: one per process)."""
    global _detector
    if _detector is None:
        _detector = FaceDetector()
    return _detector


def largest_face(image: np.ndarray) -> FaceBox | None:
    """The largest face in a BGR picture, or None."""
    faces = detector().detect(image)
    return max(faces, key=lambda f: f.w * f.h) if faces else None


def strip_bars(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The frames without pillarbox/letterbox bars, decided over the clip as a whole
    (:func:`provenance.hashing.find_bands`: any width leaving a quarter of the picture)."""
    same = [f for f in frames if f.shape == frames[0].shape]
    if not same:
        return frames
    (top, bottom, left, right), _bands = find_bands(same)
    return [f[top:bottom, left:right] if f.shape == frames[0].shape else f for f in frames]


# --- alignment and change mask ----------------------------------------------------------


@dataclass(frozen=True)
class ChangeMask:
    """What differs between a clip frame aligned onto its reference and the reference."""

    mask: np.ndarray  # (h, w) uint8 0/255 in the reference's pixels (as shrunk for alignment)
    covered: np.ndarray  # (h, w) bool: reference pixels the clip frame shows
    inliers: int
    changed_share: float  # of the covered reference area
    face_share: float | None  # of the changed pixels, inside the reference face's square
    face_box: tuple[int, int, int, int] | None  # (x, y, w, h) of that square

    def overlay(self, reference: np.ndarray) -> np.ndarray:
        """The reference with changed pixels tinted red and what the clip lacks dimmed."""
        ref = _fit(reference)
        out = ref.astype(np.float32)
        out[~self.covered] *= 0.35
        red = np.zeros_like(out)
        red[..., 2] = 255
        on = self.mask > 0
        out[on] = 0.45 * out[on] + 0.55 * red[on]
        contours, _ = cv2.findContours(self.mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        result = out.clip(0, 255).astype(np.uint8)
        cv2.drawContours(result, contours, -1, (0, 0, 255), 2)
        return result

    def overlay_png(self, reference: np.ndarray) -> bytes:
        ok, data = cv2.imencode(".png", self.overlay(reference))
        if not ok:
            raise ValueError("could not encode the change overlay")
        return data.tobytes()


class AlignmentFailed(ValueError):
    """The frame could not be registered onto the reference (too few matching features)."""


def _fit(image: np.ndarray, side: int = ALIGN_SIDE) -> np.ndarray:
    height, width = image.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale == 1.0:
        return image
    size = (round(width * scale), round(height * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def align(reference: np.ndarray, frame: np.ndarray) -> tuple[np.ndarray, int]:
    """Homography taking ``frame`` pixels onto ``reference`` (both as :func:`_fit` shrinks
    them), and the RANSAC inlier count; raises :class:`AlignmentFailed`."""
    ref, img = _fit(reference), _fit(frame)
    orb = cv2.ORB_create(nfeatures=3000)
    kp_r, des_r = orb.detectAndCompute(cv2.cvtColor(ref, cv2.COLOR_BGR2GRAY), None)
    kp_f, des_f = orb.detectAndCompute(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), None)
    if des_r is None or des_f is None or len(kp_r) < MIN_INLIERS or len(kp_f) < MIN_INLIERS:
        raise AlignmentFailed("too few features to align")
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(des_f, des_r, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        raise AlignmentFailed("too few matching features")
    src = np.float32([kp_f[m.queryIdx].pt for m in good])
    dst = np.float32([kp_r[m.trainIdx].pt for m in good])
    cv2.setRNGSeed(0)  # RANSAC samples at random: the same clip gives the same mask
    homography, inlier_mask = cv2.findHomography(src, dst, cv2.RANSAC, 4.0)
    inliers = int(inlier_mask.sum()) if inlier_mask is not None else 0
    if homography is None or inliers < MIN_INLIERS:
        raise AlignmentFailed("no consistent alignment")
    return homography, inliers


def change_mask(reference: np.ndarray, frame: np.ndarray) -> ChangeMask:
    """Align ``frame`` onto ``reference`` and mark what differs (morphologically cleaned)."""
    # Bars carry nothing of the reference; aligned, they would cover part of it as "changed".
    stripped = strip_bars([frame])[0]
    if stripped.shape != frame.shape:
        # The picture's edge next to a bar bleeds into it after compression: leave 2 % out.
        height, width = stripped.shape[:2]
        dy, dx = round(0.02 * height), round(0.02 * width)
        stripped = stripped[dy : height - dy, dx : width - dx]
    frame = stripped
    homography, inliers = align(reference, frame)
    ref, img = _fit(reference), _fit(frame)
    height, width = ref.shape[:2]
    warped = cv2.warpPerspective(img, homography, (width, height))
    covered = cv2.warpPerspective(
        np.full(img.shape[:2], 255, np.uint8), homography, (width, height)
    )
    # Stay off the warped frame's edge, where interpolation blends in the black outside.
    covered = cv2.erode(covered, np.ones((5, 5), np.uint8)) > 0
    grey_r = cv2.GaussianBlur(cv2.cvtColor(ref, cv2.COLOR_BGR2GRAY), (5, 5), 0).astype(np.float32)
    grey_w = cv2.GaussianBlur(cv2.cvtColor(warped, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    grey_w = grey_w.astype(np.float32)
    if covered.any():
        # Re-encodes and colour grading shift the levels: compare after matching them.
        r, w = grey_r[covered], grey_w[covered]
        grey_w = (grey_w - w.mean()) * (r.std() / max(w.std(), 1e-3)) + r.mean()
    # Changed only where the reference lies outside what the aligned frame shows within a
    # pixel: a homography a pixel off at a strong edge is not a change.
    kernel = np.ones((3, 3), np.uint8)
    low, high = cv2.erode(grey_w, kernel), cv2.dilate(grey_w, kernel)
    diff = np.maximum(grey_r - high, low - grey_r)
    mask = ((diff > CHANGE_THRESHOLD) & covered).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    min_area = MIN_BLOB_SHARE * height * width
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    mask = np.where(keep[labels], 255, 0).astype(np.uint8)
    area = int(covered.sum())
    changed = int((mask > 0).sum())
    face_share, face_box = None, None
    box = largest_face(ref)
    if box is not None:
        side = round(max(box.w, box.h) * FACE_SQUARE)
        x0 = max(0, round(box.x + box.w / 2 - side / 2))
        y0 = max(0, round(box.y + box.h / 2 - side / 2))
        face_box = (x0, y0, side, side)
        if changed:
            inside = int((mask[y0 : y0 + side, x0 : x0 + side] > 0).sum())
            face_share = round(inside / changed, 3)
    return ChangeMask(
        mask=mask,
        covered=covered,
        inliers=inliers,
        changed_share=round(changed / max(1, area), 4),
        face_share=face_share,
        face_box=face_box,
    )


# --- search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceFeatures:
    """ORB features of one reference picture at ``SEARCH_SIDE`` (computed once, kept)."""

    entry_id: int
    points: np.ndarray  # (n, 2) float32
    descriptors: np.ndarray  # (n, 32) uint8

    @classmethod
    def of(cls, entry_id: int, image: np.ndarray) -> ReferenceFeatures:
        points, descriptors = _features(image)
        return cls(entry_id, points, descriptors)


@dataclass(frozen=True)
class FeatureMatch:
    """A reference found in a clip: which sampled frame, and how many features agreed."""

    entry_id: int
    frame_index: int
    inliers: int
    frames_found: int  # of the frames compared
    frames_compared: int


def _features(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    grey = cv2.cvtColor(_fit(image, SEARCH_SIDE), cv2.COLOR_BGR2GRAY)
    keypoints, descriptors = cv2.ORB_create(nfeatures=SEARCH_FEATURES).detectAndCompute(grey, None)
    if descriptors is None:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.float32([k.pt for k in keypoints]), descriptors


def _inliers(frame: tuple[np.ndarray, np.ndarray], reference: ReferenceFeatures) -> int:
    points, descriptors = frame
    if len(points) < MIN_INLIERS or len(reference.points) < MIN_INLIERS:
        return 0
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(descriptors, reference.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return 0
    src = points[[m.queryIdx for m in good]]
    dst = reference.points[[m.trainIdx for m in good]]
    cv2.setRNGSeed(0)
    homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, 4.0)
    if homography is None or mask is None:
        return 0
    return int(mask.sum())


def find_derived(
    frames: list[tuple[int, np.ndarray]],
    references: Iterable[ReferenceFeatures],
    search_frames: int = SEARCH_FRAMES,
) -> list[FeatureMatch]:
    """References the clip's ``(index, image)`` frames were derived from, most inliers first.

    Bars are stripped first; ``search_frames`` frames spread over the clip are compared.
    """
    if not frames:
        return []
    picks = np.unique(np.linspace(0, len(frames) - 1, search_frames).round().astype(int))
    chosen = [frames[i] for i in picks]
    stripped = strip_bars([image for _, image in chosen])
    features = [_features(image) for image in stripped]
    found = []
    for reference in references:
        counts = [_inliers(f, reference) for f in features]
        best = int(np.argmax(counts))
        if counts[best] < FOUND_INLIERS:
            continue
        found.append(
            FeatureMatch(
                entry_id=reference.entry_id,
                frame_index=chosen[best][0],
                inliers=counts[best],
                frames_found=sum(c >= FOUND_INLIERS for c in counts),
                frames_compared=len(counts),
            )
        )
    found.sort(key=lambda m: -m.inliers)
    return found


def largest_change(
    reference: np.ndarray, frames: list[tuple[int, np.ndarray]], count: int = SEARCH_FRAMES * 2
) -> tuple[int, ChangeMask] | None:
    """The change mask of the frame, among ``count`` spread over the clip, that differs most
    from the reference once aligned (the best-matching frame is often the one the tool left
    untouched, e.g. the first), with its index; None when no frame aligns."""
    if not frames:
        return None
    picks = np.unique(np.linspace(0, len(frames) - 1, count).round().astype(int))
    best: tuple[int, ChangeMask] | None = None
    for i in picks:
        index, image = frames[i]
        try:
            changes = change_mask(reference, image)
        except AlignmentFailed:
            continue
        if best is None or changes.changed_share > best[1].changed_share:
            best = (index, changes)
    return best
