"""The SKM report workbook officials file (``ajung-bot survey export``).

Sheets, in order: the summary (per unsur total, NRR, NRR x 25 and mutu; then IKM, converted
index, mutu, kinerja, respondents and the sample check), the unsur from lowest to highest (the
priorities for improvement), the respondent profile in counts and percentages, the suggestions,
and the raw responses without any identity (no resident, no chat id, no import key).

Cells hold numbers at full precision; only their number format rounds what Excel shows, as the
regulation's method asks: NRR and IKM (1-4) with four decimals, as the grade bands are written
(3,5324), the converted index and the percentages with two. Each table has its header frozen
and filtered, dates as in every workbook (dd-mm-yyyy, the time's zone in its header). Labels
come from the catalog; the regulation's own words (unsur names, answer options, grades) come
from :mod:`iku.skm`. Every row is written by :func:`bot.tabular.append_row` (text stays text,
never a formula). openpyxl is imported at the top here, and this module only by the command
that writes a workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.config import Config
from bot.reporting import skm_figures
from bot.tabular import TWO_DECIMALS, append_row, finish_table
from db import surveys
from db.engine import Database
from db.models import CHANNEL_CHAT
from i18n import Texts
from iku.periods import Period
from iku.report import SkmFigures, format_period
from iku.skm import EDUCATIONS, GENDERS, OCCUPATIONS, TIME_SLOTS, UNSUR, UNSUR_KEYS
from iku.survey_forms import PROFILE_QUESTIONS, shares

NRR_FORMAT = "0.0000"
INDEX_FORMAT = TWO_DECIMALS
BOLD = Font(bold=True)


@dataclass(frozen=True)
class SurveyExport:
    """Everything the workbook shows, gathered in one read-only session."""

    period: Period
    service: str | None
    figures: SkmFigures
    profile: dict[str, dict[str, int]]
    suggestions: list[tuple[date, str, str]]
    responses: list[surveys.StoredResponse]


async def gather(
    database: Database, config: Config, period: Period, service: str | None
) -> SurveyExport:
    where = surveys.Filter(period.start, period.end, service)
    async with database.sessions() as session:
        return SurveyExport(
            period=period,
            service=service,
            figures=await skm_figures(session, period, service),
            profile=await surveys.fetch_profile(session, where),
            suggestions=await surveys.fetch_suggestions(session, where),
            responses=await surveys.fetch_responses(session, where, config.kecamatan.tz),
        )


def write_workbook(data: SurveyExport, config: Config, t: Texts, path: Path) -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    add_sheets(workbook, data, config, t)
    workbook.save(path)


def add_sheets(workbook: Any, data: SurveyExport, config: Config, t: Texts) -> None:
    """The SKM report's five sheets, appended to ``workbook``."""
    _summary(workbook.create_sheet(t("export.sheet_summary")), data, config, t)
    _priority(workbook.create_sheet(t("export.sheet_priority")), data.figures, t)
    _profile(workbook.create_sheet(t("export.sheet_profile")), data, config, t)
    _suggestions(workbook.create_sheet(t("export.sheet_suggestions")), data, config, t)
    _responses(workbook.create_sheet(t("export.sheet_responses")), data, config, t)


def service_name(config: Config, code: str) -> str:
    service = config.survey.service(code)
    return service.name if service is not None else code


# --- sheets ---------------------------------------------------------------------------------


def _summary(sheet: Worksheet, data: SurveyExport, config: Config, t: Texts) -> None:
    kecamatan = config.kecamatan
    append_row(sheet, [t("export.title")])
    sheet["A1"].font = BOLD
    append_row(sheet, [t("export.unit", kecamatan=kecamatan.name, kabupaten=kecamatan.kabupaten)])
    append_row(sheet, [t("export.period", period=format_period(data.period, t))])
    if data.service is None:
        append_row(sheet, [t("export.service_all")])
    else:
        append_row(sheet, [t("export.service_one", service=service_name(config, data.service))])
    append_row(sheet, [])
    columns = ["col_no", "col_unsur", "col_key", "col_total", "col_nrr", "col_converted"]
    _header(sheet, [*columns, "col_mutu"], t)
    header_row = sheet.max_row
    result = data.figures.result
    for number, unsur in enumerate(UNSUR, start=1):
        if result is None:
            append_row(sheet, [number, unsur.name, unsur.key, 0])
            continue
        score = result.unsur[unsur.key]
        converted = score.converted
        append_row(
            sheet, [number, unsur.name, unsur.key, score.total, score.nrr, converted, score.mutu]
        )
    table_end = sheet.max_row
    append_row(sheet, [])
    append_row(sheet, [t("export.respondents"), data.figures.respondents])
    if result is None:
        append_row(sheet, [t("export.no_data")])
    else:
        append_row(sheet, [t("export.ikm"), result.ikm])
        _formats(sheet, {2: NRR_FORMAT})
        append_row(sheet, [t("export.ikm_converted"), result.ikm_converted])
        _formats(sheet, {2: INDEX_FORMAT})
        append_row(sheet, [t("export.mutu"), result.mutu])
        append_row(sheet, [t("export.kinerja"), result.kinerja])
    _sample(sheet, data.figures, t)
    finish_table(sheet, header_row, last_row=table_end, formats={5: NRR_FORMAT})


def _sample(sheet: Worksheet, figures: SkmFigures, t: Texts) -> None:
    sample = figures.sample
    if sample.population is None:
        append_row(sheet, [t("export.population"), t("export.not_entered")])
        return
    append_row(sheet, [t("export.population"), sample.population])
    append_row(sheet, [t("export.required"), sample.required])
    append_row(sheet, [t("export.reached"), t("export.yes") if sample.reached else t("export.no")])


def _priority(sheet: Worksheet, figures: SkmFigures, t: Texts) -> None:
    append_row(sheet, [t("export.priority_note")])
    sheet["A1"].font = BOLD
    keys = ["col_rank", "col_unsur", "col_key", "col_nrr", "col_converted", "col_mutu"]
    _header(sheet, keys, t)
    if figures.result is None:
        append_row(sheet, [t("export.no_data")])
    else:
        for rank, score in enumerate(figures.result.by_priority, start=1):
            unsur = score.unsur
            row = [rank, unsur.name, unsur.key, score.nrr, score.converted, score.mutu]
            append_row(sheet, row)
    finish_table(sheet, 2, formats={4: NRR_FORMAT})


def _profile(sheet: Worksheet, data: SurveyExport, config: Config, t: Texts) -> None:
    _header(sheet, ["col_item", "col_count", "col_percent"], t)
    services = tuple((s.code, s.name) for s in config.survey.services)
    slots = (*TIME_SLOTS, ("", t("export.slot_unknown")))
    sections = (
        *PROFILE_QUESTIONS,
        ("service", "service", services),
        ("time", "time_slot", slots),
    )
    respondents = data.figures.respondents
    for name, column, choices in sections:
        append_row(sheet, [])
        append_row(sheet, [t(f"export.profile_{name}")])
        sheet.cell(sheet.max_row, 1).font = BOLD
        labels = dict(choices)
        counts = data.profile.get(column, {})
        for share in shares(counts, [code for code, _ in choices], respondents):
            append_row(sheet, [labels.get(share.code, share.code), share.count, share.percent])
    finish_table(sheet, 1, formats={3: TWO_DECIMALS})


def _suggestions(sheet: Worksheet, data: SurveyExport, config: Config, t: Texts) -> None:
    _header(sheet, ["col_date", "col_service", "col_saran"], t)
    for day, service, saran in data.suggestions:
        append_row(sheet, [day, service_name(config, service), saran])
    finish_table(sheet, 1)


def _responses(sheet: Worksheet, data: SurveyExport, config: Config, t: Texts) -> None:
    keys = ["col_date", "col_time", "col_slot", "col_channel", "col_service", "col_gender"]
    keys += ["col_age", "col_education", "col_occupation"]
    zone = zone_name(config.kecamatan.tz, data.period.end)
    titles = [t(f"export.{key}", zone=zone) for key in keys]
    append_row(sheet, [*titles, *UNSUR_KEYS, t("export.col_saran")])
    for row in data.responses:
        append_row(sheet, _response_row(row, config, t))
    finish_table(sheet, 1)


def _response_row(row: surveys.StoredResponse, config: Config, t: Texts) -> list[Any]:
    answers = row.answers
    channel = "export.channel_chat" if row.channel == CHANNEL_CHAT else "export.channel_paper"
    slot = dict(TIME_SLOTS).get(row.time_slot or "", t("export.slot_unknown"))
    at: time | None = row.local_time
    return [
        row.local_date,
        at,
        slot,
        t(channel),
        service_name(config, answers.service),
        dict(GENDERS).get(answers.gender, answers.gender),
        answers.age,
        dict(EDUCATIONS).get(answers.education, answers.education),
        dict(OCCUPATIONS).get(answers.occupation, answers.occupation),
        *(answers.answers[key] for key in UNSUR_KEYS),
        answers.saran,
    ]


# --- helpers --------------------------------------------------------------------------------


def _header(sheet: Worksheet, keys: list[str], t: Texts) -> None:
    append_row(sheet, [t(f"export.{key}") for key in keys])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD


def _formats(sheet: Worksheet, formats: dict[int, str]) -> None:
    """Number formats for cells of the last row, by column number."""
    for column, number_format in formats.items():
        sheet.cell(sheet.max_row, column).number_format = number_format


def zone_name(tz: ZoneInfo, day: date) -> str:
    """The time zone's short name on ``day`` (WIB), for the header of a column of times."""
    return datetime.combine(day, time(12), tzinfo=tz).tzname() or str(tz)
