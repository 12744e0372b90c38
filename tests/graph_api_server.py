"""WhatsApp's Graph API stand-in (bot.whatsapp.offline) served over real HTTP on 127.0.0.1, and
a sender of signed webhooks, for end-to-end tests of ``ajung-bot run`` as a separate process."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.offline import JSONDict, OfflineBotApi
from bot.whatsapp.driver import WhatsAppPerson, signature
from bot.whatsapp.offline import OfflineGraphApi
from tests.remote import QUIET


class _GraphHandler(RequestHandler):
    def initialize(self, graph: OfflineGraphApi) -> None:
        self.graph = graph

    def log_exception(self, *args: object) -> None:
        """A client that goes away is normal here."""

    async def get(self, path: str) -> None:
        self._answer("GET")

    async def post(self, path: str) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        status, headers, body = self.graph.handle(
            method, self.request.path, dict(self.request.headers), self.request.body
        )
        self.set_status(status)
        for name, value in headers.items():
            self.set_header(name, value)
        self.finish(body)


class GraphApiServer:
    """``async with GraphApiServer(graph) as server:`` then set graph_url to ``server.url``."""

    def __init__(self, graph: OfflineGraphApi) -> None:
        self.graph = graph
        routes = [(r"/(.*)", _GraphHandler, {"graph": graph})]
        self._server = HTTPServer(Application(routes, log_function=lambda _handler: None))
        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        graph.media_base_url = self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> GraphApiServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.stop()
        await self._server.close_all_connections()


class WebhookSender:
    """Posts WhatsApp's webhooks, signed with the app secret, to the bot's webhook URL."""

    def __init__(self, url: str, app_secret: str, graph: OfflineGraphApi) -> None:
        self.url = url
        self.app_secret = app_secret
        self.graph = graph
        self.client = httpx.AsyncClient(timeout=10)

    async def close(self) -> None:
        await self.client.aclose()

    async def post(self, body: dict[str, Any] | bytes, *, signed_with: str | None = "") -> int:
        """POST ``body``; signed with the app secret unless ``signed_with`` is None (unsigned)
        or another secret (forged)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signed_with is not None:
            headers["X-Hub-Signature-256"] = signature(signed_with or self.app_secret, raw)
        response = await self.client.post(self.url, content=raw, headers=headers)
        return response.status_code


class RemoteWhatsAppPerson(WhatsAppPerson):
    """A :class:`WhatsAppPerson` whose messages reach ``ajung-bot run`` by its real webhook."""

    def __init__(self, sender: WebhookSender, telegram: OfflineBotApi, **kwargs: Any) -> None:
        kwargs.setdefault("clock", lambda: datetime.now(UTC))
        super().__init__(None, sender.graph, **kwargs)  # type: ignore[arg-type]
        self.sender = sender
        self.telegram = telegram
        self.statuses: list[int] = []

    async def deliver(self, payload: JSONDict) -> list[JSONDict]:
        mark = len(self.inbox())
        status = await self.sender.post(payload)
        self.statuses.append(status)
        assert status == 200, status
        await settle_both(self.telegram, self.graph)
        return self.inbox()[mark:]


async def settle_both(telegram: OfflineBotApi, graph: OfflineGraphApi, seconds: float = 30) -> None:
    """Wait until the bot made no call to Telegram (but polling) nor WhatsApp for a while."""
    deadline = time.monotonic() + seconds
    seen = (len(telegram.calls), len(graph.requests))
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        busy = [c for c in telegram.calls[seen[0] :] if c.method != "getUpdates"]
        busy += graph.requests[seen[1] :]  # type: ignore[arg-type]
        seen = (len(telegram.calls), len(graph.requests))
        if busy or telegram.pending_updates:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET:
            return
    raise AssertionError("the bot did not finish answering in time")
