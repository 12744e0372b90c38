"""The weekly summary's chart: where the IKU stand this year, and where they went week by week.

One picture in four panels. Top: the SKM per unsur and the four IKU for the year to date.
Bottom: the IKM and IKU 4 of each of the last twelve weeks, with the year to date beside them.
Every bar says how its figure stands by its colour: the IKM and the unsur by their grade (mutu
A-D of PermenPANRB 14/2017), IKU 1, 3 and 4 against the office's target (:class:`Targets`);
grey is "no data yet", never a bar of 0.

matplotlib is imported inside :func:`draw_chart` only: it is heavy, and most runs of the bot
(and every start) never draw anything. The object API (no pyplot) lets it run in a worker
thread, where the bot draws it (a second of CPU would otherwise hold every chat up).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from iku.format import format_number
from iku.report import IkuReport, Texts
from iku.skm import GRADE_BANDS, UNSUR, SkmResult
from iku.summary import SummaryData, format_days
from iku.trend import Standing, WeekFigures, standing

if TYPE_CHECKING:  # only for the annotations: matplotlib itself loads when a chart is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Colour-blind safe diverging colours (ColorBrewer RdYlGn): green is good, red is bad.
GRADE_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fdae61", "D": "#d73027"}
STANDING_COLOURS = {
    Standing.MET: GRADE_COLOURS["A"],
    Standing.NEAR: GRADE_COLOURS["C"],
    Standing.BELOW: GRADE_COLOURS["D"],
    Standing.NO_DATA: "#bdbdbd",
}
NO_DATA_COLOUR = STANDING_COLOURS[Standing.NO_DATA]
NO_DATA_HEIGHT = 3.0  # a stub, so that a week without data is seen, not taken for a gap
LABEL_WIDTH = 24  # characters per line of an unsur's name
NO_DATA_WIDTH = 10  # characters per line of "belum ada data" under an IKU
SIZE_INCHES, DPI = (12.0, 10.0), 100


def render_chart(data: SummaryData, t: Texts) -> bytes:
    """The chart as a PNG of 1200 x 1000 pixels."""
    figure = draw_chart(data, t)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def draw_chart(data: SummaryData, t: Texts) -> Figure:
    """The chart's figure, not yet saved (tests read its bars and labels)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    grid = figure.add_gridspec(2, 2, height_ratios=(1.1, 1), width_ratios=(1.25, 1))
    _unsur_panel(figure.add_subplot(grid[0, 0]), data.year, t)
    _iku_panel(figure.add_subplot(grid[0, 1]), data, t)
    _ikm_trend(figure.add_subplot(grid[1, 0]), data, t)
    _complaints_trend(figure.add_subplot(grid[1, 1]), data, t)
    title = t("chart.title", kecamatan=data.week.kecamatan, week=format_days(data.week.period, t))
    figure.suptitle(title, fontsize=15, fontweight="bold")
    _legend(figure, t)
    return figure


# --- panels ---------------------------------------------------------------------------------


def _unsur_panel(ax: Axes, report: IkuReport, t: Texts) -> None:
    """NRR x 25 of each unsur in the year to date, coloured by its grade."""
    result = report.skm.result
    rows = range(len(UNSUR))
    names = [textwrap.fill(unsur.name, LABEL_WIDTH) for unsur in UNSUR]
    ax.set_yticks(rows, names, fontsize=8)
    ax.set_xlim(25, 112)  # room right of 100 for its label
    ax.set_xticks(range(25, 101, 25))
    ax.set_ylim(len(UNSUR) - 0.5, -1.3)  # room above the first bar for the grade letters
    _grade_lines(ax, vertical=True)
    ax.set_title(t("chart.unsur"), fontsize=11)
    if result is None:
        _no_data_note(ax, t)
        return
    scores = [result.unsur[unsur.key] for unsur in UNSUR]
    colours = [GRADE_COLOURS[score.mutu] for score in scores]
    ax.barh(rows, [score.converted for score in scores], color=colours, height=0.7, zorder=2)
    for row, score in zip(rows, scores, strict=True):
        label = f"{format_number(score.converted, 2)} ({score.mutu})"
        ax.text(score.converted + 0.8, row, label, va="center", fontsize=8, zorder=3)


def _iku_panel(ax: Axes, data: SummaryData, t: Texts) -> None:
    """The four IKU of the year to date, each against its target (IKU 2: its grade)."""
    year, targets = data.year, data.targets
    skm = year.skm.result
    figures = [
        (year.programs.percent, targets.program),
        (None if skm is None else skm.ikm_converted, None),
        (year.empowerment.percent, targets.empowerment),
        (year.complaints.ratio.percent, targets.complaints),
    ]
    labels = [t(f"chart.iku{number}") for number in range(1, 5)]
    positions = range(len(figures))
    for position, (value, target) in zip(positions, figures, strict=True):
        colour = _index_colour(skm) if target is None else _target_colour(value, target)
        _bar(ax, position, value, colour, width=0.6)
        if target is not None:
            ax.hlines(target, position - 0.4, position + 0.4, colors="black", linestyles="--")
        text = _value_label(value, t, skm if target is None else None)
        ax.text(position, (value or 0) + 2, text, ha="center", va="bottom", fontsize=9)
    ax.set_xticks(positions, labels, fontsize=9)
    ax.set_xlim(-0.6, len(figures) - 0.4)
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(t("chart.iku"), fontsize=11)


def _ikm_trend(ax: Axes, data: SummaryData, t: Texts) -> None:
    """The IKM (25-100) of each week and of the year to date, coloured by grade."""
    weekly = [(week.ikm, _index_colour(week.skm)) for week in data.trend]
    year = data.year.skm.result
    year_bar = (None if year is None else year.ikm_converted, _index_colour(year))
    ax.set_ylim(25, 112)
    ax.set_yticks(range(25, 101, 25))
    _trend_bars(ax, data.trend, [*weekly, year_bar], t)
    _grade_lines(ax, vertical=False)
    ax.set_title(t("chart.ikm_trend", weeks=len(data.trend)), fontsize=11)


def _complaints_trend(ax: Axes, data: SummaryData, t: Texts) -> None:
    """The share of complaints resolved, each week and the year to date, against the target."""
    target = data.targets.complaints
    values = [week.resolved_percent for week in data.trend]
    values.append(data.year.complaints.ratio.percent)
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    _trend_bars(ax, data.trend, [(v, _target_colour(v, target)) for v in values], t)
    ax.axhline(target, color="black", linestyle="--", linewidth=1, zorder=1)
    ax.set_title(t("chart.iku4_trend", weeks=len(data.trend)), fontsize=11)


def _trend_bars(
    ax: Axes,
    weeks: Sequence[WeekFigures],
    bars: Sequence[tuple[float | None, str]],
    t: Texts,
) -> None:
    """One bar per week, then, after a gap, the year to date; values written upright above
    the bars (twelve of them side by side never collide)."""
    positions = [*range(len(weeks)), len(weeks) + 0.8]
    for position, (value, colour) in zip(positions, bars, strict=True):
        _bar(ax, position, value, colour, width=0.7)
        if value is not None:
            label = format_number(value, 2)
            ax.text(position, value + 1.5, label, ha="center", va="bottom", rotation=90, fontsize=7)
    labels = [_week_label(week.week.start, t) for week in weeks]
    ax.set_xticks(positions, [*labels, t("chart.year_to_date")], fontsize=7)
    ax.set_xlim(-0.7, positions[-1] + 0.7)
    ax.set_xlabel(t("chart.week_of"), fontsize=8)


# --- pieces ---------------------------------------------------------------------------------


def _week_label(monday: date, t: Texts) -> str:
    """``17`` over ``Nov``: the week's Monday in two short lines (the first three letters of
    the month's name, the usual short form in Indonesian and English alike)."""
    return f"{monday.day}\n{t(f'months.m{monday.month}')[:3]}"


def _bar(ax: Axes, position: float, value: float | None, colour: str, *, width: float) -> None:
    """A bar of ``value`` from the axis' floor, or a grey stub on it when there is no data."""
    floor = ax.get_ylim()[0]
    if value is None:
        ax.bar(position, NO_DATA_HEIGHT, width, bottom=floor, color=NO_DATA_COLOUR, zorder=2)
        return
    ax.bar(position, value - floor, width, bottom=floor, color=colour, zorder=2)


def _index_colour(result: SkmResult | None) -> str:
    return NO_DATA_COLOUR if result is None else GRADE_COLOURS[result.mutu]


def _target_colour(value: float | None, target: float) -> str:
    return STANDING_COLOURS[standing(value, target)]


def _value_label(value: float | None, t: Texts, graded: SkmResult | None) -> str:
    if value is None:  # in two lines: four of them side by side must not run into each other
        return textwrap.fill(t("chart.no_data"), NO_DATA_WIDTH)
    if graded is not None:
        return f"{format_number(value, 2)} ({graded.mutu})"
    return f"{format_number(value, 2)}%"


def _grade_lines(ax: Axes, *, vertical: bool) -> None:
    """Dotted lines at the grade bounds (65,00 / 76,61 / 88,31), each band named by its letter."""
    bands = sorted(GRADE_BANDS, key=lambda band: band[0])  # D from 25, C from 65, B, A
    edges = [*(lower for lower, _ in bands), 100.0]
    for lower, upper, (_, grade) in zip(edges, edges[1:], bands, strict=False):
        middle = (lower + upper) / 2
        if lower > 25:
            line = ax.axvline if vertical else ax.axhline
            line(lower, color="grey", linestyle=":", linewidth=1, zorder=1)
        style: dict[str, Any] = {"fontsize": 9, "color": "dimgrey", "fontweight": "bold"}
        if vertical:  # above the first bar
            ax.text(middle, -0.95, grade.mutu, ha="center", va="center", **style)
        else:  # right of the plot
            ax.text(1.005, middle, grade.mutu, va="center", transform=ax.get_yaxis_transform(),
                    **style)  # fmt: skip


def _no_data_note(ax: Axes, t: Texts) -> None:
    ax.text(0.5, 0.5, t("report.no_data"), ha="center", va="center", fontsize=12,
            color="dimgrey", transform=ax.transAxes, zorder=3,
            bbox={"facecolor": "white", "edgecolor": "none"})  # fmt: skip


def _legend(figure: Figure, t: Texts) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=GRADE_COLOURS["A"], label=t("chart.legend_a")),
        Patch(color=GRADE_COLOURS["B"], label=t("chart.legend_b")),
        Patch(color=GRADE_COLOURS["C"], label=t("chart.legend_c")),
        Patch(color=GRADE_COLOURS["D"], label=t("chart.legend_d")),
        Patch(color=NO_DATA_COLOUR, label=t("chart.no_data")),
        Line2D([], [], color="black", linestyle="--", label=t("chart.legend_target")),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9, frameon=False)
