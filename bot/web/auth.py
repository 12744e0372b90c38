"""Signing in with a one-time link, sessions, CSRF and the role check of every request.

* ``GET /masuk/<token>`` uses the link (once, before it expires), opens a session and sets its
  cookie: HttpOnly, SameSite=Lax, Secure when ``[web] base_url`` is https, for
  ``[web] session_hours``. Only the token's hash is stored.
* ``POST /keluar`` ends the session on the server and removes the cookie.
* :func:`page` makes every other route: it finds the session (none: 401), checks the CSRF token
  of every POST (form field ``csrf`` or header ``X-CSRF-Token``; wrong or missing: 403), then
  the route's permission against the CURRENT ``[roles]`` (a person removed from them is
  refused at their next request: 403).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.permissions import PERMISSIONS, allowed, roles_held
from bot.web.render import Viewer, error_page, render, services_of
from db import web

log = logging.getLogger(__name__)

SESSION_COOKIE = "ajung_sesi"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD")
# Any signed-in session, whatever its roles (signing out).
SIGNED_IN = ""

Endpoint = Callable[[Request], Awaitable[Response]]


def page(
    path: str,
    endpoint: Endpoint,
    permission: str,
    *,
    methods: Sequence[str] = SAFE_METHODS,
    name: str | None = None,
) -> Route:
    """A route of the dashboard, guarded: session, CSRF on POST, ``permission``'s roles.

    The endpoint finds the official in ``request.state.viewer`` (:class:`Viewer`).
    """
    if permission != SIGNED_IN and permission not in PERMISSIONS:
        raise KeyError(f"no permission {permission!r} in bot.web.permissions.PERMISSIONS")

    async def guarded(request: Request) -> Response:
        services = services_of(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        record = None
        if token:
            async with services.database.sessions() as session:
                record = await web.fetch_session(session, token, services.clock())
        if record is None:
            return error_page(request, 401, "web.error.signed_out")
        if request.method not in SAFE_METHODS and not await _csrf_valid(request, record.csrf_token):
            log.info("a dashboard POST without a valid CSRF token was refused")
            return error_page(request, 403, "web.error.csrf")
        roles = services.roles()
        request.state.viewer = Viewer(
            record.user_id, roles_held(roles, record.user_id), record.csrf_token, token
        )
        if permission != SIGNED_IN and not allowed(roles, record.user_id, permission):
            log.info("a dashboard page was refused: the role does not allow it")
            return error_page(request, 403, "web.error.not_allowed")
        return await endpoint(request)

    guarded.__name__ = endpoint.__name__
    guarded.permission = permission  # type: ignore[attr-defined]
    return Route(path, guarded, methods=list(methods), name=name or endpoint.__name__)


async def _csrf_valid(request: Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else ""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


async def sign_in(request: Request) -> Response:
    """``/masuk/<token>``: a valid link opens a session and leads to the overview (or to the
    page of ``?ke=``)."""
    services = services_of(request)
    token = request.path_params["token"]
    now = services.clock()
    config = services.config
    async with services.database.transaction() as session:
        # Links and sessions a day past their end are of no use any more.
        await web.delete_expired(session, now - timedelta(days=1))
        user_id = await web.consume_link(session, token, now)
        if user_id is None:
            log.info("a sign-in link was refused: unknown, used or expired")
            return error_page(request, 403, "web.error.link_invalid")
        if not roles_held(services.roles(), user_id):
            log.info("a sign-in link was refused: its user no longer holds a role")
            return error_page(request, 403, "web.error.not_allowed")
        session_token = secrets.token_urlsafe(32)
        await web.record_session(
            session,
            token=session_token,
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + timedelta(hours=config.web.session_hours),
        )
    response = RedirectResponse(_next_page(request.query_params.get("ke", "")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        max_age=config.web.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=config.web.secure,
    )
    return response


def _next_page(wanted: str) -> str:
    """Where a link leads after signing in (``?ke=/laporan/TRB-2025-0001``): a page of this
    site only, never another site (``//host``, ``https://``, ``/\\host``); else the overview."""
    if wanted.startswith("/") and not wanted.startswith(("//", "/\\")) and "\\" not in wanted:
        return wanted
    return "/"


async def sign_out(request: Request) -> Response:
    """``POST /keluar``: the session ends on the server; the browser forgets the cookie."""
    services = services_of(request)
    viewer = request.state.viewer
    async with services.database.transaction() as session:
        await web.end_session(session, viewer.session_token, services.clock())
    request.state.viewer = None
    response = render(request, "signed_out.html")
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=services.config.web.secure
    )
    return response


def routes() -> list[Route]:
    return [
        Route("/masuk/{token}", sign_in, methods=["GET"], name="sign_in"),
        page("/keluar", sign_out, SIGNED_IN, methods=["POST"], name="sign_out"),
    ]
