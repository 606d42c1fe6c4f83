"""The real timeline of a video stream, rebuilt from its packets' timestamps.

A container's header (its duration, its frame count) is whatever the file says, and so are the
timestamps themselves: MPEG-TS segments cut and concatenated byte for byte restart their clocks,
so a file stamped one second long can hold a thousand one-second segments whose frames all share
the first second's timestamps. Read naively (sorted presentation timestamps), such a file lasts
one second and a sampler spread over that second sees two of its frames.

`StreamTimeline` places each packet, in decode order, on one monotonic clock: a decode timestamp
that goes backwards, or jumps forward by more than `DISCONTINUITY_S` (FFmpeg's own
`dts_delta_threshold`), starts a new segment one frame after the end of everything seen so far.
Upload validation (`detection.probe`) and the frame reader (`detection.frames`) use the same
placement, so the limits judged at upload and the frames sampled by the worker agree.
"""

from __future__ import annotations

from fractions import Fraction

# A forward jump of the decode clock larger than this is a splice, not a pause.
DISCONTINUITY_S = 10.0


class StreamTimeline:
    """Places packets of one stream on a monotonic clock (in the stream's own ticks)."""

    def __init__(self, time_base: Fraction, frame_rate: float) -> None:
        self.time_base = time_base
        self._jump = max(1, int(DISCONTINUITY_S / time_base))
        # One frame, in ticks: how far after the previous segment a new one starts.
        self._step = max(1, round(1 / (frame_rate * time_base))) if frame_rate > 0 else 1
        self._offset = 0
        self._last: int | None = None
        self._first: int | None = None
        self._end: int | None = None  # latest placed presentation time + one frame
        self.segments = 0

    def place(self, pts: int | None, dts: int | None) -> tuple[int | None, int | None]:
        """The packet's ``(pts, dts)`` on the continuous clock; None stays None."""
        key = dts if dts is not None else pts
        if key is None:
            return pts, dts
        if self._last is None:
            self.segments = 1
        else:
            delta = key - self._last
            if delta < 0 or delta > self._jump:
                assert self._end is not None
                self._offset = self._end - key
                self.segments += 1
            elif delta > 0:
                self._step = delta
        self._last = key
        placed_pts = None if pts is None else pts + self._offset
        placed_dts = None if dts is None else dts + self._offset
        shown = placed_pts if placed_pts is not None else key + self._offset
        if self._first is None or shown < self._first:
            self._first = shown
        if self._end is None or shown + self._step > self._end:
            self._end = shown + self._step
        return placed_pts, placed_dts

    @property
    def duration_s(self) -> float:
        """From the first frame shown to the end of the last one, so far."""
        if self._first is None or self._end is None:
            return 0.0
        return float((self._end - self._first) * self.time_base)
