"""The officials' dashboard as a Starlette application: :func:`create_app`.

It reads and writes the same database through the same ``db/`` and ``iku/`` functions as the
bot: no rule is implemented twice. Pages are rendered on the server (Jinja2 templates and the
CSS shipped in this package, no CDN), Indonesian first with English (``?lang=en``).

How to add a page
-----------------
1. A route module ``bot/web/routes/<name>.py`` with ``routes() -> list[BaseRoute]``; make each
   route with :func:`bot.web.auth.page` ``(path, endpoint, permission, methods=...)``, which
   checks the session, the CSRF token of every POST and the permission's roles before the
   endpoint runs. An endpoint is ``async def endpoint(request: Request) -> Response``; the
   official is ``viewer_of(request)`` (:class:`bot.web.render.Viewer`: user_id, roles, csrf);
   the shared things (config, database, clock, catalog, current roles) are
   ``services_of(request)``; the reader's texts ``texts_of(request)``. Answer with
   ``render(request, "<name>.html", {...})``, refusals with ``error_page(request, status, key)``
   (all in :mod:`bot.web.render`). Add the module to :data:`ROUTE_MODULES` below.
2. A permission in ``bot/web/permissions.py`` ``PERMISSIONS`` (roles taken from the bot's own
   rule book, ``handlers.officials.roles_of``), and a ``NavEntry`` in ``NAV`` if it belongs in
   the navigation bar. Add a row per route (method, path -> who may) to ``TABLE`` in
   tests/web/test_access.py: the role-by-page test fails for a route missing from it.
3. A template ``bot/web/templates/<name>.html`` that ``{% extends "base.html" %}`` and fills
   ``{% block title %}`` and ``{% block content %}``. Forms that POST carry
   ``{{ csrf_field() }}``; htmx requests send the ``X-CSRF-Token`` header (base.html puts the
   token in ``<meta name="csrf-token">`` and static/app.js adds it to every htmx request).
4. Every sentence in ``[web.<name>]`` of i18n/id.toml and en.toml (same keys); numbers with
   ``format_number``, dates with ``format_date``.
5. Tests in tests/web (fixtures in its conftest.py): ``client`` (httpx on the app, test
   database, test ``clock``), ``bot_client`` (the same beside the running test ``bot``), and
   ``csrf = await signed_in(client, user_id)``, which goes through a real sign-in link;
   ``page_text(html)`` is a page's words as read.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Config, RolesConfig
from bot.web import auth
from bot.web.render import error_page, services_of
from db.base import utcnow
from db.engine import Database
from i18n import Catalog, catalog
from iku.format import format_number

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page modules, each with routes() (see "How to add a page" above).
ROUTE_MODULES = (
    "bot.web.routes.overview",
    "bot.web.routes.complaints",
    "bot.web.routes.survey",
    "bot.web.routes.plans",
    "bot.web.routes.exports",
)


@dataclass(frozen=True)
class WebServices:
    """What every page can reach: ``services_of(request)``.

    ``roles`` gives the CURRENT ``[roles]`` (the configuration file may have changed since the
    start: see :class:`bot.web.server.FileRoles`); read it for every decision.
    """

    config: Config
    database: Database
    catalog: Catalog = field(default_factory=catalog)
    clock: Callable[[], datetime] = utcnow
    roles: Callable[[], RolesConfig] = field(default=lambda: RolesConfig())
    # Called after a commit that wrote to the outbox (a move): the bot delivers at once when
    # it runs in the same process; otherwise its delivery job finds the entries.
    after_move: Callable[[], None] = field(default=lambda: None)


def create_app(
    config: Config,
    database: Database,
    *,
    clock: Callable[[], datetime] = utcnow,
    roles: Callable[[], RolesConfig] | None = None,
    texts: Catalog | None = None,
    after_move: Callable[[], None] | None = None,
) -> Starlette:
    """The dashboard on ``database``; ``roles`` (default: ``config.roles``, fixed) is asked at
    every request; ``clock`` replaces the wall clock in tests."""
    services = WebServices(
        config=config,
        database=database,
        catalog=texts or catalog(),
        clock=clock,
        roles=roles or (lambda: config.roles),
        after_move=after_move or (lambda: None),
    )
    routes: list[BaseRoute] = [*auth.routes()]
    for name in ROUTE_MODULES:
        routes += importlib.import_module(name).routes()
    routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.services = services
    app.add_middleware(BodyLimit, limit=config.survey.max_import_bytes + FORM_OVERHEAD)
    app.add_middleware(SecurityHeaders, tile_url=config.web.tile_url)
    return app


# Room for a form's other fields and the multipart framing around the largest upload.
FORM_OVERHEAD = 64 * 1024


async def _http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status == 404:
        return error_page(request, 404, "web.error.not_found")
    if status == 405:
        return error_page(request, 405, "web.error.method")
    if status == 413:
        return _too_large(request)
    return error_page(request, 400, "web.error.bad_request")


async def _server_error(request: Request, error: Exception) -> Response:
    log.error("a dashboard page failed: %s", type(error).__name__, exc_info=error)
    return error_page(request, 500, "web.error.server")


def _too_large(request: Request) -> Response:
    limit = services_of(request).config.survey.max_import_bytes
    return error_page(request, 413, "web.error.too_large", limit=format_number(limit))


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413 before anything reads it: the form
    parser (the CSRF check reads every POST's form) would otherwise spool all of it first.
    A declared Content-Length is checked at once, a streamed body as it arrives."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(Request(scope))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413)
            return message

        await self.app(scope, counted, send)


class SecurityHeaders:
    """Headers on every answer: no framing, no sniffing, no referrer (a sign-in URL carries its
    token), and a content policy that allows this site's own scripts and styles only (and the
    map's tiles)."""

    def __init__(self, app: ASGIApp, tile_url: str) -> None:
        self.app = app
        tiles = urlsplit(tile_url.replace("{s}", "a"))
        tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tile_url else ""
        if "{s}" in tile_url:
            tile_origin = f" {tiles.scheme}://*.{tiles.netloc.split('.', 1)[-1]}"
        policy = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data: blob:{tile_origin}; connect-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
        )
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)
