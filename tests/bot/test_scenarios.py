"""The checkers' scenarios, against ``ajung-bot run`` as a separate process over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.offline import OfflineBotApi
from iku.skm import UNSUR, score_responses
from tests.bot.test_run import BotProcess
from tests.bot_api_server import BotApiServer
from tests.factories import file_complaint, move
from tests.remote import RemotePerson, settle

ROOT = Path(__file__).resolve().parents[2]
TRANTIB, GROUP = 9001, -1009001


@pytest.fixture
async def running_bot(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[BotApiServer, BotProcess]]:
    async with BotApiServer(OfflineBotApi()) as server:
        bot = BotProcess(tmp_path, server, database_url)
        bot.config.write_text(
            bot.config.read_text()
            + f"[roles]\ntrantib = [{TRANTIB}]\n"
            + f'[complaints]\nphoto_dir = "{tmp_path}/photos"\n',
            encoding="utf-8",
        )
        text = bot.config.read_text().replace(
            "[telegram]\n", f"[telegram]\ntrantib_chat_id = {GROUP}\n"
        )
        bot.config.write_text(text, encoding="utf-8")
        await bot.start()
        await settle(server.api)
        yield server, bot
        code, err = await bot.terminate()
        assert code == 0, err


def report(bot: BotProcess) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(bot.config), "report", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, env=bot.env, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


async def test_complaint_from_report_to_rating(
    running_bot: tuple[BotApiServer, BotProcess],
) -> None:
    server, bot = running_bot
    api = server.api
    siti = RemotePerson(api, user_id=5550101, first_name="Siti")
    code = await file_complaint(siti, location=(-8.2311, 113.6512), photos=1)
    assert code.startswith("TRB-")

    official = RemotePerson(api, user_id=TRANTIB, first_name="Petugas", chat_id=GROUP,
                            chat_type="supergroup", chat_title="Trantib")  # fmt: skip
    assert any(m.get("text", "").startswith(f"📣 Laporan {code}") for m in official.inbox())
    assert any("location" in m for m in official.inbox())
    assert any("photo" in m for m in official.inbox())
    await move(official, code, "▶️ Proses", "Petugas menuju lokasi.")
    await move(official, code, "✅ Selesai", "Sudah ditertibkan.")
    updates = [
        m["text"] for m in siti.inbox() if m.get("text", "").startswith(f"Kabar laporan {code}")
    ]
    assert len(updates) == 2 and "Sudah ditertibkan." in updates[1]
    await siti.tap("4 Sangat puas")
    [history] = await siti.send(f"/status {code}")
    assert "Petugas menuju lokasi." in history["text"] and "Sudah ditertibkan." in history["text"]

    figures = report(bot)["complaints"]
    assert (figures["received"], figures["resolved"], figures["percent"]) == (1, 1, 100.0)
    budi = RemotePerson(api, user_id=5550102, first_name="Budi")
    await file_complaint(budi, category="Kebisingan/keributan", privacy="Anonim")
    figures = report(bot)["complaints"]
    assert (figures["received"], figures["resolved"], figures["percent"], figures["open"]) == (
        2,
        1,
        50.0,
        1,
    )


async def test_survey_answers_give_the_regulation_index(
    running_bot: tuple[BotApiServer, BotProcess],
) -> None:
    server, bot = running_bot
    answers = [
        {u.key: score for u, score in zip(UNSUR, (4, 3, 2, 4, 3, 3, 4, 2, 1), strict=True)},
        {u.key: score for u, score in zip(UNSUR, (3, 3, 3, 4, 4, 4, 4, 3, 3), strict=True)},
    ]
    for number, chosen in enumerate(answers):
        person = RemotePerson(server.api, user_id=5560000 + number, first_name="Warga")
        await person.send("/survei")
        await person.tap(person.buttons()[0])  # the first service
        await person.tap("Perempuan")
        await person.send("41")
        await person.tap(person.buttons()[2])
        await person.tap(person.buttons()[3])
        for unsur in UNSUR:
            await person.tap(unsur.options[chosen[unsur.key] - 1])
        await person.tap(person.buttons()[0])  # Lewati (no suggestion)
        await person.tap("Kirim")
    expected = score_responses(answers)
    assert expected is not None
    skm = report(bot)["skm"]
    assert skm["respondents"] == 2
    assert skm["ikm"] == expected.ikm
    assert skm["ikm_converted"] == expected.ikm_converted
    assert skm["mutu"] == expected.mutu
