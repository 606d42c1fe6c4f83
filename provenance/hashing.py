"""Frame hashing for the known-fake and reference banks: PDQ on sampled frames.

Plain Python (no ORM). A clip becomes a :class:`ClipHashes`: for every sampled frame, 256-bit
PDQ hashes of several *regions* of the frame, as seen and mirrored. The steps that make a
hash survive what re-uploads do to a video:

* black bars (letterbox / pillarbox) are detected over the clip as a whole and cut off,
  so a 16:9 clip padded into 4:3 hashes like the original;
* each region is reduced to 256×256 before PDQ (PDQ works on 64×64 internally; the smaller
  intermediate keeps a frame's twelve hashes at a few ms);
* regions whose PDQ quality is below ``MIN_QUALITY`` (flat colour, fades to black) are
  masked out: their hashes collide with every other flat frame and would match anything;
* besides the whole frame (``full``) we hash its centre 90 % (``crop90``: a re-upload
  cropped by 10 % hashes like it) and its four halves (``top``, ``bottom``, ``left``,
  ``right``: a large logo in one corner spoils two halves, not the other two). Measured on
  generated clips: a 10 % crop moves the full-frame hash by ~30 bits (up to 78) but lies
  within 2 bits of ``crop90``; a logo covering a quarter of the frame moves the full hash
  by ~50 bits but leaves the untouched half within ~10 bits.

Hashes are packed as 32 ``uint8`` bytes, most significant bit first, so that the hex form
is the one ThreatExchange and HMA exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pdqhash

from detection.frames import sample_frames

HASH_BYTES = 32
HASH_BITS = 256
REGIONS = ("full", "crop90", "top", "bottom", "left", "right")
FULL, CROP90 = 0, 1
ORIENTATIONS = 2  # as seen, mirrored left-right
# PDQ's reference implementation treats quality < 50 as "too flat to trust".
MIN_QUALITY = 50
# Denser than the detector's 2/s: a trimmed re-upload must still land near our samples.
SAMPLE_RATE_PER_S = 4.0
MAX_SAMPLED_FRAMES = 120
PDQ_INPUT_SIDE = 256
# A row/column is "black bar" when nearly all of its pixels are this dark.
BAR_LEVEL = 24
# Only strip bars covering at least this share of a side (one dark row isn't a bar), and
# never strip so much that less than half of the side is left.
MIN_BAR_SHARE = 0.02
MIN_CONTENT_SHARE = 0.5


@dataclass(frozen=True)
class ClipHashes:
    """Hashes of a clip's sampled frames.

    ``hashes[f, o, r]`` is the packed PDQ hash of frame ``f``, orientation ``o`` (0 as seen,
    1 mirrored) and region ``REGIONS[r]``; ``valid[f, r]`` says whether that region was
    textured enough to hash (the mirror has the same quality).
    """

    indices: tuple[int, ...]
    times: tuple[float, ...]
    hashes: np.ndarray  # (frames, ORIENTATIONS, len(REGIONS), HASH_BYTES) uint8
    valid: np.ndarray  # (frames, len(REGIONS)) bool

    @property
    def frame_count(self) -> int:
        return len(self.indices)

    def full_hex(self) -> list[str]:
        """The as-seen full-frame hash of every frame, as 64-digit hex."""
        return [bytes(row).hex() for row in self.hashes[:, 0, FULL]]

    def to_bytes(self) -> bytes:
        return self.hashes.tobytes()

    @classmethod
    def empty(cls) -> ClipHashes:
        return cls(
            (),
            (),
            np.zeros((0, ORIENTATIONS, len(REGIONS), HASH_BYTES), np.uint8),
            np.zeros((0, len(REGIONS)), bool),
        )

    @classmethod
    def from_bytes(
        cls, data: bytes, valid: list[list[bool]], indices: list[int], times: list[float]
    ) -> ClipHashes:
        frames = len(indices)
        hashes = np.frombuffer(data, dtype=np.uint8).reshape(
            frames, ORIENTATIONS, len(REGIONS), HASH_BYTES
        )
        mask = np.asarray(valid, dtype=bool).reshape(frames, len(REGIONS))
        return cls(tuple(indices), tuple(float(t) for t in times), hashes, mask)

    @classmethod
    def from_full_hex(cls, hex_hashes: list[str]) -> ClipHashes:
        """Frames known only by their full-frame hash (e.g. imported from a CSV)."""
        frames = len(hex_hashes)
        hashes = np.zeros((frames, ORIENTATIONS, len(REGIONS), HASH_BYTES), np.uint8)
        valid = np.zeros((frames, len(REGIONS)), bool)
        for i, text in enumerate(hex_hashes):
            hashes[i, 0, FULL] = np.frombuffer(hex_to_bytes(text), np.uint8)
            valid[i, FULL] = True
        return cls(tuple(range(frames)), tuple(0.0 for _ in range(frames)), hashes, valid)


def hex_to_bytes(value: str) -> bytes:
    """Parse a 64-digit hex PDQ hash; raises ValueError on anything else."""
    text = value.strip().lower()
    if len(text) != HASH_BYTES * 2:
        raise ValueError(f"a PDQ hash is {HASH_BYTES * 2} hex digits, got {len(text)}")
    return bytes.fromhex(text)


def hamming(a: bytes, b: bytes) -> int:
    """Bits that differ between two packed hashes."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def find_content_box(images: list[np.ndarray]) -> tuple[int, int, int, int]:
    """Return ``(top, bottom, left, right)`` of the picture inside black bars.

    Decided over all sampled frames together: a row is a bar only if it is dark in every
    frame, so a dark scene inside the picture is not mistaken for a bar.
    """
    if not images:
        raise ValueError("find_content_box needs at least one frame")
    height, width = images[0].shape[:2]
    dark_rows = np.ones(height, dtype=bool)
    dark_cols = np.ones(width, dtype=bool)
    for image in images:
        grey = image.max(axis=2) if image.ndim == 3 else image
        dark = grey <= BAR_LEVEL
        # 98 % rather than every pixel: encoders ring a little at a bar's edge.
        dark_rows &= dark.mean(axis=1) >= 0.98
        dark_cols &= dark.mean(axis=0) >= 0.98
    top, bottom = _band(dark_rows)
    left, right = _band(dark_cols)
    return top, bottom, left, right


def _band(dark: np.ndarray) -> tuple[int, int]:
    """The span between leading and trailing dark runs, if they look like bars."""
    size = len(dark)
    lit = np.flatnonzero(~dark)
    if len(lit) == 0:
        return 0, size
    start, stop = int(lit[0]), int(lit[-1]) + 1
    min_bar = MIN_BAR_SHARE * size
    if start < min_bar:
        start = 0
    if size - stop < min_bar:
        stop = size
    if stop - start < MIN_CONTENT_SHARE * size:
        return 0, size
    return start, stop


def _regions(image: np.ndarray) -> list[np.ndarray]:
    height, width = image.shape[:2]
    dy, dx = round(height * 0.05), round(width * 0.05)
    return [
        image,
        image[dy : height - dy, dx : width - dx],
        image[: height // 2],
        image[height // 2 :],
        image[:, : width // 2],
        image[:, width // 2 :],
    ]


def _pdq(region: np.ndarray) -> tuple[np.ndarray, int]:
    small = cv2.resize(region, (PDQ_INPUT_SIDE, PDQ_INPUT_SIDE), interpolation=cv2.INTER_AREA)
    bits, quality = pdqhash.compute(np.ascontiguousarray(small))
    return np.packbits(bits.astype(np.uint8)), int(quality)


def hash_image(image: np.ndarray, min_quality: int = MIN_QUALITY) -> tuple[np.ndarray, np.ndarray]:
    """Hash one BGR (or grey) picture: ``(hashes[2, regions, 32], valid[regions])``."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    hashes = np.zeros((ORIENTATIONS, len(REGIONS), HASH_BYTES), np.uint8)
    valid = np.zeros(len(REGIONS), bool)
    for orientation, picture in enumerate((rgb, rgb[:, ::-1])):
        for r, region in enumerate(_regions(picture)):
            hashes[orientation, r], quality = _pdq(region)
            if orientation == 0:
                valid[r] = quality >= min_quality
    return hashes, valid


def hash_frames(
    frames: list[tuple[int, float, np.ndarray]], min_quality: int = MIN_QUALITY
) -> ClipHashes:
    """Hash ``(index, time_s, image)`` frames after stripping the clip's black bars.

    Frames whose whole picture is too flat are dropped; the result may have no frame.
    """
    if not frames:
        return ClipHashes.empty()
    same_size = [image for _, _, image in frames if image.shape == frames[0][2].shape]
    top, bottom, left, right = find_content_box(same_size)
    kept_indices, kept_times, kept_hashes, kept_valid = [], [], [], []
    for index, time_s, image in frames:
        if image.shape == frames[0][2].shape:
            image = image[top:bottom, left:right]
        hashes, valid = hash_image(image, min_quality)
        if not valid[FULL]:
            continue
        kept_indices.append(index)
        kept_times.append(time_s)
        kept_hashes.append(hashes)
        kept_valid.append(valid)
    if not kept_indices:
        return ClipHashes.empty()
    return ClipHashes(
        tuple(kept_indices), tuple(kept_times), np.stack(kept_hashes), np.stack(kept_valid)
    )


def hash_video(
    path: str | Path,
    rate_per_s: float = SAMPLE_RATE_PER_S,
    max_frames: int = MAX_SAMPLED_FRAMES,
    min_quality: int = MIN_QUALITY,
) -> ClipHashes:
    """Sample a clip and hash it; flat frames are left out.

    Raises :class:`detection.frames.UnreadableMediaError` for files that aren't video.
    """
    frames = [
        (frame.index, frame.time_s, frame.image)
        for frame in sample_frames(path, rate_per_s=rate_per_s, max_frames=max_frames)
    ]
    return hash_frames(frames, min_quality=min_quality)
