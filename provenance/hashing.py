"""Frame hashing for the known-fake and reference banks: PDQ on sampled frames.

Plain Python (no ORM). A clip becomes a :class:`ClipHashes`: for every sampled frame, 256-bit
PDQ hashes of several *regions* of the frame, as seen and mirrored. The steps that make a
hash survive what re-uploads do to a video:

* uniform bands at the top, bottom and sides — any colour (black letterbox, a white meme
  band, a blurred-free coloured pillarbox) and any width, with or without caption text on
  them — are detected over the clip as a whole and cut off, so a 16:9 clip padded into 4:3,
  a portrait clip padded to 16:9 or a meme with a white caption band above the picture
  hashes like the original (:func:`find_bands`); what was cut is kept on the
  :class:`ClipHashes` (``bands``) so a match can say which transformation it recognised;
* each region is reduced to 256×256 before PDQ (PDQ works on 64×64 internally; the smaller
  intermediate keeps a frame's twelve hashes at a few ms);
* regions whose PDQ quality is below ``MIN_QUALITY`` (flat colour, fades to black) are
  masked out: their hashes collide with every other flat frame and would match anything;
* besides the whole frame (``full``) we hash its centre 90 % and 80 % (``crop90``,
  ``crop80``: a re-upload cropped or zoomed by 10-20 % hashes like one of them) and its four
  halves (``top``, ``bottom``, ``left``,
  ``right``: a large logo in one corner spoils two halves, not the other two). Measured on
  generated clips: a 10 % crop moves the full-frame hash by ~30 bits (up to 78) but lies
  within 2 bits of ``crop90``; a logo covering a quarter of the frame moves the full hash
  by ~50 bits but leaves the untouched half within ~10 bits.

Photos are hashed the same way, as a clip of one frame (``detection.frames.open_sampler``
reads them upright by their EXIF orientation), so a photo matches frames of banked videos and
a banked photo matches frames of later videos.

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
# New regions are appended, never inserted: stored hashes of the first LEGACY_REGIONS load.
REGIONS = ("full", "crop90", "top", "bottom", "left", "right", "crop80")
FULL, CROP90, CROP80 = 0, 1, 6
LEGACY_REGIONS = 6
ORIENTATIONS = 2  # as seen, mirrored left-right
# PDQ's reference implementation treats quality < 50 as "too flat to trust".
MIN_QUALITY = 50
# Denser than the detector's 2/s: a trimmed re-upload must still land near our samples.
SAMPLE_RATE_PER_S = 4.0
MAX_SAMPLED_FRAMES = 120
PDQ_INPUT_SIDE = 256
# Frames larger than this on their long side (photos, 4K video) are shrunk before hashing;
# 1080p video and smaller are hashed as decoded, as they always were.
HASH_MAX_SIDE = 1920
# A pixel belongs to a band when every channel is within this of the band's colour.
BAND_TOLERANCE = 40
# A band's edge row must be this uniform in every frame; further rows may carry caption text
# and only need this share of band-coloured pixels (in every frame: a caption is static,
# the picture moves).
BAND_EDGE_SHARE = 0.97
BAND_TEXT_SHARE = 0.5
# Only strip bands covering at least this share of a side (one odd row isn't a band), and
# never strip so much that less than this share of the side is left: a 9:16 portrait clip
# padded to 16:9 keeps 32 % of the width.
MIN_BAR_SHARE = 0.02
MIN_CONTENT_SHARE = 0.25


COLOUR_NAMES = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (220, 30, 30),
    "green": (30, 170, 60),
    "blue": (30, 60, 200),
    "yellow": (240, 220, 40),
}


@dataclass(frozen=True)
class Band:
    """A uniform band cut off one side of the picture before hashing."""

    side: str  # "top", "bottom", "left" or "right"
    share: float  # of the frame's height (top/bottom) or width (left/right)
    colour: tuple[int, int, int]  # RGB
    caption: bool  # text (or anything not band-coloured) was on it

    @property
    def colour_name(self) -> str:
        return min(
            COLOUR_NAMES,
            key=lambda n: sum(
                (a - b) ** 2 for a, b in zip(COLOUR_NAMES[n], self.colour, strict=True)
            ),
        )

    def describe(self) -> str:
        caption = " with caption" if self.caption else ""
        return f"{self.colour_name} band{caption} ({self.side}, {round(self.share * 100)} %)"

    def as_json(self) -> dict:
        return {
            "side": self.side,
            "share": round(self.share, 3),
            "colour": list(self.colour),
            "caption": self.caption,
        }

    @classmethod
    def from_json(cls, data: dict) -> Band:
        return cls(
            str(data["side"]),
            float(data["share"]),
            tuple(int(c) for c in data["colour"])[:3],  # type: ignore[arg-type]
            bool(data["caption"]),
        )


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
    bands: tuple[Band, ...] = ()  # what was cut off before hashing

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
        cls,
        data: bytes,
        valid: list[list[bool]],
        indices: list[int],
        times: list[float],
        bands: tuple[Band, ...] = (),
    ) -> ClipHashes:
        frames = len(indices)
        stored = len(data) // max(1, frames * ORIENTATIONS * HASH_BYTES) if frames else 0
        hashes = np.zeros((frames, ORIENTATIONS, len(REGIONS), HASH_BYTES), np.uint8)
        mask = np.zeros((frames, len(REGIONS)), bool)
        if frames:
            if stored not in (LEGACY_REGIONS, len(REGIONS)):
                raise ValueError(f"{len(data)} bytes of hashes do not fit {frames} frames")
            # Rows stored before a region was added load with that region marked unhashed.
            hashes[:, :, :stored] = np.frombuffer(data, dtype=np.uint8).reshape(
                frames, ORIENTATIONS, stored, HASH_BYTES
            )
            mask[:, :stored] = np.asarray(valid, dtype=bool).reshape(frames, stored)
        return cls(tuple(indices), tuple(float(t) for t in times), hashes, mask, bands)

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
    """Return ``(top, bottom, left, right)`` of the picture inside uniform bands."""
    return find_bands(images)[0]


def find_bands(
    images: list[np.ndarray],
) -> tuple[tuple[int, int, int, int], tuple[Band, ...]]:
    """The picture's box inside uniform bands, and the bands, decided over all frames.

    A side has a band when its outermost row (or column) is one colour in every frame; the
    band reaches inwards as long as, in every frame, at least ``BAND_TEXT_SHARE`` of a row is
    that colour — caption text on the band keeps it a band, while the picture (which moves,
    or at least is not one flat colour over half a row) ends it. Top and bottom come first,
    then the sides within what is left, so a black letterbox and white side bars are both
    found.
    """
    if not images:
        raise ValueError("find_bands needs at least one frame")
    frames = [cv2.cvtColor(i, cv2.COLOR_GRAY2BGR) if i.ndim == 2 else i for i in images]
    height, width = frames[0].shape[:2]
    top, top_band = _side_band(frames, "top", height)
    bottom_cut, bottom_band = _side_band(frames, "bottom", height)
    bottom = height - bottom_cut
    if bottom - top < MIN_CONTENT_SHARE * height:
        top, bottom, top_band, bottom_band = 0, height, None, None
    inner = [frame[top:bottom] for frame in frames]
    left, left_band = _side_band(inner, "left", width)
    right_cut, right_band = _side_band(inner, "right", width)
    right = width - right_cut
    if right - left < MIN_CONTENT_SHARE * width:
        left, right, left_band, right_band = 0, width, None, None
    bands = tuple(b for b in (top_band, bottom_band, left_band, right_band) if b is not None)
    return (top, bottom, left, right), bands


def _side_band(frames: list[np.ndarray], side: str, size: int) -> tuple[int, Band | None]:
    """How many rows (or columns) from ``side`` inwards are a uniform band, and the band."""

    # Lines running inwards from the side, each a (length, 3) run of BGR pixels; every
    # other pixel along a line is enough to judge it and halves the work.
    def lines(frame: np.ndarray) -> np.ndarray:
        if side == "top":
            return frame[:, ::2]
        if side == "bottom":
            return frame[::-1, ::2]
        if side == "left":
            return frame[::2].transpose(1, 0, 2)
        return frame[::2, ::-1].transpose(1, 0, 2)

    stacks = [lines(frame) for frame in frames]
    edges = np.stack([np.median(stack[0], axis=0) for stack in stacks])
    # The band is one colour in every frame (a static overlay): else there is none.
    if np.abs(edges - edges.mean(axis=0)).max() > BAND_TOLERANCE / 2:
        return 0, None
    colour = np.median(edges, axis=0)
    share = np.ones(size)
    for stack in stacks:
        near = (np.abs(stack.astype(np.int16) - colour.astype(np.int16)) <= BAND_TOLERANCE).all(
            axis=2
        )
        share = np.minimum(share, near.mean(axis=1))
    if share[0] < BAND_EDGE_SHARE:
        return 0, None
    ends = np.flatnonzero(share < BAND_TEXT_SHARE)
    depth = int(ends[0]) if len(ends) else size
    if depth < MIN_BAR_SHARE * size or size - depth < MIN_CONTENT_SHARE * size:
        return 0, None
    # Rows next to the picture ring after compression: judge a caption away from the edge.
    # Caption text is a run of mixed rows with a clean band row further in; a picture
    # slightly rotated inside its border (a photo of a screen) only ramps down at the edge.
    dirty = np.flatnonzero(share[:depth] < 0.9)
    caption = bool(len(dirty) and (share[dirty[0] : depth] >= BAND_EDGE_SHARE).any())
    b, g, r = (int(round(c)) for c in colour)
    return depth, Band(side, round(depth / size, 3), (r, g, b), caption)


def _regions(image: np.ndarray) -> list[np.ndarray]:
    height, width = image.shape[:2]
    dy, dx = round(height * 0.05), round(width * 0.05)
    dy2, dx2 = round(height * 0.1), round(width * 0.1)
    return [
        image,
        image[dy : height - dy, dx : width - dx],
        image[: height // 2],
        image[height // 2 :],
        image[:, : width // 2],
        image[:, width // 2 :],
        image[dy2 : height - dy2, dx2 : width - dx2],
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


def _bounded(image: np.ndarray) -> np.ndarray:
    """``image`` shrunk to fit HASH_MAX_SIDE (a 12 Mpx photo or a 4K frame); smaller ones as
    they are. PDQ sees 64×64 anyway: a 4000×3000 photo hashed 0 bits apart either way, and
    band detection and the regions cost a seventh of the time."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= HASH_MAX_SIDE:
        return image
    scale = HASH_MAX_SIDE / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def hash_frames(
    frames: list[tuple[int, float, np.ndarray]], min_quality: int = MIN_QUALITY
) -> ClipHashes:
    """Hash ``(index, time_s, image)`` frames after stripping the clip's uniform bands.

    Frames whose whole picture is too flat are dropped; the result may have no frame.
    """
    if not frames:
        return ClipHashes.empty()
    frames = [(index, time_s, _bounded(image)) for index, time_s, image in frames]
    same_size = [image for _, _, image in frames if image.shape == frames[0][2].shape]
    (top, bottom, left, right), bands = find_bands(same_size)
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
        tuple(kept_indices),
        tuple(kept_times),
        np.stack(kept_hashes),
        np.stack(kept_valid),
        bands,
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
