"""Local mode, ``ajung-bot chat``: a person at the terminal talks to the real bot.

The real Application, handlers, database and jobs run against the in-process Bot API, so no
token and no network are needed. Typed lines become messages; inline buttons and the reply
keyboard are listed numbered and pressed by typing the number; a few commands send what a phone
would (a photo, a location). End of input (Ctrl-D, or no terminal at all) stops the bot cleanly.

Like a phone, it opens with the bot's greeting (it sends /start), and it remembers: the
in-process Bot API keeps its chats and the files people sent in a folder beside the database
(:func:`data_dir`), so a photo in a draft still resolves after a restart, a card posted while a
resident played can be moved by ``--as trantib``, and what the bot said to someone while they
were not at the terminal is shown when they come back. The log goes to a file in that folder,
never into the conversation.

This is a developer tool, so its own words (the help below) are English; everything the bot
says comes from the catalog as usual.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import make_url

from bot.app import BotApplication, build_application, running
from bot.config import Config
from bot.driver import Person
from bot.offline import ApiCall, JSONDict, OfflineBotApi

# Ids used when the configuration leaves a role or chat unset (the example configuration does).
DEMO_IDS = {
    "resident": 100001,
    "trantib": 200001,
    "camat": 200002,
    "sekcam": 200003,
    "pmks": 200004,
}
DEMO_TRANTIB_GROUP = -1000000000001
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912"
    "130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08000100"
    "0101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303"
    "020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282"
    "090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a73747576"
    "7778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9ca"
    "d2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)

LOG_FILE = "ajung-bot.log"
# What the bot said while nobody was at the terminal, shown at most this many per chat.
AWAY_SHOWN = 10
# A location typed as "LAT,LON" or "LAT LON" (after a 📍 button, or while one is shown).
COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")
SAMPLE_PHONE = "081234567890"

HELP = """\
Local mode: you are {who} (Telegram user id {user_id}), talking to the real bot; nothing leaves
this computer. Type a message and press Enter. Buttons are listed as [1] [2] ..., the keys of
the keyboard under the input field after "keyboard:": type the number to press one (a larger
number is sent as text). Also:
  /foto [PATH]        send a photo (a tiny sample picture without PATH)
  /lokasi LAT LON     share a location, e.g. /lokasi -8.2311 113.6512 (after a 📍 key, or
                      while one is shown, typing -8.2311,113.6512 is enough)
  /kontak NUMBER      share your phone contact
  /stiker, /suara, /dokumen   send a sticker, a voice note, a document
  /grup               (officials) switch between your private chat and the Trantib group
  :help               this text          Ctrl-D              quit
"""


def local_config(config: Config, role: str, database_url: str | None) -> Config:
    """The configuration with demo ids wherever a role or chat needed for ``role`` is unset."""
    roles = {
        name: getattr(config.roles, name) or (DEMO_IDS[name],)
        for name in ("camat", "sekcam", "trantib", "pmks")
    }
    telegram = {
        "camat_chat_id": config.telegram.camat_chat_id or roles["camat"][0],
        "trantib_chat_id": config.telegram.trantib_chat_id or DEMO_TRANTIB_GROUP,
    }
    update: dict[str, Any] = {
        "roles": config.roles.model_copy(update=roles),
        "telegram": config.telegram.model_copy(update=telegram),
    }
    if database_url:
        update["database"] = config.database.model_copy(update={"url": database_url})
    return config.model_copy(update=update)


def data_dir(config: Config) -> Path:
    """The folder local mode keeps its things in: the SQLite database's folder (``data/`` by
    default), or the photo folder's parent when the database is not an SQLite file."""
    url = make_url(config.database.url)
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file:")
    if url.get_backend_name() == "sqlite" and not in_memory:
        return Path(database).parent
    return Path(config.complaints.photo_dir).parent


def log_path(config: Config) -> Path:
    """Where local mode writes its log: a file in :func:`data_dir`."""
    return data_dir(config) / LOG_FILE


def telegram_store(config: Config) -> Path:
    """The in-process Telegram's folder (chats and files), one per database."""
    return local_store(config, "telegram")


def local_store(config: Config, stand_in: str) -> Path:
    """The folder a stand-in (``telegram``, ``whatsapp``) keeps its things in, per database:
    ``data/ajung-telegram`` beside ``data/ajung.db``."""
    url = make_url(config.database.url)
    stem = Path(url.database or "").stem if url.get_backend_name() == "sqlite" else ""
    return data_dir(config) / f"{stem or 'local'}-{stand_in}"


@dataclass(frozen=True)
class Button:
    """One thing the person can press by number: an inline button of ``message``, or a key of
    the reply keyboard under the input field (``kind`` "key", "location" or "contact")."""

    label: str
    kind: str
    message: JSONDict


@dataclass
class Terminal:
    """What the person at the terminal sees, and the buttons they can press by number.

    The numbers cover the inline buttons of the newest message that has some, then the keys of
    the reply keyboard currently shown in the chat (as a phone shows both)."""

    out: TextIO
    api: OfflineBotApi
    watched: dict[int, str]
    current_chat: int
    inline: list[Button] = field(default_factory=list)
    seen: dict[int, int] = field(default_factory=dict)

    @property
    def buttons(self) -> list[Button]:
        return self.inline + self.keyboard()

    def keyboard(self) -> list[Button]:
        markup = self.api.reply_keyboard(self.current_chat) or {}
        keys = []
        for row in markup.get("keyboard", []):
            for key in row:
                if isinstance(key, str):
                    keys.append(Button(key, "key", markup))
                elif key.get("request_location"):
                    keys.append(Button(key["text"], "location", markup))
                elif key.get("request_contact"):
                    keys.append(Button(key["text"], "contact", markup))
                else:
                    keys.append(Button(key["text"], "key", markup))
        return keys

    def show(self, call: ApiCall, result: JSONDict | None) -> None:
        if not isinstance(result, dict) or "chat" not in result:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self.out.write(f"  (notice) {call.params['text']}\n")
            return
        chat_id = result["chat"]["id"]
        if chat_id not in self.watched:
            return
        self.print_message(result, edited=call.method.startswith("edit"))
        self.out.flush()

    def print_message(self, message: JSONDict, *, edited: bool = False) -> None:
        chat_id = message["chat"]["id"]
        label = "" if chat_id == self.current_chat else f"[{self.watched[chat_id]}] "
        self.out.write(f"\nbot {label}{'(edited) ' if edited else ''}> {describe(message)}\n")
        self.seen[chat_id] = max(self.seen.get(chat_id, 0), int(message["message_id"]))
        if chat_id == self.current_chat:
            self._update_buttons(message)

    def _update_buttons(self, message: JSONDict) -> None:
        inline = [
            Button(b["text"], "inline", message)
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        sent = self.api.sent_markup(self.current_chat, int(message["message_id"])) or {}
        if inline:
            self.inline = inline
        elif self.inline and self.inline[0].message["message_id"] == message["message_id"]:
            self.inline = []  # an edit took this message's buttons away
        elif "keyboard" in sent:
            self.inline = []  # the question is now the keyboard's
        else:
            return
        self.list_buttons()

    def show_buttons(self, message: JSONDict) -> None:
        self.inline = []
        self._update_buttons(message)

    def list_buttons(self) -> None:
        numbered = list(enumerate(self.buttons, 1))
        inline = [f"[{n}] {b.label}" for n, b in numbered if b.kind == "inline"]
        keys = [f"[{n}] {b.label}" for n, b in numbered if b.kind != "inline"]
        if inline:
            self.out.write(f"    {'  '.join(inline)}\n")
        if keys:
            self.out.write(f"    keyboard: {'  '.join(keys)}\n")


def describe(message: JSONDict) -> str:
    if "text" in message:
        return str(message["text"])
    if "location" in message:
        where = message["location"]
        return f"(map pin {where['latitude']}, {where['longitude']})"
    if "photo" in message:
        return f"(photo) {message.get('caption', '')}".rstrip()
    if "document" in message:
        return f"(file {message['document'].get('file_name', '')}) {message.get('caption', '')}"
    return "(message)"


async def chat(
    config: Config,
    *,
    role: str = "resident",
    database_url: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    config = local_config(config, role, database_url)
    store = telegram_store(config)
    api = OfflineBotApi(store=store)
    extra: dict[str, Any] = {}
    if local_store(config, "whatsapp").exists():
        # A WhatsApp resident played on this database (``--channel whatsapp``): their news
        # (an official moving their complaint here) goes to the same stand-in, to be found
        # when they come back. (Not otherwise: WhatsApp costs start-up time.)
        from bot.whatsapp.local import stand_in, whatsapp_config

        config = whatsapp_config(config)
        extra["whatsapp_transport"] = stand_in(config).transport()
    application = build_application(
        config, token=api.token, request=api.request(), updates_request=api.request(), **extra
    )
    user_id = DEMO_IDS["resident"] if role == "resident" else getattr(config.roles, role)[0]
    watched = {user_id: "chat"}
    if role == "trantib":
        watched[config.telegram.trantib_chat_id] = "Trantib group"
    if role == "camat":
        watched[config.telegram.camat_chat_id] = "Camat chat"
    terminal = Terminal(stdout, api, watched, current_chat=user_id, seen=_read_seen(store))
    api.subscribe(terminal.show)
    try:
        async with running(application):
            session = _Session(application, api, terminal, role, user_id, config)
            stdout.write(
                HELP.format(
                    who=f"a {role}" if role != "resident" else "a resident", user_id=user_id
                )
            )
            # As a phone does on opening the bot: the person "presses Start"; then what came
            # while they were away, last, so its buttons (a rating, say) are the ones numbered.
            stdout.write("you > /start\n")
            await session.handle("/start")
            session.show_news()
            await session.loop(stdin)
    finally:
        api.save()
        _write_seen(store, terminal.seen)
    stdout.write("\nbye\n")


def _read_seen(store: Path) -> dict[int, int]:
    """The newest message shown at this terminal, per chat, as saved at the last session."""
    try:
        saved = json.loads((store / "seen.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {int(chat): int(message_id) for chat, message_id in saved.items()}


def _write_seen(store: Path, seen: dict[int, int]) -> None:
    (store / "seen.json").write_text(json.dumps(seen), encoding="utf-8")


class _Session:
    def __init__(
        self,
        application: BotApplication,
        api: OfflineBotApi,
        terminal: Terminal,
        role: str,
        user_id: int,
        config: Config,
    ) -> None:
        self.terminal = terminal
        self.private = Person(application, api, user_id=user_id, first_name=role.capitalize())
        self.group = Person(
            application,
            api,
            user_id=user_id,
            first_name=role.capitalize(),
            chat_id=config.telegram.trantib_chat_id,
            chat_type="supergroup",
            chat_title="Trantib",
        )
        self.person = self.private
        self.can_use_group = role == "trantib"
        self.asking_location = False
        # What came while the person was away: after what they saw last time, up to now.
        self.away_seen = dict(terminal.seen)
        self.news_until = {
            chat_id: int(last["message_id"])
            for chat_id in terminal.watched
            if (last := api.last_bot_message(chat_id)) is not None
        }

    def show_news(self) -> None:
        """What the bot sent to this person's chats while they were away (the news of a
        complaint moved by an official, a card posted in the group), newest last; what was
        shown since the session started is not news."""
        for chat_id in self.terminal.watched:
            seen = self.away_seen.get(chat_id)
            until = self.news_until.get(chat_id, 0)
            news = [
                m
                for m in self.person.api.bot_messages(chat_id)
                if (seen is None or int(m["message_id"]) > seen) and int(m["message_id"]) <= until
            ][-AWAY_SHOWN:]
            if not news:
                continue
            where = (
                ""
                if chat_id == self.terminal.current_chat
                else f" in {self.terminal.watched[chat_id]}"
            )
            self.terminal.out.write(f"  (while you were away{where}: {len(news)} new)\n")
            for message in news:
                self.terminal.print_message(message)

    async def loop(self, stdin: TextIO) -> None:
        while True:
            self.terminal.out.write("you > ")
            self.terminal.out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                return
            text = line.strip()
            if not stdin.isatty():  # piped input: show it, so the transcript reads naturally
                self.terminal.out.write(f"{text}\n")
            if self.asking_location:
                self.asking_location = False
                await self.typed_location(text)
            elif text:
                await self.handle(text)

    async def handle(self, text: str) -> None:
        # A number beyond the buttons shown is a typed answer (an age, say), not a press.
        if text.isdigit() and 1 <= int(text) <= len(self.terminal.buttons):
            await self.press(int(text))
            return
        if COORDINATES.match(text) and any(
            key.kind == "location" for key in self.terminal.keyboard()
        ):
            await self.typed_location(text)
            return
        command, _, rest = text.partition(" ")
        action = {
            ":help": self.show_help,
            "/foto": self.photo,
            "/lokasi": self.location,
            "/kontak": self.contact,
            "/stiker": lambda _: self.person.send_sticker(),
            "/suara": lambda _: self.person.send_voice(),
            "/dokumen": lambda _: self.person.send_document(),
            "/grup": self.switch_chat,
        }.get(command)
        if action is None:
            await self.person.send(text, reply_to=self.forced_reply(text))
        else:
            await action(rest)

    def forced_reply(self, text: str) -> JSONDict | None:
        """The note request ``text`` answers: the newest message here that asked for a reply
        (ForceReply, as a note request does) and has none yet. A Telegram app makes the next
        typed text a reply to it; here there is no "reply to", so the next line is one, unless
        it is a command (/laporan in between: the request stays open), but for /batal."""
        if text.startswith("/") and text.split()[0] != "/batal":
            return None
        api = self.person.api
        for message in reversed(api.bot_messages(self.person.chat_id)):
            key = (self.person.chat_id, int(message["message_id"]))
            markup = api.sent_markup(*key)
            if markup and markup.get("force_reply"):
                return None if api.answered(*key) else message
        return None

    async def press(self, number: int) -> None:
        if not 1 <= number <= len(self.terminal.buttons):
            self.terminal.out.write(f"  (there is no button {number})\n")
            return
        button = self.terminal.buttons[number - 1]
        if button.kind == "inline":
            await self.person.tap(button.label, message=button.message)
        elif button.kind == "location":
            self.asking_location = True
            self.terminal.out.write(
                "  (type the location as LAT,LON, e.g. -8.2311,113.6512;"
                " an empty line sends none)\n"
            )
        elif button.kind == "contact":
            await self.person.send_contact(SAMPLE_PHONE)
        else:
            await self.person.send(button.label)

    async def typed_location(self, text: str) -> None:
        found = COORDINATES.match(text)
        if found is None:
            if text:
                self.terminal.out.write("  (no location sent: type it as LAT,LON)\n")
            return
        await self.person.send_location(float(found.group(1)), float(found.group(2)))

    async def show_help(self, _: str) -> None:
        self.terminal.out.write(HELP.format(who="yourself", user_id=self.person.user_id))

    async def photo(self, path: str) -> None:
        content = TINY_JPEG
        if path:
            try:
                content = await asyncio.to_thread(Path(path).read_bytes)
            except OSError as error:
                self.terminal.out.write(f"  (cannot read {path}: {error.strerror})\n")
                return
        await self.person.send_photo(content)

    async def location(self, rest: str) -> None:
        try:
            latitude, longitude = (float(part.replace(",", ".")) for part in rest.split())
        except ValueError:
            self.terminal.out.write("  (usage: /lokasi LAT LON, e.g. /lokasi -8.2311 113.6512)\n")
            return
        await self.person.send_location(latitude, longitude)

    async def contact(self, rest: str) -> None:
        await self.person.send_contact(rest or SAMPLE_PHONE)

    async def switch_chat(self, _: str) -> None:
        if not self.can_use_group:
            self.terminal.out.write("  (only `chat --as trantib` has the Trantib group)\n")
            return
        self.person = self.group if self.person is self.private else self.private
        self.terminal.current_chat = self.person.chat_id
        where = "the Trantib group" if self.person is self.group else "your private chat"
        self.terminal.out.write(f"  (you are now writing in {where})\n")
        # The buttons now pressable are those of the newest message with buttons in this chat
        # (a complaint card that arrived while the other chat was current, say).
        self.terminal.inline = []
        for message in reversed(self.person.inbox()):
            if self.person.buttons(message):
                first_line = describe(message).splitlines()[0]
                self.terminal.out.write(f"  (latest buttons here) {first_line}\n")
                self.terminal.show_buttons(message)
                return
        self.terminal.list_buttons()
