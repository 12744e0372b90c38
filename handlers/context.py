"""What every handler and job can reach through ``context``: config, database, texts, clock."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Config
from bot.processor import HANDLING, PerChatUpdateProcessor
from db.base import utcnow
from db.engine import Database
from i18n import Catalog, Texts, catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MenuEntry:
    """One button of the main menu: its catalog key and the callback data it sends."""

    text_key: str
    data: str


@dataclass(frozen=True)
class Services:
    """The application's shared resources, built once by ``bot.app.build_application``."""

    config: Config
    database: Database
    catalog: Catalog = field(default_factory=catalog)
    menu: tuple[MenuEntry, ...] = ()
    # Injected so tests can move time forward (idle conversations, due dates).
    clock: Callable[[], datetime] = utcnow
    # Work started by an update that need not hold it up (see run_in_background).
    background: set[asyncio.Task[Any]] = field(default_factory=set)


class AppContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """CallbackContext with typed access to :class:`Services` and the person's language."""

    @property
    def services(self) -> Services:
        return services_of(self.application)

    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def database(self) -> Database:
        return self.services.database

    @property
    def texts(self) -> Texts:
        """The catalog in the language this person chose with /bahasa (else the default)."""
        return self.services.catalog.for_language(self.language)

    @property
    def language(self) -> str:
        chosen = self.user_data.get("lang") if self.user_data is not None else None
        return chosen or self.config.bot.default_language


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services: Services = application.bot_data["services"]
    return services


def run_in_background(
    application: Application[Any, Any, Any, Any, Any, Any],
    coroutine: Coroutine[Any, Any, Any],
    name: str,
) -> None:
    """Run ``coroutine`` beside the update that started it, which then ends without waiting.

    For follow-up work the person is not waiting for (posting a complaint's card to the
    officials once the reporter has their code). :func:`settle` awaits it, as ``bot.app.running``
    does before the application stops; a failure is logged.
    """
    tasks = services_of(application).background

    def finished(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("%s failed", name, exc_info=error)

    # Its own work, not the update's: it waits for quiet moments (when_quiet).
    background = contextvars.copy_context()
    background.run(HANDLING.set, False)
    task = asyncio.create_task(coroutine, name=name, context=background)
    tasks.add(task)
    task.add_done_callback(finished)


# The longest a step of background work waits for a quiet moment (see :func:`when_quiet`):
# at half load a busy stretch lasts a few milliseconds; under a flood there is none, and the
# work goes on at this pace.
QUIET_WAIT_SECONDS = 0.05


async def when_quiet(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before a step of background work: wait (a little) until no update is being handled,
    so that residents waiting for their answer go first (see ``PerChatUpdateProcessor.quiet``)."""
    processor = getattr(application, "update_processor", None)
    if isinstance(processor, PerChatUpdateProcessor):
        await processor.quiet(QUIET_WAIT_SECONDS)


async def settle(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wait until the background work started so far (and what it started) is done."""
    services: Services | None = application.bot_data.get("services")
    while services is not None and services.background:
        await asyncio.gather(*services.background, return_exceptions=True)
