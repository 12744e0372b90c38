"""``ajung-bot chat --channel whatsapp``: the same dialogues, shown as WhatsApp shows them.

The bot runs as in local mode (the in-process Bot API for Telegram), with WhatsApp switched on
and its Graph API replaced by the in-process stand-in, so what the terminal shows is exactly
what the bot would send to WhatsApp: reply buttons, lists behind their button with the row
descriptions, the location request, templates, and never an edited message. The person at the
terminal is a resident writing from WhatsApp; numbers choose an option of the latest message.
As in Telegram's local mode it opens with the greeting, and the stand-ins keep what must
outlive a restart beside the database (the resident's photos, the officials' Telegram chats).

A developer tool: its own words are English; everything the bot says comes from the catalog.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_application, running
from bot.config import Config
from bot.local import AWAY_SHOWN, local_store, telegram_store
from bot.offline import OfflineBotApi
from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.driver import WhatsAppPerson, body_of, options
from bot.whatsapp.offline import OfflineGraphApi, SentMessage
from bot.whatsapp.rules import ROWS_MAX
from i18n import catalog

WA_ID = "6281200000001"
SAMPLE_PHOTO = b"\xff\xd8\xff\xe0 local sample"
JSONDict = dict[str, Any]

HELP = """\
Local mode on WhatsApp: you are a resident writing from +{wa_id}, talking to the real bot as
WhatsApp would show it (reply buttons, lists behind a button, no edited messages); nothing
leaves this computer. Type a message and press Enter. Options are listed as [1] [2] ...: type
the number to choose one. Also:
  /foto [PATH]        send a photo (a tiny sample picture without PATH)
  /lokasi LAT LON     share a location, e.g. /lokasi -8.2311 113.6512
  /stiker             send a sticker
  :help               this text          Ctrl-D              quit
"""


def whatsapp_config(config: Config) -> Config:
    """``config`` with WhatsApp on, pointed at the stand-in (no Meta account needed)."""
    settings = config.whatsapp.model_copy(
        update={
            "enabled": True,
            "phone_number_id": config.whatsapp.phone_number_id or "106540352242922",
            "access_token": "OFFLINE-WHATSAPP-TOKEN",
            "app_secret": "offline",
            "verify_token": "offline",
        }
    )
    return config.model_copy(update={"whatsapp": settings})


def _page_pattern() -> re.Pattern[str]:
    """The body of a later page of one long list ("Pilihan lainnya (2/2)"), in every language."""
    wordings = []
    for language in ("id", "en"):
        wording = catalog().for_language(language)("whatsapp.more_choices")
        wordings.append(re.escape(wording).replace(r"\{page\}", r"(\d+)"))
    return re.compile("|".join(f"^(?:{w})$".replace(r"\{pages\}", r"\d+") for w in wordings))


PAGE = _page_pattern()


def page_of(message: JSONDict) -> int:
    """1 for a message that starts its answer's options, k for the k-th page of a long list."""
    found = PAGE.match(body_of(message)) if message.get("type") == "interactive" else None
    return int(next(group for group in found.groups() if group)) if found else 1


def describe(message: JSONDict) -> list[str]:
    """How the terminal shows one WhatsApp message: its text, then its options (the pages of a
    long list numbered on, so that each number chooses one option of the whole list)."""
    lines = [body_of(message)]
    first = (page_of(message) - 1) * ROWS_MAX + 1
    interactive = message.get("interactive") or {}
    kind = interactive.get("type")
    if kind == "button":
        lines.append("    " + "  ".join(f"[{n}] {t}" for n, t in enumerate(options(message), 1)))
    elif kind == "list":
        lines.append(f"    (list behind the button \u201c{interactive['action']['button']}\u201d)")
        rows = [r for s in interactive["action"]["sections"] for r in s["rows"]]
        for number, row in enumerate(rows, first):
            extra = f" \u2014 {row['description']}" if row.get("description") else ""
            lines.append(f"    [{number}] {row['title']}{extra}")
    elif kind == "location_request_message":
        lines.append("    (WhatsApp's \u201cSend location\u201d button: type /lokasi LAT LON)")
    elif message["type"] == "template":
        lines.append("    (a template: WhatsApp's 24-hour window was closed; [1] opens it)")
    return lines


async def chat(
    config: Config,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    config = whatsapp_config(config)
    api = OfflineBotApi(store=telegram_store(config))
    graph = stand_in(config)
    application = build_application(
        config,
        token=api.token,
        request=api.request(),
        updates_request=api.request(),
        whatsapp_transport=graph.transport(),
    )
    seen_file = local_store(config, "whatsapp") / "seen.json"
    seen = _read_seen(seen_file)
    news = graph.messages_to(WA_ID)[seen:]

    def show(sent: SentMessage) -> None:
        if sent.wa_id == WA_ID:
            stdout.write("\nbot > " + "\n".join(describe(sent.message)) + "\n")
            stdout.flush()

    graph.subscribers.append(show)
    try:
        async with running(application):
            channel = whatsapp_of(application)
            assert channel is not None
            person = WhatsAppPerson(channel, graph, wa_id=WA_ID, name="Warga")
            stdout.write(HELP.format(wa_id=WA_ID))
            # Opened like a chat with the bot: the greeting first, nothing to type for it;
            # then what came while the resident was away (last: its options are the ones
            # numbered).
            stdout.write("you > /start\n")
            await person.send("/start")
            if news:
                stdout.write(f"  (while you were away: {len(news)} new)\n")
                for message in news[-AWAY_SHOWN:]:
                    stdout.write("\nbot > " + "\n".join(describe(message)) + "\n")
            await _loop(person, stdin, stdout)
    finally:
        api.save()
        seen_file.write_text(json.dumps(len(graph.messages_to(WA_ID))), encoding="utf-8")
    stdout.write("\nbye\n")


def stand_in(config: Config) -> OfflineGraphApi:
    """The Graph API stand-in of local mode, keeping its things beside the database (the
    resident's media, what was sent to them) so that they outlive a restart and are shared by
    every local mode on the same database (``--as trantib`` moving a WhatsApp complaint)."""
    return OfflineGraphApi(
        phone_number_id=config.whatsapp.phone_number_id, store=local_store(config, "whatsapp")
    )


def _read_seen(path: Path) -> int:
    """How many messages to the resident the terminal showed until the last session."""
    try:
        return int(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return 0


async def _loop(person: WhatsAppPerson, stdin: TextIO, stdout: TextIO) -> None:
    while True:
        stdout.write("you > ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        text = line.strip()
        if not stdin.isatty():  # piped input: show it, so the transcript reads naturally
            stdout.write(f"{text}\n")
        if text:
            await _act(person, text, stdout)


async def _act(person: WhatsAppPerson, text: str, stdout: TextIO) -> None:
    offered = _latest_options(person)
    if text.isdigit() and 1 <= int(text) <= len(offered):
        message, number = offered[int(text) - 1]
        await _choose(person, message, number)
        return
    command, _, rest = text.partition(" ")
    if command == ":help":
        stdout.write(HELP.format(wa_id=person.wa_id))
    elif command == "/foto":
        try:
            content = await asyncio.to_thread(Path(rest).read_bytes) if rest else SAMPLE_PHOTO
        except OSError as error:
            stdout.write(f"  (cannot read {rest}: {error.strerror})\n")
            return
        await person.send_image(content)
    elif command == "/lokasi":
        try:
            latitude, longitude = (float(part.replace(",", ".")) for part in rest.split())
        except ValueError:
            stdout.write("  (usage: /lokasi LAT LON, e.g. /lokasi -8.2311 113.6512)\n")
            return
        await person.send_location(latitude, longitude)
    elif command == "/stiker":
        await person.post({"type": "sticker", "sticker": {"id": "1", "mime_type": "image/webp"}})
    else:
        await person.send(text)


def _latest_options(person: WhatsAppPerson) -> list[tuple[JSONDict, int]]:
    """The options the numbers choose from: those of the latest message with options, with the
    earlier pages of its list when it is a later page of a long one."""
    inbox = person.inbox()
    index = next((i for i in range(len(inbox) - 1, -1, -1) if _choices(inbox[i])), None)
    if index is None:
        return []
    pages = [inbox[index]]
    while page_of(pages[0]) > 1 and index > 0:
        index -= 1
        pages.insert(0, inbox[index])
    return [(message, n) for message in pages for n in range(1, len(_choices(message)) + 1)]


def _choices(message: JSONDict) -> list[str]:
    if message["type"] == "template":
        return ["open"]
    return options(message)


async def _choose(person: WhatsAppPerson, message: JSONDict, number: int) -> None:
    if message["type"] == "template":
        from bot.whatsapp.rules import HELD_PAYLOAD

        await person.post({"type": "button", "button": {"payload": HELD_PAYLOAD, "text": "open"}})
        return
    await person.tap(options(message)[number - 1], message=message)
