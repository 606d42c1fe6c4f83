"""Stage 1 of scoring, and the gate for uploads: what a file really is, judged by its content.

Nothing here trusts an extension, a client's MIME type or the container's header. A file passes
when it opens as one of the video containers we accept, has a video stream, decodes at least one
frame, and stays within the configured limits; otherwise `MediaRejected` says why with a stable
machine-readable code.

The limits are judged from what the file holds, not what it says it holds: every packet of the
video stream is demuxed once (no decoding) to count the frames and measure the real duration on
the packets' own clock (`detection.timeline`, which also sees through spliced MPEG-TS segments
whose clocks restart), and the keyframes are decoded to catch every change of resolution (a
stream may switch from 320×240 to 7680×4320 at any keyframe). The decoder is told the largest
picture it may allocate (FFmpeg's ``max_pixels``), so an oversized picture is refused before its
memory is taken. Both passes stop as soon as a limit is crossed; the keyframe check decodes at
most `KEYFRAME_DECODE_BUDGET` keyframes, and the worker's reader enforces the same limits on
every frame it decodes (`detection.frames`).
"""

import contextlib
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
import av.video.stream

from dashboard.mediatypes import content_type_for
from detection.timeline import StreamTimeline

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
    # Photos (detection.images): bytes, decoded pixels of one frame, frames of an animation.
    max_image_bytes: int = 50 * 1024 * 1024
    max_image_pixels: int = 64_000_000
    max_image_frames: int = 300

    @classmethod
    def from_settings(cls, settings: Any) -> "MediaLimits":
        """The limits configured in Django's settings (passed in: this module imports no Django)."""
        return cls(
            max_bytes=settings.UNMASK_UPLOAD_MAX_BYTES,
            max_duration_s=settings.UNMASK_MAX_DURATION_S,
            min_duration_s=settings.UNMASK_MIN_DURATION_S,
            max_width=settings.UNMASK_MAX_WIDTH,
            max_height=settings.UNMASK_MAX_HEIGHT,
            max_frames=settings.UNMASK_MAX_FRAMES,
            min_width=settings.UNMASK_MIN_WIDTH,
            min_height=settings.UNMASK_MIN_HEIGHT,
            max_image_bytes=settings.UNMASK_PHOTO_MAX_BYTES,
            max_image_pixels=settings.UNMASK_PHOTO_MAX_PIXELS,
            max_image_frames=settings.UNMASK_PHOTO_MAX_FRAMES,
        )

    @property
    def max_pixels(self) -> int:
        """The largest picture (in pixels) a decoder may allocate under these limits."""
        return self.max_width * self.max_height


# config/settings.py's defaults (UNMASK_UPLOAD_MAX_BYTES, UNMASK_MAX_*, UNMASK_MIN_*), for code
# that runs without Django's settings: benchmarks and the pipeline's tests.
DEFAULT_LIMITS = MediaLimits(
    max_bytes=512 * 1024 * 1024,
    max_duration_s=15 * 60.0,
    min_duration_s=0.2,
    max_width=3840,
    max_height=2160,
    max_frames=15 * 60 * 60,
)


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
    keyframes: int = 0
    # Every distinct picture size seen, in order of appearance (more than one: it switches).
    resolutions: tuple[tuple[int, int], ...] = ()
    # "video", or "photo" for a still or an animated image (detection.images.probe_image).
    kind: str = "video"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class MediaRejected(Exception):
    """The file is not media we accept; `code` is stable and part of the API."""

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


# Keyframes decoded at upload to find changes of resolution. Past this many (an all-intra clip
# has one per frame) the worker's reader, which checks every frame it decodes against the same
# limits, is the guard; the check stays a fraction of what scoring the clip costs.
KEYFRAME_DECODE_BUDGET = 600


@dataclass
class _Survey:
    """What the packets and decoded keyframes of the video stream showed."""

    frame_count: int = 0
    keyframes: int = 0
    duration_s: float = 0.0
    decoded: bool = False
    resolutions: list[tuple[int, int]] = field(default_factory=list)

    def note_size(self, width: int, height: int, limits: MediaLimits, at_s: float) -> None:
        if not width or not height or (width, height) in self.resolutions:
            return
        where = f" from {at_s:.2f} s" if self.resolutions else ""
        if width > limits.max_width or height > limits.max_height:
            raise MediaRejected(
                "resolution_too_large",
                f"The video is {width}×{height}{where}; the limit is "
                f"{limits.max_width}×{limits.max_height}.",
            )
        if width < limits.min_width or height < limits.min_height:
            raise MediaRejected(
                "resolution_too_small",
                f"The video is {width}×{height}{where}; the minimum is "
                f"{limits.min_width}×{limits.min_height}.",
            )
        self.resolutions.append((width, height))


def _survey_stream(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    limits: MediaLimits,
    fps: float,
) -> _Survey:
    """Demux every packet of `stream` once, decoding the first frame and the keyframes.

    Raises MediaRejected as soon as the frames counted, the duration measured on the packets'
    clock, or a picture size the decoder meets crosses a limit.
    """
    survey = _Survey()
    timeline = StreamTimeline(Fraction(stream.time_base or Fraction(1, 90_000)), fps)
    codec = stream.codec_context
    # Refuse to allocate an oversized picture rather than decode it to find out.
    codec.options = {"max_pixels": str(limits.max_pixels)}
    codec.thread_count = 1
    keyframes_decoded = 0

    def look(frames: list[av.VideoFrame]) -> None:
        for frame in frames:
            survey.decoded = True
            survey.note_size(frame.width, frame.height, limits, timeline.duration_s)
        # The decoder takes a new size from the parameter sets even when max_pixels then
        # refuses the picture, so an 8K switch shows here without any 8K frame decoded.
        survey.note_size(codec.width, codec.height, limits, timeline.duration_s)

    try:
        for packet in container.demux(stream):
            if not packet.size:
                continue
            timeline.place(packet.pts, packet.dts)
            if not packet.is_discard:
                survey.frame_count += 1
            if survey.frame_count > limits.max_frames:
                raise MediaRejected(
                    "too_many_frames",
                    f"The video has more than {limits.max_frames} frames, the limit.",
                )
            if timeline.duration_s > limits.max_duration_s:
                raise MediaRejected(
                    "too_long",
                    f"The video lasts more than {limits.max_duration_s:.0f} s, the limit.",
                )
            survey.keyframes += int(packet.is_keyframe)
            if survey.decoded:
                # After the first frame only keyframes: a new size starts at one.
                if not packet.is_keyframe or keyframes_decoded >= KEYFRAME_DECODE_BUDGET:
                    continue
                keyframes_decoded += 1
                codec.skip_frame = "NONKEY"
            try:
                frames = codec.decode(packet)
            except (av.FFmpegError, ValueError):
                frames = []  # a damaged packet; the ones after it still count
            look(frames)
    except av.FFmpegError:
        pass  # a damaged or truncated tail: what came before stands
    with contextlib.suppress(av.FFmpegError, ValueError):
        look(codec.decode(None))  # the frames the decoder still holds
    survey.duration_s = timeline.duration_s
    return survey


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
        header_fps = _fraction_to_float(stream.average_rate) or _fraction_to_float(
            stream.guessed_rate
        )
        survey = _Survey()
        # What the header says is checked first (cheap), then what the stream really holds.
        survey.note_size(
            int(stream.codec_context.width or 0), int(stream.codec_context.height or 0), limits, 0
        )
        survey = _survey_stream(container, stream, limits, header_fps)
        if not survey.decoded:
            raise MediaRejected("unreadable_media", "The video has no decodable frame.")
        codec = stream.codec_context.name or ""

    duration_s = survey.duration_s
    if duration_s < limits.min_duration_s:
        raise MediaRejected(
            "too_short",
            f"The video lasts {duration_s:.2f} s; the minimum is {limits.min_duration_s:.2f} s.",
        )
    fps = survey.frame_count / duration_s if duration_s > 0 else header_fps
    width, height = survey.resolutions[0]
    return MediaFacts(
        container=format_name,
        extension=ACCEPTED_CONTAINERS[format_name],
        codec=codec,
        width=width,
        height=height,
        fps=round(fps, 3),
        duration_s=round(duration_s, 3),
        frame_count=survey.frame_count,
        has_audio=has_audio,
        keyframes=survey.keyframes,
        resolutions=tuple(survey.resolutions),
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
