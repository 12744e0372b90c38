"""The weekly summary's chart: IKM per unsur against the grade bands, and the four IKU.

matplotlib is imported inside :func:`render_chart` only: it is heavy, and most runs of the bot
(and every start) never draw anything.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from iku.format import format_number
from iku.report import IkuReport, Texts
from iku.skm import UNSUR

if TYPE_CHECKING:  # only for the annotations: matplotlib itself loads when a chart is drawn
    from matplotlib.axes import Axes

# Lower bounds of the converted index grades (PermenPANRB 14/2017) and their band colours.
BANDS = (
    (25.0, 65.0, "D", "#f4cccc"),
    (65.0, 76.61, "C", "#fce5cd"),
    (76.61, 88.31, "B", "#d9ead3"),
    (88.31, 100.0, "A", "#b6d7a8"),
)


def render_chart(week: IkuReport, year: IkuReport, t: Texts) -> bytes:
    """A PNG (about 1200 x 600 px) of the year to date, with the week's IKM marked.

    Uses matplotlib's object API, not pyplot, so it may run in a worker thread (the bot draws
    it off the event loop: a second and more of CPU that would otherwise hold every chat up).
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 6), dpi=100)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    _unsur_panel(left, year, t)
    _iku_panel(right, year, t)
    figure.suptitle(t("chart.title", kecamatan=year.kecamatan, key=week.period.key))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _unsur_panel(ax: Axes, report: IkuReport, t: Texts) -> None:
    for low, high, grade, colour in BANDS:
        ax.axvspan(low, high, color=colour, zorder=0)
        ax.text((low + high) / 2, -0.7, grade, ha="center", va="center", fontweight="bold")
    result = report.skm.result
    names = [u.name for u in UNSUR]
    values = [0.0 if result is None else result.unsur[u.key].converted for u in UNSUR]
    ax.barh(range(len(UNSUR)), values, color="#3d85c6", zorder=2)
    if result is not None:
        for row, value in enumerate(values):
            label = format_number(value, 2)
            ax.text(min(value, 92) + 0.5, row, label, va="center", fontsize=8, zorder=3)
    ax.set_yticks(range(len(UNSUR)), names, fontsize=8)
    ax.set_xlim(25, 100)
    ax.set_ylim(len(UNSUR) - 0.5, -1.2)
    title = t("chart.unsur") if result else f"{t('chart.unsur')} ({t('report.no_data')})"
    ax.set_title(title)


def _iku_panel(ax: Axes, report: IkuReport, t: Texts) -> None:
    skm = report.skm.result
    values = [
        report.programs.percent,
        None if skm is None else skm.ikm_converted,
        report.empowerment.percent,
        report.complaints.ratio.percent,
    ]
    labels = [t("chart.iku1"), t("chart.iku2"), t("chart.iku3"), t("chart.iku4")]
    heights = [0.0 if value is None else value for value in values]
    bars = ax.bar(labels, heights, color="#6aa84f", zorder=2)
    for bar, value in zip(bars, values, strict=True):
        text = t("chart.no_data") if value is None else format_number(value, 2)
        ax.text(
            bar.get_x() + bar.get_width() / 2, bar.get_height() + 1, text, ha="center", fontsize=9
        )
    ax.set_ylim(0, 110)
    ax.set_title(t("chart.iku"))
