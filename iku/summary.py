"""The weekly IKU summary for the Camat: the last full week and the year to date.

IKU 2 (survey) and IKU 4 (complaints) are shown for both periods; IKU 1 and IKU 3 are annual,
so they appear once, as the year stands. Every figure has its numerator and denominator.
"""

from __future__ import annotations

from iku.format import format_number
from iku.report import IkuReport, Texts, format_period, ratio_text

TELEGRAM_TEXT_LIMIT = 4096


def weekly_summary_text(week: IkuReport, year: IkuReport, t: Texts) -> str:
    """One message under Telegram's 4096-character limit (checked: a longer one is cut)."""
    lines = [
        t("summary.title", kecamatan=week.kecamatan),
        t("summary.week", period=format_period(week.period, t), key=week.period.key),
        t("summary.year", period=format_period(year.period, t)),
        "",
        t("summary.iku1", figure=ratio_text(year.programs, t, "report.unit_indicators")),
        t("summary.iku2_week", figure=_skm(week, t)),
        t("summary.iku2_year", figure=_skm(year, t)),
        *_lowest_unsur(year, t),
        t("summary.iku3", figure=ratio_text(year.empowerment, t, "report.unit_activities")),
        t(
            "summary.iku4_week",
            figure=ratio_text(week.complaints.ratio, t, "report.unit_complaints"),
        ),
        t(
            "summary.iku4_year",
            figure=ratio_text(year.complaints.ratio, t, "report.unit_complaints"),
        ),
        t("summary.overdue", overdue=format_number(year.complaints.overdue)),
    ]
    text = "\n".join(lines)
    return text if len(text) <= TELEGRAM_TEXT_LIMIT else text[: TELEGRAM_TEXT_LIMIT - 1] + "…"


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
