"""Officials' moves through ``ajung-bot run`` as its own process, over HTTP: a note completes
only the move it answers, and a Bot API error on the reporter's news does not lose it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.offline import JSONDict, OfflineBotApi
from tests.bot.test_run import BotProcess, wait_for
from tests.bot_api_server import BotApiServer
from tests.factories import card_of, file_complaint, move
from tests.remote import RemotePerson, settle

ROOT = Path(__file__).resolve().parents[2]
TRANTIB, CAMAT, GROUP = 9001, 9002, -1009001
VOID_REPLY = (
    "Permintaan catatan itu sudah tidak berlaku (diganti atau dibatalkan), jadi catatan ini tidak "
    "disimpan dan tidak ada yang diubah."
)


@pytest.fixture
async def running_bot(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[BotApiServer, BotProcess]]:
    async with BotApiServer(OfflineBotApi()) as server:
        bot = BotProcess(tmp_path, server, database_url)
        text = bot.config.read_text().replace(
            "[telegram]\n", f"[telegram]\ntrantib_chat_id = {GROUP}\n"
        )
        text += f"[roles]\ntrantib = [{TRANTIB}]\ncamat = [{CAMAT}]\n"
        text += f'[complaints]\nphoto_dir = "{tmp_path}/photos"\n'
        bot.config.write_text(text, encoding="utf-8")
        await bot.start()
        await settle(server.api)
        yield server, bot
        code, err = await bot.terminate()
        assert code == 0, err
        assert "Traceback" not in err


def official(api: OfflineBotApi, user_id: int = TRANTIB) -> RemotePerson:
    return RemotePerson(api, user_id=user_id, first_name="Petugas", chat_id=GROUP,
                        chat_type="supergroup", chat_title="Trantib")  # fmt: skip


def complaints_report(bot: BotProcess) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(bot.config), "report", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, env=bot.env, check=True,
    )  # fmt: skip
    figures: dict[str, Any] = json.loads(result.stdout)["complaints"]
    return figures


def news_of(person: RemotePerson, code: str) -> list[JSONDict]:
    return [m for m in person.inbox() if m.get("text", "").startswith(f"Kabar laporan {code}")]


async def test_a_bot_api_500_on_the_reporters_news_still_reaches_them(
    running_bot: tuple[BotApiServer, BotProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = running_bot
    api = server.api
    siti = RemotePerson(api, user_id=5550101, first_name="Siti")
    code = await file_complaint(siti)
    group = official(api)
    await move(group, code, "▶️ Proses", "Petugas menuju lokasi.")
    assert len(news_of(siti, code)) == 1

    real: Callable[..., Awaitable[tuple[int, JSONDict]]] = api.call
    failed: list[str] = []

    async def call(method: str, params: JSONDict, uploads: Any = None) -> tuple[int, JSONDict]:
        if method == "sendMessage" and params.get("chat_id") == siti.chat_id and not failed:
            failed.append(method)
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return await real(method, params, uploads)

    monkeypatch.setattr(api, "call", call)
    shown = await move(group, code, "✅ Selesai", "Sudah ditertibkan petugas.")
    assert f"✅ {code} sekarang Selesai. Catatan tersimpan." in [m.get("text") for m in shown]
    assert failed == ["sendMessage"]
    # Tried again after the back-off by the delivery job, with the rating buttons.
    await wait_for(lambda: len(news_of(siti, code)) == 2, seconds=40)
    news = news_of(siti, code)[-1]
    assert news["text"].startswith(f"Kabar laporan {code}: Selesai.")
    assert siti.buttons(news) == ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]
    shown = await siti.tap("3 Puas", message=news)
    assert shown[-1]["text"].startswith(f"Penilaian Bapak/Ibu untuk {code}: 3 Puas")


async def test_a_note_completes_only_the_move_it_answers(
    running_bot: tuple[BotApiServer, BotProcess],
) -> None:
    server, bot = running_bot
    api = server.api
    siti = RemotePerson(api, user_id=5550101, first_name="Siti")
    budi = RemotePerson(api, user_id=5550102, first_name="Budi")
    first = await file_complaint(siti)
    second = await file_complaint(budi, category="Perjudian")
    group = official(api)

    # Tolak -> Palsu on the first, forgotten; then a reply to the second's card.
    await group.tap("✖️ Tolak", message=card_of(group, first))
    await group.tap("Palsu/tidak benar")
    before = complaints_report(bot)
    assert await group.send("pak, yang ini tolong dicek besok",
                            reply_to=card_of(group, second)) == []  # fmt: skip
    assert news_of(siti, first) == [] and news_of(budi, second) == []
    assert card_of(group, first)["text"].startswith(f"📣 Laporan {first} · Baru")
    assert complaints_report(bot) == before

    # Verifikasi, then Tolak, then a reply to the Verifikasi request: void.
    [verify_request] = await group.tap("✔️ Verifikasi", message=card_of(group, second))
    voided, _reasons = await group.tap("✖️ Tolak", message=card_of(group, second))
    assert voided["message_id"] == verify_request["message_id"]
    assert voided["text"].startswith("⛔ Permintaan catatan untuk")
    [answer] = await group.send("Sudah dicek, benar ada.", reply_to=verify_request)
    assert answer["text"] == VOID_REPLY
    assert card_of(group, second)["text"].startswith(f"📣 Laporan {second} · Baru")
    assert news_of(budi, second) == []
    after = complaints_report(bot)
    assert after == before
    assert (after["received"], after["resolved"], after["open"]) == (2, 0, 2)


def test_local_mode_answers_a_note_request_as_a_telegram_app_would(tmp_path: Path) -> None:
    """A note request asks for a reply (ForceReply); a Telegram app makes the next typed text
    a reply to it, and local mode does the same, so an official can move a complaint from
    their private chat through /laporan KODE."""
    report = "/lapor\n6\n1\ndepan pasar\n1\nBanyak motor parkir di trotoar setiap sore.\n1\n1\n1\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "camat", "--database",
         f"sqlite+aiosqlite:///{tmp_path}/demo.db"],
        input=report,
        capture_output=True, text=True, cwd=tmp_path, timeout=90,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    code = result.stdout.split("tercatat dengan kode ", 1)[1].split(".", 1)[0]
    moves = f"/laporan {code}\n2\nPetugas menuju lokasi.\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "camat", "--database",
         f"sqlite+aiosqlite:///{tmp_path}/demo.db"],
        input=moves, capture_output=True, text=True, cwd=tmp_path, timeout=90,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"bot > ✅ {code} sekarang Diproses. Catatan tersimpan." in result.stdout
    assert f"bot > Kabar laporan {code}: Diproses." in result.stdout
