"""A test driver that plays a person chatting with the real Application over the offline API.

Each action of :class:`Person` builds the Update dict Telegram would send, feeds it to
``Application.process_update`` (so handlers, ConversationHandler states and persistence run for
real) and returns what the person would see change in the chat::

    async with app:
        siti = Person(app, api, user_id=1001)
        shown = await siti.send("/start")
        shown = await siti.tap("Lapor pengaduan")

The Application must be initialized (``async with app:`` or ``await app.initialize()``); it does
not need to be started or polling. Handlers registered with ``block=False`` run as background
tasks, so their replies may arrive after the action returns.
"""

from __future__ import annotations

import re
import time
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.offline import JSONDict, OfflineBotApi, utf16_length
from handlers.context import settle

__all__ = ["Person", "command_entities", "deliver", "make_update"]

_COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


def make_update(api: OfflineBotApi, **payload: JSONDict) -> JSONDict:
    """An Update dict with a fresh ``update_id`` and one payload, e.g. ``message={...}``."""
    return {"update_id": api.next_update_id(), **payload}


async def deliver(
    app: Application[Any, Any, Any, Any, Any, Any], api: OfflineBotApi, update: JSONDict
) -> None:
    """Parse a raw Update dict as PTB would and process it with the app's handlers.

    An update without ``update_id`` gets a fresh one from ``api``.

    Awaits the handlers (except ``block=False`` ones) and the background work they started, so
    what a person sees next includes it. Handler exceptions go to the app's error handlers, as
    in production; with none registered PTB only logs them.
    """
    if "update_id" not in update:
        update = {"update_id": api.next_update_id(), **update}
    await app.process_update(Update.de_json(update, app.bot))
    await settle(app)


def command_entities(text: str) -> list[JSONDict]:
    """The bot_command entity Telegram attaches to a text starting with a command, if any."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(match.group())}]


class Person:
    """A Telegram user chatting with the bot in one chat (private by default).

    Args:
        app: the initialized Application under test.
        api: the OfflineBotApi the app's bot talks to.
        user_id: the person's Telegram user id (> 0).
        first_name, last_name, username, language_code: the person's profile as Telegram sends
            it in ``from``; ``language_code`` drives the catalog language.
        chat_id: the chat the person writes in; defaults to ``user_id`` (private chat). For a
            group pass a negative id with ``chat_type="supergroup"`` and a ``chat_title``.

    Every action returns the bot messages of this chat that were sent or edited during it,
    current state, ordered by message id (a new reply and an edited card both appear once).
    """

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        api: OfflineBotApi,
        *,
        user_id: int,
        first_name: str = "Siti",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "id",
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
    ) -> None:
        self.app = app
        self.api = api
        self.user_id = user_id
        self.chat_id = user_id if chat_id is None else chat_id
        self.user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        self.chat: JSONDict = {"id": self.chat_id, "type": chat_type}
        if chat_type == "private":
            self.chat["first_name"] = first_name
        else:
            self.chat["title"] = chat_title or f"Group {self.chat_id}"
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                self.user[key] = value
                if chat_type == "private":
                    self.chat[key] = value
        self.user["language_code"] = language_code
        api.remember_chat(self.chat)

    # ------------------------------------------------------------------ building updates

    def new_message(self, **content: Any) -> JSONDict:
        """A Message dict from this person with ``content`` fields (text, photo...), remembered
        by the API (so the bot can reply to it) but not delivered."""
        message: JSONDict = {
            "message_id": self.api.next_message_id(self.chat_id),
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            **content,
        }
        self.api.remember_message(message)
        return message

    def text_update(self, text: str, *, reply_to: JSONDict | None = None) -> JSONDict:
        """The Update dict for sending ``text``, not delivered (e.g. for ``api.push_update``)."""
        content: JSONDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            # Telegram nests replies one level deep only.
            content["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        return make_update(self.api, message=self.new_message(**content))

    async def _act(self, update: JSONDict) -> list[JSONDict]:
        mark = self.api.revision
        await deliver(self.app, self.api, update)
        return self.api.changes_since(self.chat_id, mark)

    async def _say(self, **content: Any) -> list[JSONDict]:
        return await self._act(make_update(self.api, message=self.new_message(**content)))

    # ------------------------------------------------------------------ actions

    async def send(self, text: str, *, reply_to: JSONDict | None = None) -> list[JSONDict]:
        """Send a text; "/cmd args" gets a bot_command entity like Telegram's. ``reply_to`` is a
        message dict the text replies to (a bot message from :meth:`inbox`, say)."""
        return await self._act(self.text_update(text, reply_to=reply_to))

    async def tap(self, label: str, *, message: JSONDict | None = None) -> list[JSONDict]:
        """Press the inline button labelled exactly ``label``.

        Looks on ``message`` if given, else on the newest bot message in this chat having such a
        button. Raises AssertionError listing the visible buttons when none matches, or when the
        button is not a callback button (a URL button, say).
        """
        target, button = self._find_button(label, message)
        if "callback_data" not in button:
            kinds = sorted(set(button) - {"text"})
            raise AssertionError(f"button {label!r} is not a callback button: {kinds}")
        return await self.tap_data(str(button["callback_data"]), message=target)

    async def tap_data(self, callback_data: str, *, message: JSONDict) -> list[JSONDict]:
        """Send a callback query with arbitrary (e.g. forged or stale) ``callback_data`` from
        ``message``; the query id is fresh and registered so the bot can answer it once."""
        current = self.api.message(self.chat_id, int(message["message_id"])) or message
        callback_query: JSONDict = {
            "id": self.api.issue_callback_query_id(),
            "from": self.user,
            "message": current,
            "chat_instance": f"-{abs(self.chat_id) * 7919 + 13}",
            "data": callback_data,
        }
        return await self._act(make_update(self.api, callback_query=callback_query))

    async def press_key(self, label: str) -> list[JSONDict]:
        """Press a button of the reply keyboard currently shown: Telegram sends its label as
        text. Buttons asking for location or contact need send_location / send_contact."""
        rows = (self.api.reply_keyboard(self.chat_id) or {}).get("keyboard", [])
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if text == label:
                    return await self.send(label)
        raise AssertionError(
            f"no reply-keyboard button {label!r}; keyboard shows {self.reply_keyboard()}"
        )

    async def send_location(self, latitude: float, longitude: float) -> list[JSONDict]:
        """Share a location (degrees)."""
        return await self._say(location={"latitude": latitude, "longitude": longitude})

    async def send_photo(
        self,
        content: bytes = b"\xff\xd8\xff\xe0 offline jpeg",
        *,
        caption: str | None = None,
        file_size: int | None = None,
    ) -> list[JSONDict]:
        """Send a photo with these bytes; ``file_size`` (bytes) pretends it is bigger."""
        file_id, unique_id = self.api.add_file(content, file_size=file_size, mime_type="image/jpeg")
        size = len(content) if file_size is None else file_size
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": 1280,
                "height": 960,
                "file_size": size,
            }
        ]
        extra: JSONDict = {} if caption is None else {"caption": caption}
        return await self._say(photo=photo, **extra)

    async def send_contact(self, phone_number: str) -> list[JSONDict]:
        """Share one's own contact (as a request_contact button does: user_id is set)."""
        contact = {
            "phone_number": phone_number,
            "first_name": self.user["first_name"],
            "user_id": self.user_id,
        }
        return await self._say(contact=contact)

    async def send_sticker(self) -> list[JSONDict]:
        """Send a static sticker."""
        file_id, unique_id = self.api.add_file(b"RIFF offline webp", mime_type="image/webp")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\N{THUMBS UP SIGN}",
        }
        return await self._say(sticker=sticker)

    async def send_voice(self) -> list[JSONDict]:
        """Send a 3-second voice note."""
        content = b"OggS offline voice"
        file_id, unique_id = self.api.add_file(content, mime_type="audio/ogg")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return await self._say(voice=voice)

    async def send_document(
        self, content: bytes = b"%PDF-1.4 offline", *, file_name: str = "file.pdf"
    ) -> list[JSONDict]:
        """Send a file as a document."""
        file_id, unique_id = self.api.add_file(content, file_name=file_name)
        document: JSONDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": file_name,
            "file_size": len(content),
        }
        mime_type = self.api.file_mime_type(file_id)
        if mime_type:
            document["mime_type"] = mime_type
        return await self._say(document=document)

    # ------------------------------------------------------------------ what the person sees

    def inbox(self) -> list[JSONDict]:
        """All bot messages in this chat, current state, oldest first."""
        return self.api.bot_messages(self.chat_id)

    def last(self) -> JSONDict:
        """The newest bot message in this chat; AssertionError if the bot sent nothing."""
        message = self.api.last_bot_message(self.chat_id)
        if message is None:
            raise AssertionError(f"the bot has sent nothing to chat {self.chat_id}")
        return message

    def buttons(self, message: JSONDict | None = None) -> list[str]:
        """Labels of the inline keyboard of ``message`` (default: :meth:`last`), row-major."""
        target = self.last() if message is None else message
        rows = (target.get("reply_markup") or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def reply_keyboard(self, message: JSONDict | None = None) -> list[str]:
        """Labels of a reply keyboard, row-major: the one sent with ``message``, or by default
        the one currently shown in this chat. Empty when there is none."""
        if message is None:
            markup = self.api.reply_keyboard(self.chat_id)
        else:
            markup = self.api.sent_markup(self.chat_id, int(message["message_id"]))
        rows = (markup or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b["text"] for row in rows for b in row]

    def _find_button(self, label: str, message: JSONDict | None) -> tuple[JSONDict, JSONDict]:
        if message is not None:
            current = self.api.message(self.chat_id, int(message["message_id"])) or message
            candidates = [current]
        else:
            candidates = list(reversed(self.inbox()))
        for candidate in candidates:
            rows = (candidate.get("reply_markup") or {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    if button.get("text") == label:
                        return candidate, button
        visible = {c["message_id"]: self.buttons(c) for c in candidates[:5] if self.buttons(c)}
        raise AssertionError(
            f"no inline button {label!r} in chat {self.chat_id}; "
            f"visible buttons by message id: {visible or 'none'}"
        )
