"""The offline Bot API served over real HTTP on 127.0.0.1, for end-to-end tests of
``ajung-bot run`` as a separate process (the way an independent Bot API server would)."""

from __future__ import annotations

import json
import time
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.offline import OfflineBotApi, _Upload


class _BotApiHandler(RequestHandler):
    def log_exception(self, *args: object) -> None:
        """A client that goes away mid-poll is normal here."""

    def initialize(self, api: OfflineBotApi, arrivals: list[tuple[str, float]]) -> None:
        self.api = api
        self.arrivals = arrivals

    async def get(self, path: str) -> None:
        status, body = self.api.download(self.request.full_url())
        self.set_status(status)
        self.finish(body)

    async def post(self, path: str) -> None:
        self.arrivals.append((path.rsplit("/", 1)[-1], time.perf_counter()))
        if self.api.token not in path:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = path.rstrip("/").rsplit("/", 1)[-1]
        status, body = await self.api.call(method, self._params(), self._uploads())
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def _params(self) -> dict[str, Any]:
        # python-telegram-bot sends form fields whose values are JSON (or plain strings).
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            return dict(json.loads(self.request.body or b"{}"))
        params: dict[str, Any] = {}
        for name, values in self.request.body_arguments.items():
            raw = values[-1].decode()
            try:
                params[name] = json.loads(raw)
            except ValueError:
                params[name] = raw
        return params

    def _uploads(self) -> dict[str, _Upload]:
        return {
            name: _Upload(files[0].filename, files[0].body, files[0].content_type)
            for name, files in self.request.files.items()
        }


class BotApiServer:
    """``async with BotApiServer(api) as server:`` then point base_url at ``server.base_url``."""

    def __init__(self, api: OfflineBotApi) -> None:
        self.api = api
        # (method, time.perf_counter()) of every request as it arrives, before it is answered.
        self.arrivals: list[tuple[str, float]] = []
        handler_args = {"api": api, "arrivals": self.arrivals}
        routes = [(r"/(.*)", _BotApiHandler, handler_args)]
        # No access log: a poll cut short by the bot's shutdown is normal, not an error.
        self._server = HTTPServer(Application(routes, log_function=lambda _handler: None))
        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> BotApiServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.stop()
        await self._server.close_all_connections()
