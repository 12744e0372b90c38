"""The outbox's sender for WhatsApp residents: the news of their complaint and the rating
invitation, durable as on Telegram.

``handlers/delivery.py`` keeps what every channel shares: entries written in the move's own
transaction, one chat's entries in order, back-off, the blocked marking. This sender only says
how an entry goes out on WhatsApp and what became of it. It hands the entry to the channel
directly (:meth:`~bot.whatsapp.channel.WhatsAppChannel.send_news`), not through a Bot API call,
so the template the payload names (sent instead outside the 24-hour window) never travels on a
call that could reach Telegram.

What each outcome means, and why:

- accepted, or held with the template sent instead: "sent" (the held message is stored and
  follows the resident's next message or the template's button);
- 131026, 131021, 131030 (the number cannot receive it): "blocked", the resident marked;
- 429, 5xx, WhatsApp's throttling codes and a refused connection: tried again with the
  outbox's back-off, after the wait WhatsApp asked for if it did (one try per delivery run:
  the Graph client's own quick retries would hold the whole outbox, Telegram's news too, for
  seconds per resident during an outage);
- a timeout on a new message: "unconfirmed", never sent blindly twice (as on Telegram);
- any other refusal: "failed" for good, its code in the entry, never the number.
"""

from __future__ import annotations

from typing import Any

from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.graph import UNDELIVERABLE, GraphError, GraphTimeout
from db.outbox import OutboxEntry
from db.residents import WHATSAPP, person_of
from handlers.delivery import SENT, Kind, Outcome


class WhatsAppSender:
    """Entries of channel ``whatsapp``: chat ids are WhatsApp ids (``wa_id``)."""

    def __init__(self, channel: WhatsAppChannel) -> None:
        self.channel = channel

    async def deliver(self, entry: OutboxEntry) -> Outcome:
        if entry.kind != Kind.NEWS:
            # Cards and note requests live in Telegram's office chats only.
            return Outcome("failed", f"{entry.kind} has no WhatsApp form")
        try:
            person = person_of(WHATSAPP, entry.chat_id)
        except ValueError:
            return Outcome("failed", "not a WhatsApp id")
        template = entry.payload.get("template")
        try:
            await self.channel.send_news(
                person, send_message_params(entry.payload), template if template else None
            )
        except GraphTimeout:
            return Outcome("unconfirmed", "TimedOut")
        except GraphError as error:
            return _judged(error)
        return SENT


def send_message_params(payload: dict[str, Any]) -> dict[str, Any]:
    """A news payload (``{"text", "parse_mode", "buttons": [[[label, data], ...], ...]}``) as
    the ``sendMessage`` parameters the channel's rules read."""
    rows = payload.get("buttons") or []
    keyboard = [[{"text": label, "callback_data": data} for label, data in row] for row in rows]
    params: dict[str, Any] = {"text": payload["text"], "parse_mode": payload.get("parse_mode")}
    if keyboard:
        params["reply_markup"] = {"inline_keyboard": keyboard}
    return params


def _judged(error: GraphError) -> Outcome:
    reason = f"WhatsApp error {error.code} (HTTP {error.status})"
    if error.code in UNDELIVERABLE:
        return Outcome("blocked", reason)
    if error.retryable:
        return Outcome("retry", reason, error.retry_after)
    return Outcome("failed", reason)
