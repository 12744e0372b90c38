"""The IKU report of a period: the four figures, as JSON for tools and as text for officials.

Figures arrive here already counted (the database sums and counts); this module only shapes
them. The JSON keys are a stable interface (DESIGN.md section 4): keys are added, never renamed;
numbers keep full precision; a figure without data is ``null``. Text for people always states
numerator and denominator, the period and what was left out, and says "belum ada data" rather
than 0% when there is nothing to count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from iku.format import format_number, format_percent
from iku.periods import Period
from iku.ratio import Ratio
from iku.skm import UNSUR_KEYS, SampleCheck, SkmResult

# A catalog lookup: ``t("key", **values) -> str`` (i18n.Texts, passed in by the caller).
Texts = Callable[..., str]


@dataclass(frozen=True)
class ComplaintFigures:
    """IKU 4 over the complaints received in the period.

    ``received`` counts every complaint of the period; ``excluded`` those closed as duplicate or
    false, which the IKU leaves out; ``resolved`` those Selesai or Diteruskan; ``open`` those not
    yet closed and ``overdue`` the open ones past an SP4N deadline today.
    """

    received: int = 0
    excluded: int = 0
    resolved: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def ratio(self) -> Ratio:
        return Ratio(self.resolved, self.received - self.excluded)


@dataclass(frozen=True)
class SkmFigures:
    """IKU 2: the survey result of the period (None without responses) and the sample check."""

    result: SkmResult | None = None
    sample: SampleCheck = field(default_factory=lambda: SampleCheck(None, None, None))

    @property
    def respondents(self) -> int:
        return 0 if self.result is None else self.result.respondents


@dataclass(frozen=True)
class IkuReport:
    kecamatan: str
    period: Period
    skm: SkmFigures = field(default_factory=SkmFigures)
    complaints: ComplaintFigures = field(default_factory=ComplaintFigures)
    # IKU 1 and IKU 3 are annual: the state of the period's year so far.
    programs: Ratio = field(default_factory=lambda: Ratio(0, 0))
    empowerment: Ratio = field(default_factory=lambda: Ratio(0, 0))


def report_json(report: IkuReport) -> dict[str, Any]:
    """The report as the JSON object of DESIGN.md section 4."""
    return {
        "kecamatan": report.kecamatan,
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "skm": _skm_json(report.skm),
        "complaints": {
            "received": report.complaints.ratio.denominator,
            "resolved": report.complaints.resolved,
            "percent": report.complaints.ratio.percent,
            "open": report.complaints.open,
            "overdue": report.complaints.overdue,
            "excluded": report.complaints.excluded,
        },
        "program_indicators": {
            "total": report.programs.denominator,
            "achieved": report.programs.numerator,
            "percent": report.programs.percent,
        },
        "empowerment": {
            "planned": report.empowerment.denominator,
            "facilitated": report.empowerment.numerator,
            "percent": report.empowerment.percent,
        },
    }


def _skm_json(skm: SkmFigures) -> dict[str, Any]:
    result = skm.result
    sample = {
        "population": skm.sample.population,
        "required": skm.sample.required,
        "reached": skm.sample.reached,
    }
    if result is None:
        empty = {"total": 0, "nrr": None, "converted": None, "mutu": None}
        return {
            "respondents": 0,
            "ikm": None,
            "ikm_converted": None,
            "mutu": None,
            "kinerja": None,
            "unsur": {key: dict(empty) for key in UNSUR_KEYS},
            "sample": sample,
        }
    return {
        "respondents": result.respondents,
        "ikm": result.ikm,
        "ikm_converted": result.ikm_converted,
        "mutu": result.mutu,
        "kinerja": result.kinerja,
        "unsur": {
            key: {"total": s.total, "nrr": s.nrr, "converted": s.converted, "mutu": s.mutu}
            for key, s in result.unsur.items()
        },
        "sample": sample,
    }


def format_date(day: date, t: Texts) -> str:
    """``16 Februari 2025`` (month names from the catalog)."""
    return f"{day.day} {t(f'months.m{day.month}')} {day.year}"


def format_period(period: Period, t: Texts) -> str:
    if period.start == period.end:
        return format_date(period.start, t)
    return t(
        "report.period_range", start=format_date(period.start, t), end=format_date(period.end, t)
    )


def ratio_text(value: Ratio, t: Texts, unit_key: str) -> str:
    """``8 dari 10 laporan, 80,00%``, or "belum ada data" when there is nothing to count."""
    if value.percent is None:
        return t("report.no_data")
    return t(
        "report.ratio",
        numerator=format_number(value.numerator),
        denominator=format_number(value.denominator),
        unit=t(unit_key),
        percent=format_percent(value.percent),
    )


def render_text(report: IkuReport, t: Texts) -> str:
    """The report as officials read it, in the catalog's language."""
    lines = [
        t("report.title", kecamatan=report.kecamatan),
        t("report.period", period=format_period(report.period, t)),
        t("report.iku1", figure=ratio_text(report.programs, t, "report.unit_indicators")),
        t("report.iku2", figure=_skm_text(report.skm, t)),
        t("report.iku3", figure=ratio_text(report.empowerment, t, "report.unit_activities")),
        t("report.iku4", figure=ratio_text(report.complaints.ratio, t, "report.unit_complaints")),
    ]
    lines += _complaint_notes(report.complaints, t)
    return "\n".join(lines)


def ikm_line(result: SkmResult, t: Texts) -> str:
    """ "IKM 83,47 (mutu B, Baik), 412 responden": the index as every report shows it."""
    return t(
        "report.skm",
        index=format_number(result.ikm_converted, 2),
        mutu=result.mutu,
        kinerja=result.kinerja,
        respondents=format_number(result.respondents),
    )


def _skm_text(skm: SkmFigures, t: Texts) -> str:
    result = skm.result
    if result is None:
        return t("report.no_data")
    text = ikm_line(result, t)
    lowest = result.by_priority[0]
    text += "\n" + t(
        "report.skm_lowest",
        unsur=lowest.unsur.name,
        value=format_number(lowest.converted, 2),
    )
    if skm.sample.required is not None and skm.sample.population is not None:
        key = "report.sample_reached" if skm.sample.reached else "report.sample_short"
        text += "\n" + t(
            key,
            required=format_number(skm.sample.required),
            population=format_number(skm.sample.population),
        )
    return text


def _complaint_notes(figures: ComplaintFigures, t: Texts) -> list[str]:
    notes = []
    if figures.open:
        notes.append(
            t(
                "report.complaints_open",
                open=format_number(figures.open),
                overdue=format_number(figures.overdue),
            )
        )
    if figures.excluded:
        notes.append(t("report.complaints_excluded", excluded=format_number(figures.excluded)))
    return notes
