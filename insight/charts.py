"""Small server-rendered SVG charts for the insight pages: bars, grouped bars and lines.

Same approach as desk/timeline.py: format_html builds the markup, classes carry the
styling (static/insight/insight.css), so the pages need no chart library and no inline style.
Every plotted value is an element with the `mark` class and a <title> tooltip; the browser test
counts those marks to prove a chart has data.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 48
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 40
PLOT_W = WIDTH - PAD_LEFT - PAD_RIGHT
PLOT_H = HEIGHT - PAD_TOP - PAD_BOTTOM
BOTTOM = PAD_TOP + PLOT_H


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Line:
    name: str
    points: Sequence[tuple[float, float]]  # (x, y), both in the chart's data range


@dataclass(frozen=True)
class Marker:
    """A vertical dashed line at data x (a threshold, say)."""

    x: float
    label: str


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.3g}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(value)


def _frame(y_max: float, y_label: str) -> SafeString:
    ticks = format_html_join(
        "",
        '<line class="ch-grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
        '<text class="ch-axis" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (
                PAD_LEFT,
                round(BOTTOM - f * PLOT_H, 1),
                WIDTH - PAD_RIGHT,
                round(BOTTOM - f * PLOT_H, 1),
                PAD_LEFT - 6,
                round(BOTTOM - f * PLOT_H + 4, 1),
                _fmt(y_max * f),
            )
            for f in (0.0, 0.5, 1.0)
        ),
    )
    return format_html(
        '{ticks}<line class="ch-frame" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>'
        '<text class="ch-axis" x="4" y="{t}">{y_label}</text>',
        ticks=ticks,
        l=PAD_LEFT,
        r=WIDTH - PAD_RIGHT,
        b=BOTTOM,
        t=PAD_TOP - 2,
        y_label=y_label,
    )


def _legend(names: Sequence[str]) -> SafeString:
    if len(names) < 2:
        return SafeString("")
    return format_html_join(
        "",
        '<rect class="ch-s{}" x="{}" y="{}" width="10" height="10"/>'
        '<text class="ch-legend" x="{}" y="{}">{}</text>',
        (
            (i, PAD_LEFT + i * 130, HEIGHT - 12, PAD_LEFT + i * 130 + 14, HEIGHT - 3, name)
            for i, name in enumerate(names)
        ),
    )


def _svg(label: str, body: SafeString, kind: str) -> SafeString:
    return format_html(
        '<svg class="chart chart-{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>",
        kind,
        WIDTH,
        HEIGHT,
        label,
        label,
        body,
    )


def _empty(label: str) -> SafeString:
    return format_html(
        '<p class="muted chart-empty">{}</p>',
        _("%(chart)s: no data in this range.") % {"chart": label},
    )


def bar_chart(
    label: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str = "",
    every_nth_label: int = 1,
) -> SafeString:
    """Bars per category, side by side when there are several series."""
    if not categories or not any(v for s in series for v in s.values):
        return _empty(label)
    y_max = _nice_max(max(v for s in series for v in s.values))
    slot = PLOT_W / len(categories)
    bar_w = max(slot * 0.8 / len(series), 0.5)
    bars = []
    for si, s in enumerate(series):
        for ci, value in enumerate(s.values):
            if not value:  # no zero-height marks: a chart's marks are its data
                continue
            h = round(PLOT_H * value / y_max, 1)
            x = round(PAD_LEFT + ci * slot + slot * 0.1 + si * bar_w, 1)
            bars.append(
                (
                    si,
                    x,
                    round(BOTTOM - h, 1),
                    round(bar_w, 1),
                    h,
                    categories[ci],
                    s.name,
                    _fmt(value),
                )
            )
    marks = format_html_join(
        "",
        '<rect class="mark ch-s{}" x="{}" y="{}" width="{}" height="{}">'
        "<title>{} · {}: {}</title></rect>",
        bars,
    )
    step = max(every_nth_label, 1)
    names = format_html_join(
        "",
        '<text class="ch-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (round(PAD_LEFT + (ci + 0.5) * slot, 1), BOTTOM + 14, cat[:18])
            for ci, cat in enumerate(categories)
            if ci % step == 0
        ),
    )
    body = format_html(
        "{}{}{}{}", _frame(y_max, y_label), marks, names, _legend([s.name for s in series])
    )
    return _svg(label, body, "bar")


def line_chart(
    label: str,
    lines: Sequence[Line],
    *,
    x_range: tuple[float, float] = (0.0, 1.0),
    y_max: float = 1.0,
    y_label: str = "",
    x_label: str = "",
    markers: Sequence[Marker] = (),
    diagonal: bool = False,
) -> SafeString:
    """Lines over a numeric x axis, each point a mark; optional vertical markers and y=x."""
    if not any(line.points for line in lines):
        return _empty(label)
    x0, x1 = x_range
    span = (x1 - x0) or 1.0

    def px(x: float) -> float:
        return round(PAD_LEFT + (x - x0) / span * PLOT_W, 1)

    def py(y: float) -> float:
        return round(BOTTOM - min(max(y, 0.0), y_max) / y_max * PLOT_H, 1)

    parts = [_frame(y_max, y_label)]
    if diagonal:
        parts.append(
            format_html(
                '<line class="ch-diagonal" x1="{}" y1="{}" x2="{}" y2="{}"/>',
                px(x0),
                py(0),
                px(x1),
                py(min(x1, y_max)),
            )
        )
    for i, line in enumerate(lines):
        path = " ".join(f"{px(x)},{py(y)}" for x, y in line.points)
        parts.append(format_html('<polyline class="ch-line ch-s{}" points="{}"/>', i, path))
        parts.append(
            format_html_join(
                "",
                '<circle class="mark ch-s{}" cx="{}" cy="{}" r="2.5"><title>{}</title></circle>',
                (
                    (
                        i,
                        px(x),
                        py(y),
                        _("%(line)s at %(x)s: %(y)s")
                        % {"line": line.name, "x": _fmt(x), "y": _fmt(y)},
                    )
                    for x, y in line.points
                ),
            )
        )
    for marker in markers:
        parts.append(
            format_html(
                '<line class="ch-marker" x1="{x}" y1="{t}" x2="{x}" y2="{b}"/>'
                '<text class="ch-marker-label" x="{tx}" y="{ty}">{label}</text>',
                x=px(marker.x),
                t=PAD_TOP,
                b=BOTTOM,
                tx=px(marker.x) + 4,
                ty=PAD_TOP + 10,
                label=marker.label,
            )
        )
    parts.append(
        format_html_join(
            "",
            '<text class="ch-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
            ((px(x0 + span * f), BOTTOM + 14, _fmt(x0 + span * f)) for f in (0, 0.5, 1)),
        )
    )
    if x_label:
        parts.append(
            format_html(
                '<text class="ch-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                WIDTH - PAD_RIGHT,
                BOTTOM + 26,
                x_label,
            )
        )
    parts.append(_legend([line.name for line in lines]))
    return _svg(label, format_html_join("", "{}", ((p,) for p in parts)), "line")
