"""Photos: what an image upload really is (judged by its content), reading its frames for
analysis, and the copy the desk serves.

Plain Python (Pillow and NumPy, no Django), tested without a database.

* `looks_like_image(path)` tells a JPEG, PNG, WebP, GIF or HEIC by its leading bytes, whatever the
  file is called; `detection.frames.open_sampler` and the upload check use it to pick the
  image path instead of the video one.
* `probe_image(path, limits)` is the upload gate for photos: the file must open as one of
  `IMAGE_FORMATS` in Pillow (its header says nothing we trust: the picture is decoded once,
  a JPEG at an eighth of its size), stay within the byte, pixel and frame limits, and be at
  least the minimum size. A decompression bomb (a JPEG whose header declares 65 000 × 65 000
  pixels in a few hundred bytes) is refused as `image_too_large` from its header, before any
  pixel is allocated: the declared size is checked first, and Pillow's own bomb guard is
  turned into the same code. An animation is counted frame by frame and refused as
  `too_many_frames` as soon as it passes the limit.
* `detection.frames.ImageSampler` reads a photo with these helpers as the scoring pipeline,
  the hash banks and evidence packs read a video: a still is one frame (index 0), an animation
  is sampled like a clip over its frame durations, EXIF orientation applied.
* `make_photo_copy(src, out_dir)` writes what the desk shows: the picture turned upright by its
  EXIF orientation and re-encoded without any metadata (EXIF, so GPS position, XMP, comments;
  the colour profile stays), at full resolution so the review page can zoom to 100 %. Stills
  become JPEG (PNG when they have transparency), animations animated WebP; the original is
  never changed (it is the evidence). A poster (a small JPEG) and, for animations, a contact
  sheet of frames come with it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from detection.probe import MediaFacts, MediaLimits, MediaRejected

try:
    import pillow_heif
except ImportError:  # an environment installed before requirements.txt pinned it
    pillow_heif = None

# Pillow format name -> stored extension. Nothing else is accepted as a photo.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# HEIC/HEIF (iPhones' default) through the pillow-heif plugin (requirements.txt). Its decoder
# applies the HEIF rotation and mirroring itself and resets the EXIF orientation to 1. Without
# the plugin a HEIC upload is refused as unsupported_media (tests/detection/test_images.py
# fails, so an environment missing it is noticed).
HEIC_SUPPORTED = pillow_heif is not None
if pillow_heif is not None:
    pillow_heif.register_heif_opener()
    IMAGE_FORMATS["HEIF"] = "heic"
_SIGNATURES: tuple[tuple[bytes, bytes], ...] = (
    (b"\xff\xd8\xff", b""),
    (b"\x89PNG\r\n\x1a\n", b""),
    (b"RIFF", b"WEBP"),
    (b"GIF87a", b""),
    (b"GIF89a", b""),
)
# ISO BMFF brands of HEIF stills and sequences ("ftyp" at offset 4, the brand at 8). MP4 and
# QuickTime have other brands, so a video is never taken for a photo.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
# A GIF frame without a duration is shown for 100 ms by browsers.
DEFAULT_FRAME_MS = 100
# Browsers clamp shorter GIF delays (0-10 ms) to 100 ms as well.
MIN_FRAME_MS = 20
POSTER_SIDE = 480
SHEET_COLUMNS = 4
SHEET_MAX_FRAMES = 12
SHEET_THUMB_WIDTH = 240
JPEG_QUALITY = 90
# EXIF orientation values that swap width and height.
_TRANSPOSED = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112


class ImageLimitExceeded(MediaRejected):
    """An image over the pixel or frame limit; raised before its pixels are decoded."""


def looks_like_image(path: str | Path) -> bool:
    """Whether the file starts like one of the image formats we accept."""
    with Path(path).open("rb") as fh:
        head = fh.read(16)
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC_SUPPORTED  # without the plugin, PyAV refuses it as a video
    return any(
        head.startswith(magic) and (not at8 or head[8:12] == at8) for magic, at8 in _SIGNATURES
    )


def open_image(path: Path, limits: MediaLimits) -> Image.Image:
    """Open `path` with Pillow as one of IMAGE_FORMATS, checking its declared size first."""
    try:
        with warnings.catch_warnings():
            # Pillow warns past 89 Mpx and raises past twice that; our own limit is lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path, formats=list(IMAGE_FORMATS))
    except Image.DecompressionBombError as exc:
        raise ImageLimitExceeded(
            "image_too_large",
            f"The image declares more pixels than the limit of {limits.max_image_pixels}.",
        ) from exc
    except UnidentifiedImageError as exc:
        raise MediaRejected(
            "unsupported_media",
            "The file is not an image in a supported format (JPEG, PNG, WebP, GIF, HEIC).",
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaRejected("unreadable_media", "The image is damaged and cannot be read.") from exc
    width, height = image.size
    if width * height > limits.max_image_pixels:
        image.close()
        raise ImageLimitExceeded(
            "image_too_large",
            f"The image is {width}×{height} ({width * height} pixels); the limit is "
            f"{limits.max_image_pixels} pixels.",
        )
    if width < limits.min_width or height < limits.min_height:
        image.close()
        raise MediaRejected(
            "resolution_too_small",
            f"The image is {width}×{height}; the minimum is "
            f"{limits.min_width}×{limits.min_height}.",
        )
    return image


def frame_durations(image: Image.Image, limits: MediaLimits) -> list[int]:
    """Each frame's display time in ms, walking the animation once; refuses past the limit."""
    durations = []
    frame = 0
    while True:
        try:
            image.seek(frame)
        except EOFError:
            break
        if frame >= limits.max_image_frames:
            raise ImageLimitExceeded(
                "too_many_frames",
                f"The animation has more than {limits.max_image_frames} frames, the limit.",
            )
        shown = int(image.info.get("duration") or DEFAULT_FRAME_MS)
        durations.append(max(MIN_FRAME_MS, shown))
        frame += 1
    image.seek(0)
    return durations or [DEFAULT_FRAME_MS]


def exif_orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_EXIF_ORIENTATION, 1) or 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1  # unreadable EXIF: shown as stored


def probe_image(path: str | Path, limits: MediaLimits) -> MediaFacts:
    """Open `path` as a photo and return its facts, or raise MediaRejected with a stable code.

    Width and height are the picture's as shown (after its EXIF orientation).
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("empty_file", "The file is empty.")
    if size > limits.max_image_bytes:
        raise MediaRejected(
            "too_large", f"The image is larger than the limit of {limits.max_image_bytes} bytes."
        )
    with open_image(path, limits) as image:
        format_name = image.format or ""
        durations = frame_durations(image, limits)
        orientation = exif_orientation(image)
        width, height = image.size
        try:
            if format_name == "JPEG":
                # Decoding at 1/8 scale still reads every entropy-coded block: damage shows.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise MediaRejected(
                "unreadable_media", "The image is damaged or truncated and cannot be read."
            ) from exc
    if orientation in _TRANSPOSED:
        width, height = height, width
    frames = len(durations)
    duration_s = sum(durations) / 1000 if frames > 1 else 0.0
    return MediaFacts(
        container=format_name.lower(),
        extension=IMAGE_FORMATS[format_name],
        codec=format_name.lower(),
        width=width,
        height=height,
        fps=round(frames / duration_s, 3) if duration_s else 0.0,
        duration_s=round(duration_s, 3),
        frame_count=frames,
        has_audio=False,
        kind="photo",
        resolutions=((width, height),),
    )


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """The current frame as RGB (or RGBA), turned by the EXIF orientation of the file."""
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    frame = image.convert(mode)
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)
    return frame.transpose(method) if method is not None else frame


# For readers given no limits (training, benchmarks): Pillow's own bomb guard still applies.
UNBOUNDED = MediaLimits(
    max_bytes=2**62,
    max_duration_s=math.inf,
    min_duration_s=0.0,
    max_width=2**31,
    max_height=2**31,
    max_frames=2**31,
    min_width=1,
    min_height=1,
    max_image_pixels=2**62,
    max_image_frames=2**31,
)


@dataclass(frozen=True)
class PhotoCopy:
    """The served copy of a photo and its stills, written in `out_dir`."""

    path: Path
    codec: str  # "jpeg", "png" or "webp"
    width: int
    height: int
    frames: int
    poster: Path
    contact_sheet: Path | None
    sheet_times: tuple[float, ...] = ()


def _save_still(picture: Image.Image, out_dir: Path) -> tuple[Path, str]:
    icc = picture.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if picture.mode == "RGBA":
        path = out_dir / "copy.png"
        picture.save(path, format="PNG", optimize=False, **extra)
        return path, "png"
    path = out_dir / "copy.jpg"
    picture.convert("RGB").save(path, format="JPEG", quality=JPEG_QUALITY, **extra)
    return path, "jpeg"


def _poster(picture: Image.Image, out_dir: Path) -> Path:
    poster = picture.convert("RGB")
    poster.thumbnail((POSTER_SIDE, POSTER_SIDE))
    path = out_dir / "poster.jpg"
    poster.save(path, format="JPEG", quality=85)
    return path


def _contact_sheet(
    frames: list[Image.Image], starts: list[float], out_dir: Path
) -> tuple[Path, tuple[float, ...]]:
    step = max(1, math.ceil(len(frames) / SHEET_MAX_FRAMES))
    chosen = list(range(0, len(frames), step))[:SHEET_MAX_FRAMES]
    first = frames[0]
    thumb_h = max(1, round(first.height * SHEET_THUMB_WIDTH / first.width))
    rows = math.ceil(len(chosen) / SHEET_COLUMNS)
    sheet = Image.new("RGB", (SHEET_COLUMNS * SHEET_THUMB_WIDTH, rows * thumb_h), "black")
    for slot, index in enumerate(chosen):
        thumb = frames[index].convert("RGB").resize((SHEET_THUMB_WIDTH, thumb_h))
        at = ((slot % SHEET_COLUMNS) * SHEET_THUMB_WIDTH, (slot // SHEET_COLUMNS) * thumb_h)
        sheet.paste(thumb, at)
    path = out_dir / "sheet.jpg"
    sheet.save(path, format="JPEG", quality=85)
    return path, tuple(round(starts[i], 3) for i in chosen)


def make_photo_copy(
    src: str | Path, out_dir: str | Path, limits: MediaLimits | None = None
) -> PhotoCopy:
    """Write the desk's copy of the photo at `src` (upright, no metadata) and its stills.

    Raises MediaRejected when the file is not a photo within `limits` (permanent).
    """
    out_dir = Path(out_dir)
    bounds = limits or UNBOUNDED
    with open_image(Path(src), bounds) as image:
        durations = frame_durations(image, bounds)
        orientation = exif_orientation(image)
        icc = image.info.get("icc_profile")
        frames = []
        for index in range(len(durations)):
            image.seek(index)
            frames.append(upright(image, orientation))
    if icc:
        frames[0].info["icc_profile"] = icc
    sheet: Path | None = None
    sheet_times: tuple[float, ...] = ()
    if len(frames) == 1:
        path, codec = _save_still(frames[0], out_dir)
    else:
        path, codec = out_dir / "copy.webp", "webp"
        # No exif/xmp arguments: Pillow writes none, so nothing of the original's metadata.
        frames[0].save(
            path,
            format="WEBP",
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=0,
            quality=85,
            method=2,
        )
        starts = [float(t) for t in np.concatenate([[0], np.cumsum(durations)[:-1]]) / 1000]
        sheet, sheet_times = _contact_sheet(frames, starts, out_dir)
    width, height = frames[0].size
    return PhotoCopy(
        path=path,
        codec=codec,
        width=width,
        height=height,
        frames=len(frames),
        poster=_poster(frames[0], out_dir),
        contact_sheet=sheet,
        sheet_times=sheet_times,
    )
