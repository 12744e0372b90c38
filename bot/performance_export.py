"""``ajung-bot export``: one workbook for the performance report (LKjIP and its evaluation).

Sheets: a sheet per IKU with its figure, numerator and denominator (IKU 1 and IKU 3 followed by
the year's indicators and activities), the SKM report sheets of the survey export, and the
complaint register (under the register's privacy rules). A progress bar shows on a terminal.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.export import REGISTER_FORMATS, Cell, fill_table, register_table
from bot.reporting import build_report
from bot.survey_export import NRR_FORMAT, SurveyExport, add_sheets, gather
from bot.tabular import TWO_DECIMALS, append_row, fit_columns
from db import indicators
from db.engine import Database
from i18n import Texts
from iku.periods import Period
from iku.ratio import Ratio
from iku.report import IkuReport, format_period

Progress = Callable[[str], None]
STEPS = 5  # the calls of ``progress`` in export_performance


async def export_performance(
    database: Database, config: Config, period: Period, path: Path, t: Texts, now: datetime,
    progress: Progress,
) -> None:  # fmt: skip
    """Gather every part (announcing each to ``progress``), then write the workbook."""
    progress(t("workbook.step_report"))
    report = await build_report(database, config, period, now)
    progress(t("workbook.step_plans"))
    async with database.sessions() as session:
        programs = await indicators.fetch_programs(session, period.end.year)
        activities = await indicators.fetch_activities(session, period.end.year)
    progress(t("workbook.step_survey"))
    survey = await gather(database, config, period, None)
    progress(t("workbook.step_register"))
    register = await register_table(database, config, period, t, now)

    progress(t("workbook.step_write"))
    # Writing a year's workbook takes seconds of CPU: in a worker thread, off the event loop
    # (the dashboard serves others meanwhile).
    await asyncio.to_thread(
        write_performance, path, config, t, report, programs, activities, survey, register
    )


def write_performance(
    path: Path,
    config: Config,
    t: Texts,
    report: IkuReport,
    programs: list[indicators.ProgramView],
    activities: list[indicators.ActivityView],
    survey: SurveyExport,
    register: tuple[list[str], list[list[Cell]]],
) -> None:
    """The workbook of the gathered parts, saved to ``path``."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    _iku_sheet(workbook, t, report, 1, report.programs, "report.unit_indicators")
    fill_table(workbook["IKU 1"], _program_header(t), [_program_row(p, t) for p in programs])
    _iku_sheet(workbook, t, report, 2, None, "")
    add_sheets(workbook, survey, config, t)
    _iku_sheet(workbook, t, report, 3, report.empowerment, "report.unit_activities")
    fill_table(workbook["IKU 3"], _activity_header(t), [_activity_row(a) for a in activities])
    _iku_sheet(workbook, t, report, 4, report.complaints.ratio, "report.unit_complaints")
    fill_table(workbook.create_sheet(t("workbook.sheet_register")), *register, REGISTER_FORMATS)
    for number in range(1, 5):
        # Below the IKU's title (which overflows into the empty cells beside it): the labels,
        # figures and plans.
        fit_columns(workbook[f"IKU {number}"], first_row=2)
    workbook.save(path)


def _iku_sheet(
    workbook: Any, t: Texts, report: IkuReport, number: int, ratio: Ratio | None, unit: str
) -> None:
    """The IKU's figure with its numerator and denominator, then a blank row."""
    sheet = workbook.create_sheet(f"IKU {number}")
    append_row(sheet, [t(f"workbook.iku{number}")])
    append_row(
        sheet, [t("workbook.unit", kecamatan=report.kecamatan), format_period(report.period, t)]
    )
    if ratio is not None:
        append_row(sheet, [t("workbook.numerator"), ratio.numerator, t(unit)])
        append_row(sheet, [t("workbook.denominator"), ratio.denominator, t(unit)])
        value = t("report.no_data") if ratio.percent is None else ratio.percent
        append_row(sheet, [t("workbook.percent"), value])
        _number_format(sheet, TWO_DECIMALS)
    else:
        _skm_rows(sheet, report, t)
    append_row(sheet, [])


def _skm_rows(sheet: Any, report: IkuReport, t: Texts) -> None:
    result = report.skm.result
    append_row(sheet, [t("export.respondents"), report.skm.respondents])
    if result is None:
        append_row(sheet, [t("workbook.index"), t("report.no_data")])
        return
    append_row(sheet, [t("export.ikm"), result.ikm])
    _number_format(sheet, NRR_FORMAT)
    append_row(sheet, [t("export.ikm_converted"), result.ikm_converted])
    _number_format(sheet, TWO_DECIMALS)
    append_row(sheet, [t("export.mutu"), result.mutu])
    append_row(sheet, [t("export.kinerja"), result.kinerja])
    append_row(sheet, [t("workbook.see_skm")])


def _number_format(sheet: Any, number_format: str) -> None:
    """The format of the figure in the last row (column B)."""
    sheet.cell(row=sheet.max_row, column=2).number_format = number_format


def _program_header(t: Texts) -> list[str]:
    keys = ("code", "name", "program", "target", "unit", "realization", "achieved")
    return [t(f"workbook.program_{key}") for key in keys]


def _program_row(program: indicators.ProgramView, t: Texts) -> list[Any]:
    return [
        program.code, program.name, program.program, _planned(program.target), program.unit,
        _planned(program.realization), t("export.yes") if program.achieved else t("export.no"),
    ]  # fmt: skip


def _planned(figure: float | None) -> float | int | None:
    """A target or realization as the plan writes it: 12 kali, not 12,00 (a fraction keeps
    its two decimals)."""
    if figure is not None and math.isfinite(figure) and figure.is_integer():
        return int(figure)
    return figure


def _activity_header(t: Texts) -> list[str]:
    keys = ("name", "month", "facilitated", "participants", "note")
    return [t(f"workbook.activity_{key}") for key in keys]


def _activity_row(activity: indicators.ActivityView) -> list[Any]:
    return [
        activity.name, activity.planned_month, activity.facilitated_on, activity.participants,
        activity.note,
    ]  # fmt: skip
