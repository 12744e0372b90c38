"""The weekly chart as the Camat sees it: every bar coloured by its grade or its target, no label
running into another or off the picture, the week named by its dates.

The bars and labels are read from matplotlib's artists after the figure is laid out (the way
it is saved); drawing runs with warnings as errors, so a layout matplotlib cannot fit fails.
"""

from __future__ import annotations

import io
import itertools
import warnings
from datetime import date

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from i18n import catalog
from iku.chart import draw_chart, render_chart
from iku.periods import date_range, iso_week
from iku.ratio import Ratio
from iku.report import ComplaintFigures, IkuReport, SkmFigures
from iku.skm import UNSUR_KEYS, skm_index
from iku.summary import SummaryData
from iku.trend import Targets, WeekFigures, trend_weeks

# The colours a reader tells apart (ColorBrewer RdYlGn), named here independently of the code.
GREEN, LIGHT_GREEN, AMBER, RED, GREY = "#1a9850", "#91cf60", "#fdae61", "#d73027", "#bdbdbd"
WEEK = iso_week(2026, 47)
ID = catalog().for_language("id")
EN = catalog().for_language("en")


def skm(converted: float, respondents: int = 10_000) -> SkmFigures:
    """Survey figures whose every unsur, and so the IKM, is ``converted`` (NRR x 25)."""
    total = round(converted / 25 * respondents)
    return SkmFigures(result=skm_index(dict.fromkeys(UNSUR_KEYS, total), respondents))


def complaints(resolved: int, received: int) -> ComplaintFigures:
    return ComplaintFigures(received=received, resolved=resolved, open=received - resolved)


def summary(
    *,
    ikm: float | None = 80.0,
    programs: tuple[int, int] = (7, 10),
    empowerment: tuple[int, int] = (8, 10),
    resolved: tuple[int, int] = (2, 10),
    trend: list[tuple[float | None, tuple[int, int]]] | None = None,
    targets: Targets | None = None,
) -> SummaryData:
    """A summary for WEEK; ``trend`` gives each week's IKM and (resolved, received), oldest
    first (default: twelve weeks like the year)."""
    survey = SkmFigures() if ikm is None else skm(ikm)
    shares = Ratio(*programs), Ratio(*empowerment)
    year = IkuReport(
        "Ajung", date_range(date(2026, 1, 1), WEEK.end), survey, complaints(*resolved), *shares
    )
    weeks = trend if trend is not None else [(ikm, resolved)] * 12
    figures = tuple(
        WeekFigures(period, None if value is None else skm(value).result, Ratio(*counts))
        for period, (value, counts) in zip(trend_weeks(WEEK, len(weeks)), weeks, strict=True)
    )
    week = IkuReport("Ajung", WEEK, survey, complaints(*resolved), *shares)
    return SummaryData(week, year, year, figures, targets or Targets())


def laid_out(data: SummaryData, t: object = ID) -> Figure:
    """The figure drawn and laid out as when saved; any matplotlib warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = draw_chart(data, t)  # type: ignore[arg-type]
        FigureCanvasAgg(figure).draw()
    return figure


def panels(figure: Figure) -> dict[str, Axes]:
    unsur, iku, ikm_trend, complaints_trend = figure.axes
    return {"unsur": unsur, "iku": iku, "ikm": ikm_trend, "iku4": complaints_trend}


def bar_colours(ax: Axes) -> list[str]:
    return [to_hex(patch.get_facecolor()) for patch in ax.patches]


def shown_texts(figure: Figure) -> list[Text]:
    """Every piece of text drawn: titles, tick labels, value labels, legend entries."""
    return [
        text
        for text in figure.findobj(Text)
        if isinstance(text, Text) and text.get_visible() and text.get_text().strip()
    ]


def overlapping_texts(figure: Figure, gap: float = 3.0) -> list[tuple[str, str]]:
    """Pairs of drawn texts closer than ``gap`` pixels: overlapping, or touching so that two
    labels read as one ("belum ada databelum ada data")."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in shown_texts(figure)]
    return [
        (first, second)
        for (first, a), (second, b) in itertools.combinations(boxes, 2)
        if a.x0 < b.x1 + gap and b.x0 < a.x1 + gap and a.y0 < b.y1 + gap and b.y0 < a.y1 + gap
    ]


def texts_off_the_picture(figure: Figure) -> list[str]:
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.bbox.width, figure.bbox.height
    off = []
    for text in shown_texts(figure):
        box = text.get_window_extent(renderer)
        if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
            off.append(text.get_text())
    return off


def value_labels_outside_their_panel(figure: Figure) -> list[str]:
    """Value labels (texts inside a panel) that stick out of it; the grade letters beside the
    IKM trend are meant to stand right of it."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    outside = []
    for ax in figure.axes:
        frame = ax.get_window_extent(renderer)
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            if text.get_text() in "ABCD" and box.x0 >= frame.x1:
                continue
            if box.x0 < frame.x0 or box.x1 > frame.x1 or box.y1 > frame.y1:
                outside.append(text.get_text())
    return outside


def assert_readable(figure: Figure) -> None:
    assert overlapping_texts(figure) == []
    assert texts_off_the_picture(figure) == []
    assert value_labels_outside_their_panel(figure) == []


# --- colours --------------------------------------------------------------------------------


def test_iku_bars_are_coloured_by_their_target_and_the_ikm_by_its_grade() -> None:
    figure = laid_out(summary(ikm=90.0, programs=(15, 20), empowerment=(8, 10)))
    # IKU 1 75 % (target 80: under 10 points below), IKM 90 (A), IKU 3 80 %, IKU 4 20 %.
    assert bar_colours(panels(figure)["iku"]) == [AMBER, GREEN, GREEN, RED]


def test_iku4_at_20_percent_is_red_in_every_panel_it_appears() -> None:
    figure = laid_out(summary(resolved=(1, 5)))
    assert bar_colours(panels(figure)["iku"])[3] == RED
    assert set(bar_colours(panels(figure)["iku4"])) == {RED}


@pytest.mark.parametrize(
    ("ikm", "colour"),
    [
        (88.31, GREEN),
        (88.3, LIGHT_GREEN),
        (76.61, LIGHT_GREEN),
        (76.6, AMBER),
        (65.0, AMBER),
        (64.99, RED),
        (None, GREY),
    ],
    ids=["A", "B-top", "B", "C-top", "C", "D", "no-data"],
)
def test_ikm_bars_follow_the_2017_grade_bands(ikm: float | None, colour: str) -> None:
    figure = laid_out(summary(ikm=ikm))
    assert set(bar_colours(panels(figure)["ikm"])) == {colour}
    assert bar_colours(panels(figure)["iku"])[1] == colour
    assert set(bar_colours(panels(figure)["unsur"])) <= {colour}


def test_each_week_of_the_trend_has_its_own_colour_and_grey_without_data() -> None:
    weeks = [(90.0, (9, 10)), (80.0, (7, 10)), (70.0, (6, 10)), (50.0, (0, 3)), (None, (0, 0))]
    figure = laid_out(summary(ikm=75.0, resolved=(22, 33), trend=weeks))
    # Five weeks, then the year to date: IKM 75 (C) and 66,67 % resolved (red).
    assert bar_colours(panels(figure)["ikm"]) == [GREEN, LIGHT_GREEN, AMBER, RED, GREY, AMBER]
    assert bar_colours(panels(figure)["iku4"]) == [GREEN, AMBER, RED, RED, GREY, RED]


def test_the_targets_come_from_the_configuration() -> None:
    lenient = Targets(program=70.0, empowerment=88.0, complaints=20.0)
    figure = laid_out(summary(resolved=(1, 5), targets=lenient))
    assert bar_colours(panels(figure)["iku"]) == [GREEN, LIGHT_GREEN, AMBER, GREEN]
    target_lines = [line.get_ydata()[0] for line in panels(figure)["iku4"].get_lines()]
    assert target_lines == [20.0]


# --- labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        summary(
            ikm=None,
            programs=(0, 0),
            empowerment=(0, 0),
            resolved=(0, 0),
            trend=[(None, (0, 0))] * 12,
        ),
        summary(ikm=100.0, programs=(10, 10), empowerment=(3, 3), resolved=(9, 9)),
        summary(ikm=25.0, programs=(0, 10), empowerment=(0, 4), resolved=(0, 7)),
        summary(trend=[(60.0 + 3 * n, (n, 11)) for n in range(12)]),
    ],
    ids=["nothing", "perfect", "worst", "rising"],
)
@pytest.mark.parametrize("t", [ID, EN], ids=["id", "en"])
def test_no_label_overlaps_another_or_leaves_the_picture(data: SummaryData, t: object) -> None:
    assert_readable(laid_out(data, t))


def test_long_unsur_names_wrap_beside_their_bars() -> None:
    labels = [label.get_text() for label in panels(laid_out(summary()))["unsur"].get_yticklabels()]
    assert "Penanganan Pengaduan,\nSaran dan Masukan" in labels
    assert max(len(line) for label in labels for line in label.splitlines()) <= 24


def test_values_are_written_the_indonesian_way() -> None:
    figure = laid_out(summary(ikm=83.47, programs=(2, 3)))
    written = [text.get_text() for text in panels(figure)["iku"].texts]
    assert written[:2] == ["66,67%", "83,47 (B)"]


@pytest.mark.parametrize(
    ("week", "t", "title"),
    [
        (iso_week(2026, 47), ID, "IKU Kecamatan Ajung, minggu 16-22 November 2026"),
        (iso_week(2026, 44), ID, "IKU Kecamatan Ajung, minggu 26 Oktober - 1 November 2026"),
        (iso_week(2026, 1), ID, "IKU Kecamatan Ajung, minggu 29 Desember 2025 - 4 Januari 2026"),
        (iso_week(2026, 47), EN, "IKU of Kecamatan Ajung, week 16-22 November 2026"),
    ],
    ids=["same-month", "across-months", "across-years", "english"],
)
def test_the_title_names_the_week_by_its_dates(week: object, t: object, title: str) -> None:
    data = summary()
    data = SummaryData(
        IkuReport("Ajung", week),
        data.year,
        None,
        data.trend,
        data.targets,  # type: ignore[arg-type]
    )
    figure = laid_out(data, t)
    assert figure.get_suptitle() == title


def test_the_png_is_1200_by_1000_pixels() -> None:
    png = render_chart(summary(), ID)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1200, 1000)
        # A picture, not a blank page: the five colours of the bars are in it.
        colours = {
            to_hex([c / 255 for c in rgb]) for _, rgb in image.convert("RGB").getcolors(1 << 20)
        }
        assert {GREEN, AMBER, RED} <= colours
