"""``/laporan``: the complaint register (filters, sorting, paging, a map of the pins) and
``/laporan/<KODE>``: one complaint with its photos and history, and the same moves as the
card's buttons in Telegram, each with the note the reporter is told.

A move is recorded by :func:`handlers.trantib.record_move`, the function the Telegram note
completes a move with: the same audit trail, the same news to the reporter (outbox), the same
refresh of the card in the Trantib group. Anonim reporters are never shown (the records do
not carry their identity); RAHASIA complaints are marked.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.web.auth import page
from bot.web.permissions import allowed
from bot.web.render import error_page, render, services_of, texts_of, viewer_of
from db import complaints, residents
from db.complaint_search import (
    DEFAULT_SORT,
    SORTS,
    TEXT_MAX,
    Search,
    count_complaints,
    fetch_pins,
    search_complaints,
)
from db.complaints import ComplaintRecord, PendingMove
from handlers import complaint_views as views
from handlers.context import Services
from handlers.trantib import record_move
from i18n import Texts
from iku.complaints import (
    CLOSED_STATUSES,
    NOTE_MAX,
    NOTE_MIN_LETTERS,
    REOPENED_STATUS,
    Channel,
    DueDates,
    Privacy,
    RejectReason,
    Status,
    can_move,
    can_reopen,
    moves_from,
    note_problem,
    overdue_stage,
    parse_tracking_code,
)
from iku.format import format_number
from iku.periods import local_today
from iku.text import clean_text, utf16_length

PAGE_SIZE = 50
# Pages beyond this are not offered (narrow the filters instead): OFFSET stays cheap.
MAX_PAGES = 2000
PINS_MAX = 500
STATUS_VALUES = frozenset(s.value for s in Status)
CHANNEL_VALUES = frozenset(c.value for c in Channel)


def routes() -> list[BaseRoute]:
    return [
        page("/laporan", register, "complaints"),
        page("/laporan/{code}", detail, "complaints"),
        page("/laporan/{code}/foto/{position:int}", photo, "complaints"),
        page("/laporan/{code}/pindah", move, "complaints.move", methods=("POST",)),
    ]


# ---------------------------------------------------------------------------- the register


def read_search(params: QueryParams, desa: tuple[str, ...], categories: tuple[str, ...]) -> Search:
    """The filters of the query string; values that are not choices are ignored."""
    statuses = frozenset(Status(v) for v in params.getlist("status") if v in STATUS_VALUES)
    channel = params.get("kanal", "")
    sort = params.get("urut", "")
    return Search(
        statuses=statuses,
        desa=params.get("desa") if params.get("desa") in desa else None,
        category=params.get("kategori") if params.get("kategori") in categories else None,
        channel=Channel(channel) if channel in CHANNEL_VALUES else None,
        overdue_only=params.get("terlambat") == "1",
        text=params.get("q", "").strip()[:TEXT_MAX],
        received_from=_day(params.get("dari")),
        received_to=_day(params.get("sampai")),
        sort=sort if sort in SORTS else DEFAULT_SORT,
        descending=params.get("arah") != "naik",
    )


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _query(search: Search, **changes: object) -> str:
    """The query string of ``search`` (with ``changes``), for links that keep the filters."""
    values: dict[str, object] = {
        "status": sorted(s.value for s in search.statuses),
        "desa": search.desa or "",
        "kategori": search.category or "",
        "kanal": search.channel.value if search.channel else "",
        "terlambat": "1" if search.overdue_only else "",
        "q": search.text,
        "dari": search.received_from.isoformat() if search.received_from else "",
        "sampai": search.received_to.isoformat() if search.received_to else "",
        "urut": search.sort,
        "arah": "turun" if search.descending else "naik",
    }
    values.update(changes)
    pairs = [
        (key, item)
        for key, value in values.items()
        for item in (value if isinstance(value, list) else [value])
        if item not in ("", None)
    ]
    return urlencode(pairs)


def _page_link(search: Search, number: int) -> str:
    return "/laporan?" + _query(search, hal=number)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    link: str
    sorted: str  # "ascending", "descending" or "none" (aria-sort)


async def register(request: Request) -> Response:
    services = services_of(request)
    config = services.config
    t = texts_of(request)
    tz = config.kecamatan.tz
    today = local_today(tz, services.clock())
    search = read_search(request.query_params, config.kecamatan.desa, config.complaints.categories)
    try:
        page_number = max(1, min(int(request.query_params.get("hal", "1")), MAX_PAGES))
    except ValueError:
        page_number = 1
    async with services.database.sessions() as session:
        total = await count_complaints(session, search, today, tz)
        pages = max(1, min(-(-total // PAGE_SIZE), MAX_PAGES))
        page_number = min(page_number, pages)
        rows, pins = [], []
        # Nothing matches: no need to look again (a text search that finds nothing has read
        # every complaint once already).
        if total:
            offset = (page_number - 1) * PAGE_SIZE
            rows = await search_complaints(
                session, search, today, tz, limit=PAGE_SIZE, offset=offset
            )
            pins = await fetch_pins(session, search, today, tz, limit=PINS_MAX)
    columns = []
    for key in SORTS:
        current = search.sort == key
        descending = not search.descending if current else key in ("diterima",)
        columns.append(
            Column(
                key,
                t(f"web.complaints.sort.{key}"),
                "/laporan?" + _query(search, urut=key, arah="turun" if descending else "naik"),
                ("descending" if search.descending else "ascending") if current else "none",
            )
        )
    items = [
        {
            "row": row,
            "status": views.status_label(t, row.status, row.reject_reason),
            "overdue": _stage(t, row.status, row.due, today),
            "channel": t(f"complaint.channel.{row.channel.value}"),
        }
        for row in rows
    ]
    pin_data = [
        {
            "code": pin.code,
            "lat": pin.latitude,
            "lon": pin.longitude,
            "label": f"{pin.code} · {views.status_label(t, pin.status)} · {pin.category}",
        }
        for pin in pins
    ]
    return render(
        request,
        "complaints.html",
        {
            "search": search,
            "statuses": [(s.value, t(f"complaint.status.{s.value}")) for s in Status],
            "desa_choices": config.kecamatan.desa,
            "categories": config.complaints.categories,
            "channels": [(c.value, t(f"complaint.channel.{c.value}")) for c in Channel],
            "columns": columns,
            "items": items,
            "total": total,
            "page": page_number,
            "pages": pages,
            "previous": "/laporan?" + _query(search, hal=page_number - 1)
            if page_number > 1
            else "",
            "next": "/laporan?" + _query(search, hal=page_number + 1)
            if page_number < pages
            else "",
            "pins_json": Markup(json.dumps(pin_data).replace("<", "\\u003c")),
            "pins_count": len(pins),
            "tile_url": config.web.tile_url,
            "today": today,
        },
    )


def _stage(t: Texts, status: Status, due: DueDates, today: date) -> str:
    stage = overdue_stage(status, due, today)
    return "" if stage is None else t("trantib.overdue", stage=t(f"trantib.stage.{stage}"))


# ---------------------------------------------------------------------------- one complaint


async def _complaint_of(request: Request) -> ComplaintRecord | None:
    """The complaint of the path's code: as stored (the pages' links), or as a person types
    it (``trb-2025-42``)."""
    given = request.path_params["code"]
    async with services_of(request).database.sessions() as session:
        found = await complaints.fetch_complaint_by_code(session, given)
        code = parse_tracking_code(given)
        if found is None and code is not None and code != given:
            found = await complaints.fetch_complaint_by_code(session, code)
    return found


async def detail(
    request: Request, *, problem: str = "", status: int = 200, note: str = ""
) -> Response:
    """The complaint's page; after a refused move, with why (``problem``) and the note the
    official typed, so that nothing typed is lost."""
    complaint = await _complaint_of(request)
    if complaint is None:
        return error_page(request, 404, "web.complaints.not_found")
    services = services_of(request)
    config = services.config
    t = texts_of(request)
    viewer = viewer_of(request)
    assert viewer is not None
    tz = config.kecamatan.tz
    today = local_today(tz, services.clock())
    async with services.database.sessions() as session:
        events = await complaints.fetch_events(session, complaint.id)
    roles = services.roles()
    may_move = allowed(roles, viewer.user_id, "complaints.move")
    targets: list[tuple[str, str]] = []
    if may_move:
        targets = [(s.value, t(f"trantib.move.{s.value}")) for s in moves_from(complaint.status)]
        if complaint.status in CLOSED_STATUSES and allowed(
            roles, viewer.user_id, "complaints.reopen"
        ):
            targets.append((REOPENED_STATUS.value, t("trantib.reopen")))
    done = request.query_params.get("pindah") == "ok"
    history = [
        {
            "when": views.format_when(event.at, t, tz),
            "status": views.status_label(t, event.to_status, event.reason),
            "actor": event.actor_name,
            "note": event.note,
        }
        for event in events
    ]
    return render(
        request,
        "complaint.html",
        {
            "c": complaint,
            "status_text": views.status_label(t, complaint.status, complaint.reject_reason),
            "reporter": _reporter(t, complaint),
            "place": views.place_text(t, complaint.place, complaint.has_location),
            "received": views.format_when(complaint.received_at, t, tz),
            "closed": views.format_when(complaint.closed_at, t, tz) if complaint.closed_at else "",
            "overdue": _stage(t, complaint.status, complaint.due, today),
            "secret": complaint.privacy is Privacy.RAHASIA,
            "history": history,
            "targets": targets,
            "reasons": [(r.value, t(f"complaint.reason.{r.value}")) for r in RejectReason],
            "problem": problem,
            "typed_note": note,
            "done": views.move_confirmation(
                t,
                complaint.code,
                complaint.status,
                complaint.reject_reason,
                reopened=request.query_params.get("dibuka") == "1",
            )
            if done
            else "",
            "note_max": NOTE_MAX,
            "note_hint": t("web.complaints.note_hint", minimum=NOTE_MIN_LETTERS),
            "tile_url": config.web.tile_url,
        },
        status=status,
    )


def _reporter(t: Texts, complaint: ComplaintRecord) -> str:
    """Who reported, as the card in Telegram says it: never an anonim reporter's identity."""
    if complaint.privacy is Privacy.ANONIM:
        return t("trantib.anonim")
    if complaint.reporter_phone:
        return t(
            "trantib.reporter_whatsapp",
            name=complaint.reporter_name or "",
            phone=complaint.reporter_phone,
        )
    return complaint.reporter_name or ""


async def photo(request: Request) -> Response:
    """A photo of a complaint, from the copy kept under ``[complaints] photo_dir``."""
    complaint = await _complaint_of(request)
    if complaint is None:
        return error_page(request, 404, "web.complaints.not_found")
    position = request.path_params["position"]
    found = next((p for p in complaint.photos if p.position == position), None)
    path = None
    if found is not None and found.local_path:
        folder = services_of(request).config.complaints.photo_dir
        path = await asyncio.to_thread(_kept_photo, folder, found.local_path)
    if path is None:
        return error_page(request, 404, "web.complaints.photo_missing")
    response = FileResponse(path)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _kept_photo(folder: str, local_path: str) -> Path | None:
    """The photo's copy, if it is a file inside ``photo_dir`` (nothing else is ever served)."""
    path = Path(local_path).resolve()
    if not path.is_relative_to(Path(folder).resolve()) or not path.is_file():
        return None
    return path


async def move(request: Request) -> Response:
    """A move with its note, checked as the Telegram note is; recorded by ``record_move``."""
    complaint = await _complaint_of(request)
    if complaint is None:
        return error_page(request, 404, "web.complaints.not_found")
    t = texts_of(request)
    services = services_of(request)
    viewer = viewer_of(request)
    assert viewer is not None
    form = await request.form()
    parsed = _read_move(form, complaint)
    if parsed is None:
        return await detail(request, problem=t("web.complaints.move_stale"), status=409)
    expected, target, reason = parsed
    reopening = can_reopen(expected, target)
    if reopening and not allowed(services.roles(), viewer.user_id, "complaints.reopen"):
        return error_page(request, 403, "web.error.not_allowed")
    if target is Status.DITOLAK and reason is None:
        typed = form.get("note")
        return await detail(
            request,
            problem=t("web.complaints.reason_needed"),
            status=400,
            note=typed if isinstance(typed, str) else "",
        )
    value = form.get("note")
    note = clean_text(value if isinstance(value, str) else "")
    problem = note_problem(note)
    if problem == "long":
        sizes = {"length": format_number(utf16_length(note)), "maximum": format_number(NOTE_MAX)}
        text = t("trantib.note_too_long", **sizes)
        return await detail(request, problem=text, status=400, note=note)
    if problem == "short":
        text = t("web.complaints.note_too_short", minimum=NOTE_MIN_LETTERS)
        return await detail(request, problem=text, status=400, note=note)
    await _known_official(request, viewer.user_id, viewer.roles)
    outcome = await record_move(
        _bot_services(request),
        PendingMove(
            official_id=viewer.user_id,
            complaint_id=complaint.id,
            chat_id=viewer.user_id,
            expected=expected,
            target=target,
            reason=reason,
            prompt_message_id=None,
        ),
        note,
    )
    if not outcome.moved:
        now = outcome.complaint
        status = views.status_label(t, now.status, now.reject_reason)
        text = t("trantib.already_moved", code=now.code, status=status)
        return await detail(request, problem=text, status=409)
    services.after_move()
    query = "pindah=ok" + ("&dibuka=1" if outcome.reopened else "")
    return RedirectResponse(f"/laporan/{complaint.code}?{query}", status_code=303)


async def _known_official(request: Request, user_id: int, roles: tuple[str, ...]) -> None:
    """The audit trail names who moved a complaint: an official who signed in with
    ``web-link`` and never wrote to the bot is recorded under their role's name (the bot puts
    their Telegram name in its place once they write)."""
    services = services_of(request)
    t = texts_of(request)
    async with services.database.transaction() as session:
        if await residents.resident_id(session, user_id) is None:
            await residents.record_resident(
                session,
                person=user_id,
                display_name=", ".join(t(f"web.role.{role}") for role in roles),
                language=t.language,
                seen_at=services.clock(),
            )


def _read_move(
    form: FormData, complaint: ComplaintRecord
) -> tuple[Status, Status, RejectReason | None] | None:
    """``(expected, target, reason)`` of the form, if it is a move the complaint's status (as
    the official saw it) allows; None for anything else (an old page, a forged form)."""
    values = {key: form.get(key) for key in ("expected", "target", "reason")}
    if not all(isinstance(v, str) for v in (values["expected"], values["target"])):
        return None
    try:
        expected, target = Status(str(values["expected"])), Status(str(values["target"]))
        reason = RejectReason(str(values["reason"])) if values["reason"] else None
    except ValueError:
        return None
    if expected is not complaint.status:
        return None
    if not (can_move(expected, target) or can_reopen(expected, target)):
        return None
    return expected, target, reason if target is Status.DITOLAK else None


def _bot_services(request: Request) -> Services:
    """The bot's services over the dashboard's (same config, database, catalog, clock), for
    the functions the Telegram handlers use."""
    services = services_of(request)
    return Services(
        config=services.config,
        database=services.database,
        catalog=services.catalog,
        clock=services.clock,
    )
