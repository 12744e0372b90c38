"""``/ekspor``: every workbook and CSV file of the CLI, downloaded for a chosen period.

* the complaint register as .xlsx or .csv (``ajung-bot complaints export``:
  :func:`bot.export.export_register`, with its privacy rules: no reporter's identity, rahasia
  content withheld; the CSV file in UTF-8 with a byte order mark and ";" unless chosen otherwise);
* the performance workbook (``ajung-bot export``:
  :func:`bot.performance_export.export_performance`);
* the SKM report workbook, all services or one (``ajung-bot survey export``:
  :func:`bot.survey_export.gather` and ``write_workbook``).

The period is typed with the words and codes of ``/iku`` (default: the year to date, as the
CLI). The data are read on the event loop, the file is written in a worker thread
(``asyncio.to_thread``) into a private temporary folder, sent, and removed. Who may download
what (:mod:`bot.web.permissions`): the survey workbook is for every official who reads the IKU;
the register, and the performance workbook that holds it, only for those who may read
complaints in Telegram. Labels in the reader's language, as ``--lang``.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.export import export_register
from bot.performance_export import export_performance
from bot.survey_export import gather, write_workbook
from bot.web.auth import page
from bot.web.permissions import allowed
from bot.web.render import error_page, render, services_of, texts_of, viewer_of
from iku.periods import Period, current_keys, local_today, read_period, year_to_date
from iku.report import format_period

log = logging.getLogger(__name__)

PERIOD_FIELD = "periode"
SERVICE_FIELD = "layanan"
SEPARATOR_FIELD = "pemisah"
SEPARATORS = (";", ",", "tab")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Download:
    """A file of the page: its address, its label and the permission it needs."""

    path: str
    text_key: str
    permission: str
    with_service: bool = False
    with_separator: bool = False


DOWNLOADS = (
    Download("/ekspor/kinerja.xlsx", "web.exports.performance", "export.register"),
    Download("/ekspor/laporan.xlsx", "web.exports.register_xlsx", "export.register"),
    Download(
        "/ekspor/laporan.csv", "web.exports.register_csv", "export.register", with_separator=True
    ),
    Download("/ekspor/skm.xlsx", "web.exports.survey", "export", with_service=True),
)


def routes() -> list[BaseRoute]:
    return [
        page("/ekspor", exports_page, "export"),
        page("/ekspor/kinerja.xlsx", performance_workbook, "export.register"),
        page("/ekspor/laporan.xlsx", register_workbook, "export.register"),
        page("/ekspor/laporan.csv", register_csv, "export.register"),
        page("/ekspor/skm.xlsx", survey_workbook, "export"),
    ]


def _period(request: Request) -> tuple[str, Period | None]:
    """The typed period (default: the year to date); None when it is not one."""
    services = services_of(request)
    today = local_today(services.config.kecamatan.tz, services.clock())
    typed = request.query_params.get(PERIOD_FIELD, "").strip()[:60]
    if not typed:
        return typed, year_to_date(today)
    try:
        return typed, read_period(typed, today)
    except ValueError:
        return typed, None


def _bad_period(request: Request) -> Response:
    services = services_of(request)
    today = local_today(services.config.kecamatan.tz, services.clock())
    return error_page(request, 400, "web.overview.bad_period", **current_keys(today))


async def exports_page(request: Request) -> Response:
    services = services_of(request)
    t = texts_of(request)
    viewer = viewer_of(request)
    assert viewer is not None
    typed, period = _period(request)
    today = local_today(services.config.kecamatan.tz, services.clock())
    roles = services.roles()
    downloads = [d for d in DOWNLOADS if allowed(roles, viewer.user_id, d.permission)]
    service = request.query_params.get(SERVICE_FIELD, "").upper()
    service = service if services.config.survey.service(service) is not None else ""
    separator = request.query_params.get(SEPARATOR_FIELD, ";")
    separator = separator if separator in SEPARATORS else ";"

    def link(download: Download) -> str:
        values = {PERIOD_FIELD: typed}
        if download.with_service:
            values[SERVICE_FIELD] = service
        if download.with_separator and separator != ";":
            values[SEPARATOR_FIELD] = separator
        query = urlencode({key: value for key, value in values.items() if value})
        return download.path + (f"?{query}" if query else "")

    return render(
        request,
        "exports.html",
        {
            "typed": typed,
            "problem": "" if period else t("web.overview.bad_period", **current_keys(today)),
            "examples": current_keys(today),
            "period_text": format_period(period, t) if period else "",
            "downloads": [(t(d.text_key), link(d)) for d in downloads] if period else [],
            "services": services.config.survey.services,
            "service": service,
            "separators": [
                (";", t("web.exports.semicolon")),
                (",", t("web.exports.comma")),
                ("tab", t("web.exports.tab")),
            ],
            "separator": separator,
            "may_register": any(d.permission == "export.register" for d in downloads),
        },
    )


def _file_name(stem: str, period: Period, suffix: str) -> str:
    return f"{stem}-{period.key.replace('..', '_')}{suffix}"


async def _send(path: Path, name: str, media_type: str) -> Response:
    content = await asyncio.to_thread(path.read_bytes)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


async def performance_workbook(request: Request) -> Response:
    _, period = _period(request)
    if period is None:
        return _bad_period(request)
    services = services_of(request)
    t = texts_of(request)
    name = _file_name("kinerja", period, ".xlsx")
    with tempfile.TemporaryDirectory(prefix="ajung-ekspor-") as folder:
        path = Path(folder) / name
        await export_performance(
            services.database, services.config, period, path, t, services.clock(),
            lambda _step: None,
        )  # fmt: skip
        log.info("the dashboard sent a performance workbook")
        return await _send(path, name, XLSX)


async def register_workbook(request: Request) -> Response:
    return await _register(request, ".xlsx", XLSX)


async def register_csv(request: Request) -> Response:
    return await _register(request, ".csv", CSV)


async def _register(request: Request, suffix: str, media_type: str) -> Response:
    _, period = _period(request)
    if period is None:
        return _bad_period(request)
    separator = request.query_params.get(SEPARATOR_FIELD, ";")
    if separator not in SEPARATORS:
        return error_page(request, 400, "web.exports.bad_separator")
    services = services_of(request)
    t = texts_of(request)
    name = _file_name("register-laporan", period, suffix)
    with tempfile.TemporaryDirectory(prefix="ajung-ekspor-") as folder:
        path = Path(folder) / name
        await export_register(
            services.database, services.config, period, path, t, services.clock(),
            separator=separator,
        )  # fmt: skip
        log.info("the dashboard sent a complaint register (%s)", suffix)
        return await _send(path, name, media_type)


async def survey_workbook(request: Request) -> Response:
    _, period = _period(request)
    if period is None:
        return _bad_period(request)
    services = services_of(request)
    config = services.config
    t = texts_of(request)
    code = request.query_params.get(SERVICE_FIELD, "").strip().upper()
    service = config.survey.service(code) if code else None
    if code and service is None:
        return error_page(request, 400, "web.exports.bad_service", code=code[:20])
    data = await gather(services.database, config, period, service.code if service else None)
    stem = f"skm-{service.code}" if service else "skm"
    name = _file_name(stem, period, ".xlsx")
    with tempfile.TemporaryDirectory(prefix="ajung-ekspor-") as folder:
        path = Path(folder) / name
        await asyncio.to_thread(write_workbook, data, config, t, path)
        log.info("the dashboard sent an SKM workbook")
        return await _send(path, name, XLSX)
