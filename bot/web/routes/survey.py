"""``/skm``: the satisfaction survey (IKU 2) of a period, all services or one.

* The IKM with its grade and the sample check (:func:`bot.reporting.skm_figures`, the report's
  own query), the IKM of every service (one grouped query, scored by :func:`iku.skm.skm_index`),
  each unsur (U1-U9) with its NRR, converted value (NRR x 25) and grade.
* The respondents' profile (gender, age band, education, occupation) as counts and shares
  (:func:`db.surveys.fetch_profile`, :func:`iku.survey_forms.shares`).
* The suggestions, newest first, a page at a time: date, service and text, never who wrote them.
* For those who hold ``survey.entry`` (as ``/populasi``): the paper-form import as an upload
  (``POST /skm/impor``: :func:`bot.survey_files.import_paper_forms`, the CLI importer, with its
  row-by-row problems) and the monthly service users (``POST /skm/populasi``: the checks of
  ``/populasi``, :func:`bot.survey_files.check_population`).

The period is typed with the same words and codes as ``/iku`` (default: the year to date).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.config import Config
from bot.reporting import skm_figures
from bot.survey_files import (
    Refused,
    check_population,
    import_paper_forms,
    population_line,
    problem_lines,
    summary_line,
)
from bot.web.auth import page
from bot.web.permissions import allowed
from bot.web.render import render, services_of, texts_of, viewer_of
from db import surveys
from i18n import Texts
from iku.format import format_number
from iku.periods import current_keys, local_today, read_period, relative_period
from iku.report import SkmFigures, format_period, ikm_line
from iku.skm import UNSUR_KEYS, SkmResult, UnsurScore, skm_index
from iku.survey_forms import COLUMNS, PROFILE_QUESTIONS, Share, shares

PERIOD_FIELD = "periode"
SERVICE_FIELD = "layanan"
PAGE_FIELD = "halaman"
SUGGESTIONS_PER_PAGE = 20
UPLOAD_CHUNK = 64 * 1024
# An uploaded file keeps its own name (the problems name it) with only safe characters.
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def routes() -> list[BaseRoute]:
    return [
        page("/skm", survey_page, "survey"),
        page("/skm/impor", upload_forms, "survey.entry", methods=["POST"]),
        page("/skm/populasi", save_population, "survey.entry", methods=["POST"]),
    ]


@dataclass(frozen=True)
class ServiceRow:
    code: str
    name: str
    result: SkmResult | None


@dataclass(frozen=True)
class ProfileSection:
    title: str
    shares: list[tuple[str, Share]]


@dataclass
class Outcome:
    """What a POST did, shown above the page: a message, and the problems it lists."""

    message: str = ""
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    target: str = ""  # the section the message belongs to: "impor" or "populasi"


async def survey_page(request: Request) -> Response:
    return await _page(request, request.query_params, Outcome())


async def _page(request: Request, params: Any, outcome: Outcome, *, status: int = 200) -> Response:
    services = services_of(request)
    config = services.config
    t = texts_of(request)
    viewer = viewer_of(request)
    assert viewer is not None
    now = services.clock()
    today = local_today(config.kecamatan.tz, now)
    typed = str(params.get(PERIOD_FIELD, "")).strip()[:60]
    problem = ""
    period = relative_period("this_year", today)
    if typed:
        try:
            period = read_period(typed, today)
        except ValueError:
            problem = t("web.overview.bad_period", **current_keys(today))
    service_code = str(params.get(SERVICE_FIELD, "")).strip().upper()
    service = config.survey.service(service_code) if service_code else None
    code = service.code if service is not None else None
    page_number = _page_number(str(params.get(PAGE_FIELD, "1")))
    where = surveys.Filter(period.start, period.end, code)
    async with services.database.sessions() as session:
        figures = await skm_figures(session, period, code, by_day=True)
        per_service = await surveys.fetch_skm_totals_per_service(
            session, surveys.Filter(period.start, period.end)
        )
        profile = await surveys.fetch_profile(session, where)
        suggestion_count = await surveys.count_suggestions(session, where)
        suggestions = await surveys.fetch_suggestions(
            session,
            where,
            newest_first=True,
            limit=SUGGESTIONS_PER_PAGE,
            offset=(page_number - 1) * SUGGESTIONS_PER_PAGE,
        )
    pages = max(1, -(-suggestion_count // SUGGESTIONS_PER_PAGE))
    may_enter = allowed(services.roles(), viewer.user_id, "survey.entry")
    service_rows = [
        ServiceRow(s.code, s.name, skm_index(*per_service.get(s.code, ({}, 0))))
        for s in config.survey.services
    ]
    names = {s.code: s.name for s in config.survey.services}
    return render(
        request,
        "survey.html",
        {
            "typed": typed,
            "problem": problem,
            "examples": current_keys(today),
            "period_text": format_period(period, t),
            "services": config.survey.services,
            "chosen": code or "",
            "chosen_name": service.name if service is not None else "",
            "summary": _summary(figures, t),
            "figures": figures,
            "unsur": _unsur(figures),
            "service_rows": service_rows,
            "profile": _profile(profile, figures.respondents, t),
            "suggestions": [(d, names.get(s, s), text) for d, s, text in suggestions],
            "suggestion_count": suggestion_count,
            "page_number": page_number,
            "pages": pages,
            "page_link": lambda number: _page_link(typed, code, number),
            "may_enter": may_enter,
            "outcome": outcome,
            "columns": ", ".join(COLUMNS),
            "this_month": today.strftime("%Y-%m"),
            "max_bytes": format_number(config.survey.max_import_bytes),
        },
        status=status,
    )


def _page_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 1_000_000 else 1


def _page_link(typed: str, code: str | None, number: int) -> str:
    from urllib.parse import urlencode

    values = {PERIOD_FIELD: typed, SERVICE_FIELD: code or "", PAGE_FIELD: str(number)}
    return "/skm?" + urlencode({k: v for k, v in values.items() if v})


def _summary(figures: SkmFigures, t: Texts) -> dict[str, str]:
    result = figures.result
    sample = figures.sample
    if sample.required is None or sample.population is None:
        sample_text = t("web.overview.no_population")
    else:
        key = "web.overview.sample_reached" if sample.reached else "web.overview.sample_short"
        sample_text = t(
            key,
            respondents=format_number(figures.respondents),
            required=format_number(sample.required),
            population=format_number(sample.population),
        )
    if result is None:
        return {"ikm": t("report.no_data"), "sample": sample_text}
    ikm = ikm_line(result, t)
    return {"ikm": ikm, "sample": sample_text}


def _unsur(figures: SkmFigures) -> list[tuple[str, UnsurScore, int]]:
    """The nine unsur in form order, numbered as the form numbers them (U1-U9), each with its
    place in the priority for improvement (1: the lowest NRR, as ``by_priority``)."""
    result = figures.result
    if result is None:
        return []
    rank = {score.key: place for place, score in enumerate(result.by_priority, 1)}
    return [
        (f"U{number}", result.unsur[key], rank[key]) for number, key in enumerate(UNSUR_KEYS, 1)
    ]


def _profile(
    profile: dict[str, dict[str, int]], respondents: int, t: Texts
) -> list[ProfileSection]:
    result = []
    for key, column, choices in PROFILE_QUESTIONS:
        labels = dict(choices)
        counts = profile.get(column, {})
        rows = [
            (labels.get(share.code, share.code), share)
            for share in shares(counts, [code for code, _ in choices], respondents)
        ]
        result.append(ProfileSection(t(f"web.skm.profile_{key}"), rows))
    return result


# --- the paper-form upload ------------------------------------------------------------------


async def upload_forms(request: Request) -> Response:
    services = services_of(request)
    config = services.config
    t = texts_of(request)
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("berkas")
    skip_invalid = form.get("lewati") == "1"
    if not isinstance(upload, UploadFile) or not upload.filename:
        outcome = Outcome(t("web.skm.no_file"), ok=False, target="impor")
        return await _page(request, {}, outcome, status=400)
    with tempfile.TemporaryDirectory(prefix="ajung-impor-") as folder:
        path = Path(folder) / _safe_name(upload.filename)
        await _save(upload, path, config.survey.max_import_bytes)
        try:
            result = await import_paper_forms(
                config, path, skip_invalid=skip_invalid, now=services.clock(),
                database=services.database,
            )  # fmt: skip
        except Refused as refused:
            outcome = Outcome(refused.text(t), ok=False, target="impor")
            return await _page(request, {}, outcome, status=400)
    lines = problem_lines(result, config, t)
    if not result.stored:
        message = t(
            "web.skm.nothing_imported",
            errors=format_number(result.check.problem_count),
            rows=format_number(result.check.bad_rows),
        )
        return await _page(request, {}, Outcome(message, False, lines, "impor"), status=400)
    return await _page(request, {}, Outcome(summary_line(result, t), True, lines, "impor"))


def _safe_name(filename: str) -> str:
    name = _UNSAFE_NAME.sub("_", Path(filename.replace("\\", "/")).name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return name[:100] or "berkas"
    return f"{stem[:90] or 'berkas'}.{suffix[:10]}"


async def _save(upload: UploadFile, path: Path, max_bytes: int) -> None:
    """The upload written to ``path``, at most one byte past ``max_bytes`` (enough for the
    importer to refuse the file as too big, without filling the disk)."""
    written = 0
    with path.open("wb") as out:
        while written <= max_bytes:
            chunk = await upload.read(UPLOAD_CHUNK)
            if not chunk:
                break
            out.write(chunk[: max_bytes + 1 - written])
            written += len(chunk)
    await upload.close()


# --- service users --------------------------------------------------------------------------


async def save_population(request: Request) -> Response:
    services = services_of(request)
    config: Config = services.config
    t = texts_of(request)
    viewer = viewer_of(request)
    assert viewer is not None
    form = await request.form(max_files=0, max_fields=10)
    month, code, count = (
        str(form.get(name, "")).strip()[:40] for name in ("bulan", "kode", "jumlah")
    )
    now = services.clock()
    try:
        entry = check_population(config, month, code, count, now)
    except Refused as refused:
        return await _page(request, {}, Outcome(refused.text(t), False, [], "populasi"), status=400)
    async with services.database.transaction() as session:
        await surveys.record_population(
            session,
            month=entry.month,
            service=entry.service,
            service_users=entry.service_users,
            recorded_by=f"telegram:{viewer.user_id}",
            now=now,
        )
    return await _page(
        request, {}, Outcome(population_line(config, entry, t), True, [], "populasi")
    )
