"""Pages from the shipped Jinja2 templates, in the reader's language.

The language is ``?lang=id|en`` (remembered in a cookie), else the cookie, else
``[bot] default_language``. Every template gets ``t`` (the catalog), ``lang``, ``csrf`` (the
session's token, for forms and htmx), ``nav`` (the pages this person may open),
``format_number`` and the configuration's kecamatan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from i18n import LANGUAGES, Texts
from iku.format import format_number
from iku.report import format_date

if TYPE_CHECKING:
    from bot.web.app import WebServices

LANG_COOKIE = "ajung_bahasa"
LANG_COOKIE_DAYS = 365

ENVIRONMENT = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.globals["format_number"] = format_number


@dataclass(frozen=True)
class Viewer:
    """The signed-in official of a request: id, roles now held, the session's CSRF token."""

    user_id: int
    roles: tuple[str, ...]
    csrf: str
    session_token: str = field(repr=False)


def services_of(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


def language_of(request: Request) -> tuple[str, bool]:
    """The page's language and whether it was chosen now (``?lang=``: remember it)."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        return chosen, True
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered, False
    return services_of(request).config.bot.default_language, False


def texts_of(request: Request) -> Texts:
    return services_of(request).catalog.for_language(language_of(request)[0])


def viewer_of(request: Request) -> Viewer | None:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return viewer


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """``template`` filled with ``context`` and the common values, as an HTML response that no
    cache keeps (the pages hold residents' data)."""
    from bot.web.permissions import NAV, allowed

    services = services_of(request)
    language, chosen = language_of(request)
    t = services.catalog.for_language(language)
    viewer = viewer_of(request)
    roles = services.roles()
    nav = (
        [entry for entry in NAV if allowed(roles, viewer.user_id, entry.permission)]
        if viewer is not None
        else []
    )
    values = {
        "t": t,
        "lang": language,
        "other_lang": "en" if language == "id" else "id",
        "lang_link": _language_link(request, "en" if language == "id" else "id"),
        "viewer": viewer,
        "csrf": viewer.csrf if viewer is not None else "",
        "csrf_field": lambda: _csrf_field(viewer),
        "nav": nav,
        "path": request.url.path,
        "kecamatan": services.config.kecamatan,
        "format_date": lambda day: format_date(day, t),
        **(context or {}),
    }
    body = ENVIRONMENT.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if chosen:
        response.set_cookie(
            LANG_COOKIE,
            language,
            max_age=LANG_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="lax",
            secure=services.config.web.secure,
        )
    return response


def _language_link(request: Request, language: str) -> str:
    """This page in ``language``, its other query values kept (filters, period)."""
    values = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    return f"{request.url.path}?{urlencode([*values, ('lang', language)])}"


def _csrf_field(viewer: Viewer | None) -> Markup:
    token = viewer.csrf if viewer is not None else ""
    return Markup('<input type="hidden" name="csrf" value="{}">').format(token)


def error_page(request: Request, status: int, message_key: str, **values: Any) -> HTMLResponse:
    """A page saying why the request was refused (``message_key`` from ``[web.error]``)."""
    t = texts_of(request)
    return render(
        request,
        "error.html",
        {"title": t(f"web.error.title_{status}"), "message": t(message_key, **values)},
        status=status,
    )
