"""Composition root: builds the python-telegram-bot Application from the configuration.

Nothing here decides behaviour; it wires the handler modules, the persistence, the per-chat
update processor and the schedule together. Handler order matters and is set in :func:`register`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from telegram import BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import jobs
from bot.config import Config
from bot.persistence import DatabasePersistence
from bot.processor import PerChatUpdateProcessor
from bot.whatsapp.channel import BOT_DATA_KEY, WhatsAppChannel, whatsapp_of
from bot.whatsapp.delivery import WhatsAppSender
from bot.whatsapp.request import ChannelRouter, TelegramRateLimiter
from db import migrate
from db.base import utcnow
from db.engine import Database
from db.residents import WHATSAPP
from handlers import common, complaint, delivery, iku, plans, survey, trantib, web
from handlers.context import AppContext, Services, services_of, settle
from handlers.officials import ALL_ROLES, OFFICIAL_COMMANDS
from i18n import catalog

log = logging.getLogger(__name__)

T = TypeVar("T")

BotApplication = Application[Any, AppContext, dict[str, Any], dict[str, Any], dict[str, Any], Any]

# Allocations between two collections of the youngest generation (CPython 3.11's default:
# 700); see settled_memory.
GC_YOUNG_THRESHOLD = 50_000

# Commands shown in Telegram's menu button, in the order shown: (command, catalog key).
COMMANDS = (
    ("start", "commands.start"),
    ("lapor", "commands.report"),
    ("status", "commands.status"),
    ("survei", "commands.survey"),
    ("bantuan", "commands.help"),
    ("bahasa", "commands.language"),
    ("batal", "commands.cancel"),
    ("id", "commands.id"),
)


def build_application(
    config: Config,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    clock: Callable[[], datetime] = utcnow,
    rate_limit: bool = True,
    extra_dialogues: Sequence[BaseHandler[Any, Any, Any]] = (),
    update_processor: PerChatUpdateProcessor | None = None,
    whatsapp_transport: httpx.AsyncBaseTransport | None = None,
) -> BotApplication:
    """The bot, ready for ``run_polling``/``run_webhook`` or for driving in-process.

    ``request``/``updates_request`` replace the network (the offline Bot API of local mode and
    tests); ``clock`` replaces the wall clock in tests; ``extra_dialogues`` are registered with
    the bot's own dialogues (tests use it for a dialogue of their own); ``update_processor``
    replaces the per-chat processor (benchmarks time every update with a subclass);
    ``whatsapp_transport`` replaces the Graph API's network (an in-process stand-in).
    """
    database = Database(config.database.url)
    builder = (
        ApplicationBuilder()
        .token(token or config.telegram.token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(ContextTypes(context=AppContext))
        .persistence(
            DatabasePersistence(
                database,
                update_interval=config.conversation.persistence_interval_seconds,
                clock=clock,
            )
        )
        .concurrent_updates(update_processor or PerChatUpdateProcessor())
    )
    if rate_limit:
        # Retries only RetryAfter (429) answers, never a timeout: a timed-out message may have
        # arrived, and sending it twice confuses a resident more than a missing one.
        builder = builder.rate_limiter(TelegramRateLimiter(max_retries=3))  # type: ignore[arg-type]
    whatsapp = None
    if config.whatsapp.enabled:
        # Every Bot API call passes the router; those for WhatsApp chats never reach Telegram.
        whatsapp = WhatsAppChannel(config, database, transport=whatsapp_transport)
        builder = builder.request(ChannelRouter(request or _telegram_request(), whatsapp))
        if request is not None:
            builder = builder.get_updates_request(updates_request or request)
    elif request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application: BotApplication = builder.build()
    if whatsapp is not None:
        application.bot_data[BOT_DATA_KEY] = whatsapp
        whatsapp.bind(application)
        # The outbox's entries for WhatsApp residents go through the channel, not the Bot API.
        delivery.add_sender(application, WHATSAPP, WhatsAppSender(whatsapp))
    menu = (*complaint.MENU, *survey.MENU, *common.MENU)
    application.bot_data["services"] = Services(
        config=config, database=database, catalog=catalog(), menu=menu, clock=clock
    )
    register(application, extra_dialogues)
    jobs.install(application, config)
    return application


def register(
    application: BotApplication, extra_dialogues: Sequence[BaseHandler[Any, Any, Any]] = ()
) -> None:
    """Handlers in the order they must be tried.

    group -1: bookkeeping that sees every update (who is talking) and never answers.
    group 0: buttons no handler may see (forged, without data) are refused; then the
             dialogues, so that inside a dialogue its own steps win (the resident's
             report form before the rating, whose comment step lets other input pass; the
             survey's ``/start skm_<SERVICE>`` deep link before the global /start); then the
             feature commands and buttons, including the officials' group messages (their
             notes), which must come before the global /batal; then the global commands and
             menu buttons; last, the catch-all that answers anything unknown.
    group 1: bookkeeping again, after every answer: who was talking is committed.
    """
    application.add_handler(TypeHandler(object, common.remember_person), group=-1)
    # Last of all: the sender's residents row, left to the dialogue step's batch by
    # remember_person, is committed before the update ends (and so before the chat's next).
    application.add_handler(TypeHandler(object, common.settle_person), group=1)
    dialogues = [
        *extra_dialogues,
        *complaint.dialogues(),
        trantib.entry_form(),
        survey.dialogue(),
        *plans.dialogues(),
    ]
    others = [
        *complaint.handlers(),
        *trantib.handlers(),
        *survey.handlers(),
        *iku.handlers(),
        *web.handlers(),
    ]
    everything = [*common.guards(), *dialogues, *others, *common.handlers(), *common.catch_all()]
    for handler in everything:
        application.add_handler(handler)
    application.add_error_handler(common.on_error)


class Stopped(Exception):
    """Asked to stop (SIGTERM, SIGINT) before the bot was ready."""


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event | None) -> T:
    """``await work``, or cancel it and raise :class:`Stopped` as soon as ``stop`` is set.

    For the waits of the start (a Bot API server that keeps failing is retried for minutes, or
    for ever) that must not outlast a SIGTERM: systemd kills what does not stop in time.
    """
    task = asyncio.ensure_future(work)
    if stop is None:
        return await task
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        raise Stopped
    return task.result()


@asynccontextmanager
async def running(
    application: BotApplication, *, set_commands: bool = True, stop: asyncio.Event | None = None
) -> AsyncIterator[None]:
    """The application started (database migrated, state loaded, jobs on) for the ``with`` body.

    Migrations come first because initialising the application loads the persisted
    conversations from their tables. On the way out the state is flushed, then the engine closed.
    Setting ``stop`` while the Bot API is still being waited for raises :class:`Stopped`.
    """
    database = services_of(application).database
    await migrate.upgrade_if_needed(database)
    try:
        await _initialize(application, stop)
        async with application:
            if set_commands:
                await publish_commands(application)
            await application.start()
            whatsapp = whatsapp_of(application)
            if whatsapp is not None:
                await whatsapp.resume()
            with settled_memory():
                try:
                    yield
                finally:
                    if whatsapp is not None:
                        await whatsapp.settle()
                    await application.stop()
                    # What the last updates started (a complaint's card) still gets done.
                    await settle(application)
    finally:
        # Also when the start failed or was stopped: the Graph API's connections are closed.
        if (whatsapp := whatsapp_of(application)) is not None:
            await whatsapp.close()
        await database.dispose()


@contextmanager
def settled_memory(young_threshold: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """The garbage collector tuned for a bot that serves many chats at once.

    Everything loaded at start (libraries, handlers, the persisted conversations) is moved out
    of the collector's way: its full passes otherwise rescan them every time, and each pass
    stalls every chat for tens of milliseconds once thousands of conversations are held.

    The youngest generation is collected after ``young_threshold`` allocations instead of
    CPython 3.11's 700. With hundreds of updates in flight, each holding its objects across
    awaits, a collection every 700 allocations found most of them still alive and promoted
    them; they died in the oldest generation and kept triggering full passes over the whole
    heap (with 2,000 residents at once: 43 full passes, a quarter of the run). Collected less
    often, they die young. The process's own settings come back on the way out.
    """
    gc.collect()
    gc.freeze()
    previous = gc.get_threshold()
    gc.set_threshold(young_threshold, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _telegram_request() -> BaseRequest:
    """The request python-telegram-bot would have built itself for the Bot API calls."""
    return HTTPXRequest(connection_pool_size=256)


async def _initialize(
    application: BotApplication, stop: asyncio.Event | None, attempts: int = 8
) -> None:
    """Initialise, riding out a Bot API server that is briefly down or throttling at start,
    unless asked to stop meanwhile; the connections opened for the tries are closed on failure.
    """
    try:
        await unless_stopped(_initialize_with_retries(application, attempts), stop)
    except BaseException:
        await application.bot.shutdown()
        raise


async def _initialize_with_retries(application: BotApplication, attempts: int) -> None:
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            await application.initialize()
            return
        except (NetworkError, TimedOut, RetryAfter) as error:
            if attempt == attempts:
                raise
            if isinstance(error, RetryAfter):
                wait = error.retry_after
                delay = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            name = type(error).__name__
            log.warning("Bot API unavailable at start (%s); retry in %.0f s", name, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)


async def publish_commands(application: BotApplication) -> None:
    """Telegram's command menu, in Indonesian by default and in English for English phones.

    Officials get their own commands (:data:`handlers.officials.OFFICIAL_COMMANDS`, those their
    role may use) added in their private chat. An official who has not yet
    opened a chat with the bot cannot be given a menu ("chat not found"); that is logged, and
    the next start tries again.
    """
    services = services_of(application)
    texts = services.catalog.for_language
    roles = services.config.roles
    officials = {user for role in ALL_ROLES for user in getattr(roles, role)}
    for language in ("id", "en"):
        t = texts(language)
        code = None if language == "id" else language
        everyone = [BotCommand(name, t(key)) for name, key in COMMANDS]
        await application.bot.set_my_commands(everyone, language_code=code)
        for user_id in sorted(officials):
            extra = [
                BotCommand(command.name, t(command.description))
                for command in OFFICIAL_COMMANDS
                if roles.has(user_id, *command.roles)
            ]
            try:
                await application.bot.set_my_commands(
                    everyone + extra, scope=BotCommandScopeChat(user_id), language_code=code
                )
            except BadRequest as error:
                log.info("no command menu for an official yet: %s", error.message)
