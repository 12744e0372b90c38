"""An in-process fake of the Telegram Bot API, plugged into python-telegram-bot's request layer.

The real :class:`telegram.ext.Application` talks to Telegram only through
:class:`telegram.request.BaseRequest`. :class:`OfflineBotApi` keeps the state of a tiny Telegram
(messages per chat, files, pending updates, callback queries) and :meth:`OfflineBotApi.request`
hands out ``BaseRequest`` objects that answer from that state, so the whole bot runs with no
network::

    api = OfflineBotApi()
    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .build()
    )

Answers are shaped byte for byte like Telegram's (``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": 400, "description": "Bad Request: ..."}``) and carry the matching
HTTP status, so python-telegram-bot raises its own exceptions (``BadRequest``, ``Forbidden``,
``RetryAfter``...) exactly as it would in production. The refusals that matter to this bot
(text and caption lengths, callback_data size, "message is not modified", stale callback
queries, files over 20 MB, blocked users, malformed HTML) use Telegram's own descriptions.

Persistence: with ``store`` (a folder) the fake outlives the process, as Telegram outlives a
restart of the bot: files people sent are written there as they arrive (so a file_id kept in a
draft still resolves after a restart) and the chats (messages, their markup, the message id
counters, the reply keyboard shown) are saved after every call that changes them and read back
at start. Without ``store`` everything lives in memory (the tests).

Concurrency: everything runs on one asyncio event loop, except :meth:`OfflineBotApi.push_update`
and the id counters, which may also be called from another thread (the terminal local mode reads
stdin in a thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import itertools
import json
import mimetypes
import os
import re
import threading
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Final, cast
from urllib.parse import unquote

from telegram.request import BaseRequest, RequestData

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_DOWNLOAD_SIZE",
    "MAX_TEXT_LENGTH",
    "ApiCall",
    "ApiError",
    "JSONDict",
    "OfflineBotApi",
    "OfflineRequest",
    "parse_html",
    "utf16_length",
]

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH: Final = 4096
"""Longest message text Telegram accepts, in UTF-16 code units after entity parsing."""
MAX_CAPTION_LENGTH: Final = 1024
"""Longest media caption Telegram accepts, in UTF-16 code units after entity parsing."""
MAX_CALLBACK_DATA_BYTES: Final = 64
"""Longest inline button callback_data Telegram accepts, in UTF-8 bytes (minimum is 1)."""
MAX_DOWNLOAD_SIZE: Final = 20 * 1024 * 1024
"""Largest file (bytes) a bot may download through getFile from the public Bot API."""

_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_BLOCKED: Final = "Forbidden: bot was blocked by the user"
_QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_WRONG_FILE: Final = "Bad Request: wrong file identifier/HTTP URL specified"
# Methods whose success changes the chats (saved to the store, when there is one).
_CHANGING: Final = ("send", "edit", "delete")
_CHATS_FILE: Final = "chats.json"
_FILES_FOLDER: Final = "files"


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts limits and offsets in.

    Characters outside the Basic Multilingual Plane (most emoji) count as two units.
    """
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made to the Bot API, in the order received.

    ``params`` holds the decoded parameters (numbers stay numbers, reply markups are dicts). An
    uploaded file appears as ``{"upload": filename, "bytes": size}``. File downloads are recorded
    with method ``"downloadFile"`` and ``{"file_path": ...}``. ``ok`` is False when the call was
    answered with an error (refusal, injected fault, unknown method).
    """

    method: str
    params: JSONDict
    ok: bool


class ApiError(Exception):
    """Raised by a method handler to answer with a Telegram error instead of a result."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        data: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        return data


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class _Upload:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content: bytes
    mime_type: str


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_size: int
    file_path: str
    file_name: str | None
    mime_type: str | None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class _ChatLog:
    """Per-chat bookkeeping: bot message order and a change log for :meth:`changes_since`."""

    bot_ids: dict[int, None] = field(default_factory=dict)  # insertion-ordered set
    change_revs: list[int] = field(default_factory=list)
    change_ids: list[int] = field(default_factory=list)
    keyboard: JSONDict | None = None  # reply keyboard currently shown under the input field


Handler = Callable[[JSONDict, dict[str, _Upload]], Any]


class OfflineBotApi:
    """State and behaviour of a fake Telegram Bot API for one bot.

    Args:
        bot_id: the bot's user id; also the first part of :attr:`token`.
        username: the bot's username, without "@".
        first_name: the bot's display name.
        store: a folder to keep files and chats in across restarts (created if missing);
            None keeps everything in memory.

    The API accepts every chat id; private chats are ids > 0, anything else is a supergroup.
    Message ids are per chat and shared between the person (see :meth:`next_message_id`) and the
    bot, so they increase in the order things happen.
    """

    def __init__(
        self,
        *,
        bot_id: int = 7000000001,
        username: str = "ajung_bot",
        first_name: str = "Ajung Bot",
        store: Path | None = None,
    ) -> None:
        # Same shape as a real token (digits, colon, 35 url-safe characters) so nothing that
        # checks the format chokes, but visibly not one Telegram would accept.
        self.token: str = f"{bot_id}:" + "OFFLINE-TOKEN-NOT-FOR-TELEGRAM-0000"[:35]
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # The "from" of the bot's own messages: the short User form, as Telegram sends it.
        self._from: JSONDict = {
            k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")
        }
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSONDict] = {}
        """Parameters of each answered callback query, by query id."""
        self.webhook_url: str = ""

        # Guarded by _lock because push_update may come from another thread.
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._pending: deque[JSONDict] = deque()
        self._waiters: list[asyncio.Future[None]] = []  # long polls waiting for an update
        self._message_ids: dict[int, int] = {}
        self._query_ids = itertools.count(4_100_000_000_000_000_001)
        self._file_seq = itertools.count(1)

        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chats: dict[int, _ChatLog] = {}
        self._chat_info: dict[int, JSONDict] = {}
        self._sent_markup: dict[tuple[int, int], JSONDict] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._open_queries: set[str] = set()
        self._blocked: set[int] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._subscribers: list[Callable[[ApiCall, JSONDict | None], None]] = []
        self._revision = 0

        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendLocation": self._send_location,
            "deleteMessage": self._delete_message,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
        }
        # Telegram matches method names case-insensitively.
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in handlers.items()
        }
        self._store = store
        if store is not None:
            self._load(store)

    # ------------------------------------------------------------------ public helpers

    def request(self) -> OfflineRequest:
        """A new request object answering from this API.

        python-telegram-bot wants distinct objects for getUpdates and for everything else.
        """
        return OfflineRequest(self)

    def push_update(self, update: JSONDict) -> int:
        """Queue a raw update dict for getUpdates and wake a waiting long poll.

        The update gets a fresh ``update_id`` (any id already in the dict is replaced, so the
        queue stays in increasing order); it is returned. Safe to call from any thread.
        """
        with self._lock:
            update_id = next(self._update_ids)
            self._pending.append({**update, "update_id": update_id})
            waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            # The waiter may belong to a loop in another thread: wake it through that loop.
            with contextlib.suppress(RuntimeError):  # loop already closed
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
        return update_id

    def next_update_id(self) -> int:
        """A fresh update id from the counter that :meth:`push_update` also uses."""
        with self._lock:
            return next(self._update_ids)

    @property
    def pending_updates(self) -> int:
        """Number of queued updates not yet confirmed through getUpdates' offset."""
        return len(self._pending)

    def next_message_id(self, chat_id: int) -> int:
        """The next message id in ``chat_id`` (1, 2, 3...), shared by person and bot messages."""
        with self._lock:
            message_id = self._message_ids.get(chat_id, 0) + 1
            self._message_ids[chat_id] = message_id
            return message_id

    def issue_callback_query_id(self) -> str:
        """A fresh callback query id, already registered (see :meth:`register_callback_query`)."""
        with self._lock:
            query_id = str(next(self._query_ids))
        self.register_callback_query(query_id)
        return query_id

    def register_callback_query(self, query_id: str) -> None:
        """Mark ``query_id`` as issued to the bot, so answerCallbackQuery accepts it once."""
        self._open_queries.add(query_id)

    def add_file(
        self,
        content: bytes,
        *,
        file_size: int | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> tuple[str, str]:
        """Register a file (e.g. one a person sent) and return ``(file_id, file_unique_id)``.

        ``file_size`` (bytes) defaults to ``len(content)``; pass a bigger number to pretend the
        file is huge (getFile refuses files over 20 MB) without allocating it.
        """
        stored = self._store_file(content, file_size, file_name, mime_type)
        return stored.file_id, stored.file_unique_id

    def file_content(self, file_id: str) -> bytes:
        """Bytes of a registered or uploaded file. Raises KeyError for an unknown file id."""
        return self._files[file_id].content

    def file_mime_type(self, file_id: str) -> str | None:
        """MIME type of a registered file (given or guessed from its name), or None."""
        return self._files[file_id].mime_type

    def remember_chat(self, chat: JSONDict) -> None:
        """Record a chat's details (title, names) so messages the bot sends there carry them."""
        self._chat_info[int(chat["id"])] = dict(chat)

    def remember_message(self, message: JSONDict) -> None:
        """Record a message a person sent, so the bot can reply to or delete it."""
        chat = message["chat"]
        self.remember_chat(chat)
        self._messages[(int(chat["id"]), int(message["message_id"]))] = message

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Current state (after edits) of a message in a chat, or None if unknown or deleted.

        Treat the result as read-only; the API never mutates a message dict it handed out.
        """
        message = self._messages.get((chat_id, message_id))
        return dict(message) if message is not None else None

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """Bot messages in ``chat_id``, current state, oldest first; deleted ones omitted."""
        log = self._chats.get(chat_id)
        if log is None:
            return []
        return [dict(self._messages[(chat_id, mid)]) for mid in log.bot_ids]

    def last_bot_message(self, chat_id: int) -> JSONDict | None:
        """The newest message the bot sent to ``chat_id`` that still exists, or None. O(1)."""
        log = self._chats.get(chat_id)
        if log is None or not log.bot_ids:
            return None
        return dict(self._messages[(chat_id, next(reversed(log.bot_ids)))])

    def sent_markup(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The ``reply_markup`` the bot sent with a message, as sent, including reply keyboards.

        (A Message only shows inline keyboards; reply keyboards, ReplyKeyboardRemove and
        ForceReply are visible only here.)
        """
        return self._sent_markup.get((chat_id, message_id))

    def answered(self, chat_id: int, message_id: int) -> bool:
        """Whether a person's message in ``chat_id`` replies to message ``message_id``."""
        return any(
            chat == chat_id
            and message["from"]["id"] != self.bot_user["id"]
            and (message.get("reply_to_message") or {}).get("message_id") == message_id
            for (chat, _), message in self._messages.items()
        )

    def reply_keyboard(self, chat_id: int) -> JSONDict | None:
        """The reply keyboard currently shown in ``chat_id`` (the last ReplyKeyboardMarkup the bot
        sent and did not remove since), or None."""
        log = self._chats.get(chat_id)
        return log.keyboard if log else None

    @property
    def revision(self) -> int:
        """A counter that grows with every message the bot sends or edits; see changes_since."""
        return self._revision

    def changes_since(self, chat_id: int, revision: int) -> list[JSONDict]:
        """Bot messages in ``chat_id`` sent or edited after ``revision``, current state.

        Ordered by message id (as they appear in the chat); each message once; messages deleted
        meanwhile are left out. Cost is proportional to the changes, not to the chat's history.
        """
        log = self._chats.get(chat_id)
        if log is None:
            return []
        start = bisect_right(log.change_revs, revision)
        ids = sorted(set(log.change_ids[start:]))
        return [dict(self._messages[(chat_id, i)]) for i in ids if i in log.bot_ids]

    def block(self, chat_id: int) -> None:
        """From now on, sends to ``chat_id`` answer 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block` (the person pressed "Restart")."""
        self._blocked.discard(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with this error, before any checks.

        ``retry_after`` (seconds) adds ``"parameters": {"retry_after": N}``, which makes
        python-telegram-bot raise RetryAfter (use status 429 and a description like
        "Too Many Requests: retry after 5"). Faults queue up in the order given.
        """
        fault = _Fault(status, description, retry_after, times)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def subscribe(self, callback: Callable[[ApiCall, JSONDict | None], None]) -> None:
        """Call ``callback(call, result)`` after each successful call.

        ``result`` is the result when it is an object (a Message for send and edit methods, a
        File for getFile...) and None otherwise (True, lists). Exceptions in the callback
        propagate to the bot as a NetworkError, so keep callbacks simple.
        """
        self._subscribers.append(callback)

    # ------------------------------------------------------------------ request entry points

    async def call(
        self, method: str, params: JSONDict, uploads: dict[str, _Upload] | None = None
    ) -> tuple[int, JSONDict]:
        """Run one Bot API method; returns ``(http_status, json_body)``. Records the call."""
        recorded = _params_for_record(params, uploads or {})
        entry = self._handlers.get(method.lower())
        name = entry[0] if entry else method
        try:
            self._raise_fault(method)
            if entry is None:
                raise ApiError(404, "Not Found")
            result = entry[1](params, uploads or {})
            if inspect.isawaitable(result):
                result = await cast(Awaitable[Any], result)
        except ApiError as exc:
            self.calls.append(ApiCall(name, recorded, ok=False))
            return exc.status, exc.body()
        call = ApiCall(name, recorded, ok=True)
        self.calls.append(call)
        if self._store is not None and name.startswith(_CHANGING) and name != "sendChatAction":
            self.save()
        for subscriber in self._subscribers:
            subscriber(call, result if isinstance(result, dict) else None)
        return 200, {"ok": True, "result": result}

    def download(self, url: str) -> tuple[int, bytes]:
        """Serve a GET of ``base_file_url + file_path`` from registered file contents."""
        # PTB percent-encodes the file URL's path, token included (":" -> "%3A").
        file_path = self._path_after_token(unquote(url)) or ""
        stored = self._files_by_path.get(file_path)
        self.calls.append(ApiCall("downloadFile", {"file_path": file_path}, stored is not None))
        if stored is None:
            return 404, _dump(ApiError(404, "Not Found").body())
        return 200, stored.content

    async def handle_http(
        self, url: str, http_method: str, request_data: RequestData | None
    ) -> tuple[int, bytes]:
        """Answer one HTTP request as api.telegram.org would: status and body bytes."""
        if self._path_after_token(unquote(url)) is None:
            return 401, _dump(ApiError(401, "Unauthorized").body())
        if http_method == "GET":
            return self.download(url)
        method = url.rstrip("/").rsplit("/", 1)[-1]
        params, uploads = _decode_request(request_data)
        status, body = await self.call(method, params, uploads)
        return status, _dump(body)

    # ------------------------------------------------------------------ persistence

    def save(self) -> None:
        """Write the chats to the store (a no-op without one); files are written on arrival.

        The file is replaced in one step, so a crash leaves the previous state, never half."""
        if self._store is None:
            return
        state = {
            "revision": self._revision,
            "message_ids": [[chat, last] for chat, last in self._message_ids.items()],
            "chat_info": list(self._chat_info.values()),
            "messages": [message for message in self._messages.values()],
            "sent_markup": [[c, m, markup] for (c, m), markup in self._sent_markup.items()],
            "chats": [[chat, list(log.bot_ids), log.keyboard] for chat, log in self._chats.items()],
        }
        target = self._store / _CHATS_FILE
        partial = target.with_suffix(".partial")
        partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, target)

    def _load(self, store: Path) -> None:
        (store / _FILES_FOLDER).mkdir(parents=True, exist_ok=True)
        last_seq = 0
        for meta_path in (store / _FILES_FOLDER).glob("*.json"):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = meta_path.with_suffix(".bin").read_bytes()
            stored = _StoredFile(content=content, **meta)
            self._files[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
            last_seq = max(last_seq, int(meta_path.stem))
        self._file_seq = itertools.count(last_seq + 1)
        chats = store / _CHATS_FILE
        if not chats.exists():
            return
        state = json.loads(chats.read_text(encoding="utf-8"))
        self._revision = int(state["revision"])
        self._message_ids = {int(chat): int(last) for chat, last in state["message_ids"]}
        self._chat_info = {int(info["id"]): info for info in state["chat_info"]}
        for message in state["messages"]:
            self._messages[(int(message["chat"]["id"]), int(message["message_id"]))] = message
        for chat, message_id, markup in state["sent_markup"]:
            self._sent_markup[(int(chat), int(message_id))] = markup
        for chat, bot_ids, keyboard in state["chats"]:
            self._chats[int(chat)] = _ChatLog(bot_ids=dict.fromkeys(bot_ids), keyboard=keyboard)

    def _keep_file(self, seq: int, stored: _StoredFile) -> None:
        if self._store is None:
            return
        folder = self._store / _FILES_FOLDER
        (folder / f"{seq}.bin").write_bytes(stored.content)
        meta = {k: v for k, v in asdict(stored).items() if k != "content"}
        (folder / f"{seq}.json").write_text(json.dumps(meta), encoding="utf-8")

    # ------------------------------------------------------------------ internals: plumbing

    def _path_after_token(self, url: str) -> str | None:
        # Both the API base url (".../bot<token>/<method>") and the file base url
        # (".../file/bot<token>/<file_path>") put the token right before the interesting part,
        # whatever base_url/base_file_url the bot is configured with.
        index = url.find(self.token)
        if index < 0:
            return None
        return url[index + len(self.token) :].lstrip("/")

    def _raise_fault(self, method: str) -> None:
        faults = self._faults.get(method.lower())
        if not faults:
            return
        fault = faults[0]
        fault.times -= 1
        if fault.times <= 0:
            faults.popleft()
        raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    def _store_file(
        self,
        content: bytes,
        file_size: int | None,
        file_name: str | None,
        mime_type: str | None,
    ) -> _StoredFile:
        seq = next(self._file_seq)
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        folder = "photos" if mime_type and mime_type.startswith("image/") else "documents"
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif mime_type:
            suffix = mimetypes.guess_extension(mime_type) or ""
        stored = _StoredFile(
            file_id=f"OFFLINE{seq:010d}-{self.bot_user['id']}",
            file_unique_id=f"OFFU{seq:08d}",
            content=content,
            file_size=len(content) if file_size is None else file_size,
            file_path=f"{folder}/file_{seq}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        self._keep_file(seq, stored)
        return stored

    def _resolve_file(
        self, name: str, params: JSONDict, uploads: dict[str, _Upload], default_mime: str
    ) -> _StoredFile:
        """The file given as parameter ``name``: an upload, an attach:// upload or a file_id."""
        value = params.get(name)
        upload = uploads.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
        if upload is not None:
            mime = upload.mime_type or default_mime
            return self._store_file(upload.content, None, upload.filename, mime)
        if not isinstance(value, str) or not value:
            raise _bad_request(f"there is no {name} in the request")
        if value.startswith(("http://", "https://")):
            # Telegram would fetch the URL; offline we keep an empty placeholder file.
            return self._store_file(b"", None, value.rsplit("/", 1)[-1] or None, default_mime)
        stored = self._files.get(value)
        if stored is None:
            raise _bad_request(_WRONG_FILE.removeprefix("Bad Request: "))
        return stored

    # ------------------------------------------------------------------ internals: messages

    def _chat(self, chat_id: int) -> JSONDict:
        info = self._chat_info.get(chat_id)
        if info is not None:
            return info
        return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}

    def _log(self, chat_id: int) -> _ChatLog:
        log = self._chats.get(chat_id)
        if log is None:
            log = self._chats[chat_id] = _ChatLog()
        return log

    def _touch(self, chat_id: int, message_id: int) -> None:
        self._revision += 1
        log = self._log(chat_id)
        log.change_revs.append(self._revision)
        log.change_ids.append(message_id)

    def _target_chat(self, params: JSONDict, *, sending: bool) -> int:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            # "@channelusername": this fake knows no public usernames.
            raise _bad_request("chat not found") from None
        if sending and chat_id in self._blocked:
            raise ApiError(403, _BLOCKED)
        return chat_id

    def _reply_to(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if not isinstance(reply, dict):
            return None
        try:
            key = (int(reply.get("chat_id", chat_id)), int(reply["message_id"]))
        except (KeyError, TypeError, ValueError):
            raise _bad_request("message to be replied not found") from None
        target = self._messages.get(key)
        if target is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise _bad_request("message to be replied not found")
        # Telegram does not nest replies more than one level deep.
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _deliver(self, chat_id: int, content: JSONDict, params: JSONDict) -> JSONDict:
        """Store and return a new bot message in ``chat_id`` with ``content`` fields."""
        markup = params.get("reply_markup")
        _check_markup(markup)
        reply_to = self._reply_to(chat_id, params)
        message_id = self.next_message_id(chat_id)
        message: JSONDict = {
            "message_id": message_id,
            "from": self._from,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if isinstance(markup, dict):
            self._sent_markup[(chat_id, message_id)] = markup
            if "inline_keyboard" in markup:
                # Only inline keyboards are part of the Message object.
                message["reply_markup"] = markup
        log = self._log(chat_id)
        if isinstance(markup, dict) and "keyboard" in markup:
            log.keyboard = markup
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            log.keyboard = None
        self._messages[(chat_id, message_id)] = message
        log.bot_ids[message_id] = None
        self._touch(chat_id, message_id)
        return message

    def _editable(self, params: JSONDict) -> tuple[int, int, JSONDict]:
        """Locate the bot message an edit method targets; refuses like Telegram."""
        if "inline_message_id" in params:
            raise _bad_request("message to edit not found")
        chat_id = self._target_chat(params, sending=False)
        message_id = int(params.get("message_id", 0))
        current = self._messages.get((chat_id, message_id))
        if current is None:
            raise _bad_request("message to edit not found")
        if message_id not in self._log(chat_id).bot_ids:
            raise _bad_request("message can't be edited")
        return chat_id, message_id, current

    def _apply_edit(
        self, chat_id: int, message_id: int, current: JSONDict, changes: JSONDict
    ) -> JSONDict:
        """Replace fields (a None value removes the field); refuses a no-op edit."""
        markup = changes.get("reply_markup")
        _check_markup(markup)
        if all(current.get(k) == v for k, v in changes.items()):
            raise ApiError(400, _NOT_MODIFIED)
        # Copy-on-write: dicts handed out earlier keep showing the state they were taken in.
        updated = {k: v for k, v in current.items() if k not in changes}
        updated.update({k: v for k, v in changes.items() if v is not None})
        updated["edit_date"] = int(time.time())
        self._messages[(chat_id, message_id)] = updated
        if isinstance(markup, dict):
            self._sent_markup[(chat_id, message_id)] = markup
        else:
            self._sent_markup.pop((chat_id, message_id), None)
        self._touch(chat_id, message_id)
        return updated

    # ------------------------------------------------------------------ method handlers

    def _get_me(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        return self.bot_user

    async def _get_updates(self, params: JSONDict, uploads: dict[str, _Upload]) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = float(params.get("timeout", 0))
        self._confirm(offset)
        if timeout > 0 and not self._pending:
            await self._wait_for_updates(timeout)
        with self._lock:
            return list(itertools.islice(self._pending, limit))

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by ``offset`` (ids below it; negative: keep the last -n)."""
        with self._lock:
            if offset > 0:
                while self._pending and self._pending[0]["update_id"] < offset:
                    self._pending.popleft()
            elif offset < 0:
                while len(self._pending) > -offset:
                    self._pending.popleft()

    async def _wait_for_updates(self, seconds: float) -> None:
        waiter = asyncio.get_running_loop().create_future()
        with self._lock:
            if self._pending:
                return
            self._waiters.append(waiter)
        try:
            # asyncio.wait neither raises on timeout nor cancels the future.
            await asyncio.wait([waiter], timeout=seconds)
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            waiter.cancel()

    def _delete_webhook(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            with self._lock:
                self._pending.clear()
        return True

    def _set_webhook(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            with self._lock:
                self._pending.clear()
        return True

    def _get_webhook_info(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = list(commands)
        return True

    def _get_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> list[JSONDict]:
        return self._commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _send_message(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id = self._target_chat(params, sending=True)
        text, entities = _formatted(params, "text", "entities", MAX_TEXT_LENGTH)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._deliver(chat_id, content, params)

    def _send_photo(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id = self._target_chat(params, sending=True)
        caption = _caption(params)
        stored = self._resolve_file("photo", params, uploads, "image/jpeg")
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
                "width": 1280,
                "height": 960,
            }
        ]
        return self._deliver(chat_id, {"photo": photo, **caption}, params)

    def _send_document(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id = self._target_chat(params, sending=True)
        caption = _caption(params)
        stored = self._resolve_file("document", params, uploads, "application/octet-stream")
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return self._deliver(chat_id, {"document": document, **caption}, params)

    def _send_location(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id = self._target_chat(params, sending=True)
        try:
            latitude = float(params["latitude"])
            longitude = float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise _bad_request("wrong latitude or longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise _bad_request("wrong latitude or longitude specified")
        location = {"latitude": latitude, "longitude": longitude}
        return self._deliver(chat_id, {"location": location}, params)

    def _send_chat_action(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        self._target_chat(params, sending=True)
        return True

    def _edit_message_text(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id, message_id, current = self._editable(params)
        if "text" not in current:
            raise _bad_request("there is no text in the message to edit")
        text, entities = _formatted(params, "text", "entities", MAX_TEXT_LENGTH)
        changes = {
            "text": text,
            "entities": entities or None,
            "reply_markup": params.get("reply_markup"),
        }
        return self._apply_edit(chat_id, message_id, current, changes)

    def _edit_message_caption(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id, message_id, current = self._editable(params)
        if "text" in current:
            raise _bad_request("there is no caption in the message to edit")
        caption = _caption(params)
        changes = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
            "reply_markup": params.get("reply_markup"),
        }
        return self._apply_edit(chat_id, message_id, current, changes)

    def _edit_message_reply_markup(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat_id, message_id, current = self._editable(params)
        changes = {"reply_markup": params.get("reply_markup")}
        return self._apply_edit(chat_id, message_id, current, changes)

    def _delete_message(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        chat_id = self._target_chat(params, sending=False)
        key = (chat_id, int(params.get("message_id", 0)))
        if self._messages.pop(key, None) is None:
            raise _bad_request("message to delete not found")
        self._sent_markup.pop(key, None)
        self._log(chat_id).bot_ids.pop(key[1], None)
        return True

    def _answer_callback_query(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise ApiError(400, _QUERY_TOO_OLD)
        self._open_queries.discard(query_id)
        self.callback_answers[query_id] = dict(params)
        return True

    def _get_file(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }


class OfflineRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` answering from an :class:`OfflineBotApi`.

    Timeouts passed by python-telegram-bot are ignored: nothing here blocks except getUpdates'
    long poll, which honours its own ``timeout`` parameter.
    """

    __slots__ = ("_api", "_initialized")

    def __init__(self, api: OfflineBotApi) -> None:
        self._api = api
        self._initialized = False

    @property
    def api(self) -> OfflineBotApi:
        """The API this request answers from."""
        return self._api

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout in seconds; PTB adds it to getUpdates' long-poll timeout."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open: no connection pool."""
        self._initialized = True

    async def shutdown(self) -> None:
        """Nothing to close."""
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | Any = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None | Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None | Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None | Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer the request from the API's state: ``(http_status, body_bytes)``."""
        return await self._api.handle_http(url, method, request_data)


# ---------------------------------------------------------------------- module helpers


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _dump(body: JSONDict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _read_content(content: bytes | IO[bytes]) -> bytes:
    # Since PTB 21.5 an upload's content may be an open file handle instead of bytes.
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    return content.read()


def _decode_request(request_data: RequestData | None) -> tuple[JSONDict, dict[str, _Upload]]:
    """Parameters (JSON-able values) and uploaded files of a request."""
    if request_data is None:
        return {}, {}
    params: JSONDict = dict(request_data.parameters)
    uploads: dict[str, _Upload] = {}
    if request_data.contains_files:
        for name, field_tuple in request_data.multipart_data.items():
            filename, content, mime_type = field_tuple
            uploads[name] = _Upload(
                filename=str(filename or name),
                content=_read_content(content),
                mime_type=str(mime_type or "application/octet-stream"),
            )
    return params, uploads


def _params_for_record(params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
    if not uploads:
        return params
    recorded = dict(params)
    for name, upload in uploads.items():
        recorded[name] = {"upload": upload.filename, "bytes": len(upload.content)}
    return recorded


def _check_markup(markup: object) -> None:
    """Refuse inline keyboards Telegram refuses (callback_data size, buttons without action)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    for row in markup["inline_keyboard"]:
        for button in row:
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
            elif set(button) <= {"text"}:
                raise _bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )


def _formatted(
    params: JSONDict, text_key: str, entities_key: str, limit: int
) -> tuple[str, list[JSONDict]]:
    """Text and entities after parse_mode, refusing empty and over-long text like Telegram."""
    raw = params.get(text_key)
    text = "" if raw is None else str(raw)
    entities: list[JSONDict] = list(params.get(entities_key) or [])
    if str(params.get("parse_mode") or "").upper() == "HTML":
        text, entities = parse_html(text)
    # Markdown and MarkdownV2 are kept as sent: this fake does not parse them.
    if text_key == "text" and not text.strip():
        raise _bad_request("message text is empty")
    if utf16_length(text) > limit:
        what = "message is too long" if text_key == "text" else "message caption is too long"
        raise _bad_request(what)
    return text, entities


def _caption(params: JSONDict) -> JSONDict:
    if params.get("caption") is None:
        return {}
    caption, entities = _formatted(params, "caption", "caption_entities", MAX_CAPTION_LENGTH)
    if not caption:
        return {}
    content: JSONDict = {"caption": caption}
    if entities:
        content["caption_entities"] = entities
    return content


# ---------------------------------------------------------------------- HTML parse_mode

_SIMPLE_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS: Final = {*_SIMPLE_TAGS, "a", "span", "blockquote", "tg-emoji"}
_CHAR_REF = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_PLAIN = re.compile(r"[^<&]+")
_TAG_NAME = re.compile(r"[^\s>]*")
_END_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR = re.compile(r"""([A-Za-z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _parse_error(reason: str) -> ApiError:
    return _bad_request(f"can't parse entities: {reason}")


def _span_end(pattern: re.Pattern[str], text: str, index: int) -> int:
    """End of ``pattern`` (which may match empty) matched at ``index``."""
    match = pattern.match(text, index)
    return match.end() if match else index


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity(name: str, attrs: dict[str, str], offset: int, length: int) -> JSONDict | None:
    entity: JSONDict = {"offset": offset, "length": length}
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            return None  # Telegram drops links without a usable URL
        entity.update(type="text_link", url=href)
    elif name == "span":
        entity["type"] = "spoiler"
    elif name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif name == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=attrs.get("emoji-id", ""))
    else:
        entity["type"] = _SIMPLE_TAGS[name]
        if name == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
    return entity


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's HTML parse_mode into plain text and MessageEntity dicts.

    Offsets and lengths are in UTF-16 code units. Supports the tags Telegram documents and the
    character references ``&lt; &gt; &amp; &quot;`` and numeric ones. Malformed markup raises
    :class:`ApiError` with Telegram's "can't parse entities" description, which is how a bot
    that forgets to escape a resident's "<" fails in production.
    """
    out: list[str] = []
    position = 0  # UTF-16 units emitted so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[JSONDict] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "&":
            match = _CHAR_REF.match(source, index)
            piece = html.unescape(match.group()) if match else "&"
            index = match.end() if match else index + 1
        elif char != "<":
            match = _PLAIN.match(source, index)
            assert match is not None  # a non-special char always matches
            piece, index = match.group(), match.end()
        else:
            index = _html_tag(source, index, position, stack, entities)
            continue
        out.append(piece)
        position += utf16_length(piece)
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_tag(
    source: str,
    index: int,
    position: int,
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[JSONDict],
) -> int:
    """Handle the tag starting at ``source[index] == "<"``; returns the index after it."""
    if source.startswith("</", index):
        if not stack:
            raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, index)}")
        name_end = _span_end(_END_TAG_NAME, source, index + 2)
        name = source[index + 2 : name_end].lower()
        end = name_end
        while end < len(source) and source[end].isspace():
            end += 1
        if end >= len(source) or source[end] != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(source, index)}")
        open_name, start, attrs = stack.pop()
        if name and name != open_name:  # "</>" closes whatever is open
            raise _parse_error(
                f"Unmatched end tag at byte offset {_byte_offset(source, index)}, "
                f'expected "</{open_name}>", found "</{name}>"'
            )
        if open_name == "code" and stack and stack[-1][0] == "pre" and "class" in attrs:
            # <pre><code class="language-x"> is one pre entity with a language.
            stack[-1][2]["language"] = attrs["class"].removeprefix("language-")
        elif position > start:
            entity = _entity(open_name, attrs, start, position - start)
            if entity is not None:
                entities.append(entity)
        return end + 1
    # Like Telegram: the tag name runs to the first space or ">"; only then is it judged.
    name_end = _span_end(_TAG_NAME, source, index + 1)
    if name_end >= len(source):
        raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, index)}")
    name = source[index + 1 : name_end].lower()
    if name not in _SUPPORTED_TAGS:
        raise _parse_error(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, index)}'
        )
    end = source.find(">", name_end)
    if end < 0:
        raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, index)}")
    rest = source[name_end:end]
    attrs = {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR.finditer(rest)
    }
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, index)}'
        )
    stack.append((name, position, attrs))
    return end + 1
