"""Frame sampling: which frames of a clip get scored, and reading them cheaply.

A clip is scored from a fixed budget of frames (``rate_per_s`` per second, at most
``max_frames``) spread evenly in time over its *whole* length, so a manipulated stretch
near the end is sampled as surely as one at the start, whatever the frame rate does.

A clip is read twice with PyAV (FFmpeg), never with a seek (seeking 720p H.264 costs
160-190 ms a time, against about a millisecond per decoded frame):

* First its packets are demuxed without decoding (milliseconds). Their timestamps are
  the truth about the clip: how many frames it shows and when, even where the container's
  index overstates the count (a truncated upload), timestamps start late or jump
  (variable frame rate), or an edit list hides lead-in frames (a clip cut by stream copy).
  The frames to sample are chosen from them.
* Then one sequential decoding pass. Frames that are not sampled and that no other frame
  refers to (most B-frames) are not decoded at all: each packet's timestamp says whether
  it holds a sampled frame, and for every other packet the decoder skips non-reference
  frames (``skip_frame = NONREF``). Reference frames are always decoded in full, so the
  sampled frames are bit-identical to a decode of every frame. On the 1280x720 benchmark
  clip (x264 with B-frames) this cuts decoding by about 40 %. Only sampled frames are
  converted to BGR arrays, and reading stops after the last one.

Streams whose packets carry no timestamps (some raw elementary streams) are decoded in
full and their frames counted as they come out.

This is the project's one frame reader: scoring samples with :class:`VideoSampler`, an
evidence pack reads the frames a run scored with :meth:`VideoSampler.read` (frame ``n`` is the
same frame for both), and training decodes its clips with :func:`read_every_frame`. Nothing
else decodes video frames by seeking. Photos are read the same way by :class:`ImageSampler`
(:func:`open_sampler` picks the reader from the file's leading bytes): a still is frame 0,
an animated GIF or WebP is sampled like a clip, each frame upright by its EXIF orientation.

Timestamps are read on one continuous clock (:mod:`detection.timeline`): spliced MPEG-TS
segments whose clocks restart are laid end to end, not stacked on the first second. Given
:class:`~detection.probe.MediaLimits`, the reader is bounded by the same limits uploads are
judged by: it reads no packet past the frame or duration limit, the decoder may not allocate a
picture larger than the size limit, and a picture size over it (a stream that switches to 8K
mid-way) stops the read with :class:`MediaLimitExceeded` instead of being decoded.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Self

import av
import av.container
import av.video.stream
import numpy as np

from detection.images import (
    UNBOUNDED,
    ImageLimitExceeded,
    exif_orientation,
    frame_durations,
    looks_like_image,
    open_image,
    upright,
)
from detection.probe import MediaLimits, MediaRejected
from detection.timeline import StreamTimeline

# Used when a container reports no frame rate; only affects where samples land
# and the timestamps we report, never whether a clip can be scored.
FALLBACK_FPS = 25.0

_DEFAULT_TICK = Fraction(1, 90_000)

# Decoder threads per clip. One by default: the scoring pipeline decodes on one core
# while it finds faces and classifies on the other.
DEFAULT_DECODER_THREADS = 1


class UnreadableMediaError(Exception):
    """The file cannot be opened as video or yields no decodable frame."""


class MediaLimitExceeded(UnreadableMediaError):
    """The stream holds a picture larger than the configured limits; it is not decoded."""


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its position in the clip and its pixels (BGR, uint8)."""

    index: int
    time_s: float
    image: np.ndarray


def plan_sample_indices(
    frame_count: int, fps: float, rate_per_s: float = 2.0, max_frames: int = 120
) -> list[int]:
    """Return sorted, distinct frame indices to sample from a clip.

    ``ceil(duration * rate_per_s)`` samples (at least one, at most ``max_frames`` and
    never more than the clip has frames), each at the middle of an equal slice of the
    clip: 2/s over 30 s samples 0.25 s, 0.75 s, ... 29.75 s.
    """
    if frame_count < 0:
        raise ValueError(f"frame_count must be >= 0, got {frame_count}")
    if not fps > 0 or not math.isfinite(fps):
        raise ValueError(f"fps must be a positive number, got {fps}")
    if not rate_per_s > 0 or not math.isfinite(rate_per_s):
        raise ValueError(f"rate_per_s must be a positive number, got {rate_per_s}")
    if max_frames < 1:
        raise ValueError(f"max_frames must be >= 1, got {max_frames}")
    if frame_count == 0:
        return []
    duration_s = frame_count / fps
    # The small epsilon keeps 2.0 s * 2/s at 4 samples despite float rounding.
    wanted = max(1, math.ceil(duration_s * rate_per_s - 1e-9))
    count = min(wanted, max_frames, frame_count)
    step = frame_count / count
    # step >= 1, so the slice midpoints floor to strictly increasing indices.
    return [min(frame_count - 1, int((i + 0.5) * step)) for i in range(count)]


class _Clip:
    """An opened container and its first video stream."""

    def __init__(self, path: Path, threads: int = DEFAULT_DECODER_THREADS):
        if not path.is_file():
            raise UnreadableMediaError(f"{path}: no such file")
        try:
            self.container: av.container.InputContainer = av.open(
                str(path), mode="r", metadata_errors="ignore"
            )
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise UnreadableMediaError(f"{path}: not a readable video ({exc})") from exc
        if not self.container.streams.video:
            self.container.close()
            raise UnreadableMediaError(f"{path}: no video stream")
        self.stream: av.video.stream.VideoStream = self.container.streams.video[0]
        self.stream.thread_count = max(1, threads)
        # Frame threading is what scales H.264 decoding; with one thread it is a no-op.
        self.stream.thread_type = "FRAME" if threads > 1 else "NONE"
        self.rate = _frame_rate(self.stream)

    def packets(self, limit: int | None = None) -> Iterator[av.Packet]:
        """The video stream's packets in decode order, up to the end or the first damage,
        at most ``limit`` of them, their timestamps placed on one continuous clock."""
        timeline = StreamTimeline(Fraction(self.stream.time_base or _DEFAULT_TICK), self.rate)
        read = 0
        try:
            for packet in self.container.demux(self.stream):
                if not packet.size:
                    continue
                if limit is not None and read >= limit:
                    return
                read += 1
                pts, dts = timeline.place(packet.pts, packet.dts)
                if (pts, dts) != (packet.pts, packet.dts):
                    packet.pts, packet.dts = pts, dts
                yield packet
        except av.FFmpegError:
            return  # a truncated or damaged file: what came before stands

    def refuse_pixels_over(self, limits: MediaLimits | None) -> None:
        """Let the decoder allocate no picture larger than ``limits`` allow."""
        if limits is not None:
            self.stream.codec_context.options = {"max_pixels": str(limits.max_pixels)}

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> _Clip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _frame_rate(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and math.isfinite(float(rate)) and float(rate) > 0:
            return float(rate)
    return FALLBACK_FPS


def pick_sample_times(
    times: list[int], rate_per_s: float, max_frames: int, seconds_per_tick: Fraction
) -> list[int]:
    """Positions in ``times`` (sorted presentation timestamps) of the frames to sample.

    Samples are spread evenly in *time* over the whole clip, each the frame on screen at
    the middle of an equal slice: a clip with a variable frame rate is sampled to its end
    like any other. For a constant frame rate this is exactly :func:`plan_sample_indices`.
    Frames held on screen across several slices are sampled once.
    """
    count = len(times)
    if count == 0:
        return []
    if count == 1:
        return [0]
    # The last frame lasts as long as the average frame.
    total = Fraction(times[-1] - times[0]) * count / (count - 1)
    duration_s = float(total * seconds_per_tick)
    wanted = max(1, math.ceil(duration_s * rate_per_s - 1e-9))
    samples = min(wanted, max_frames, count)
    picked: list[int] = []
    for i in range(samples):
        tick = times[0] + (2 * i + 1) * total / (2 * samples)
        position = bisect.bisect_right(times, tick) - 1
        if not picked or position != picked[-1]:
            picked.append(position)
    return picked


class _Sampler:
    """What both samplers share: reading chosen frames back, and use as a context manager.
    A subclass sets `frame_count` and `indices` (its plan) and yields them from `frames()`."""

    frame_count: int
    indices: list[int]

    def frames(self) -> Iterator[SampledFrame]:
        raise NotImplementedError

    def read(self, indices: Iterable[int]) -> Iterator[SampledFrame]:
        """Yield the frames at ``indices`` instead of the sampling plan, in one pass.

        Frame ``n`` is the ``n``-th frame shown, as in the plan, so the frames a scoring run
        recorded by index are read back exactly. Indices outside the clip are ignored; a
        frame that cannot be decoded is replaced by the next one decoded (see
        :meth:`frames`, which this is).
        """
        wanted = sorted({i for i in indices if 0 <= i < self.frame_count})
        if not wanted:
            return iter(())
        self.indices = wanted
        return self.frames()

    def close(self) -> None:
        """Nothing stays open between reads; kept so a sampler works as a context manager."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class VideoSampler(_Sampler):
    """An opened clip with its sampling plan, read once by iterating :meth:`frames`.

    Opening reads the clip's packets once without decoding them (a few milliseconds; it
    fails here, before any worker thread starts, if the file is not readable video). Their
    timestamps say how many frames the clip really has, in which order they are shown and
    when, whatever the container's index claims: frame ``n`` is the ``n``-th frame shown,
    even where timestamps start late, jump (variable frame rate) or an edit list hides
    leading frames. Not thread-safe: iterate from one thread at a time. ``threads`` is the
    number of decoder threads. With ``limits``, only the frames within the frame and duration
    limits are read (``truncated`` says whether there were more) and a picture larger than
    the size limit raises :class:`MediaLimitExceeded` from :meth:`frames`.
    """

    def __init__(
        self,
        path: str | Path,
        rate_per_s: float = 2.0,
        max_frames: int = 120,
        *,
        threads: int = DEFAULT_DECODER_THREADS,
        limits: MediaLimits | None = None,
    ):
        self.path = Path(path)
        self.rate_per_s = rate_per_s
        self.max_frames = max_frames
        self.threads = threads
        self.limits = limits
        self.truncated = False
        self._read = False
        with _Clip(self.path) as clip:
            stream_rate = clip.rate
            self._tick = Fraction(clip.stream.time_base or _DEFAULT_TICK)
            stamps, self._packets = self._stamps_within_limits(clip)
        if not stamps:
            raise UnreadableMediaError(f"{self.path}: no decodable frame")
        self.frame_count = len(stamps)
        # Timed: every packet has a timestamp, so frames are matched to the plan exactly
        # and unsampled non-reference frames can be skipped. Untimed (some raw streams):
        # every frame is decoded and counted in the order it comes out.
        self._timed = None not in stamps
        if self._timed:
            self._times: list[int] = sorted(stamps)  # type: ignore[arg-type]
            span = self._times[-1] - self._times[0]
            if self.frame_count > 1 and span > 0:
                total = Fraction(span) * self.frame_count / (self.frame_count - 1)
                self.fps = float(self.frame_count / (total * self._tick))
            else:
                self.fps = stream_rate
            self.indices = pick_sample_times(self._times, rate_per_s, max_frames, self._tick)
        else:
            self._times = []
            self.fps = stream_rate
            self.indices = plan_sample_indices(self.frame_count, self.fps, rate_per_s, max_frames)

    def _stamps_within_limits(self, clip: _Clip) -> tuple[list[int | None], int]:
        """Presentation timestamps of the frames to consider, and how many packets hold them."""
        stamps: list[int | None] = []
        packets = 0
        first: int | None = None
        limits = self.limits
        for packet in clip.packets():
            if not packet.is_discard:
                if limits is not None and len(stamps) >= limits.max_frames:
                    self.truncated = True
                    break
                if limits is not None and packet.pts is not None:
                    first = packet.pts if first is None else min(first, packet.pts)
                    if float((packet.pts - first) * self._tick) >= limits.max_duration_s:
                        self.truncated = True
                        break
                stamps.append(packet.pts)
            packets += 1
        return stamps, packets

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps

    def _time_of(self, index: int) -> float:
        if self._timed:
            return float((self._times[index] - self._times[0]) * self._tick)
        return index / self.fps

    def frames(self) -> Iterator[SampledFrame]:
        """Yield the planned frames in order, in one sequential decoding pass.

        A planned frame that cannot be decoded is replaced by the next frame decoded after
        it. Afterwards ``self.indices`` lists exactly the frames that were yielded. Raises
        :class:`UnreadableMediaError` if no frame at all can be decoded.
        """
        if self._read:
            raise RuntimeError("VideoSampler.frames() can only be iterated once")
        self._read = True
        done: list[int] = []
        try:
            with _Clip(self.path, self.threads) as clip:
                clip.refuse_pixels_over(self.limits)
                yield from self._take_planned(self._shown(clip), done)
        finally:
            self.indices = done
        if not done:
            raise UnreadableMediaError(f"{self.path}: no decodable frame")

    def _shown(self, clip: _Clip) -> Iterator[tuple[int, av.VideoFrame]]:
        """``(index, frame)`` for every frame decoded, in presentation order."""
        if not self._timed:
            yield from enumerate(self._decoded(clip, lambda packet: False))
            return
        wanted = {self._times[i] for i in self.indices}
        position = {pts: i for i, pts in enumerate(self._times)}
        for frame in self._decoded(clip, lambda packet: packet.pts not in wanted):
            if frame.pts in position:
                yield position[frame.pts], frame

    def _decoded(self, clip: _Clip, skip: Callable[[av.Packet], bool]) -> Iterator[av.VideoFrame]:
        """Every frame the decoder gives, in presentation order; ``skip(packet)`` says which
        packets may drop their frame if no other frame refers to it."""
        codec = clip.stream.codec_context
        for packet in clip.packets(self._packets):
            codec.skip_frame = "NONREF" if skip(packet) else "DEFAULT"
            try:
                frames = codec.decode(packet)
            except av.FFmpegError:
                frames = []  # a packet that demuxes but does not decode: keep the rest
            self._check_size(codec.width, codec.height)
            yield from frames
        try:
            rest = codec.decode(None)  # the frames the decoder still holds
        except av.FFmpegError:
            rest = []
        yield from rest

    def _check_size(self, width: int, height: int) -> None:
        # The decoder takes a new size from the parameter sets even when it then refuses to
        # allocate the picture, so the switch is seen before any oversized frame exists.
        limits = self.limits
        if limits is not None and (width > limits.max_width or height > limits.max_height):
            raise MediaLimitExceeded(
                f"{self.path}: a {width}×{height} picture is larger than the limit of "
                f"{limits.max_width}×{limits.max_height}; it was not decoded"
            )

    def _take_planned(
        self, shown: Iterator[tuple[int, av.VideoFrame]], done: list[int]
    ) -> Iterator[SampledFrame]:
        """The planned frames among ``shown``; stops after the last one."""
        targets = self.indices
        next_target = 0
        for index, frame in shown:
            if index < targets[next_target]:
                continue
            # The planned frame itself, or the next one decoded when the planned one was lost.
            while next_target < len(targets) and targets[next_target] <= index:
                next_target += 1
            done.append(index)
            yield SampledFrame(index, self._time_of(index), frame.to_ndarray(format="bgr24"))
            if next_target == len(targets):
                return


class ImageSampler(_Sampler):
    """A photo read as `detection.frames.VideoSampler` reads a clip: a still is frame 0, an
    animation is sampled at about `rate_per_s` over its frame durations (at most `max_frames`).

    Opening checks the limits from the file's header and frame table (a file over them raises
    `MediaLimitExceeded`, like a video over them); `frames()` then decodes only the planned
    frames, upright (EXIF orientation applied), as BGR.
    """

    def __init__(
        self,
        path: str | Path,
        rate_per_s: float = 2.0,
        max_frames: int = 120,
        *,
        limits: MediaLimits | None = None,
    ) -> None:
        self.path = Path(path)
        self.limits = limits
        self.truncated = False
        self._read = False
        bounds = limits or UNBOUNDED
        try:
            with open_image(self.path, bounds) as image:
                durations = frame_durations(image, bounds)
        except ImageLimitExceeded as exc:
            raise MediaLimitExceeded(f"{self.path}: {exc.message}") from exc
        except MediaRejected as exc:
            raise UnreadableMediaError(f"{self.path}: {exc.message}") from exc
        self.frame_count = len(durations)
        starts = np.concatenate([[0], np.cumsum(durations)[:-1]]) / 1000
        self._starts = [float(t) for t in starts]
        total_s = sum(durations) / 1000
        self.fps = self.frame_count / total_s if self.frame_count > 1 else 1.0
        self.indices = (
            [0]
            if self.frame_count == 1
            else plan_sample_indices(self.frame_count, self.fps, rate_per_s, max_frames)
        )
        self._duration_s = total_s if self.frame_count > 1 else 0.0

    @property
    def duration_s(self) -> float:
        return self._duration_s

    def frames(self) -> Iterator[SampledFrame]:
        """Yield the planned frames in order (upright, BGR uint8)."""
        if self._read:
            raise RuntimeError("ImageSampler.frames() can only be iterated once")
        self._read = True
        try:
            with open_image(self.path, self.limits or UNBOUNDED) as image:
                orientation = exif_orientation(image)
                for index in self.indices:
                    image.seek(index)
                    picture = upright(image, orientation)
                    if picture.mode != "RGB":
                        picture = picture.convert("RGB")
                    rgb = np.asarray(picture)
                    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
                    yield SampledFrame(index, self._starts[index], bgr)
        except (OSError, SyntaxError, ValueError, MediaRejected) as exc:
            raise UnreadableMediaError(f"{self.path}: the image cannot be decoded ({exc})") from exc


def open_sampler(
    path: str | Path,
    rate_per_s: float = 2.0,
    max_frames: int = 120,
    *,
    threads: int = DEFAULT_DECODER_THREADS,
    limits: MediaLimits | None = None,
) -> VideoSampler | ImageSampler:
    """The sampler for the media at ``path``, judged by its leading bytes: a photo (JPEG, PNG,
    WebP, GIF) is read by :class:`ImageSampler`, anything else as video by :class:`VideoSampler`.
    Both yield :class:`SampledFrame` objects and share ``indices``, ``frame_count``, ``duration_s``,
    ``truncated``, :meth:`frames` and :meth:`read`."""
    if Path(path).is_file() and looks_like_image(path):
        return ImageSampler(path, rate_per_s, max_frames, limits=limits)
    return VideoSampler(path, rate_per_s, max_frames, threads=threads, limits=limits)


def sample_frames(
    path: str | Path, rate_per_s: float = 2.0, max_frames: int = 120
) -> Iterator[SampledFrame]:
    """Yield about ``rate_per_s`` frames per second, spread over the whole clip.

    Raises :class:`UnreadableMediaError` when the file cannot be opened or gives no frame.
    """
    with open_sampler(path, rate_per_s, max_frames) as sampler:
        yield from sampler.frames()


def read_every_frame(path: str | Path) -> list[np.ndarray]:
    """Every frame the clip shows, in presentation order (BGR, uint8).

    For short clips (training, checks): all frames are held in memory at once.
    """
    with open_sampler(path) as sampler:
        return [frame.image for frame in sampler.read(range(sampler.frame_count))]
