"""``ajung-bot run``: serve Telegram (and WhatsApp's webhook when enabled) until SIGTERM or
SIGINT, then stop cleanly.

The lifecycle is written out (rather than ``run_polling``) so that migrations run before the
persisted conversations are loaded, and so that the state is flushed on every kind of stop.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError

from bot.app import BotApplication, Stopped, build_application, running, unless_stopped
from bot.config import Config
from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.webhook import WebhookServer
from handlers import delivery
from handlers.context import services_of

if TYPE_CHECKING:
    from bot.web.server import WebServer

log = logging.getLogger(__name__)


async def serve(
    config: Config, *, webhook_url: str | None = None, config_path: Path | None = None
) -> None:
    """Serve until SIGTERM or SIGINT, which also end the waits for the Bot API at start.

    With ``[web] enabled`` the dashboard is served too, in the same loop; it reads ``[roles]``
    again from ``config_path`` when the file changes."""
    application = build_application(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running(application, stop=stop):
            await _serve_until(stop, application, config, webhook_url, config_path)
    except Stopped:
        log.info("stopped before the bot was ready")


async def _serve_until(
    stop: asyncio.Event,
    application: BotApplication,
    config: Config,
    webhook_url: str | None,
    config_path: Path | None = None,
) -> None:
    updater = application.updater
    assert updater is not None
    whatsapp = None
    dashboard = None
    try:
        # Its first call (deleteWebhook or setWebhook) is retried for as long as it fails.
        await unless_stopped(_receive_updates(application, config, webhook_url), stop)
        whatsapp = await _serve_whatsapp(application, config)
        dashboard = await _serve_dashboard(application, config, config_path)
        how = "webhook" if webhook_url else "long polling"
        log.info("ready: %s%s", how, " and the WhatsApp webhook" if whatsapp else "")
        await stop.wait()
    finally:
        log.info("stopping: finishing the updates in hand and saving state")
        if dashboard is not None:
            await dashboard.stop()
        if whatsapp is not None:
            await whatsapp.stop()
        if updater.running:
            await updater.stop()


async def _serve_whatsapp(application: BotApplication, config: Config) -> WebhookServer | None:
    """WhatsApp's webhook beside Telegram's polling or webhook, when ``[whatsapp] enabled``."""
    channel = whatsapp_of(application)
    if channel is None:
        return None
    server = WebhookServer(channel, config.whatsapp)
    await server.start()
    return server


async def _serve_dashboard(
    application: BotApplication, config: Config, config_path: Path | None
) -> WebServer | None:
    """The officials' dashboard beside the bot, when ``[web] enabled``."""
    if not config.web.enabled:
        return None
    # Imported here: uvicorn and Starlette are not loaded by a bot without the dashboard.
    from bot.web.server import FileRoles, WebServer

    services = services_of(application)
    roles = FileRoles(config_path, config) if config_path is not None else None
    server = WebServer(
        config,
        services.database,
        clock=services.clock,
        roles=roles,
        after_move=lambda: delivery.kick(application),
    )
    await server.start()
    return server


async def _receive_updates(
    application: BotApplication, config: Config, webhook_url: str | None
) -> None:
    updater = application.updater
    assert updater is not None
    if webhook_url is None:
        await updater.start_polling(
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,
            error_callback=_polling_error,
        )
        return
    # Telegram sends the secret in a header with every request; python-telegram-bot refuses
    # requests without it, so only Telegram can feed the webhook.
    secret = config.telegram.webhook_secret or secrets.token_urlsafe(32)
    await updater.start_webhook(
        listen=config.telegram.webhook_listen,
        port=config.telegram.webhook_port,
        url_path=urlsplit(webhook_url).path.lstrip("/"),
        webhook_url=webhook_url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
        bootstrap_retries=-1,
    )


def _polling_error(error: TelegramError) -> None:
    # One line: the library would log a traceback for every failed poll of a flaky server.
    log.warning("polling failed, will retry: %s: %s", type(error).__name__, error)
