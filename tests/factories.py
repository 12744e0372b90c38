"""Shared test factories: configuration, a controllable clock, the bot on the offline API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram.ext import BaseHandler

from bot.app import BotApplication, build_application
from bot.config import Config
from bot.driver import Person
from bot.offline import JSONDict, OfflineBotApi
from bot.persistence import DatabasePersistence
from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.driver import WhatsAppPerson
from bot.whatsapp.offline import OfflineGraphApi
from db import complaints, migrate
from db.complaints import ComplaintRecord, NewComplaint
from handlers.context import AppContext, services_of
from iku.complaints import Channel, Privacy

# Officials' Telegram ids in the test configuration.
TRANTIB_ID, CAMAT_ID, SEKCAM_ID, PMKS_ID = 9001, 9002, 9003, 9004
TRANTIB_GROUP = -1001234567890
RESIDENT_ID = 5550001
WA_ID = "6281234567890"
WHATSAPP = {
    "enabled": True,
    "phone_number_id": "106540352242922",
    "display_number": "6281100000000",
    "access_token": "OFFLINE-WHATSAPP-TOKEN",
    "app_secret": "test-app-secret",
    "verify_token": "test-verify-token",
}


def make_config(database_url: str, **sections: dict[str, Any]) -> Config:
    """The Ajung defaults with test roles and chats; ``sections`` override whole keys."""
    data: dict[str, Any] = {
        "database": {"url": database_url},
        "telegram": {
            "token": "",
            "camat_chat_id": CAMAT_ID,
            "trantib_chat_id": TRANTIB_GROUP,
        },
        "roles": {
            "camat": (CAMAT_ID,),
            "sekcam": (SEKCAM_ID,),
            "trantib": (TRANTIB_ID,),
            "pmks": (PMKS_ID,),
        },
    }
    for section, values in sections.items():
        data[section] = {**data.get(section, {}), **values}
    return Config.model_validate(data)


class Clock:
    """A wall clock that tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2025, 2, 17, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class BotHarness:
    """The real Application on a real database and the offline Bot API.

    ``crash()`` abandons the application without saving anything, as SIGKILL would; ``start()``
    again builds a new one on the same database and the same chat history.
    """

    def __init__(
        self, config: Config, dialogues: Callable[[], Sequence[BaseHandler[Any, Any, Any]]] = list
    ) -> None:
        self.config = config
        self.dialogues = dialogues
        self.api = OfflineBotApi()
        self.clock = Clock()
        self.app: BotApplication | None = None
        # WhatsApp's Graph API, in process, when the configuration enables WhatsApp.
        self.graph = OfflineGraphApi(
            phone_number_id=config.whatsapp.phone_number_id or "106540352242922",
            access_token=config.whatsapp.access_token or "OFFLINE-WHATSAPP-TOKEN",
            clock=self.clock,
        )

    @property
    def application(self) -> BotApplication:
        assert self.app is not None, "start() the harness first"
        return self.app

    async def start(self) -> None:
        request = self.api.request()
        self.app = build_application(
            self.config,
            token=self.api.token,
            request=request,
            updates_request=self.api.request(),
            clock=self.clock,
            rate_limit=False,
            extra_dialogues=self.dialogues(),
            whatsapp_transport=self.graph.transport(),
        )
        await migrate.upgrade(services_of(self.app).database)
        await self.app.initialize()
        if (channel := whatsapp_of(self.app)) is not None:
            await channel.resume()

    async def stop(self) -> None:
        """A clean stop: state flushed, connections closed."""
        if self.app is None:
            return
        if (channel := whatsapp_of(self.app)) is not None:
            await channel.close()
        await self.app.shutdown()
        await services_of(self.app).database.dispose()
        self.app = None

    async def crash(self) -> None:
        """Drop the application on the floor: nothing is flushed, as after SIGKILL."""
        if self.app is None:
            return
        await services_of(self.app).database.dispose()
        self.app = None

    async def restart_after_crash(self) -> None:
        await self.crash()
        await self.start()

    def person(self, user_id: int = RESIDENT_ID, **kwargs: Any) -> Person:
        kwargs.setdefault("first_name", "Siti")
        return Person(self.application, self.api, user_id=user_id, **kwargs)

    def whatsapp_person(self, wa_id: str = WA_ID, name: str = "Siti") -> WhatsAppPerson:
        """A resident on WhatsApp (the configuration must enable it: see whatsapp_config)."""
        channel = whatsapp_of(self.application)
        assert channel is not None, "enable [whatsapp] in the test's configuration"
        return WhatsAppPerson(channel, self.graph, wa_id=wa_id, name=name, clock=self.clock)

    def official(self, user_id: int = TRANTIB_ID, *, in_group: bool = True) -> Person:
        """An official, writing in the Trantib group unless ``in_group`` is false."""
        if not in_group:
            return self.person(user_id, first_name="Petugas")
        return self.person(
            user_id,
            first_name="Petugas",
            chat_id=TRANTIB_GROUP,
            chat_type="supergroup",
            chat_title="Trantib Ajung",
        )

    def context(self) -> AppContext:
        """A callback context as a job receives it."""
        return AppContext(self.application)


class Killed(BaseException):
    """The process dies here, as with SIGKILL: nothing after this point runs, no handler sees it."""


def kill_at_next_step_save(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next dialogue step dies just before its state is written (then crash and restart)."""
    save_step = DatabasePersistence.save_step
    armed = True

    async def dying(self: DatabasePersistence, *args: Any, **kwargs: Any) -> None:
        nonlocal armed
        if armed:
            armed = False
            raise Killed
        await save_step(self, *args, **kwargs)

    monkeypatch.setattr(DatabasePersistence, "save_step", dying)


# ---------------------------------------------------------------- complaints

DESCRIPTION = "Banyak motor parkir di trotoar setiap sore."


async def fill_complaint(
    person: Person,
    *,
    category: str = "Parkir liar",
    desa: str = "Ajung",
    place: str | None = "depan pasar",
    location: tuple[float, float] | None = None,
    description: str = DESCRIPTION,
    photos: int = 0,
    privacy: str = "Biasa",
) -> None:
    """Walk ``person`` through /lapor up to the summary (Kirim not pressed yet)."""
    await person.send("/lapor")
    await person.tap(category)
    await person.tap(desa)
    if location is not None:
        await person.send_location(*location)
    if place is not None:
        await person.send(place)
    if location is None or place is None:
        await person.tap("Lanjut ➡️")
    await person.send(description)
    for _ in range(photos):
        await person.send_photo()
    await person.tap("Lanjut ➡️" if photos else "Lewati")
    await person.tap(privacy)


async def file_complaint(person: Person, **answers: Any) -> str:
    """:func:`fill_complaint`, then Kirim; returns the tracking code the person was given."""
    await fill_complaint(person, **answers)
    [saved] = await person.tap("✅ Kirim")
    return saved["text"].split("kode ", 1)[1].split(".", 1)[0]


def card_of(group: Person, code: str) -> JSONDict:
    """The current state of the complaint's card in the Trantib group."""
    for message in group.inbox():
        if message.get("text", "").startswith(f"📣 Laporan {code} "):
            return message
    raise AssertionError(f"no card of {code} in the group")


async def move(group: Person, code: str, button: str, note: str) -> list[JSONDict]:
    """An official presses ``button`` on the card of ``code`` and replies with ``note``."""
    await group.tap(button, message=card_of(group, code))
    return await group.send(note, reply_to=group.last())


async def stored_directly(
    bot: BotHarness, description: str = DESCRIPTION, reporter: int | None = None
) -> ComplaintRecord:
    """A complaint stored without the chat (as from another phone, or by an older version
    that counted lengths in Python characters)."""
    async with services_of(bot.application).database.transaction() as session:
        return await complaints.record_complaint(
            session,
            NewComplaint(
                channel=Channel.CHAT,
                category="Perjudian",
                desa="Ajung",
                place="balai desa",
                latitude=None,
                longitude=None,
                description=description,
                privacy=Privacy.BIASA,
                reporter=reporter,
            ),
            prefix="TRB",
            rules=bot.config.complaints.clock_rules,
            tz=bot.config.kecamatan.tz,
            now=bot.clock(),
        )
