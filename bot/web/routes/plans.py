"""``/program`` (IKU 1) and ``/kegiatan`` (IKU 3): the year's plans, entered as in the bot.

* ``/program``: the year's indicators with target, realization and whether each is achieved
  (by the target rule or by an official's decision). A realization
  (``POST /program/<id>/realisasi``) and an explicit decision with its note
  (``POST /program/<id>/keputusan``) are the bot's ``/program`` steps: the same checks
  (:mod:`iku.indicators` ``read_*``) and the same queries with their audit entries
  (:func:`db.indicators.record_realization`, :func:`db.indicators.record_decision`). A new or
  changed indicator (``POST /program/baru``) is a row of ``ajung-bot program import``: the
  importer's checks (:func:`bot.data_entry.parse_program`) and its upsert by year and code.
* ``/kegiatan``: the year's empowerment activities by planned month; one not yet facilitated
  is marked facilitated with its day, participants and note (``POST /kegiatan/<id>/fasilitasi``,
  the bot's ``/kegiatan``); a planned one is added or moved (``POST /kegiatan/baru``, a row of
  ``ajung-bot kegiatan import``).

Every write is recorded with the official's Telegram id as its actor, as the bot records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.data_entry import parse_activity, parse_program
from bot.tabular import CellError, Row
from bot.web.auth import page
from bot.web.render import render, services_of, texts_of, viewer_of
from db import indicators
from i18n import Texts
from iku.format import format_number
from iku.indicators import (
    read_activity_note,
    read_decision_note,
    read_facilitation_day,
    read_participants,
    read_realization,
)
from iku.periods import local_today
from iku.report import format_date

YEAR_FIELD = "tahun"
DECISIONS = {"ya": True, "tidak": False, "aturan": None}
FIELD_MAX = 2000  # a form field read at most this long (the checks refuse longer values)
# The form's labels of the importer's columns, for the problems it reports.
PROGRAM_LABELS = {
    "tahun": "web.plans.year",
    "kode": "web.plans.code",
    "nama": "web.plans.name",
    "program": "web.plans.program",
    "target": "web.plans.target",
    "satuan": "web.plans.unit",
    "arah": "web.plans.direction",
}
ACTIVITY_LABELS = {
    "tahun": "web.plans.year",
    "nama": "web.plans.activity_name",
    "bulan": "web.plans.month",
}


def routes() -> list[BaseRoute]:
    return [
        page("/program", programs_page, "program"),
        page("/program/baru", save_program, "program", methods=["POST"]),
        page("/program/{id:int}/realisasi", save_realization, "program", methods=["POST"]),
        page("/program/{id:int}/keputusan", save_decision, "program", methods=["POST"]),
        page("/kegiatan", activities_page, "kegiatan"),
        page("/kegiatan/baru", save_activity, "kegiatan", methods=["POST"]),
        page("/kegiatan/{id:int}/fasilitasi", save_facilitation, "kegiatan", methods=["POST"]),
    ]


@dataclass
class Outcome:
    """What a POST did: a message (and the problems) above the part it concerns."""

    message: str = ""
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    target: str = ""  # "baru", or the id of the indicator or activity


def _actor(request: Request) -> str:
    viewer = viewer_of(request)
    assert viewer is not None
    return f"telegram:{viewer.user_id}"


def _today(request: Request) -> date:
    services = services_of(request)
    return local_today(services.config.kecamatan.tz, services.clock())


def _year(request: Request, value: object) -> int:
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return _today(request).year


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20)
    return {key: str(value)[:FIELD_MAX] for key, value in form.items() if isinstance(value, str)}


def _problems(errors: list[CellError], labels: dict[str, str], t: Texts) -> list[str]:
    return [
        t(
            "web.plans.field_problem",
            field=t(labels.get(error.column, "web.plans.field")),
            problem=t(f"table.{error.key}", **error.values),
        )
        for error in errors
    ]


# --- /program --------------------------------------------------------------------------------


async def programs_page(request: Request) -> Response:
    return await _programs(request, _year(request, request.query_params.get(YEAR_FIELD)))


async def _programs(
    request: Request, year: int, outcome: Outcome | None = None, *, status: int = 200
) -> Response:
    services = services_of(request)
    t = texts_of(request)
    async with services.database.sessions() as session:
        programs = await indicators.fetch_programs(session, year)
    achieved = sum(1 for program in programs if program.achieved)
    return render(
        request,
        "programs.html",
        {
            "year": year,
            "years": _years(request),
            "programs": programs,
            "summary": t(
                "web.plans.programs_summary",
                achieved=format_number(achieved),
                total=format_number(len(programs)),
            ),
            "figure": lambda value: "-" if value is None else format_number(value, 2),
            "outcome": outcome or Outcome(),
        },
        status=status,
    )


def _years(request: Request) -> list[int]:
    this_year = _today(request).year
    return list(range(this_year + 1, this_year - 5, -1))


async def save_program(request: Request) -> Response:
    t = texts_of(request)
    values = await _form(request)
    year = _year(request, values.get("tahun"))
    row = Row(0, {name: values.get(name, "") for name in PROGRAM_LABELS})
    errors: list[CellError] = []
    item = parse_program(row, errors)
    if errors or item is None:
        outcome = Outcome(
            t("web.plans.not_saved"), False, _problems(errors, PROGRAM_LABELS, t), "baru"
        )
        return await _programs(request, year, outcome, status=400)
    services = services_of(request)
    async with services.database.transaction() as session:
        counts = await indicators.upsert_programs(
            session, [item], actor=_actor(request), now=services.clock(), action="entry"
        )
    key = "web.plans.program_added" if counts.inserted else "web.plans.program_updated"
    message = t(key, code=item.code, year=item.year)
    return await _programs(request, item.year, Outcome(message, True, [], "baru"))


async def _program_or_none(request: Request) -> indicators.ProgramView | None:
    services = services_of(request)
    async with services.database.sessions() as session:
        return await indicators.fetch_program(session, request.path_params["id"])


async def save_realization(request: Request) -> Response:
    t = texts_of(request)
    values = await _form(request)
    program = await _program_or_none(request)
    if program is None:
        return await _gone(request, values)
    value = read_realization(values.get("realisasi", ""))
    if value is None:
        outcome = Outcome(t("plans.bad_number"), False, [], str(program.id))
        return await _programs(request, program.year, outcome, status=400)
    services = services_of(request)
    async with services.database.transaction() as session:
        saved = await indicators.record_realization(
            session, program.id, value, actor=_actor(request), now=services.clock()
        )
    return await _program_saved(request, program, saved)


async def save_decision(request: Request) -> Response:
    t = texts_of(request)
    values = await _form(request)
    program = await _program_or_none(request)
    if program is None:
        return await _gone(request, values)
    choice = values.get("keputusan", "")
    note = read_decision_note(values.get("catatan", ""))
    if choice not in DECISIONS or note is None:
        key = "web.plans.pick_decision" if choice not in DECISIONS else "plans.bad_note"
        outcome = Outcome(t(key), False, [], str(program.id))
        return await _programs(request, program.year, outcome, status=400)
    services = services_of(request)
    async with services.database.transaction() as session:
        saved = await indicators.record_decision(
            session, program.id, DECISIONS[choice], note, actor=_actor(request),
            now=services.clock(),
        )  # fmt: skip
    return await _program_saved(request, program, saved)


async def _program_saved(
    request: Request, program: indicators.ProgramView, saved: indicators.ProgramView | None
) -> Response:
    t = texts_of(request)
    if saved is None:
        return await _gone(request, {YEAR_FIELD: str(program.year)})
    status = t("plans.achieved" if saved.achieved else "plans.not_achieved")
    message = t("web.plans.program_saved", code=saved.code, status=status)
    return await _programs(request, saved.year, Outcome(message, True, [], str(saved.id)))


async def _gone(request: Request, values: dict[str, str]) -> Response:
    """An indicator or activity that is no longer there (a page open for long)."""
    t = texts_of(request)
    outcome = Outcome(t("web.plans.gone"), False)
    year = _year(request, values.get(YEAR_FIELD))
    if request.url.path.startswith("/kegiatan"):
        return await _activities(request, year, outcome, status=404)
    return await _programs(request, year, outcome, status=404)


# --- /kegiatan -------------------------------------------------------------------------------


async def activities_page(request: Request) -> Response:
    return await _activities(request, _year(request, request.query_params.get(YEAR_FIELD)))


async def _activities(
    request: Request, year: int, outcome: Outcome | None = None, *, status: int = 200
) -> Response:
    services = services_of(request)
    t = texts_of(request)
    async with services.database.sessions() as session:
        activities = await indicators.fetch_activities(session, year)
    done = sum(1 for activity in activities if activity.facilitated_on is not None)
    return render(
        request,
        "activities.html",
        {
            "year": year,
            "years": _years(request),
            "activities": activities,
            "months": [(n, t(f"months.m{n}")) for n in range(1, 13)],
            "summary": t(
                "web.plans.activities_summary",
                done=format_number(done),
                total=format_number(len(activities)),
            ),
            "today": _today(request).isoformat(),
            "day_text": lambda day: format_date(day, t),
            "outcome": outcome or Outcome(),
        },
        status=status,
    )


async def save_activity(request: Request) -> Response:
    t = texts_of(request)
    values = await _form(request)
    year = _year(request, values.get("tahun"))
    row = Row(0, {name: values.get(name, "") for name in ACTIVITY_LABELS})
    errors: list[CellError] = []
    item = parse_activity(row, errors, today=_today(request))
    if errors or item is None:
        problems = _problems(errors, ACTIVITY_LABELS, t)
        outcome = Outcome(t("web.plans.not_saved"), False, problems, "baru")
        return await _activities(request, year, outcome, status=400)
    services = services_of(request)
    async with services.database.transaction() as session:
        counts = await indicators.upsert_activities(
            session, [item], actor=_actor(request), now=services.clock(), action="entry"
        )
    key = "web.plans.activity_added" if counts.inserted else "web.plans.activity_updated"
    message = t(key, name=item.name, year=item.year)
    return await _activities(request, item.year, Outcome(message, True, [], "baru"))


async def save_facilitation(request: Request) -> Response:
    t = texts_of(request)
    values = await _form(request)
    services = services_of(request)
    async with services.database.sessions() as session:
        activity = await indicators.fetch_activity(session, request.path_params["id"])
    if activity is None:
        return await _gone(request, values)
    if activity.facilitated_on is not None:
        message = t("web.plans.already_facilitated", name=activity.name)
        return await _activities(request, activity.year, Outcome(message, False), status=409)
    problems = _facilitation_problems(values, _today(request), t)
    if problems:
        outcome = Outcome(t("web.plans.not_saved"), False, problems, str(activity.id))
        return await _activities(request, activity.year, outcome, status=400)
    day = read_facilitation_day(values.get("tanggal", ""), _today(request))
    participants = read_participants(values.get("peserta", ""))
    note = read_activity_note(values.get("catatan", ""))
    assert day is not None and participants is not None and note is not None
    async with services.database.transaction() as session:
        saved = await indicators.record_facilitation(
            session, activity.id, on=day, participants=participants, note=note,
            actor=_actor(request), now=services.clock(),
        )  # fmt: skip
    if saved is None or saved.facilitated_on is None:
        return await _gone(request, {YEAR_FIELD: str(activity.year)})
    message = t(
        "plans.activity_saved",
        name=saved.name,
        date=format_date(saved.facilitated_on, t),
        participants=format_number(saved.participants or 0),
    )
    return await _activities(request, saved.year, Outcome(message, True, [], str(saved.id)))


def _facilitation_problems(values: dict[str, Any], today: date, t: Texts) -> list[str]:
    problems = []
    if read_facilitation_day(values.get("tanggal", ""), today) is None:
        problems.append(t("plans.bad_date"))
    if read_participants(values.get("peserta", "")) is None:
        problems.append(t("plans.bad_participants"))
    if read_activity_note(values.get("catatan", "")) is None:
        problems.append(t("web.plans.bad_activity_note"))
    return problems
