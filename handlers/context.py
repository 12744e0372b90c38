"""What every handler and job can reach through ``context``: config, database, texts, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Config
from db.base import utcnow
from db.engine import Database
from i18n import Catalog, Texts, catalog


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
