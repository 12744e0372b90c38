"""Charts as inline SVG, drawn on the server: no script, no external file, readable without
colour (values are in each point's title and in the table beside each chart).

Pure drawing: the caller passes the figures (from ``bot.reporting``) and the texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from iku.format import format_number

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34


@dataclass(frozen=True)
class Point:
    label: str  # what the point is (a week), shown under the axis and in its title
    value: float | None  # None: no data that week (a gap in the line)


def line_chart(
    points: Sequence[Point],
    *,
    low: float,
    high: float,
    title: str,
    description: str,
    ticks: Sequence[float],
    target: float | None = None,
    target_label: str = "",
    chart_id: str,
) -> Markup:
    """A line over ``points`` (gaps where a value is None) between ``low`` and ``high``, with
    horizontal lines at ``ticks`` and, dashed, the ``target``."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(points), 1)

    def x(index: int) -> float:
        return LEFT + (plot_w * (index + 0.5) / count)

    def y(value: float) -> float:
        share = (min(max(value, low), high) - low) / (high - low)
        return TOP + plot_h * (1 - share)

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t '
        f'{chart_id}-d" xmlns="http://www.w3.org/2000/svg" class="line-chart">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#c9d1d9" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#4a5562">{escape(format_number(tick))}</text>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            'stroke="#7a4a00" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{escape(target_label)}</title></line>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, point in enumerate(points):
        if point.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point.value):.1f}")
    if segment:
        segments.append(segment)
    for run in segments:
        parts.append(
            f'<polyline points="{" ".join(run)}" fill="none" stroke="#0b4f6c" stroke-width="2"/>'
        )
    step = max(1, count // 6)
    for index, point in enumerate(points):
        if point.value is not None:
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(point.value):.1f}" r="3" fill="#0b4f6c">'
                f"<title>{escape(point.label)}: {escape(format_number(point.value, 2))}</title>"
                "</circle>"
            )
        last_labelled = (count - 1) // step * step
        closing = index == count - 1 and index - last_labelled >= step / 2
        if index % step == 0 or closing:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - 12}" text-anchor="middle" '
                f'font-size="11" fill="#4a5562">{escape(point.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    low: float,
    high: float,
    title: str,
    description: str,
    chart_id: str,
) -> Markup:
    """Horizontal bars, in the order given, each labelled with its name and value."""
    row, label_w = 26, 340
    height = TOP + row * len(bars) + 8
    plot_w = WIDTH - label_w - 56
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{chart_id}-t '
        f'{chart_id}-d" xmlns="http://www.w3.org/2000/svg" class="bar-chart">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for index, (name, value) in enumerate(bars):
        top = TOP + index * row
        share = (min(max(value, low), high) - low) / (high - low)
        parts.append(
            f'<text x="{label_w - 8}" y="{top + 16}" text-anchor="end" font-size="12" '
            f'fill="#1b1f24">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{top + 4}" width="{max(plot_w * share, 1):.1f}" height="16" '
            'fill="#0b4f6c"/>'
            f'<text x="{label_w + plot_w * share + 6:.1f}" y="{top + 16}" font-size="13" '
            f'fill="#1b1f24">{escape(format_number(value, 2))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
