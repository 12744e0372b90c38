"""A resident on WhatsApp, played against the real bot: webhook payloads in, what the Graph API
received out. For tests and for local mode (``ajung-bot chat --channel whatsapp``).

The payload builders make exactly what Meta posts (``object: whatsapp_business_account``, one
entry, one change, ``contacts`` with the profile name, one message), and :func:`signature`
signs a body as Meta does, so the same payloads serve the in-process channel and the real
webhook of ``ajung-bot run``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.offline import OfflineGraphApi
from handlers.context import settle

JSONDict = dict[str, Any]

# WhatsApp message ids are unique for ever and the bot drops a message whose id it has stored:
# ids start from the clock so that a second run on the same database (local mode after a
# restart) never repeats one.
_message_ids = itertools.count(time.time_ns() // 1000)


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` header Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def webhook(
    phone_number_id: str,
    wa_id: str,
    name: str,
    message: JSONDict,
    *,
    sent_at: datetime,
    message_id: str | None = None,
) -> JSONDict:
    """The webhook body for one message from ``wa_id`` (profile ``name``)."""
    raw = {
        "from": wa_id,
        "id": message_id or f"wamid.RESIDENT{next(_message_ids):014d}",
        "timestamp": str(int(sent_at.timestamp())),
        **message,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [raw],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def text(body: str) -> JSONDict:
    return {"type": "text", "text": {"body": body}}


def reply(message: JSONDict, title: str) -> JSONDict:
    """The answer to the reply button or list row titled ``title`` of the bot's ``message``."""
    interactive = message.get("interactive") or {}
    if interactive.get("type") == "button":
        for button in interactive["action"]["buttons"]:
            if button["reply"]["title"] == title:
                return _interactive("button_reply", button["reply"]["id"], title)
    if interactive.get("type") == "list":
        for section in interactive["action"]["sections"]:
            for row in section["rows"]:
                if row["title"] == title:
                    return _interactive("list_reply", row["id"], title)
    raise AssertionError(
        f"no option {title!r} in {options(message) or 'a message without options'}"
    )


def location(latitude: float, longitude: float) -> JSONDict:
    return {"type": "location", "location": {"latitude": latitude, "longitude": longitude}}


def image(media_id: str, caption: str | None = None) -> JSONDict:
    content: JSONDict = {"id": media_id, "mime_type": "image/jpeg", "sha256": "0" * 64}
    if caption:
        content["caption"] = caption
    return {"type": "image", "image": content}


def options(message: JSONDict) -> list[str]:
    """The titles of a message's reply buttons or list rows, in order."""
    interactive = message.get("interactive") or {}
    if interactive.get("type") == "button":
        return [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    if interactive.get("type") == "list":
        return [r["title"] for s in interactive["action"]["sections"] for r in s["rows"]]
    return []


def body_of(message: JSONDict) -> str:
    """What a resident reads: a text's body, an interactive message's body, a template's name
    and values."""
    if message["type"] == "text":
        return str(message["text"]["body"])
    if message["type"] == "interactive":
        return str(message["interactive"]["body"]["text"])
    template = message["template"]
    values = [
        p["text"] for c in template["components"] for p in c.get("parameters", []) if "text" in p
    ]
    return f"[{template['name']}] " + " | ".join(values)


def _interactive(kind: str, reply_id: str, title: str) -> JSONDict:
    return {
        "type": "interactive",
        "interactive": {"type": kind, kind: {"id": reply_id, "title": title}},
    }


class WhatsAppPerson:
    """A resident writing to the bot's WhatsApp number, with the bot in this process.

    Every action returns the messages the Graph API accepted for this resident during it.
    """

    def __init__(
        self,
        channel: WhatsAppChannel,
        graph: OfflineGraphApi,
        *,
        wa_id: str = "6281234567890",
        name: str = "Siti",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.channel = channel
        self.graph = graph
        self.wa_id = wa_id
        self.name = name
        self.clock = clock or channel.now

    # ------------------------------------------------------------------ actions

    async def send(self, body: str) -> list[JSONDict]:
        return await self.post(text(body))

    async def tap(self, title: str, *, message: JSONDict | None = None) -> list[JSONDict]:
        """Choose the option titled ``title`` on ``message`` or on the newest message with it."""
        candidates = [message] if message is not None else list(reversed(self.inbox()))
        for candidate in candidates:
            if title in options(candidate):
                return await self.post(reply(candidate, title))
        shown = [options(c) for c in candidates[:3] if options(c)]
        raise AssertionError(f"no option {title!r}; the latest options: {shown}")

    async def send_location(self, latitude: float, longitude: float) -> list[JSONDict]:
        return await self.post(location(latitude, longitude))

    async def send_image(self, content: bytes = b"\xff\xd8\xff\xe0 wa jpeg") -> list[JSONDict]:
        return await self.post(image(self.graph.add_media(content)))

    async def post(self, message: JSONDict, *, message_id: str | None = None) -> list[JSONDict]:
        """Deliver one message as a webhook would, and wait until the bot has answered."""
        return await self.deliver(self.payload(message, message_id=message_id))

    def payload(self, message: JSONDict, *, message_id: str | None = None) -> JSONDict:
        now = self.clock()
        self.graph.note_inbound(self.wa_id, now)
        return webhook(
            self.graph.phone_number_id,
            self.wa_id,
            self.name,
            message,
            sent_at=now,
            message_id=message_id,
        )

    async def deliver(self, payload: JSONDict) -> list[JSONDict]:
        mark = len(self.inbox())
        await self.channel.receive(json.dumps(payload).encode())
        await self.channel.settle()
        await settle(self.channel.application)
        return self.inbox()[mark:]

    # ------------------------------------------------------------------ what the resident sees

    def inbox(self) -> list[JSONDict]:
        return self.graph.messages_to(self.wa_id)

    def last(self) -> JSONDict:
        messages = self.inbox()
        if not messages:
            raise AssertionError("the bot has sent nothing to this resident")
        return messages[-1]

    def texts(self) -> list[str]:
        return [body_of(message) for message in self.inbox()]
