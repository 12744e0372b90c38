"""WhatsApp's webhook payloads read, and each message turned into the Telegram ``Update`` the same
dialogue expects.

* text -> a message with that text (``/cmd`` gets its bot_command entity); the survey QR's
  prefilled text (which carries ``skm_<CODE>``) -> ``/start skm_<CODE>``, as the Telegram deep
  link sends it;
* a reply button or a list row -> a button press (``callback_query``) whose data is the reply
  id, which is the callback data the bot sent;
* a location -> ``message.location``; an image -> ``message.photo`` whose file id names the
  WhatsApp media (``getFile`` on it is answered by the channel);
* a voice note or other audio -> ``message.voice``, a sticker -> ``message.sticker``, a
  document -> ``message.document`` (none of them downloaded): each step says what it cannot
  take (a voice note is asked to be typed) before its hint;
* anything else a resident can send (a video, a contact...) -> a message without text, which
  every dialogue step answers with its hint.

Pure: no I/O, no clock. Reactions and WhatsApp's system notices are not messages to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from bot.driver import command_entities
from bot.whatsapp.rules import HELD_PAYLOAD, LOCAL_PREFIX, TEXT_REPLY
from db.residents import WA_ID_DIGITS, person_of
from iku.text import clean_text, truncate

JSONDict = dict[str, Any]

MEDIA_PREFIX: Final = f"{LOCAL_PREFIX}media:"
"""File ids of WhatsApp media, as the bot sees them in ``message.photo``."""
QUERY_PREFIX: Final = f"{LOCAL_PREFIX}q:"
"""Callback query ids of WhatsApp button presses: ``wa!q:<person>:<n>``."""
SURVEY_CODE = re.compile(r"(?<![A-Za-z0-9_])skm_([A-Za-z0-9]{1,16})(?![A-Za-z0-9_])")
IGNORED_TYPES: Final = frozenset({"reaction", "system", "unsupported", "request_welcome"})
NAME_MAX: Final = 200


@dataclass(frozen=True)
class InboundMessage:
    """One message of a webhook: who, when, and the message object as WhatsApp sent it."""

    message_id: str
    wa_id: str
    name: str
    sent_at: datetime
    message: JSONDict


@dataclass(frozen=True)
class StatusReport:
    """A status callback of a message the bot sent (sent, delivered, read, failed)."""

    message_id: str
    status: str
    wa_id: str
    error_codes: tuple[int, ...]


class PayloadError(ValueError):
    """A webhook body that is not WhatsApp's shape (signed, so from Meta, but unreadable)."""


def read_webhook(
    body: JSONDict, phone_number_id: str
) -> tuple[list[InboundMessage], list[StatusReport]]:
    """The messages and status reports for ``phone_number_id`` in a webhook body.

    Changes for another number of the same business account, and message types that ask for
    no answer (:data:`IGNORED_TYPES`), are left out.
    """
    if body.get("object") != "whatsapp_business_account" or not isinstance(body.get("entry"), list):
        raise PayloadError("not a WhatsApp Business Account webhook")
    messages: list[InboundMessage] = []
    statuses: list[StatusReport] = []
    for entry in body["entry"]:
        for change in _list(entry, "changes"):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages":
                continue
            metadata = value.get("metadata") or {}
            if str(metadata.get("phone_number_id", "")) != phone_number_id:
                continue
            names = _profile_names(value)
            messages += [
                _message(raw, names)
                for raw in _list(value, "messages")
                if raw.get("type") not in IGNORED_TYPES
            ]
            statuses += [_status(raw) for raw in _list(value, "statuses")]
    return messages, statuses


def to_update(number: int, stored: JSONDict) -> JSONDict:
    """The Telegram Update dict for a stored message (see :func:`stored_form`); ``number`` (the
    row's id, increasing) serves as update id, message id and button press id."""
    message: JSONDict = stored["message"]
    person = person_of("whatsapp", stored["wa_id"])
    user = {"id": person, "is_bot": False, "first_name": stored["name"] or stored["wa_id"]}
    chat = {"id": person, "type": "private", "first_name": user["first_name"]}
    envelope = {"message_id": number, "chat": chat, "date": stored["sent_at"]}
    reply = _reply_id(message)
    if reply is not None and not reply.startswith(TEXT_REPLY):
        query = {
            "id": f"{QUERY_PREFIX}{person}:{number}",
            "from": user,
            "chat_instance": str(person),
            "data": reply,
            # The message whose button was pressed: WhatsApp cannot edit it, so its content
            # does not matter (an edit becomes a new message).
            "message": {**envelope, "text": ""},
        }
        return {"update_id": number, "callback_query": query}
    return {"update_id": number, "message": {**envelope, "from": user, **_content(message, reply)}}


def stored_form(inbound: InboundMessage) -> JSONDict:
    """What is stored for a message until it is handled (JSON only)."""
    return {
        "wa_id": inbound.wa_id,
        "name": inbound.name,
        "sent_at": int(inbound.sent_at.timestamp()),
        "message": inbound.message,
    }


def is_held_request(stored: JSONDict) -> bool:
    """The template's button "show me the message": answered by the channel alone."""
    return _reply_id(stored["message"]) == HELD_PAYLOAD


# ---------------------------------------------------------------------- helpers


def _list(container: Any, key: str) -> list[JSONDict]:
    value = container.get(key) if isinstance(container, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _profile_names(value: JSONDict) -> dict[str, str]:
    """Each sender's WhatsApp profile name, which the resident typed as freely as a message:
    cleaned of control characters and line breaks (it is shown on cards), at most 200."""
    names = {}
    for contact in _list(value, "contacts"):
        profile = contact.get("profile") or {}
        name = clean_text(str(profile.get("name") or ""), multiline=False)
        names[str(contact.get("wa_id", ""))] = truncate(name, NAME_MAX, ellipsis="")
    return names


def _wa_id(raw: Any) -> str:
    text = str(raw or "")
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= WA_ID_DIGITS):
        raise PayloadError("a sender that is not a WhatsApp number")
    return text


def _message(raw: JSONDict, names: dict[str, str]) -> InboundMessage:
    wa_id = _wa_id(raw.get("from"))
    message_id = str(raw.get("id") or "")
    if not message_id or len(message_id) > 128:
        raise PayloadError("a message without a usable id")
    try:
        sent_at = datetime.fromtimestamp(int(raw.get("timestamp", 0)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise PayloadError("a message without a usable timestamp") from None
    return InboundMessage(message_id, wa_id, names.get(wa_id, ""), sent_at, raw)


def _status(raw: JSONDict) -> StatusReport:
    codes = []
    for error in _list(raw, "errors"):
        try:
            codes.append(int(error.get("code", 0)))
        except (TypeError, ValueError):
            codes.append(0)
    recipient = str(raw.get("recipient_id") or "")
    return StatusReport(
        str(raw.get("id") or ""), str(raw.get("status") or ""), recipient, tuple(codes)
    )


def _reply_id(message: JSONDict) -> str | None:
    """The id of the option chosen: a reply button, a list row, a template's quick reply."""
    kind = message.get("type")
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        chosen = interactive.get(interactive.get("type")) or {}
        reply = chosen.get("id")
        return str(reply) if reply else None
    if kind == "button":
        payload = (message.get("button") or {}).get("payload")
        return str(payload) if payload else None
    return None


def _content(message: JSONDict, reply: str | None) -> JSONDict:
    kind = message.get("type")
    if reply is not None and reply.startswith(TEXT_REPLY):
        return _text(reply.removeprefix(TEXT_REPLY))
    if kind == "text":
        return _text(str((message.get("text") or {}).get("body") or ""))
    if kind == "button":  # a template's quick reply without a payload: its label, typed
        return _text(str((message.get("button") or {}).get("text") or ""))
    if kind == "location":
        where = message.get("location") or {}
        return {
            "location": {"latitude": where.get("latitude"), "longitude": where.get("longitude")}
        }
    if kind == "image":
        image = message.get("image") or {}
        media_id = str(image.get("id") or "")
        photo = {
            "file_id": MEDIA_PREFIX + media_id,
            "file_unique_id": str(image.get("sha256") or media_id)[:64],
            "width": 0,
            "height": 0,
        }
        caption = image.get("caption")
        return {"photo": [photo], **({"caption": str(caption)} if caption else {})}
    if kind in ("audio", "voice", "sticker", "document"):
        return _media(kind, message.get(kind) or {})
    return {}


def _media(kind: str, media: JSONDict) -> JSONDict:
    """A voice note, a sticker or a document as Telegram describes one (never downloaded)."""
    media_id = str(media.get("id") or "")
    file = {
        "file_id": MEDIA_PREFIX + media_id,
        "file_unique_id": str(media.get("sha256") or media_id)[:64],
    }
    mime_type = media.get("mime_type")
    if kind in ("audio", "voice"):
        return {"voice": {**file, "duration": 0}}
    if kind == "sticker":
        animated = bool(media.get("animated"))
        shape = {"type": "regular", "width": 512, "height": 512}
        return {"sticker": {**file, **shape, "is_animated": animated, "is_video": False}}
    document = {**file, **({"mime_type": str(mime_type)} if mime_type else {})}
    return {"document": document}


def _text(text: str) -> JSONDict:
    found = SURVEY_CODE.search(text)
    if found is not None and not text.startswith("/"):
        text = f"/start skm_{found.group(1).upper()}"
    content: JSONDict = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content
