"""Local mode (``ajung-bot chat``) as a person at the terminal meets it: it opens with the
greeting, shows the reply keyboard and presses its keys by number, keeps photos and chats
across a restart, and lets ``--as trantib`` move what a resident filed, whose news the resident
then finds when they come back."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.config import Config
from bot.local import TINY_JPEG, chat, telegram_store
from bot.offline import OfflineBotApi
from bot.whatsapp import local as whatsapp_local
from db.engine import Database
from db.models import ComplaintPhoto
from i18n import catalog
from tests.factories import TRANTIB_GROUP

T = catalog().for_language("id")
PLACE = "Jl. Mawar 5, depan masjid"
DESCRIPTION = "Musik keras setiap malam sampai jam dua pagi."
NOTE = "Sudah dicek ke lokasi, pemilik rumah sudah ditegur."


@dataclass(frozen=True)
class Press:
    """Type the number local mode lists for the button (or key) with this label."""

    label: str


class Typist(io.StringIO):
    """Local mode's standard input: each line is read once the bot has answered the one
    before, so a :class:`Press` is turned into the number listed by then."""

    def __init__(self, out: io.StringIO, lines: tuple[str | Press, ...]) -> None:
        super().__init__()
        self.out = out
        self.lines = list(lines)

    def readline(self, size: int | None = -1) -> str:
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        if isinstance(line, Press):
            return f"{number_of(self.out.getvalue(), line.label)}\n"
        return f"{line}\n"


def number_of(screen: str, label: str) -> int:
    """The number of the newest listing of ``label`` on the screen."""
    found = re.findall(r"\[(\d+)\] " + re.escape(label) + r"(?=  \[|\n)", screen)
    assert found, f"no button {label!r} listed in:\n{screen[-1500:]}"
    return int(found[-1])


def up_to_the_place(config: Config) -> tuple[Press, ...]:
    """The menu's report button, the first category and the first desa."""
    return (
        Press(T("menu.report")),
        Press(config.complaints.categories[0]),
        Press(config.kecamatan.desa[0]),
    )


def whole_report(config: Config) -> tuple[str | Press, ...]:
    """A report from the menu to Kirim: a typed place, a description, no photo."""
    return (
        *up_to_the_place(config),
        PLACE,
        Press(T("complaint.next")),
        DESCRIPTION,
        Press(T("complaint.skip")),
        Press(T("complaint.privacy.biasa")),
        Press(T("complaint.send")),
    )


async def run(config: Config, *lines: str | Press, role: str = "resident") -> str:
    out = io.StringIO()
    await chat(config, role=role, stdin=Typist(out, lines), stdout=out)
    return out.getvalue()


async def run_whatsapp(config: Config, *lines: str | Press) -> str:
    out = io.StringIO()
    await whatsapp_local.chat(config, stdin=Typist(out, lines), stdout=out)
    return out.getvalue()


def listing(shown: str) -> tuple[list[str], list[str]]:
    """The buttons and the keyboard's keys listed under the bot message ``shown`` starts with
    (up to what is typed next)."""
    lines = shown.split("you > ", 1)[0].splitlines()
    inline = [line for line in lines if line.startswith("    [")]
    keys = [line.removeprefix("    keyboard: ") for line in lines if "    keyboard: " in line]
    split = re.compile(r"\[\d+\] .+?(?=  \[|$)")
    return (
        [b for line in inline for b in split.findall(line.strip())],
        [k for line in keys for k in split.findall(line)],
    )


def after(screen: str, line: str) -> str:
    """What the screen shows after the person typed ``line`` (the last time)."""
    marker = f"you > {line}\n"
    assert marker in screen, f"{line!r} was not typed"
    return screen.rsplit(marker, 1)[1]


async def test_opens_with_the_greeting_and_presses_the_location_key(config: Config) -> None:
    screen = await run(
        config,
        *up_to_the_place(config),
        PLACE,
        Press(T("complaint.share_location")),
        "-8.2311,113.6512",
    )
    # Nothing typed yet: local mode pressed Start, as a phone does.
    assert screen.split("you > ")[1].startswith(
        "/start\n\nbot > "
        + T("start.greeting", kecamatan="Ajung", kabupaten="Jember", menu="").splitlines()[0]
    )
    key = T("complaint.share_location")
    # The keyboard under the input field is listed, numbered after the message's buttons.
    asked = screen.split(f"\nbot > {T('complaint.ask_place')}\n", 1)[1]
    assert listing(asked)[1] == [f"[{len(listing(asked)[0]) + 1}] {key}"]
    placed = after(screen, PLACE)
    assert placed.startswith(f"\nbot > {T('complaint.place_received')}\n")
    inline, keys = listing(placed)
    assert inline[0] == f"[1] {T('complaint.next')}"
    assert keys == [f"[{len(inline) + 1}] {key}"]
    assert after(screen, str(len(inline) + 1)).startswith("  (type the location as LAT,LON")
    described = after(screen, "-8.2311,113.6512")
    assert described.startswith(
        "\nbot > " + T("complaint.ask_description", minimum=10, maximum="2.000") + "\n"
    )
    # The keyboard went away with the step that asked for it.
    assert "keyboard:" not in described
    assert OfflineBotApi(store=telegram_store(config)).reply_keyboard(100001) is None


async def test_a_location_typed_while_the_key_is_shown_is_a_location(config: Config) -> None:
    screen = await run(
        config,
        *up_to_the_place(config),
        "-8.2311, 113.6512",
    )
    assert after(screen, "-8.2311, 113.6512").startswith(
        f"\nbot > {T('complaint.location_received')}\n"
    )


async def test_photos_sent_before_a_restart_are_submitted(config: Config) -> None:
    await run(
        config,
        *up_to_the_place(config),
        PLACE,
        Press(T("complaint.next")),
        DESCRIPTION,
        "/foto",
        "/foto",
    )
    # Local mode quit mid-report; the same database again:
    screen = await run(
        config,
        Press(T("complaint.next")),
        Press(T("complaint.privacy.biasa")),
        Press(T("complaint.send")),
    )
    resumed = screen.split("you > /start\n", 1)[1]
    assert resumed.startswith(f"\nbot > {T('conversation.resumed')}\n\n")
    assert T("complaint.photo_received", count=2, maximum=3) in resumed
    assert "bot > " + T("complaint.saved", code="TRB-2026-0001").splitlines()[0] in screen
    assert "WARNING" not in screen and "BadRequest" not in screen
    database = Database(config.database.url)
    async with database.sessions() as session:
        photos = (await session.scalars(select(ComplaintPhoto))).all()
    await database.dispose()
    assert [photo.position for photo in photos] == [1, 2]
    assert contents([photo.local_path for photo in photos]) == [TINY_JPEG, TINY_JPEG]
    group = OfflineBotApi(store=telegram_store(config)).bot_messages(TRANTIB_GROUP)
    captions = [m.get("caption") for m in group if "photo" in m]
    assert captions == [
        T("trantib.photo_caption", position=n, code="TRB-2026-0001") for n in (1, 2)
    ]


async def test_trantib_moves_what_a_resident_filed_and_the_resident_hears_of_it(
    config: Config,
) -> None:
    await file_a_complaint(config)
    screen = await run(
        config,
        "/laporan",
        Press("TRB-2026-0001 · " + T("complaint.status.baru")),
        Press(T("trantib.move.diverifikasi")),
        "/laporan",  # a look at the list first: the note request stays open
        NOTE,
        "/grup",
        role="trantib",
    )
    # The card the resident's session posted in the group is there, shown on arrival.
    assert "(while you were away in Trantib group:" in screen
    assert "bot [Trantib group] > 📣 Laporan TRB-2026-0001" in screen
    moved = after(screen, NOTE)
    assert moved.startswith("\nbot > ✅ TRB-2026-0001")
    # ...and the card in the group is edited in place (not "message to edit not found").
    assert "bot [Trantib group] (edited) > 📣 Laporan TRB-2026-0001" in moved
    assert NOTE in moved.split("(edited) >", 1)[1]

    screen = await run(config, "/status TRB-2026-0001")
    greeting = T("start.greeting", kecamatan="Ajung", kabupaten="Jember", menu="").splitlines()[0]
    opened = screen.split("you > /start\n", 1)[1].split("you > /status", 1)[0]
    assert opened.startswith(f"\nbot > {greeting}")
    # After the greeting, what the bot told the resident meanwhile, from the outbox.
    away = opened.split("  (while you were away: 1 new)\n", 1)[1]
    news = T("status.update", code="TRB-2026-0001", status="Diverifikasi", meaning="")
    assert away.startswith(f"\nbot > {news}")
    assert T("status.update_note", note=NOTE) in away
    assert NOTE in after(screen, "/status TRB-2026-0001")
    # Seen once: the next start does not show the news again.
    again = await run(config)
    assert "while you were away" not in again


async def test_the_resident_rates_a_finished_complaint_on_coming_back(config: Config) -> None:
    await file_a_complaint(config)
    code = "TRB-2026-0001"
    moves = [("diverifikasi", NOTE), ("diproses", "Pemilik rumah dipanggil ke kantor desa."),
             ("selesai", "Musik sudah dihentikan, warga sepakat.")]  # fmt: skip
    lines: list[str | Press] = []
    for move, note in moves:
        lines += [f"/laporan {code}", Press(T(f"trantib.move.{move}")), note]
    screen = await run(config, *lines, role="trantib")
    assert f"bot > ✅ {code} sekarang Selesai." in screen

    rating = T("complaint.rating.r4")
    screen = await run(config, Press(rating))
    opened = screen.split("you > /start\n", 1)[1]
    assert "  (while you were away: 3 new)\n" in opened
    # The news of Selesai came last, so its rating buttons are the ones numbered.
    assert f"    [1] {T('complaint.rating.r1')}  " in opened
    assert f"bot > {T('complaint.rating.given', code=code, label=rating)}" in screen


async def test_whatsapp_photos_sent_before_a_restart_are_submitted(config: Config) -> None:
    first = await run_whatsapp(
        config,
        *up_to_the_place(config),
        PLACE,
        Press(T("complaint.next")),
        DESCRIPTION,
        "/foto",
        "/foto",
    )
    greeting = T("start.greeting", kecamatan="Ajung", kabupaten="Jember", menu="")
    assert first.split("you > ")[1].startswith(f"/start\n\nbot > {greeting.splitlines()[0]}")
    screen = await run_whatsapp(
        config,
        Press(T("complaint.next")),
        Press(T("complaint.privacy.biasa")),
        Press(T("complaint.send")),
    )
    # The restart's first message is answered (not taken for one handled before).
    assert screen.split("you > /start\n", 1)[1].startswith(
        f"\nbot > {T('conversation.resumed')}\n\n"
    )
    assert "bot > " + T("complaint.saved", code="TRB-2026-0001").splitlines()[0] in screen
    database = Database(config.database.url)
    async with database.sessions() as session:
        photos = (await session.scalars(select(ComplaintPhoto))).all()
    await database.dispose()
    assert contents([photo.local_path for photo in photos]) == [whatsapp_local.SAMPLE_PHOTO] * 2


async def test_a_whatsapp_resident_finds_the_news_of_a_move_made_meanwhile(
    config: Config,
) -> None:
    await run_whatsapp(
        config,
        *whole_report(config),
    )
    code = "TRB-2026-0001"
    moved = await run(
        config, f"/laporan {code}", Press(T("trantib.move.diverifikasi")), NOTE, role="trantib"
    )
    assert f"bot > ✅ {code} sekarang Diverifikasi." in moved

    screen = await run_whatsapp(config)
    away = screen.split("you > /start\n", 1)[1].split("  (while you were away: 1 new)\n", 1)[1]
    news = T("status.update", code=code, status="Diverifikasi", meaning="")
    assert away.startswith(f"\nbot > {news}")
    assert T("status.update_note", note=NOTE) in away
    again = await run_whatsapp(config)
    assert "while you were away" not in again


def contents(paths: list[str | None]) -> list[bytes | None]:
    return [Path(path).read_bytes() if path else None for path in paths]


async def file_a_complaint(config: Config) -> None:
    await run(
        config,
        *whole_report(config),
    )


def test_the_store_and_log_live_beside_the_database(config: Config, tmp_path: Path) -> None:
    from bot.local import data_dir, log_path

    assert log_path(config).parent == data_dir(config)
    assert data_dir(config) == tmp_path
