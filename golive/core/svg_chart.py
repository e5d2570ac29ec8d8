"""A small line chart as inline SVG, drawn by hand so a report is one file with no dependencies (pure).

One `<polyline class="series">` per series (missing values are skipped: the line joins
the points on either side, and each point also gets a dot, so a lone point shows),
dashed horizontal lines for thresholds, and vertical marks where a stage begins.
All text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Boundary", "Series", "Threshold", "line_chart"]

_W, _H = 760, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 40, 40


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]  # (x, y); y may be NaN (no data there)
    color: str


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str
    color: str = "#b00020"


@dataclass(frozen=True)
class Boundary:
    x: float  # where a stage begins, in x units (between its first point and the one before)
    label: str


def _finite(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round steps from 0 to at least `top`."""
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(count + 2) if i * step <= top + step * 0.999]


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    unit: str = "",
    thresholds: Sequence[Threshold] = (),
    boundaries: Sequence[Boundary] = (),
    x_label: str = "evaluation",
) -> str:
    """The chart as an `<svg>` element; series with no finite point are left out."""
    drawn = [s for s in series if _finite(s.points)]
    xs = [x for s in drawn for x, _ in _finite(s.points)]
    ys = [y for s in drawn for _, y in _finite(s.points)] + [t.value for t in thresholds]
    x0, x1 = (min(xs) - 0.5, max(xs) + 0.5) if xs else (0.0, 1.0)  # half a step of air at each end
    y_ticks = _ticks(max(max(ys, default=0.0) * 1.1, 1e-9))
    y1 = y_ticks[-1]
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (x - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return _TOP + plot_h - y / y1 * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" class="chart" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{_LEFT}" y="18" class="chart-title">{escape(title)}</text>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" class="plot"/>',
    ]
    for tick in y_ticks:
        out.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{py(tick) + 4:.1f}" class="tick" text-anchor="end">'
            f"{escape(_number(tick))}{escape(unit)}</text>"
        )
    whole = sorted({round(x) for x in xs if float(x).is_integer()})
    every = max(1, math.ceil(len(whole) / 25))  # at most ~25 labels fit under the plot
    for x in whole[::every]:
        out.append(
            f'<text x="{px(x):.1f}" y="{_TOP + plot_h + 14}" class="tick" text-anchor="middle">{x}</text>'
        )
    for index, b in enumerate(boundaries):
        label_y = (
            _TOP + 10 + 12 * (index % 2)
        )  # alternate rows so neighbouring labels do not overlap
        out.append(
            f'<line x1="{px(b.x):.1f}" x2="{px(b.x):.1f}" y1="{_TOP}" y2="{_TOP + plot_h}" class="boundary">'
            f"<title>{escape(b.label)}</title></line>"
            f'<text x="{px(b.x) + 3:.1f}" y="{label_y}" class="boundary-label">{escape(b.label)}</text>'
        )
    for t in thresholds:
        out.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{py(t.value):.1f}" y2="{py(t.value):.1f}" '
            f'stroke="{escape(t.color)}" stroke-dasharray="6 4" class="threshold">'
            f"<title>{escape(t.label)}</title></line>"
            f'<text x="{_W - _RIGHT - 4}" y="{py(t.value) - 4:.1f}" class="threshold-label" '
            f'text-anchor="end" fill="{escape(t.color)}">{escape(t.label)}</text>'
        )
    for s in drawn:
        points = _finite(s.points)
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        out.append(
            f'<polyline class="series" data-series="{escape(s.name)}" fill="none" '
            f'stroke="{escape(s.color)}" stroke-width="2" points="{coords}"><title>{escape(s.name)}</title>'
            "</polyline>"
        )
        out += [
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{escape(s.color)}"/>'
            for x, y in points
        ]
    legend_x = _LEFT
    for s in drawn:
        out.append(
            f'<rect x="{legend_x}" y="{_H - 10}" width="10" height="3" fill="{escape(s.color)}"/>'
            f'<text x="{legend_x + 14}" y="{_H - 4}" class="legend">{escape(s.name)}</text>'
        )
        legend_x += 14 + 8 * len(s.name) + 16
    out.append(
        f'<text x="{_W - _RIGHT}" y="{_H - 4}" class="tick" text-anchor="end">{escape(x_label)}</text>'
    )
    if not drawn:
        out.append(
            f'<text x="{_LEFT + plot_w / 2}" y="{_TOP + plot_h / 2}" class="tick" text-anchor="middle">'
            "no samples</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
