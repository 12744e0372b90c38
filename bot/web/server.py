"""Serving the dashboard with uvicorn inside an asyncio loop that is already running: the bot's
(``ajung-bot run`` with ``[web] enabled``) or its own (``ajung-bot web``).

The process's signals stay with the caller (the bot stops everything on SIGTERM); uvicorn's
access log stays off, because a sign-in URL carries its token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import uvicorn

from bot.config import Config, ConfigError, RolesConfig, load_config
from db.base import utcnow
from db.engine import Database

log = logging.getLogger(__name__)


class FileRoles:
    """The ``[roles]`` of the configuration file, read again when the file changes, so that a
    person removed from them is refused at their next request without a restart. A file that
    no longer reads keeps the last good roles (and says so in the log once per change)."""

    def __init__(self, path: Path, config: Config) -> None:
        self.path = path
        self._roles = config.roles
        self._stamp = self._stamp_now()

    def _stamp_now(self) -> tuple[float, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_mtime, stat.st_size)

    def __call__(self) -> RolesConfig:
        stamp = self._stamp_now()
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            try:
                self._roles = load_config(self.path).roles
            except ConfigError as error:
                log.warning("the changed configuration does not read; roles kept: %s", error)
        return self._roles


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The caller owns SIGTERM/SIGINT and stops the server with stop().
        yield


class WebServer:
    """The dashboard on ``[web] listen``/``port`` (``port`` 0: any free port, see ``port``)."""

    def __init__(
        self,
        config: Config,
        database: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        roles: Callable[[], RolesConfig] | None = None,
        after_move: Callable[[], None] | None = None,
    ) -> None:
        from bot.web.app import create_app

        self.app = create_app(config, database, clock=clock, roles=roles, after_move=after_move)
        self.settings = config.web
        self.port = config.web.port
        self._server = _Server(
            uvicorn.Config(
                self.app,
                host=config.web.listen,
                port=config.web.port,
                access_log=False,
                log_config=None,
                log_level="warning",
                lifespan="off",
                proxy_headers=True,
                server_header=False,
            )
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listening when this returns; an address in use raises OSError."""
        # Bound here, so that a port in use is an OSError for the caller (uvicorn would exit).
        family = socket.AF_INET6 if ":" in self.settings.listen else socket.AF_INET
        sock = socket.create_server((self.settings.listen, self.settings.port), family=family)
        self.port = sock.getsockname()[1]
        self._task = asyncio.create_task(self._server.serve([sock]), name="web dashboard")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise OSError(f"the dashboard could not listen on port {self.port}")
            await asyncio.sleep(0.02)
        log.info("dashboard listening on %s:%d", self.settings.listen, self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None


async def serve_alone(config: Config, config_path: Path) -> None:
    """``ajung-bot web``: the dashboard until SIGTERM or SIGINT, on the migrated database."""
    import signal

    from db import migrate

    database = Database(config.database.url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await migrate.upgrade_if_needed(database)
        server = WebServer(config, database, roles=FileRoles(config_path, config))
        await server.start()
        try:
            await stop.wait()
        finally:
            log.info("stopping the dashboard")
            await server.stop()
    finally:
        await database.dispose()
