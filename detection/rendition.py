"""Review renditions: what a browser can play as uploaded, and a playable copy of what it cannot.

Plain Python (PyAV and OpenCV, no Django), tested without a database; the Celery job that
stores the results is `detection.rendition_jobs`.

* `browser_playback(path)` reads a file's container, codecs and pixel format without decoding
  and says whether Chromium, Chrome and Firefox play it as uploaded: H.264, VP9 or AV1 video
  in 4:2:0 8-bit, in MP4 (H.264, AV1, VP9) or WebM (VP9, AV1), with AAC, MP3 or Opus audio in
  MP4 and Opus or Vorbis in WebM (or no audio). Anything else (MPEG-4 Part 2, HEVC, AVI, FLV,
  MKV, MPEG-TS, 4:2:2/4:4:4, 10-bit) needs a rendition.
* `make_rendition(src, out_dir)` transcodes in one sequential decode pass to H.264 (libx264,
  yuv420p) + AAC in MP4 with `+faststart` (the index first, so the player starts before the
  whole file arrived), scaled down to fit 1920x1080 (or 1080x1920 upright), and on the way
  takes a poster frame and a contact sheet of thumbnails (one per slot of equal length,
  preferring the slot's first key frame). `make_stills(src, out_dir)` takes only the stills,
  for clips served as uploaded.

The encoders are PyAV's own FFmpeg build (the `av` wheel carries libx264 and FFmpeg's AAC
encoder); no system `ffmpeg` is needed. Work is bounded by `threads` and `max_seconds`.
This module decodes every frame to re-encode it; sampling frames for scoring and evidence
stays with `detection.frames`, the one frame reader for analysis.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import av.audio.fifo
import av.audio.resampler
import cv2
import numpy as np

# (video codec, pixel formats) browsers decode, per container family.
_PLAYABLE_PIX_FMTS = frozenset({"yuv420p", "yuvj420p"})
_PLAYABLE = {
    "mp4": {
        "video": frozenset({"h264", "vp9", "av1"}),
        "audio": frozenset({"aac", "mp3", "opus"}),
    },
    "webm": {"video": frozenset({"vp9", "av1"}), "audio": frozenset({"opus", "vorbis"})},
}
# The ISO BMFF brands of QuickTime files: browsers play H.264 in them less surely than in MP4.
_QUICKTIME_BRANDS = (b"qt  ",)

MAX_LONG_SIDE = 1920
DEFAULT_MAX_SHORT_SIDE = 1080
SHEET_COLUMNS = 4
SHEET_ROWS = 3
SHEET_THUMB_WIDTH = 240
POSTER_AT_FRACTION = 0.1
JPEG_QUALITY = 85
AUDIO_RATE = 48_000
AUDIO_BITRATE = 128_000
FALLBACK_FPS = Fraction(25)


class RenditionError(Exception):
    """The file cannot be turned into a rendition (damaged, no video); permanent."""


class RenditionTimeout(RenditionError):
    """Transcoding took longer than its budget (`max_seconds`)."""


@dataclass(frozen=True)
class Playback:
    """What a browser would be handed, and whether it plays it."""

    container: str  # "mp4", "webm", or the FFmpeg demuxer's name for anything else
    video_codec: str
    pix_fmt: str
    audio_codec: str  # "" without audio
    width: int
    height: int
    plays_in_browsers: bool
    why: str  # why not, in words ("" when it plays)


@dataclass(frozen=True)
class Stills:
    poster: Path
    contact_sheet: Path
    # Where each thumbnail of the sheet was taken, in seconds, left to right, top to bottom.
    sheet_times: tuple[float, ...]


@dataclass(frozen=True)
class Rendition:
    path: Path
    stills: Stills
    codec: str
    width: int
    height: int
    duration_s: float
    has_audio: bool
    seconds: float  # wall time it took


def _container_family(container: av.container.InputContainer, path: Path) -> str:
    name = container.format.name
    with path.open("rb") as fh:
        head = fh.read(64)
    if name.startswith("mov,mp4"):
        if head[8:12] in _QUICKTIME_BRANDS:
            return "mov"
        return "mp4"
    if name == "matroska,webm":
        # One demuxer reads both; the EBML DocType says which this is.
        return "webm" if b"webm" in head else "matroska"
    return name


def browser_playback(path: str | Path) -> Playback:
    """Read the container and streams of `path` (no decoding) and judge whether it plays."""
    path = Path(path)
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise RenditionError(f"cannot open the file: {exc}") from exc
    with container:
        family = _container_family(container, path)
        if not container.streams.video:
            raise RenditionError("the file has no video stream")
        video = container.streams.video[0].codec_context
        audio = container.streams.audio[0].codec_context if container.streams.audio else None
        # The codec's own name ("av1"), not its decoder's ("libdav1d").
        codec = video.codec.canonical_name or ""
        pix_fmt = video.format.name if video.format is not None else ""
        audio_codec = audio.codec.canonical_name if audio is not None else ""
        width, height = int(video.width or 0), int(video.height or 0)
    allowed = _PLAYABLE.get(family)
    why = ""
    if allowed is None:
        why = f"browsers do not play the {family} container"
    elif codec not in allowed["video"]:
        why = f"browsers do not play {codec or 'this'} video in {family.upper()}"
    elif pix_fmt not in _PLAYABLE_PIX_FMTS:
        why = f"browsers do not play the {pix_fmt or 'unknown'} pixel format"
    elif audio_codec and audio_codec not in allowed["audio"]:
        why = f"browsers do not play {audio_codec} audio in {family.upper()}"
    return Playback(
        container=family,
        video_codec=codec,
        pix_fmt=pix_fmt,
        audio_codec=audio_codec,
        width=width,
        height=height,
        plays_in_browsers=not why,
        why=why,
    )


def fit_size(
    width: int, height: int, max_short_side: int = DEFAULT_MAX_SHORT_SIDE
) -> tuple[int, int]:
    """The rendition's size: never larger than the source, within max_short_side x 1920 (either
    way up), even on both sides (4:2:0 needs it), aspect ratio kept."""
    if width <= 0 or height <= 0:
        raise RenditionError("the video reports no frame size")
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, max_short_side / short_side, max(MAX_LONG_SIDE, max_short_side) / long_side)
    out_w = max(2, int(width * scale) // 2 * 2)
    out_h = max(2, int(height * scale) // 2 * 2)
    return out_w, out_h


@dataclass
class _StillCollector:
    """Picks the poster and the sheet's thumbnails from frames as they are decoded."""

    duration_s: float
    slots: int = SHEET_COLUMNS * SHEET_ROWS
    poster: np.ndarray | None = None
    poster_t: float = -1.0
    thumbs: dict[int, tuple[float, bool, np.ndarray]] = field(default_factory=dict)
    first: tuple[float, np.ndarray] | None = None

    def wants(self, t: float, key_frame: bool) -> bool:
        if self.first is None:
            return True
        if self.poster is None and t >= self.duration_s * POSTER_AT_FRACTION:
            return True
        slot = self._slot(t)
        taken = self.thumbs.get(slot)
        return taken is None or (key_frame and not taken[1])

    def offer(self, t: float, key_frame: bool, frame: av.VideoFrame) -> None:
        image: np.ndarray | None = None

        def bgr() -> np.ndarray:
            nonlocal image
            if image is None:
                image = frame.to_ndarray(format="bgr24")
            return image

        if self.first is None:
            self.first = (t, bgr())
        if self.poster is None and t >= self.duration_s * POSTER_AT_FRACTION:
            self.poster, self.poster_t = bgr(), t
        slot = self._slot(t)
        taken = self.thumbs.get(slot)
        if taken is None or (key_frame and not taken[1]):
            self.thumbs[slot] = (t, key_frame, _thumbnail(bgr()))

    def _slot(self, t: float) -> int:
        if self.duration_s <= 0:
            return 0
        return min(self.slots - 1, max(0, int(t / self.duration_s * self.slots)))

    def write(self, out_dir: Path, stem: str) -> Stills:
        if self.first is None:
            raise RenditionError("no frame could be decoded")
        poster = self.poster if self.poster is not None else self.first[1]
        poster_path = out_dir / f"{stem}.poster.jpg"
        _write_jpeg(poster_path, poster)
        ordered = [self.thumbs[k] for k in sorted(self.thumbs)]
        sheet_path = out_dir / f"{stem}.sheet.jpg"
        _write_jpeg(sheet_path, _grid([thumb for _t, _key, thumb in ordered]))
        return Stills(poster_path, sheet_path, tuple(round(t, 3) for t, _k, _i in ordered))


def _thumbnail(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    thumb_h = max(2, round(height * SHEET_THUMB_WIDTH / width))
    return cv2.resize(image, (SHEET_THUMB_WIDTH, thumb_h), interpolation=cv2.INTER_AREA)


def _grid(thumbs: list[np.ndarray]) -> np.ndarray:
    columns = min(SHEET_COLUMNS, len(thumbs))
    rows = math.ceil(len(thumbs) / columns)
    thumb_h = thumbs[0].shape[0]
    gap = 4
    sheet = np.full(
        (rows * thumb_h + (rows - 1) * gap, columns * SHEET_THUMB_WIDTH + (columns - 1) * gap, 3),
        32,
        dtype=np.uint8,
    )
    for n, thumb in enumerate(thumbs):
        row, col = divmod(n, columns)
        y, x = row * (thumb_h + gap), col * (SHEET_THUMB_WIDTH + gap)
        h = min(thumb_h, thumb.shape[0])
        sheet[y : y + h, x : x + SHEET_THUMB_WIDTH] = thumb[:h]
    return sheet


def _write_jpeg(path: Path, image: np.ndarray) -> None:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RenditionError("the still could not be encoded as JPEG")
    path.write_bytes(data.tobytes())


def _duration_s(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _frame_time(frame: av.VideoFrame, fallback_n: int, rate: Fraction) -> float:
    if frame.pts is not None and frame.time_base is not None:
        return float(frame.pts * frame.time_base)
    return fallback_n / float(rate)


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise RenditionError(f"cannot open the file: {exc}") from exc


def make_stills(src: str | Path, out_dir: str | Path, *, threads: int = 1) -> Stills:
    """Poster and contact sheet of `src` (for a clip served as uploaded), in one decode pass."""
    src, out_dir = Path(src), Path(out_dir)
    with _open(src) as container:
        if not container.streams.video:
            raise RenditionError("the file has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = threads
        collector = _StillCollector(_duration_s(container, stream))
        rate = stream.average_rate or FALLBACK_FPS
        try:
            for n, frame in enumerate(container.decode(stream)):
                t = _frame_time(frame, n, rate)
                if collector.wants(t, frame.key_frame):
                    collector.offer(t, frame.key_frame, frame)
        except av.FFmpegError as exc:
            if collector.first is None:
                raise RenditionError(f"the video cannot be decoded: {exc}") from exc
    return collector.write(out_dir, src.stem)


def make_rendition(
    src: str | Path,
    out_dir: str | Path,
    *,
    max_short_side: int = DEFAULT_MAX_SHORT_SIDE,
    threads: int = 2,
    crf: int = 23,
    preset: str = "superfast",
    max_seconds: float | None = None,
) -> Rendition:
    """Transcode `src` to `out_dir/<stem>.review.mp4` (H.264 + AAC, faststart) with its stills.

    Raises RenditionError when the source cannot be read, RenditionTimeout past `max_seconds`.
    A damaged tail ends the rendition at the last good frame.
    """
    src, out_dir = Path(src), Path(out_dir)
    started = time.monotonic()
    out_path = out_dir / f"{src.stem}.review.mp4"
    with _open(src) as container:
        if not container.streams.video:
            raise RenditionError("the file has no video stream")
        in_video = container.streams.video[0]
        in_video.thread_type = "AUTO"
        in_video.codec_context.thread_count = threads
        in_audio = container.streams.audio[0] if container.streams.audio else None
        width, height = fit_size(in_video.codec_context.width, in_video.codec_context.height,
                                 max_short_side)  # fmt: skip
        duration_s = _duration_s(container, in_video)
        rate = in_video.average_rate or in_video.guessed_rate or FALLBACK_FPS
        collector = _StillCollector(duration_s)
        try:
            _transcode(
                container, in_video, in_audio, out_path, collector,
                width=width, height=height, rate=rate, threads=threads, crf=crf,
                preset=preset, deadline=None if max_seconds is None else started + max_seconds,
            )  # fmt: skip
        except BaseException:
            out_path.unlink(missing_ok=True)
            raise
    stills = collector.write(out_dir, src.stem)
    return Rendition(
        path=out_path,
        stills=stills,
        codec="h264",
        width=width,
        height=height,
        duration_s=round(duration_s, 3),
        has_audio=in_audio is not None,
        seconds=round(time.monotonic() - started, 3),
    )


def _transcode(
    container: av.container.InputContainer,
    in_video: av.video.stream.VideoStream,
    in_audio: av.audio.stream.AudioStream | None,
    out_path: Path,
    collector: _StillCollector,
    *,
    width: int,
    height: int,
    rate: Fraction,
    threads: int,
    crf: int,
    preset: str,
    deadline: float | None,
) -> None:
    with av.open(str(out_path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        x264 = {"crf": str(crf), "preset": preset, "profile": "high", "threads": str(threads)}
        video = out.add_stream("libx264", rate=rate, options=x264)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.time_base = in_video.time_base or Fraction(1, int(rate * 1000))
        video.codec_context.thread_count = threads
        audio = resampler = fifo = None
        if in_audio is not None:
            audio = out.add_stream("aac", rate=AUDIO_RATE)
            channels = in_audio.codec_context.channels or 1
            layout = "stereo" if channels >= 2 else "mono"
            audio.layout = layout
            audio.bit_rate = AUDIO_BITRATE
            resampler = av.audio.resampler.AudioResampler(
                format="fltp", layout=layout, rate=AUDIO_RATE
            )
            fifo = av.audio.fifo.AudioFifo()
        audio_samples = 0
        last_pts = -1
        n = 0
        streams = [in_video] + ([in_audio] if in_audio is not None else [])
        for frame in _decode(container, streams):
            if deadline is not None and time.monotonic() > deadline:
                raise RenditionTimeout("the rendition took longer than its time budget")
            if isinstance(frame, av.VideoFrame):
                t = _frame_time(frame, n, rate)
                n += 1
                if collector.wants(t, frame.key_frame):
                    collector.offer(t, frame.key_frame, frame)
                pts = frame.pts if frame.pts is not None else last_pts + 1
                if pts <= last_pts:
                    continue  # a repeated or out-of-order timestamp: the muxer would refuse it
                last_pts = pts
                scaled = frame.reformat(width=width, height=height, format="yuv420p")
                scaled.pts, scaled.time_base = pts, video.codec_context.time_base
                scaled.pict_type = av.video.frame.PictureType.NONE
                out.mux(video.encode(scaled))
            elif audio is not None:
                frame.pts = None
                for resampled in resampler.resample(frame):
                    fifo.write(resampled)
                audio_samples = _drain_audio(out, audio, fifo, audio_samples, final=False)
        if n == 0:
            raise RenditionError("no frame could be decoded")
        out.mux(video.encode(None))
        if audio is not None:
            for resampled in resampler.resample(None):
                fifo.write(resampled)
            _drain_audio(out, audio, fifo, audio_samples, final=True)
            out.mux(audio.encode(None))


def _drain_audio(out, audio, fifo, samples: int, *, final: bool) -> int:  # noqa: ANN001
    size = audio.codec_context.frame_size or 1024
    while fifo.samples >= size or (final and fifo.samples > 0):
        chunk = fifo.read(min(size, fifo.samples))
        chunk.pts, chunk.time_base = samples, Fraction(1, AUDIO_RATE)
        samples += chunk.samples
        out.mux(audio.encode(chunk))
    return samples


def _decode(container: av.container.InputContainer, streams: list) -> Iterator[av.frame.Frame]:
    """Every frame of `streams` in file order; a damaged tail ends the stream, not the job."""
    decoded_any = False
    try:
        for packet in container.demux(*streams):
            for frame in packet.decode():
                decoded_any = True
                yield frame
    except av.FFmpegError as exc:
        if not decoded_any:
            raise RenditionError(f"the video cannot be decoded: {exc}") from exc
