"""Local mode, ``ajung-bot chat``: a person at the terminal talks to the real bot.

The real Application, handlers, database and jobs run against the in-process Bot API, so no
token and no network are needed. Typed lines become messages; inline buttons are listed
numbered and pressed by typing the number; a few commands send what a phone would (a photo, a
location). End of input (Ctrl-D, or no terminal at all) stops the bot cleanly.

This is a developer tool, so its own words (the help below) are English; everything the bot
says comes from the catalog as usual.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

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

HELP = """\
Local mode: you are {who} (Telegram user id {user_id}), talking to the real bot; nothing leaves
this computer. Type a message and press Enter. Buttons are listed as [1] [2] ...: type the number
to press one (a larger number is sent as text). Also:
  /foto [PATH]        send a photo (a tiny sample picture without PATH)
  /lokasi LAT LON     share a location, e.g. /lokasi -8.2311 113.6512
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


@dataclass
class Terminal:
    """What the person at the terminal sees, and the buttons they can press by number."""

    out: TextIO
    watched: dict[int, str]
    current_chat: int
    buttons: list[tuple[str, JSONDict, str]] = field(default_factory=list)

    def show(self, call: ApiCall, result: JSONDict | None) -> None:
        if not isinstance(result, dict) or "chat" not in result:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self.out.write(f"  (notice) {call.params['text']}\n")
            return
        chat_id = result["chat"]["id"]
        if chat_id not in self.watched:
            return
        edited = call.method.startswith("edit")
        label = "" if chat_id == self.current_chat else f"[{self.watched[chat_id]}] "
        self.out.write(f"\nbot {label}{'(edited) ' if edited else ''}> {describe(result)}\n")
        if chat_id == self.current_chat:
            self._list_buttons(result)
        self.out.flush()

    def show_buttons(self, message: JSONDict) -> None:
        self._list_buttons(message)

    def _list_buttons(self, message: JSONDict) -> None:
        markup = message.get("reply_markup") or {}
        inline = [(b["text"], "inline") for row in markup.get("inline_keyboard", []) for b in row]
        keys = [
            (b if isinstance(b, str) else b["text"], "key")
            for row in markup.get("keyboard", [])
            for b in row
        ]
        if not inline and not keys:
            return
        self.buttons = [(text, message, kind) for text, kind in inline + keys]
        listed = "  ".join(f"[{n}] {text}" for n, (text, _, _) in enumerate(self.buttons, 1))
        self.out.write(f"    {listed}\n")


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
    api = OfflineBotApi()
    application = build_application(
        config, token=api.token, request=api.request(), updates_request=api.request()
    )
    user_id = DEMO_IDS["resident"] if role == "resident" else getattr(config.roles, role)[0]
    watched = {user_id: "chat"}
    if role == "trantib":
        watched[config.telegram.trantib_chat_id] = "Trantib group"
    if role == "camat":
        watched[config.telegram.camat_chat_id] = "Camat chat"
    terminal = Terminal(stdout, watched, current_chat=user_id)
    api.subscribe(terminal.show)
    async with running(application):
        session = _Session(application, api, terminal, role, user_id, config)
        stdout.write(
            HELP.format(who=f"a {role}" if role != "resident" else "a resident", user_id=user_id)
        )
        await session.loop(stdin)
    stdout.write("\nbye\n")


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
            if text:
                await self.handle(text)

    async def handle(self, text: str) -> None:
        # A number beyond the buttons shown is a typed answer (an age, say), not a press.
        if text.isdigit() and 1 <= int(text) <= len(self.terminal.buttons):
            await self.press(int(text))
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
            await self.person.send(text, reply_to=self.forced_reply())
        else:
            await action(rest)

    def forced_reply(self) -> JSONDict | None:
        """The bot's newest message here when it asked for a reply (ForceReply, as a note
        request does): a Telegram app then makes the next typed text a reply to it."""
        newest = self.person.api.last_bot_message(self.person.chat_id)
        if newest is None:
            return None
        markup = self.person.api.sent_markup(self.person.chat_id, int(newest["message_id"]))
        return newest if markup and markup.get("force_reply") else None

    async def press(self, number: int) -> None:
        if not 1 <= number <= len(self.terminal.buttons):
            self.terminal.out.write(f"  (there is no button {number})\n")
            return
        label, message, kind = self.terminal.buttons[number - 1]
        if kind == "inline":
            await self.person.tap(label, message=message)
        else:
            await self.person.send(label)

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
        await self.person.send_contact(rest or "081234567890")

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
        self.terminal.buttons = []
        for message in reversed(self.person.inbox()):
            if self.person.buttons(message):
                first_line = describe(message).splitlines()[0]
                self.terminal.out.write(f"  (latest buttons here) {first_line}\n")
                self.terminal.show_buttons(message)
                break
