"""``/``: the overview (the four IKU, the survey's grade, overdue complaints, trends)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.auth import page
from bot.web.render import render, texts_of, viewer_of


def routes() -> list[BaseRoute]:
    return [page("/", overview, "overview")]


async def overview(request: Request) -> Response:
    t, viewer = texts_of(request), viewer_of(request)
    assert viewer is not None
    names = ", ".join(t(f"web.role.{role}") for role in viewer.roles)
    return render(request, "overview.html", {"role_names": names})
