"""An in-process stand-in for WhatsApp's Graph API (Cloud API), for local mode and tests.

:class:`OfflineGraphApi` answers the three calls the bot makes (send a message, look up a
media, download it) the way the Graph API does, including its refusals: a message that breaks
WhatsApp's limits (text over 4,096, an interactive body over 1,024, more than 3 reply buttons or
10 list rows, titles over 20/24, descriptions over 72, duplicate ids) gets error 131009, and a
free-form message to a resident who last wrote more than 24 hours ago gets error 131047, as
WhatsApp answers. Faults can be queued (:meth:`OfflineGraphApi.fail_next`): 429, 500, any code.

Use it in process through :meth:`OfflineGraphApi.transport` (an ``httpx.MockTransport``), or
over real HTTP (``tests/graph_api_server.py`` serves it on 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.whatsapp.rules import (
    BODY_MAX,
    BUTTON_TITLE_MAX,
    BUTTONS_MAX,
    LIST_BUTTON_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_TITLE_MAX,
    ROWS_MAX,
    TEXT_MAX,
)
from iku.text import utf16_length

JSONDict = dict[str, Any]

INVALID_PARAMETER = 131009
WINDOW_CLOSED = 131047
WINDOW = timedelta(hours=24)
MEDIA_ID_BASE = 880000000000000
SENT_LOG = "sent.jsonl"
INBOUND = "inbound.json"


@dataclass(frozen=True)
class SentMessage:
    """A message the Graph API accepted: to whom, what (as the bot sent it) and its id."""

    wa_id: str
    message: JSONDict
    message_id: str


@dataclass
class _Fault:
    status: int
    code: int
    times: int
    retry_after: int | None = None


@dataclass
class _Media:
    content: bytes
    mime_type: str


@dataclass
class OfflineGraphApi:
    """The Graph API of one business phone number."""

    phone_number_id: str = "106540352242922"
    access_token: str = "OFFLINE-WHATSAPP-TOKEN"
    api_version: str = "v23.0"
    media_base_url: str = "https://graph.offline.invalid"
    """Where media downloads are served (the HTTP server sets its own address)."""
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sent: list[SentMessage] = field(default_factory=list)
    refused: list[tuple[str, JSONDict, int]] = field(default_factory=list)
    """Messages answered with an error: (wa_id, message, WhatsApp error code)."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """Every request as (HTTP method, path), in the order received."""
    subscribers: list[Callable[[SentMessage], None]] = field(default_factory=list)
    store: Path | None = None
    """A folder keeping what WhatsApp keeps across a restart of the bot (local mode): residents'
    media (a photo in a draft still downloads), the messages sent (a resident sees what came
    while they were away) and when each resident last wrote (their 24-hour window). None keeps
    everything in memory."""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._media: dict[str, _Media] = {}
        self._faults: deque[_Fault] = deque()
        self._last_inbound: dict[str, datetime] = {}
        if self.store is not None:
            self._load(self.store)

    def _load(self, store: Path) -> None:
        (store / "media").mkdir(parents=True, exist_ok=True)
        used = [int(path.stem) - MEDIA_ID_BASE for path in (store / "media").glob("*.json")]
        with contextlib.suppress(OSError):
            for line in (store / SENT_LOG).read_text(encoding="utf-8").splitlines():
                sent = SentMessage(**json.loads(line))
                self.sent.append(sent)
                used.append(int(sent.message_id.removeprefix("wamid.OFFLINE")))
        with contextlib.suppress(OSError, ValueError):
            inbound = json.loads((store / INBOUND).read_text(encoding="utf-8"))
            self._last_inbound = {k: datetime.fromisoformat(v) for k, v in inbound.items()}
        # New ids after the kept ones: a media id never names two pictures.
        self._ids = itertools.count(max(used, default=0) + 1)

    # ------------------------------------------------------------------ for tests and drivers

    def add_media(
        self, content: bytes, mime_type: str = "image/jpeg", *, media_id: str | None = None
    ) -> str:
        """Register a resident's media (as WhatsApp keeps an uploaded image); its media id."""
        media_id = media_id or f"{next(self._ids) + MEDIA_ID_BASE}"
        self._media[media_id] = _Media(content, mime_type)
        if self.store is not None and media_id.isdigit():
            (self.store / "media" / f"{media_id}.bin").write_bytes(content)
            meta = json.dumps({"mime_type": mime_type})
            (self.store / "media" / f"{media_id}.json").write_text(meta, encoding="utf-8")
        return media_id

    def _find_media(self, media_id: str) -> _Media | None:
        media = self._media.get(media_id)
        if media is not None or self.store is None or not media_id.isdigit():
            return media
        try:
            folder = self.store / "media"
            meta = json.loads((folder / f"{media_id}.json").read_text(encoding="utf-8"))
            content = (folder / f"{media_id}.bin").read_bytes()
        except (OSError, ValueError):
            return None
        media = self._media[media_id] = _Media(content, str(meta["mime_type"]))
        return media

    def note_inbound(self, wa_id: str, at: datetime) -> None:
        """The resident wrote at ``at``: their 24-hour window runs from then."""
        self._last_inbound[wa_id] = max(at, self._last_inbound.get(wa_id, at))
        if self.store is not None:
            inbound = {k: v.isoformat() for k, v in self._last_inbound.items()}
            (self.store / INBOUND).write_text(json.dumps(inbound), encoding="utf-8")

    def fail_next(
        self, *, status: int, code: int, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next ``times`` message sends with this error (before any check)."""
        self._faults.append(_Fault(status, code, times, retry_after))

    def messages_to(self, wa_id: str) -> list[JSONDict]:
        return [sent.message for sent in self.sent if sent.wa_id == wa_id]

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering from this stand-in, without a network."""

        def answer(request: httpx.Request) -> httpx.Response:
            status, headers, body = self.handle(
                request.method, request.url.path, dict(request.headers), request.content
            )
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(answer)

    # ------------------------------------------------------------------ HTTP

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request: ``(status, headers, body)``."""
        self.requests.append((method, path))
        lowered = {key.lower(): value for key, value in headers.items()}
        if lowered.get("authorization") != f"Bearer {self.access_token}":
            return _error(401, 190, "Invalid OAuth access token")
        parts = path.strip("/").split("/")
        if method == "POST" and parts == [self.api_version, self.phone_number_id, "messages"]:
            return self._send(body)
        if method == "GET" and len(parts) == 2 and parts[0] == self.api_version:
            return self._media_info(parts[1])
        if method == "GET" and len(parts) == 2 and parts[0] == "media":
            media = self._find_media(parts[1])
            if media is None:
                return _error(404, 100, "Unknown media")
            return 200, {"Content-Type": media.mime_type}, media.content
        return _error(404, 100, "Unknown path")

    def _send(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            request = json.loads(body)
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        wa_id = str(request.get("to", ""))
        message = {
            k: v
            for k, v in request.items()
            if k not in ("messaging_product", "recipient_type", "to")
        }
        fault = self._next_fault()
        problem = fault.code if fault else _problem(message)
        if problem is None and message.get("type") != "template" and not self._window_open(wa_id):
            problem = WINDOW_CLOSED
        if problem is not None:
            self.refused.append((wa_id, message, problem))
            status = fault.status if fault else 400
            extra = {"Retry-After": str(fault.retry_after)} if fault and fault.retry_after else {}
            status, headers, content = _error(status, problem, "refused")
            return status, {**headers, **extra}, content
        sent = SentMessage(wa_id, message, f"wamid.OFFLINE{next(self._ids):012d}")
        self.sent.append(sent)
        if self.store is not None:
            with (self.store / SENT_LOG).open("a", encoding="utf-8") as log:
                log.write(json.dumps(asdict(sent), ensure_ascii=False) + "\n")
        for subscriber in self.subscribers:
            subscriber(sent)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": wa_id, "wa_id": wa_id}],
            "messages": [{"id": sent.message_id}],
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _media_info(self, media_id: str) -> tuple[int, dict[str, str], bytes]:
        media = self._find_media(media_id)
        if media is None:
            return _error(404, 100, "Unknown media")
        info = {
            "messaging_product": "whatsapp",
            "id": media_id,
            "url": f"{self.media_base_url}/media/{media_id}",
            "mime_type": media.mime_type,
            "file_size": len(media.content),
            "sha256": "0" * 64,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(info).encode()

    def _next_fault(self) -> _Fault | None:
        if not self._faults:
            return None
        fault = self._faults[0]
        fault.times -= 1
        if fault.times <= 0:
            self._faults.popleft()
        return fault

    def _window_open(self, wa_id: str) -> bool:
        last = self._last_inbound.get(wa_id)
        return last is not None and self.clock() - last < WINDOW


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, str], bytes]:
    body = {"error": {"message": message, "type": "OAuthException", "code": code}}
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _problem(message: JSONDict) -> int | None:
    """WhatsApp's error code for a message it would refuse, or None."""
    kind = message.get("type")
    try:
        if kind == "text":
            body = message["text"]["body"]
            ok = 0 < utf16_length(body) <= TEXT_MAX and bool(body.strip())
        elif kind == "interactive":
            ok = _interactive_ok(message["interactive"])
        elif kind == "template":
            template = message["template"]
            ok = bool(template["name"]) and bool(template["language"]["code"])
        else:
            ok = False
    except (KeyError, TypeError):
        ok = False
    return None if ok else INVALID_PARAMETER


def _interactive_ok(interactive: JSONDict) -> bool:
    body = interactive["body"]["text"]
    if not 0 < utf16_length(body) <= BODY_MAX:
        return False
    kind = interactive["type"]
    action = interactive["action"]
    if kind == "location_request_message":
        return bool(action["name"] == "send_location")
    if kind == "button":
        replies = [button["reply"] for button in action["buttons"]]
        titles = [reply["title"] for reply in replies]
        return (
            1 <= len(replies) <= BUTTONS_MAX
            and all(0 < utf16_length(title) <= BUTTON_TITLE_MAX for title in titles)
            and _distinct([reply["id"] for reply in replies])
            and _distinct(titles)
        )
    if kind == "list":
        rows = [row for section in action["sections"] for row in section["rows"]]
        return (
            1 <= len(rows) <= ROWS_MAX
            and 0 < utf16_length(action["button"]) <= LIST_BUTTON_MAX
            and all(0 < utf16_length(row["title"]) <= ROW_TITLE_MAX for row in rows)
            and all(utf16_length(row.get("description", "")) <= ROW_DESCRIPTION_MAX for row in rows)
            and all(len(row["id"]) <= 200 for row in rows)
            and _distinct([row["id"] for row in rows])
        )
    return False


def _distinct(values: list[str]) -> bool:
    return len(set(values)) == len(values)
