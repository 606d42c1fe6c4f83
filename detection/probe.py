"""Stage 1 of scoring, and the gate for uploads: what a file really is, judged by its content.

Nothing here trusts an extension or a client's MIME type. A file passes when it opens as one of
the video containers we accept, has a video stream, decodes at least one frame, and stays within
the configured limits; otherwise `MediaRejected` says why with a stable machine-readable code.
"""

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av

from dashboard.mediatypes import content_type_for

# FFmpeg demuxer names we accept. Image and text demuxers (png_pipe, image2, gif, tty, ...) are
# refused even though FFmpeg opens them.
ACCEPTED_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "matroska,webm": "webm",
    "avi": "avi",
    "mpegts": "ts",
    "flv": "flv",
}

# Leading bytes of the containers above: a file that starts like a video but fails to open is
# damaged (unreadable_media), not something else posing as one (unsupported_media).
_VIDEO_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"free"),
    (4, b"wide"),
    (0, b"\x1a\x45\xdf\xa3"),
    (8, b"AVI "),
    (0, b"FLV"),
    (0, b"\x47"),
)


@dataclass(frozen=True)
class MediaLimits:
    max_bytes: int
    max_duration_s: float
    min_duration_s: float
    max_width: int
    max_height: int
    max_frames: int
    min_width: int = 16
    min_height: int = 16


@dataclass(frozen=True)
class MediaFacts:
    container: str
    extension: str
    codec: str
    width: int
    height: int
    fps: float
    duration_s: float
    frame_count: int
    has_audio: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class MediaRejected(Exception):
    """The file is not a video we accept; `code` is stable and part of the API."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def _looks_like_video(head: bytes) -> bool:
    for offset, magic in _VIDEO_SIGNATURES:
        if magic == b"\x47":
            # MPEG-TS: sync byte every 188 bytes.
            if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
                return True
            continue
        if head[offset : offset + len(magic)] == magic:
            return True
    return False


def _fraction_to_float(value: Fraction | None) -> float:
    return float(value) if value else 0.0


def probe_media(path: str | Path, limits: MediaLimits) -> MediaFacts:
    """Open `path` as a video and return its facts, or raise MediaRejected."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("empty_file", "The file is empty.")
    if size > limits.max_bytes:
        raise MediaRejected(
            "too_large", f"The file is larger than the limit of {limits.max_bytes} bytes."
        )
    with path.open("rb") as fh:
        head = fh.read(512)
    video_like = _looks_like_video(head)

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if video_like:
            raise MediaRejected(
                "unreadable_media", "The video is damaged or truncated and cannot be read."
            ) from exc
        raise MediaRejected("unsupported_media", "The file is not a video.") from exc

    with container:
        format_name = container.format.name
        if format_name not in ACCEPTED_CONTAINERS:
            raise MediaRejected(
                "unsupported_media",
                "The file is not a video in a supported container (MP4, MOV, WebM, MKV, AVI).",
            )
        videos = list(container.streams.video)
        has_audio = bool(container.streams.audio)
        if not videos:
            raise MediaRejected("no_video_stream", "The file has no video stream.")
        stream = videos[0]
        width = int(stream.codec_context.width or 0)
        height = int(stream.codec_context.height or 0)
        if width > limits.max_width or height > limits.max_height:
            raise MediaRejected(
                "resolution_too_large",
                f"The video is {width}×{height}; the limit is "
                f"{limits.max_width}×{limits.max_height}.",
            )
        if 0 < width < limits.min_width or 0 < height < limits.min_height:
            raise MediaRejected(
                "resolution_too_small",
                f"The video is {width}×{height}; the minimum is "
                f"{limits.min_width}×{limits.min_height}.",
            )
        fps = _fraction_to_float(stream.average_rate) or _fraction_to_float(stream.guessed_rate)
        duration_s = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration_s = container.duration / av.time_base
        frame_count = int(stream.frames or 0) or int(round(duration_s * fps))

        try:
            first = next(container.decode(stream), None)
        except (av.FFmpegError, ValueError) as exc:
            raise MediaRejected(
                "unreadable_media", "The video is damaged and no frame can be decoded."
            ) from exc
        if first is None:
            raise MediaRejected("unreadable_media", "The video has no decodable frame.")
        width = width or first.width
        height = height or first.height
        codec = stream.codec_context.name or ""

    if duration_s < limits.min_duration_s:
        raise MediaRejected(
            "too_short",
            f"The video lasts {duration_s:.2f} s; the minimum is {limits.min_duration_s:.2f} s.",
        )
    if duration_s > limits.max_duration_s:
        raise MediaRejected(
            "too_long",
            f"The video lasts {duration_s:.0f} s; the limit is {limits.max_duration_s:.0f} s.",
        )
    if frame_count > limits.max_frames:
        raise MediaRejected(
            "too_many_frames",
            f"The video has {frame_count} frames; the limit is {limits.max_frames}.",
        )
    return MediaFacts(
        container=format_name,
        extension=ACCEPTED_CONTAINERS[format_name],
        codec=codec,
        width=width,
        height=height,
        fps=round(fps, 3),
        duration_s=round(duration_s, 3),
        frame_count=frame_count,
        has_audio=has_audio,
    )


# Leading bytes of the stills a reference may be (the only non-video uploads we store).
_IMAGE_SIGNATURES: tuple[tuple[bytes, bytes, str], ...] = (
    # (magic at 0, magic at 8, extension)
    (b"\xff\xd8\xff", b"", "jpg"),
    (b"\x89PNG\r\n\x1a\n", b"", "png"),
    (b"RIFF", b"WEBP", "webp"),
)


@dataclass(frozen=True)
class SniffedType:
    """What a file's bytes say it is: ``kind`` is "video" or "image"."""

    kind: str
    extension: str

    @property
    def content_type(self) -> str:
        return content_type_for(f"file.{self.extension}")


def sniff_media_type(path: str | Path) -> SniffedType:
    """A video container we accept (PyAV's probe) or a JPEG/PNG/WebP still; else MediaRejected.

    The answer names the file's stored extension, so a valid MP4 with HTML appended and sent
    as ``press.html`` is stored and served as ``.mp4`` / ``video/mp4``.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(16)
    for magic, magic8, extension in _IMAGE_SIGNATURES:
        if head.startswith(magic) and (not magic8 or head[8:12] == magic8):
            return SniffedType("image", extension)
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise MediaRejected("unsupported_media", "The file is not a video or an image.") from exc
    with container:
        format_name = container.format.name
        has_video = bool(container.streams.video)
    if format_name not in ACCEPTED_CONTAINERS or not has_video:
        raise MediaRejected("unsupported_media", "The file is not a video or an image.")
    return SniffedType("video", ACCEPTED_CONTAINERS[format_name])
