"""The weekly IKU summary for the Camat: the last full week, the year to date, and direction.

IKU 2 (survey) and IKU 4 (complaints) are shown for both periods; IKU 1 and IKU 3 are annual,
so they appear once, as the year stands. Every figure has its numerator and denominator, the
shares their target, and each figure its change from the week before: the week's IKM and IKU 4
against the week before it, the year-to-date figures against the year to date a week earlier.
IKU 1 has no change: program indicators are kept as they stand, without their history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iku.format import format_number, format_percent
from iku.periods import Period
from iku.report import IkuReport, Texts, format_date, format_period, ratio_text
from iku.text import truncate
from iku.trend import Change, Direction, Targets, WeekFigures, change

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024


@dataclass(frozen=True)
class SummaryData:
    """Everything the summary shows, gathered from the database.

    ``trend`` holds the last weeks up to and including ``week``'s, oldest first;
    ``year_before`` is the year to date as it stood a week earlier (None in a year's first
    week, which has no earlier year to date).
    """

    week: IkuReport
    year: IkuReport
    year_before: IkuReport | None
    trend: tuple[WeekFigures, ...]
    targets: Targets = field(default_factory=Targets)

    @property
    def week_before(self) -> WeekFigures | None:
        return self.trend[-2] if len(self.trend) >= 2 else None


def weekly_summary_text(data: SummaryData, t: Texts) -> str:
    """One message within Telegram's 4096 UTF-16 units (checked: a longer one is cut)."""
    week, year, targets = data.week, data.year, data.targets
    lines = [
        t("summary.title", kecamatan=week.kecamatan),
        t("summary.week", period=format_period(week.period, t), key=week.period.key),
        t("summary.year", period=format_period(year.period, t)),
        "",
        t(
            "summary.iku1",
            figure=ratio_text(year.programs, t, "report.unit_indicators"),
            target=format_percent(targets.program),
        ),
        t("summary.iku2_week", figure=_skm(week, t)),
        _week_change(t, _ikm(week), _before(data, "ikm")),
        t("summary.iku2_year", figure=_skm(year, t)),
        _year_change(t, _ikm(year), _ikm(data.year_before)),
        *_lowest_unsur(year, t),
        t(
            "summary.iku3",
            figure=ratio_text(year.empowerment, t, "report.unit_activities"),
            target=format_percent(targets.empowerment),
        ),
        _year_change(t, year.empowerment.percent, _empowerment(data.year_before)),
        t(
            "summary.iku4_week",
            figure=ratio_text(week.complaints.ratio, t, "report.unit_complaints"),
            target=format_percent(targets.complaints),
        ),
        _week_change(t, week.complaints.ratio.percent, _before(data, "resolved_percent")),
        t(
            "summary.iku4_year",
            figure=ratio_text(year.complaints.ratio, t, "report.unit_complaints"),
        ),
        _year_change(t, year.complaints.ratio.percent, _resolved(data.year_before)),
        t("summary.overdue", overdue=format_number(year.complaints.overdue)),
    ]
    return truncate("\n".join(lines), TELEGRAM_TEXT_LIMIT)


def chart_caption(data: SummaryData, t: Texts) -> str:
    """The chart's caption: what it shows and what its colours mean (1024 UTF-16 units)."""
    caption = t(
        "summary.caption",
        kecamatan=data.week.kecamatan,
        week=format_days(data.week.period, t),
        weeks=len(data.trend),
    )
    return truncate(caption, TELEGRAM_CAPTION_LIMIT)


def format_days(period: Period, t: Texts) -> str:
    """A run of days as short as it reads: ``17-23 November 2026``, ``27 Oktober -
    2 November 2026``, ``29 Desember 2025 - 4 Januari 2026``."""
    start, end = period.start, period.end
    if start == end:
        return format_date(end, t)
    if start.year != end.year:
        return f"{format_date(start, t)} - {format_date(end, t)}"
    if start.month != end.month:
        return f"{start.day} {t(f'months.m{start.month}')} - {format_date(end, t)}"
    return f"{start.day}-{format_date(end, t)}"


def change_text(value: Change, t: Texts) -> str:
    """``naik 3,20 poin``, ``turun 0,50 poin``, ``tetap``, or ``belum ada data``."""
    if value.direction is Direction.NO_DATA:
        return t("report.no_data")
    return t(f"summary.change_{value.direction.value}", points=format_number(value.points, 2))


def _week_change(t: Texts, current: float | None, previous: float | None) -> str:
    return t("summary.week_change", change=change_text(change(current, previous), t))


def _year_change(t: Texts, current: float | None, previous: float | None) -> str:
    return t("summary.year_change", change=change_text(change(current, previous), t))


def _before(data: SummaryData, figure: str) -> float | None:
    before = data.week_before
    return None if before is None else getattr(before, figure)


def _ikm(report: IkuReport | None) -> float | None:
    if report is None or report.skm.result is None:
        return None
    return report.skm.result.ikm_converted


def _empowerment(report: IkuReport | None) -> float | None:
    return None if report is None else report.empowerment.percent


def _resolved(report: IkuReport | None) -> float | None:
    return None if report is None else report.complaints.ratio.percent


def _skm(report: IkuReport, t: Texts) -> str:
    result = report.skm.result
    if result is None:
        return t("report.no_data")
    return t(
        "report.skm",
        index=format_number(result.ikm_converted, 2),
        mutu=result.mutu,
        kinerja=result.kinerja,
        respondents=format_number(result.respondents),
    )


def _lowest_unsur(report: IkuReport, t: Texts) -> list[str]:
    result = report.skm.result
    if result is None:
        return []
    lowest = result.by_priority[0]
    return [
        t("report.skm_lowest", unsur=lowest.unsur.name, value=format_number(lowest.converted, 2))
    ]
