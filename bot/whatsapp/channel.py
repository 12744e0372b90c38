"""The WhatsApp channel: residents' messages in, the bot's answers out, and the 24-hour window.

Inbound (:meth:`WhatsAppChannel.receive`): the messages of a verified webhook are stored first
(once per WhatsApp message id), then each becomes an ``Update`` for the bot's own Application,
processed through its per-chat processor, so one resident's messages run in order and a slow
one does not hold up the others. A message is marked handled only once processed; those still
pending when the bot stopped are processed at the next start (:meth:`WhatsAppChannel.resume`).

Outbound (:meth:`WhatsAppChannel.call`, reached through ``bot.whatsapp.request.ChannelRouter``): the
Bot API calls python-telegram-bot makes for a WhatsApp chat are answered here, in
Telegram's shape, and what they say goes to the Graph API in WhatsApp's form
(:mod:`bot.whatsapp.rules`). An edit becomes a new message, removing buttons does nothing.

The outbox's entries for WhatsApp residents (the news of a complaint, the rating invitation)
do not pass the Bot API: ``bot.whatsapp.delivery`` hands them to :meth:`WhatsAppChannel.send_news`
with the template their payload names, so nothing WhatsApp-specific is ever put on a Bot API
call, and none can reach Telegram.

The window: WhatsApp delivers free-form messages only within 24 hours of the resident's last
message. Outside it (known from the stored messages, or told by error 131047) the messages are
held, and when the message carries a template (the news of a complaint does) that approved
template goes instead; the held messages follow as soon as the resident writes again or taps
the template's button.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import mimetypes
import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
from telegram import Update
from telegram.error import TimedOut

from bot.config import Config
from bot.whatsapp import inbound
from bot.whatsapp.graph import (
    ATTEMPTS,
    UNDELIVERABLE,
    WINDOW_CLOSED,
    GraphClient,
    GraphError,
    GraphTimeout,
)
from bot.whatsapp.inbound import MEDIA_PREFIX, QUERY_PREFIX, PayloadError, StatusReport
from bot.whatsapp.rules import (
    Choice,
    Words,
    compose,
    match_typed,
    rewordings,
    template_message,
)
from db import residents
from db import whatsapp as queries
from db.engine import Database
from db.residents import WA_BASE, identity
from db.upsert import Direct
from handlers.context import services_of

log = logging.getLogger(__name__)

# A webhook body's messages to store, and who waits for them to be committed.
_ToStore = tuple[list[queries.NewInbound], asyncio.Future[Any]]

JSONDict = dict[str, Any]
Answer = tuple[int, JSONDict]

WINDOW: Final = timedelta(hours=24)
# Sent a little before the window closes, a message might arrive after it: leave a margin.
WINDOW_MARGIN: Final = timedelta(minutes=5)
CLOSED: Final = datetime.min.replace(tzinfo=UTC)
KEEP_HANDLED: Final = timedelta(days=14)
"""Handled messages are kept this long for the duplicate check (WhatsApp redelivers for days)."""
REMEMBERED_SENDS: Final = 5000
MEDIA_PATH: Final = "whatsapp-media/"
# Bot API methods that make no sense on WhatsApp and are answered without doing anything.
BOT_DATA_KEY: Final = "whatsapp"
NOTHING_TO_DO: Final = frozenset({"editmessagereplymarkup", "sendchataction", "deletemessage"})


@dataclass(frozen=True)
class _Sent:
    """A message the Graph API accepted, kept a while in case a "failed" status follows."""

    wa_id: str
    message: JSONDict
    template: JSONDict | None


class WhatsAppChannel:
    """WhatsApp's side of one bot: the Graph API client, the window, the offered choices."""

    def __init__(
        self,
        config: Config,
        database: Database,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.settings = config.whatsapp
        self.database = database
        self.graph = GraphClient(config.whatsapp, transport=transport)
        self._application: Any = None
        self._last_message: dict[str, datetime] = {}
        self._offered: dict[int, tuple[Choice, ...]] = {}
        self._words_by_language: dict[str, Words] = {}
        self._sent: OrderedDict[str, _Sent] = OrderedDict()
        # Residents with held messages (loaded at start): the others cost no query per message.
        self._holding: set[str] = set()
        self._message_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        # Messages processed but not yet marked handled in the database (see _mark_handled).
        self._handled: list[int] = []
        self._marking: asyncio.Task[None] | None = None
        # Webhook bodies waiting for their messages to be stored (see _store).
        self._to_store: list[_ToStore] = []
        self._storing: asyncio.Task[None] | None = None

    def bind(self, application: Any) -> None:
        """The Application whose updates the messages become (built after this channel)."""
        self._application = application

    @property
    def application(self) -> Any:
        assert self._application is not None, "bind() the channel to its Application first"
        return self._application

    def now(self) -> datetime:
        return services_of(self.application).clock()

    async def close(self) -> None:
        await self.settle()
        await self.graph.close()

    # ------------------------------------------------------------------ which calls are ours

    @staticmethod
    def owns(params: JSONDict) -> bool:
        """Whether a Bot API call is aimed at WhatsApp (a chat, a button press, a media)."""
        chat = params.get("chat_id")
        if isinstance(chat, int) and chat >= WA_BASE:
            return True
        query = params.get("callback_query_id")
        if isinstance(query, str) and query.startswith(QUERY_PREFIX):
            return True
        file_id = params.get("file_id")
        return isinstance(file_id, str) and file_id.startswith(MEDIA_PREFIX)

    @staticmethod
    def owns_download(url: str) -> bool:
        return f"/{MEDIA_PATH}" in url

    # ------------------------------------------------------------------ outbound

    async def call(self, method: str, params: JSONDict) -> Answer:
        """Answer a Bot API call for WhatsApp as Telegram would: ``(http_status, body)``."""
        try:
            result = await self._call(method.lower(), params)
        except GraphTimeout:
            raise TimedOut("WhatsApp did not answer in time") from None
        except GraphError as error:
            return _failure(error)
        if result is None:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": f"Bad Request: {method} is not available on WhatsApp",
            }
        return 200, {"ok": True, "result": result}

    async def _call(self, method: str, params: JSONDict) -> Any:
        if method in ("sendmessage", "editmessagetext", "editmessagecaption"):
            key = "caption" if method == "editmessagecaption" else "text"
            return await self._send(int(params["chat_id"]), params, key)
        if method in NOTHING_TO_DO:
            chat = params.get("chat_id")
            return self._result(int(chat), "") if chat is not None else True
        if method == "answercallbackquery":
            return await self._notice(str(params["callback_query_id"]), params.get("text"))
        if method == "getfile":
            return await self._file(str(params["file_id"]))
        return None

    async def _send(self, person: int, params: JSONDict, key: str) -> JSONDict:
        out = compose(params, self._words(person), text_key=key)
        self._offered[person] = out.choices
        await self._deliver(person, out.messages, None)
        return self._result(person, str(params.get(key) or ""))

    async def send_news(self, person: int, params: JSONDict, template: JSONDict | None) -> None:
        """A message the outbox owes a resident, given as ``sendMessage`` parameters (text,
        parse mode, inline keyboard): sent now or, outside the window, held with ``template``
        (``{"name": <key of [whatsapp.templates]>, "language", "parameters"}``) sent instead.

        Raises :class:`GraphError` and :class:`GraphTimeout` for the outbox to judge, after one
        try: the outbox backs off itself, and a Graph API outage must not hold its delivery
        (Telegram's news included) for the client's retries of every resident. The choices it
        offers (the rating) are what a typed answer names from then on; a message without any
        leaves the dialogue's choices as they were.
        """
        out = compose(params, self._words(person))
        if out.choices:
            self._offered[person] = out.choices
        await self._deliver(person, out.messages, template, attempts=1)

    async def _notice(self, query_id: str, text: object) -> bool:
        """A button press's short answer ("this button is no longer valid"): a text message."""
        if text:
            person = int(query_id.removeprefix(QUERY_PREFIX).split(":", 1)[0])
            out = compose({"text": str(text)}, self._words(person))
            await self._deliver(person, out.messages, None)
        return True

    async def _file(self, file_id: str) -> JSONDict:
        media_id = file_id.removeprefix(MEDIA_PREFIX)
        media = await self.graph.media(media_id)
        suffix = mimetypes.guess_extension(media.mime_type.split(";")[0]) or ".jpg"
        return {
            "file_id": file_id,
            "file_unique_id": media_id[:64],
            "file_size": media.file_size,
            "file_path": f"{MEDIA_PATH}{media_id}{suffix}",
        }

    async def media_bytes(self, file_id_or_url: str) -> bytes:
        """The content of a resident's media, by its file id or the download URL of getFile."""
        tail = file_id_or_url.rsplit(f"/{MEDIA_PATH}", 1)[-1]
        media_id = tail.removeprefix(MEDIA_PREFIX).rsplit(".", 1)[0]
        media = await self.graph.media(media_id)
        return await self.graph.download(media.url)

    async def download(self, url: str) -> tuple[int, bytes]:
        """A GET of a file path :meth:`_file` handed out (the photo kept under photo_dir)."""
        try:
            return 200, await self.media_bytes(url)
        except GraphTimeout:
            raise TimedOut("WhatsApp did not answer in time") from None
        except GraphError as error:
            status, body = _failure(error)
            return status, json.dumps(body).encode()

    async def _deliver(
        self,
        person: int,
        messages: Sequence[JSONDict],
        template: JSONDict | None,
        *,
        attempts: int = ATTEMPTS,
    ) -> None:
        """Send ``messages`` now, or hold them (with the template sent instead) outside the
        window; each call to the Graph API tried up to ``attempts`` times."""
        wa_id = identity(person)[1]
        if not await self._window_open(wa_id):
            await self._hold_instead(person, messages, template, attempts)
            return
        for index, message in enumerate(messages):
            try:
                message_id = await self.graph.send(wa_id, message, attempts=attempts)
            except GraphError as error:
                if error.code != WINDOW_CLOSED:
                    raise
                self._last_message[wa_id] = CLOSED
                await self._hold_instead(person, messages[index:], template, attempts)
                return
            self._remember(message_id, _Sent(wa_id, message, template))

    async def _hold_instead(
        self,
        person: int,
        messages: Sequence[JSONDict],
        template: JSONDict | None,
        attempts: int = ATTEMPTS,
    ) -> None:
        """Outside the window: the template goes, then the messages are held for the resident's
        next message. In that order, so a template that failed (and that the outbox tries
        again) leaves nothing held twice; after a timeout the template may have arrived, and
        its button must find the messages, so they are held all the same."""
        try:
            await self._send_template(person, template, attempts)
        except GraphTimeout:
            await self._hold(identity(person)[1], messages)
            raise
        await self._hold(identity(person)[1], messages)

    async def _send_template(
        self, person: int, template: JSONDict | None, attempts: int = ATTEMPTS
    ) -> None:
        if template is None:
            log.info("a message for a WhatsApp resident is held until they write again")
            return
        templates = self.settings.templates
        name = getattr(templates, str(template.get("name")), None)
        if not isinstance(name, str) or str(template.get("name")).startswith("language"):
            log.warning(
                "unknown WhatsApp template %r: the message stays held", template.get("name")
            )
            return
        language = templates.language(str(template.get("language") or self._language(person)))
        values = [str(value) for value in template.get("parameters") or []]
        wa_id = identity(person)[1]
        await self.graph.send(wa_id, template_message(name, language, values), attempts=attempts)

    def _remember(self, message_id: str, sent: _Sent) -> None:
        if not message_id:
            return
        self._sent[message_id] = sent
        while len(self._sent) > REMEMBERED_SENDS:
            self._sent.popitem(last=False)

    async def _hold(self, wa_id: str, messages: Sequence[JSONDict]) -> None:
        async with self.database.transaction() as session:
            for message in messages:
                await queries.hold_message(session, wa_id, message, self.now())
        self._holding.add(wa_id)

    async def _deliver_held(self, wa_id: str) -> None:
        """What was held for the resident, now that they wrote (the window is open again)."""
        if wa_id not in self._holding:
            return
        async with self.database.sessions() as session:
            held = await queries.fetch_held_messages(session, wa_id)
        for held_id, message in held:
            message_id = await self.graph.send(wa_id, message)
            self._remember(message_id, _Sent(wa_id, message, None))
            async with self.database.transaction() as session:
                await queries.delete_held_message(session, held_id)
        self._holding.discard(wa_id)

    async def _window_open(self, wa_id: str) -> bool:
        last = self._last_message.get(wa_id)
        if last is None:
            async with self.database.sessions() as session:
                last = await queries.fetch_last_message_time(session, wa_id) or CLOSED
            self._last_message[wa_id] = last
        return self.now() - last < WINDOW - WINDOW_MARGIN

    def _result(self, person: int, text: str) -> JSONDict:
        """The Telegram Message python-telegram-bot expects back (the id is this process's)."""
        return {
            "message_id": next(self._message_ids),
            "date": int(self.now().timestamp()),
            "chat": {"id": person, "type": "private"},
            "text": text,
        }

    def _language(self, person: int) -> str:
        data = self.application.user_data.get(person) or {}
        return str(data.get("lang") or self.config.bot.default_language)

    def _words(self, person: int) -> Words:
        language = self._language(person)
        words = self._words_by_language.get(language)
        if words is None:
            catalog = services_of(self.application).catalog
            t = catalog.for_language(language)
            words = Words(
                choose=t("whatsapp.choose"),
                more=t("whatsapp.more_choices"),
                rewordings=rewordings(catalog.texts[t.language]),
            )
            self._words_by_language[language] = words
        return words

    # ------------------------------------------------------------------ inbound

    async def receive(self, body: bytes) -> int:
        """Store the messages of a verified webhook body and start handling them; how many
        were new. Raises :class:`PayloadError` for a body that is not WhatsApp's."""
        try:
            data = json.loads(body)
        except ValueError:
            raise PayloadError("not JSON") from None
        if not isinstance(data, dict):
            raise PayloadError("not a JSON object")
        messages, statuses = inbound.read_webhook(data, self.settings.phone_number_id)
        for status in statuses:
            await self._on_status(status)
        now = self.now()
        new = [
            queries.NewInbound(m.message_id, m.wa_id, min(m.sent_at, now), inbound.stored_form(m))
            for m in messages
        ]
        if not new:
            return 0
        stored: list[queries.PendingInbound] = await self._store(new)
        for message in new:
            last = self._last_message.get(message.wa_id, CLOSED)
            self._last_message[message.wa_id] = max(last, message.sent_at)
        for row in stored:
            self._dispatch(row)
        return len(stored)

    async def _store(self, new: list[queries.NewInbound]) -> list[queries.PendingInbound]:
        """Store a webhook body's messages; returns once they are committed (durable).

        The bodies that arrive while a write runs or waits are stored together in the next one: one
        transaction (one turn at SQLite's single writer) for many webhook POSTs instead of one
        each. Each body still learns only once its messages are committed, in the order the
        bodies arrived; a failed write fails every body in it (nothing of it was stored).
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._to_store.append((new, future))
        if self._storing is None:
            self._storing = asyncio.create_task(self._write_stored(), name="whatsapp store")
        result: list[queries.PendingInbound] = await future
        return result

    async def _write_stored(self) -> None:
        batch: list[_ToStore] = []
        try:
            while self._to_store:
                batch, results = [], []
                try:
                    results = await self._store_next(batch)
                except Exception as error:
                    for _new, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_new, future), stored in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(stored)
        finally:
            self._storing = None
            # Cancelled (the bot stopping): the bodies not answered get a 500, Meta retries.
            for _new, future in batch + self._to_store:
                if not future.done():
                    future.set_exception(ConnectionError("the bot is stopping"))
            self._to_store = []

    async def _store_next(self, batch: list[_ToStore]) -> list[list[queries.PendingInbound]]:
        """Commit the bodies waiting, moved into ``batch`` once the write turn is ours (bodies
        that came meanwhile ride along); what each stored. Ahead of the longer transactions (a
        resident waits on this), and on SQLite's own connection when it can: a session's
        transaction cost the loop about a millisecond per webhook POST, ten times SQLite's."""
        database = self.database

        def take() -> list[_ToStore]:
            batch.extend(self._to_store)
            self._to_store = []
            return batch

        stored: list[list[queries.PendingInbound]] = []

        def store(connection: sqlite3.Connection) -> None:
            direct = Direct(connection, database.engine.dialect)
            stored.extend(
                queries.record_inbound_directly(direct, new, self.now()) for new, _ in take()
            )

        if await database.write_directly(store, first=True):
            return stored
        async with database.transaction(first=True) as session:
            return [await queries.record_inbound(session, new, self.now()) for new, _ in take()]

    async def resume(self) -> None:
        """At start: handle the messages acknowledged before a stop but not handled yet."""
        async with self.database.transaction() as session:
            await queries.delete_handled_inbound(session, self.now() - KEEP_HANDLED)
        async with self.database.sessions() as session:
            pending = await queries.fetch_pending_inbound(session)
            self._holding = await queries.fetch_residents_with_held_messages(session)
        if pending:
            log.info("handling %d WhatsApp messages received before the last stop", len(pending))
        for row in pending:
            self._dispatch(row)

    async def settle(self) -> None:
        """Wait until every message received so far is handled."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _dispatch(self, row: queries.PendingInbound) -> None:
        # Tasks start in the order created and queue on their chat's lock in that order, so
        # one resident's messages are handled in the order they were stored.
        task = asyncio.create_task(self._handle(row), name="whatsapp message")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, row: queries.PendingInbound) -> None:
        application = self.application
        first = Update.de_json(inbound.to_update(row.id, row.payload), application.bot)
        await application.update_processor.process_update(first, self._process(row, first))

    async def _process(self, row: queries.PendingInbound, first: Update) -> None:
        """Runs under the resident's chat lock: held messages first, then the message (as
        ``first``, the update the lock was taken for, unless a typed answer became a choice)."""
        try:
            await self._deliver_held(row.wa_id)
        except (GraphError, GraphTimeout) as error:
            log.warning("held WhatsApp messages not sent yet: %s", type(error).__name__)
        try:
            if not inbound.is_held_request(row.payload):
                stored = self._typed_choice(row.payload)
                update = first
                if stored is not row.payload:
                    changed = inbound.to_update(row.id, stored)
                    update = Update.de_json(changed, self.application.bot)
                await self.application.process_update(update)
        except Exception as error:
            log.error("a WhatsApp message was not handled: %s", type(error).__name__)
        self._mark_handled(row.id)

    def _mark_handled(self, inbound_id: int) -> None:
        """Mark a processed message handled, without making the resident's next message wait.

        The write starts at once (no timer), outside the resident's chat lock; the marks that
        arrive while it runs go together in the next one, so under load one transaction marks
        many messages instead of one each. Until it is written, a stop replays the message
        at the next start, as before when the bot stopped between processing and marking;
        :meth:`settle` (and so a clean stop) waits for the writes.
        """
        self._handled.append(inbound_id)
        if self._marking is None:
            self._marking = asyncio.create_task(self._write_handled(), name="whatsapp handled")
            self._tasks.add(self._marking)
            self._marking.add_done_callback(self._tasks.discard)

    async def _write_handled(self) -> None:
        try:
            while self._handled:
                ids, self._handled = self._handled, []
                try:
                    await self._mark(ids)
                except Exception as error:
                    # Left pending in the database: the next mark tries them again, and a
                    # restart replays them.
                    self._handled[:0] = ids
                    log.error("WhatsApp messages not marked handled: %s", type(error).__name__)
                    return
        finally:
            self._marking = None

    async def _mark(self, ids: list[int]) -> None:
        """Mark ``ids`` handled; on SQLite's own connection when it can (see
        :meth:`_store_next`)."""
        database, now = self.database, self.now()

        def mark(connection: sqlite3.Connection) -> None:
            direct = Direct(connection, database.engine.dialect)
            queries.mark_inbound_handled_directly(direct, ids, now)

        if not await database.write_directly(mark):
            async with database.transaction() as session:
                await queries.mark_inbound_handled(session, ids, now)

    def _typed_choice(self, stored: JSONDict) -> JSONDict:
        """A typed answer that names one of the options last offered counts as choosing it."""
        message = stored["message"]
        if message.get("type") != "text":
            return stored
        text = str((message.get("text") or {}).get("body") or "")
        person = residents.person_of(residents.WHATSAPP, stored["wa_id"])
        choice = None if text.startswith("/") else match_typed(text, self._offered.get(person, ()))
        if choice is None:
            return stored
        reply = {"id": choice.reply_id, "title": choice.label}
        chosen = {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": reply},
        }
        return {**stored, "message": {**message, **chosen}}

    async def _on_status(self, status: StatusReport) -> None:
        """Sent, delivered and read need nothing; a failure is logged by its code alone."""
        if status.status != "failed":
            return
        log.warning("WhatsApp could not deliver a message: error %s", list(status.error_codes))
        sent = self._sent.pop(status.message_id, None)
        if WINDOW_CLOSED in status.error_codes and sent is not None:
            self._last_message[sent.wa_id] = CLOSED
            # Nobody tries this again: the message is held whatever becomes of the template.
            await self._hold(sent.wa_id, [sent.message])
            person = residents.person_of(residents.WHATSAPP, sent.wa_id)
            try:
                await self._send_template(person, sent.template)
            except (GraphError, GraphTimeout) as error:
                log.warning("template not sent: %s", type(error).__name__)
        if UNDELIVERABLE & set(status.error_codes) and status.wa_id.isdigit():
            person = residents.person_of(residents.WHATSAPP, status.wa_id)
            async with self.database.transaction() as session:
                await residents.mark_blocked(session, person)


def whatsapp_of(application: Any) -> WhatsAppChannel | None:
    """The application's WhatsApp channel, when ``[whatsapp] enabled``."""
    channel: WhatsAppChannel | None = application.bot_data.get(BOT_DATA_KEY)
    return channel


def _failure(error: GraphError) -> Answer:
    """A Graph API error as the Telegram error python-telegram-bot raises the right thing for."""
    if error.code in UNDELIVERABLE:
        # The "blocked" marking and the outbox's give-up apply as for a Telegram user.
        return 403, {
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was blocked by the user",
        }
    if error.retryable:
        return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    return 400, {
        "ok": False,
        "error_code": 400,
        "description": f"Bad Request: WhatsApp refused the message (error {error.code})",
    }
