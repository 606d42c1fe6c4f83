"""The score timeline under the player: the detector's score per sampled frame as inline SVG.

Drawn on the server from a DetectionRun's timeline, so the page needs no charting library. Each
point carries its time in `data-t`; the review page's script seeks the video there on click and
steps through the points with `,` and `.`. The run's detection threshold is a dashed line.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 800
HEIGHT = 170
PAD_LEFT = 40
PAD_RIGHT = 12
PAD_TOP = 10
PAD_BOTTOM = 26
PLOT_W = WIDTH - PAD_LEFT - PAD_RIGHT
PLOT_H = HEIGHT - PAD_TOP - PAD_BOTTOM
# A point's invisible hit circle: on a phone the chart keeps at least 720 px of width (desk.css),
# a 0.9 scale, so 28 units across stay a tappable target of 25 px.
HIT_RADIUS = 14


@dataclass(frozen=True)
class ChartPoint:
    t: float
    frame: int
    score: float
    face_found: bool
    x: float
    y: float


@dataclass(frozen=True)
class TimelineChart:
    points: list[ChartPoint]
    duration_s: float
    threshold: float
    threshold_y: float

    @property
    def peak(self) -> ChartPoint | None:
        """The highest-scoring sampled frame (the earliest one among equals)."""
        return max(self.points, key=lambda p: (p.score, -p.t), default=None)


def _x(t: float, duration_s: float) -> float:
    return round(PAD_LEFT + (t / duration_s) * PLOT_W, 1) if duration_s > 0 else PAD_LEFT


def _y(score: float) -> float:
    return round(PAD_TOP + (1.0 - min(max(score, 0.0), 1.0)) * PLOT_H, 1)


def build_chart(
    timeline: Iterable[Mapping[str, Any]], threshold: float, duration_s: float
) -> TimelineChart:
    """Place each scored frame of a run's timeline on the chart (time across, score up).

    Frames without a scorable face have no score (detection.scoring) and are left out."""
    entries = [e for e in timeline if e.get("t") is not None and e.get("score") is not None]
    last_t = max((float(e["t"]) for e in entries), default=0.0)
    duration = max(float(duration_s or 0.0), last_t)
    points = [
        ChartPoint(
            t=float(e["t"]),
            frame=int(e.get("frame") or 0),
            score=float(e.get("score") or 0.0),
            face_found=bool(e.get("face_found", True)),
            x=_x(float(e["t"]), duration),
            y=_y(float(e.get("score") or 0.0)),
        )
        for e in sorted(entries, key=lambda e: float(e["t"]))
    ]
    return TimelineChart(
        points=points, duration_s=duration, threshold=threshold, threshold_y=_y(threshold)
    )


def _axes(chart: TimelineChart) -> SafeString:
    bottom = PAD_TOP + PLOT_H
    ticks = format_html_join(
        "",
        '<text class="tl-axis" x="{}" y="{}" text-anchor="end">{}</text>',
        ((PAD_LEFT - 6, _y(v) + 4, f"{v:.1f}") for v in (0.0, 0.5, 1.0)),
    )
    times = format_html_join(
        "",
        '<text class="tl-axis" x="{}" y="{}" text-anchor="{}">{}</text>',
        (
            (_x(t, chart.duration_s), bottom + 18, anchor, f"{t:.1f} s")
            for t, anchor in (
                (0.0, "start"),
                (chart.duration_s / 2, "middle"),
                (chart.duration_s, "end"),
            )
        ),
    )
    return format_html(
        '<line class="tl-frame" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>'
        '<line class="tl-frame" x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>{ticks}{times}',
        l=PAD_LEFT,
        r=WIDTH - PAD_RIGHT,
        t=PAD_TOP,
        b=bottom,
        ticks=ticks,
        times=times,
    )


def render_svg(chart: TimelineChart, *, label: str = "") -> str:
    """The chart as an inline <svg> element (safe to insert into a template)."""
    if not chart.points:
        return format_html(
            '<p class="muted">{}</p>', _("No sampled frame had a face to score: nothing to chart.")
        )
    label = label or _("Detector score per sampled frame")
    no_face = " " + _("(no face)")
    line = " ".join(f"{p.x},{p.y}" for p in chart.points)
    points = format_html_join(
        "",
        '<g class="tl-point{}" data-t="{}" data-frame="{}" data-score="{}">'
        '<circle class="tl-hit" cx="{}" cy="{}" r="{}"/>'
        '<circle class="tl-dot" cx="{}" cy="{}" r="3.5"/>'
        "<title>{}{}</title></g>",
        (
            (
                "" if p.face_found else " tl-noface",
                f"{p.t:.3f}",
                p.frame,
                f"{p.score:.3f}",
                p.x,
                p.y,
                HIT_RADIUS,
                p.x,
                p.y,
                _("%(t)s s, frame %(frame)s: score %(score)s")
                % {"t": f"{p.t:.2f}", "frame": p.frame, "score": f"{p.score:.2f}"},
                "" if p.face_found else no_face,
            )
            for p in chart.points
        ),
    )
    return format_html(
        '<svg class="timeline" viewBox="0 0 {w} {h}" role="group" aria-label="{label}" '
        'data-duration="{duration}" data-x0="{x0}" data-plot-w="{pw}">'
        "{axes}"
        '<line class="tl-threshold" x1="{x0}" y1="{ty}" x2="{x1}" y2="{ty}"/>'
        '<text class="tl-threshold-label" x="{x1}" y="{tly}" text-anchor="end">'
        "{threshold}</text>"
        '<polyline class="tl-line" points="{line}"/>'
        '<line class="tl-playhead" x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}"/>'
        "{points}</svg>",
        w=WIDTH,
        h=HEIGHT,
        label=label,
        duration=f"{chart.duration_s:.3f}",
        x0=PAD_LEFT,
        x1=WIDTH - PAD_RIGHT,
        pw=PLOT_W,
        ty=chart.threshold_y,
        tly=chart.threshold_y - 4,
        threshold=_("threshold %(value)s") % {"value": f"{chart.threshold:.2f}"},
        axes=_axes(chart),
        line=line,
        top=PAD_TOP,
        bottom=PAD_TOP + PLOT_H,
        points=points,
    )
