"""The dashboard on the test database, driven over HTTP in process (httpx + ASGITransport).

* ``app``: :func:`bot.web.app.create_app` on the test database, with the test ``clock`` and
  ``roles`` (a :class:`Roles` holder: ``roles.remove(user_id)`` takes a person out of
  ``[roles]``, as editing the file would).
* ``client``: a :class:`WebClient` (``httpx.AsyncClient`` that keeps cookies; ``client.app``).
* ``await signed_in(client, user_id)`` signs in through a real one-time link and returns the
  session's CSRF token (for POSTs: form field ``csrf`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from bot.config import Config, RolesConfig
from bot.web.app import WebServices, create_app
from bot.web.auth import SESSION_COOKIE
from bot.web.links import issue_link
from db import web
from db.engine import Database
from handlers import delivery
from tests.factories import BotHarness, Clock


class Roles:
    """The CURRENT ``[roles]`` the app asks at every request; tests change them."""

    def __init__(self, roles: RolesConfig) -> None:
        self.roles = roles

    def __call__(self) -> RolesConfig:
        return self.roles

    def remove(self, user_id: int) -> None:
        self.roles = RolesConfig(
            **{
                role: tuple(u for u in getattr(self.roles, role) if u != user_id)
                for role in RolesConfig.model_fields
            }
        )


class WebClient(httpx.AsyncClient):
    """An httpx client on the app (no network), keeping cookies like a browser."""

    def __init__(self, app: Starlette, base_url: str) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.app = app

    @property
    def services(self) -> WebServices:
        services: WebServices = self.app.state.services
        return services


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def roles(config: Config) -> Roles:
    return Roles(config.roles)


@pytest.fixture
def app(config: Config, database: Database, clock: Clock, roles: Roles) -> Starlette:
    return create_app(config, database, clock=clock, roles=roles)


@pytest.fixture
async def client(app: Starlette, config: Config) -> AsyncIterator[WebClient]:
    async with WebClient(app, config.web.base_url) as web_client:
        yield web_client


async def new_link(client: WebClient, user_id: int) -> str:
    """A sign-in link's path (``/masuk/<token>``) for ``user_id``, as /web would send it."""
    services = client.services
    url = await issue_link(services.database, services.config, user_id, services.clock())
    return urlsplit(url).path


async def signed_in(client: WebClient, user_id: int) -> str:
    """Sign ``client`` in as ``user_id`` through a real link; the session's CSRF token."""
    response = await client.get(await new_link(client, user_id))
    assert response.status_code == 303, response.text
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    services = client.services
    async with services.database.sessions() as session:
        record = await web.fetch_session(session, token, services.clock())
    assert record is not None
    return record.csrf_token


def page_text(html: str) -> str:
    """The words of a page as a person reads them (tags dropped, spaces folded)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    for entity, char in (
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&#34;", '"'),
        ("&#39;", "'"),
    ):
        text = text.replace(entity, char)
    return " ".join(text.split())


@pytest.fixture
async def bot_client(bot: BotHarness, roles: Roles) -> AsyncIterator[WebClient]:
    """The dashboard beside the running test bot, as ``run`` serves it: same database, same
    clock (``bot.clock``), a move starts the bot's outbox delivery."""
    database = Database(bot.config.database.url)
    app = create_app(
        bot.config,
        database,
        clock=bot.clock,
        roles=roles,
        after_move=lambda: delivery.kick(bot.application),
    )
    async with WebClient(app, bot.config.web.base_url) as web_client:
        yield web_client
    await database.dispose()
