"""The weekly summary's text: each figure with its target and its change from the week before,
"belum ada data" rather than a change from nothing; the caption within Telegram's limit."""

from __future__ import annotations

from datetime import date

import pytest

from i18n import catalog
from iku.periods import date_range, iso_week
from iku.ratio import Ratio
from iku.report import IkuReport
from iku.summary import SummaryData, chart_caption, format_days, weekly_summary_text
from iku.text import utf16_length
from iku.trend import Targets, WeekFigures, trend_weeks
from tests.iku.test_chart import complaints, skm

ID = catalog().for_language("id")
EN = catalog().for_language("en")
WEEK = iso_week(2026, 47)
YEAR = date_range(date(2026, 1, 1), WEEK.end)
YEAR_BEFORE = date_range(date(2026, 1, 1), date(2026, 11, 15))


def data(
    week: tuple[float | None, tuple[int, int]],
    before: tuple[float | None, tuple[int, int]],
    *,
    year_before: IkuReport | None = None,
) -> SummaryData:
    """The summary of WEEK with the given (IKM, (resolved, received)) for it and the week
    before; the year to date is fixed: IKM 80,00, 30 of 40 complaints, 6 of 10 activities."""
    weeks = trend_weeks(WEEK, 2)
    trend = tuple(
        WeekFigures(period, None if ikm is None else skm(ikm).result, Ratio(*counts))
        for period, (ikm, counts) in zip(weeks, (before, week), strict=True)
    )
    ikm, counts = week
    this_week = IkuReport(
        "Ajung", WEEK, skm(ikm) if ikm is not None else IkuReport("", WEEK).skm,
        complaints(*counts),
    )  # fmt: skip
    year = IkuReport("Ajung", YEAR, skm(80.0), complaints(30, 40), Ratio(7, 10), Ratio(6, 10))
    return SummaryData(this_week, year, year_before, trend, Targets())


def lines(summary: SummaryData, t: object = ID) -> list[str]:
    return weekly_summary_text(summary, t).splitlines()  # type: ignore[arg-type]


def test_every_figure_with_its_target_and_its_change() -> None:
    before = IkuReport(
        "Ajung", YEAR_BEFORE, skm(79.5), complaints(28, 36), Ratio(7, 10), Ratio(5, 10)
    )
    assert lines(data((83.2, (3, 4)), (80.0, (3, 3)), year_before=before))[3:] == [
        "",
        "1. Indikator program tercapai (tahun berjalan): 7 dari 10 indikator, 70,00%; "
        "target 80,00%",
        "2. IKM minggu lalu: 83,20 (mutu B, Baik) dari 10.000 responden",
        "   Dibanding minggu sebelumnya: naik 3,20 poin",
        "   IKM tahun berjalan: 80,00 (mutu B, Baik) dari 10.000 responden",
        "   Selama minggu lalu: naik 0,50 poin",
        "   Unsur terendah: Persyaratan (80,00)",
        "3. Kegiatan pemberdayaan terfasilitasi (tahun berjalan): 6 dari 10 kegiatan, 60,00%; "
        "target 80,00%",
        "   Selama minggu lalu: naik 10,00 poin",
        "4. Laporan trantib terselesaikan minggu lalu: 3 dari 4 laporan, 75,00%; target 80,00%",
        "   Dibanding minggu sebelumnya: turun 25,00 poin",
        "   Tahun berjalan: 30 dari 40 laporan, 75,00%",
        "   Selama minggu lalu: turun 2,78 poin",  # from 28 of 36 (77,78%)
        "   Laporan yang melewati batas waktu saat ini: 0",
    ]


def test_same_figures_are_tetap() -> None:
    text = lines(data((80.0, (1, 2)), (80.0, (2, 4))))
    assert text.count("   Dibanding minggu sebelumnya: tetap") == 2


@pytest.mark.parametrize(
    ("week", "before"),
    [((None, (0, 0)), (80.0, (1, 2))), ((80.0, (1, 2)), (None, (0, 0)))],
    ids=["nothing-this-week", "nothing-the-week-before"],
)
def test_never_a_change_from_nothing(
    week: tuple[float | None, tuple[int, int]], before: tuple[float | None, tuple[int, int]]
) -> None:
    text = lines(data(week, before))
    assert text.count("   Dibanding minggu sebelumnya: belum ada data") == 2
    # Without a year to date a week earlier (the first week of a year), no change either.
    assert text.count("   Selama minggu lalu: belum ada data") == 3


def test_in_english() -> None:
    text = lines(data((83.2, (3, 4)), (80.0, (3, 3))), EN)
    assert "   Compared with the week before: up 3,20 points" in text
    assert "   Compared with the week before: down 25,00 points" in text
    assert "   During last week: no data yet" in text


def test_the_caption_names_the_week_and_stays_within_1024_units() -> None:
    caption = chart_caption(data((80.0, (1, 2)), (80.0, (1, 2))), ID)
    assert caption.startswith("Grafik IKU Kecamatan Ajung, minggu 16-22 November 2026: ")
    assert "12 minggu" not in caption and "2 minggu terakhir" in caption
    assert "merah = mutu D atau lebih jauh di bawah target" in caption
    long_name = SummaryData(
        IkuReport("🏛️" * 600, WEEK), IkuReport("🏛️" * 600, YEAR), None, (), Targets()
    )
    assert utf16_length(chart_caption(long_name, ID)) <= 1024
    assert utf16_length(weekly_summary_text(long_name, ID)) <= 4096


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (date(2026, 11, 16), date(2026, 11, 22), "16-22 November 2026"),
        (date(2026, 10, 26), date(2026, 11, 1), "26 Oktober - 1 November 2026"),
        (date(2025, 12, 29), date(2026, 1, 4), "29 Desember 2025 - 4 Januari 2026"),
        (date(2026, 11, 16), date(2026, 11, 16), "16 November 2026"),
    ],
)
def test_days_as_short_as_they_read(start: date, end: date, shown: str) -> None:
    assert format_days(date_range(start, end), ID) == shown
