"""``ajung-bot run`` as a real process with WhatsApp on: a Graph API stand-in and signed webhooks
on 127.0.0.1 for the residents, the Telegram Bot API stand-in for the officials."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.offline import OfflineBotApi
from bot.whatsapp.driver import body_of, options
from bot.whatsapp.offline import OfflineGraphApi
from bot.whatsapp.rules import HELD_PAYLOAD
from db.engine import Database
from db.models import ComplaintRating, Resident
from iku.skm import UNSUR
from tests.bot.test_run import free_port, wait_for, wait_for_port
from tests.bot_api_server import BotApiServer
from tests.factories import TRANTIB_GROUP, TRANTIB_ID
from tests.graph_api_server import GraphApiServer, RemoteWhatsAppPerson, WebhookSender
from tests.remote import RemotePerson

ROOT = Path(__file__).resolve().parents[2]
SECRET = "process-app-secret"
NUMBER_ID = "106540352242922"
WA_ID = "6281234567890"
PHOTO = b"\xff\xd8\xff\xe0 a photo from a resident's phone"


class Stand:
    """The bot's process and everything it talks to."""

    def __init__(self, tmp_path: Path, telegram: BotApiServer, graph: GraphApiServer, url: str):
        self.telegram = telegram
        self.graph = graph
        self.database_url = url
        self.port = free_port()
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[telegram]\nbase_url = "{telegram.base_url}"\n'
            f'base_file_url = "{telegram.base_file_url}"\n'
            f"trantib_chat_id = {TRANTIB_GROUP}\nwebhook_port = {free_port()}\n"
            f"[roles]\ntrantib = [{TRANTIB_ID}]\n"
            f'[database]\nurl = "{url}"\n'
            f'[complaints]\nphoto_dir = "{tmp_path / "photos"}"\n'
            f'[whatsapp]\nenabled = true\nphone_number_id = "{NUMBER_ID}"\n'
            f'graph_url = "{graph.url}"\nport = {self.port}\n',
            encoding="utf-8",
        )
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": telegram.api.token,
            "WHATSAPP_ACCESS_TOKEN": graph.graph.access_token,
            "WHATSAPP_APP_SECRET": SECRET,
            "WHATSAPP_VERIFY_TOKEN": "process-verify",
            "AJUNG_BOT_CONFIG": "",
        }
        self.sender = WebhookSender(f"http://127.0.0.1:{self.port}/whatsapp", SECRET, graph.graph)
        self.process: asyncio.subprocess.Process | None = None
        self.logs: list[str] = []

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(self.config), "run",
            cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await wait_for_port(self.port)

    async def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(how)
        _, err = await asyncio.wait_for(self.process.communicate(), 30)
        self.logs.append(err.decode())
        return self.process.returncode or 0

    def resident(self, wa_id: str = WA_ID, name: str = "Siti Aminah") -> RemoteWhatsAppPerson:
        return RemoteWhatsAppPerson(self.sender, self.telegram.api, wa_id=wa_id, name=name)

    def official(self) -> RemotePerson:
        api = self.telegram.api
        return RemotePerson(
            api, user_id=TRANTIB_ID, first_name="Petugas", chat_id=TRANTIB_GROUP,
            chat_type="supergroup", chat_title="Trantib Ajung",
        )  # fmt: skip

    async def report(self) -> dict[str, Any]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(self.config), "report", "--format", "json",
            cwd=ROOT, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return dict(json.loads(out))


@pytest.fixture
async def stand(tmp_path: Path, database_url: str) -> AsyncIterator[Stand]:
    graph = OfflineGraphApi(phone_number_id=NUMBER_ID)
    async with BotApiServer(OfflineBotApi()) as telegram, GraphApiServer(graph) as graph_server:
        running = Stand(tmp_path, telegram, graph_server, database_url)
        yield running
        if running.process is not None and running.process.returncode is None:
            await running.stop()
        await running.sender.close()


def card(api: OfflineBotApi, code: str) -> dict[str, Any]:
    return next(
        m
        for m in api.bot_messages(TRANTIB_GROUP)
        if m.get("text", "").startswith(f"📣 Laporan {code} ")
    )


async def official_moves(stand: Stand, code: str, button: str, note: str) -> None:
    official = stand.official()
    await official.tap(button, message=card(stand.telegram.api, code))
    await official.send(note, reply_to=official.last())


async def test_a_whatsapp_complaint_handled_in_telegram_and_its_news_on_whatsapp(
    stand: Stand,
) -> None:
    await stand.start()
    siti = stand.resident()
    [menu] = await siti.send("halo")
    assert options(menu)[0] == "Laporkan gangguan"
    await siti.tap("Laporkan gangguan")
    await siti.tap("Parkir liar")
    await siti.tap("Ajung")
    await siti.send_location(-8.2311, 113.6512)
    await siti.send("depan pasar Ajung")
    await siti.send("Banyak motor parkir di trotoar setiap sore.")
    await siti.send_image(PHOTO)
    await siti.tap("Lanjut ➡️")
    await siti.tap("Biasa")
    [saved] = await siti.tap("✅ Kirim")
    code = body_of(saved).split("kode ", 1)[1].split(".", 1)[0]

    api = stand.telegram.api
    text = card(api, code)["text"]
    assert "Masuk lewat: WhatsApp" in text
    assert f"Pelapor: Siti Aminah · WhatsApp +{WA_ID}" in text
    photos = [m for m in api.bot_messages(TRANTIB_GROUP) if "photo" in m]
    assert [api.file_content(m["photo"][0]["file_id"]) for m in photos] == [PHOTO]

    seen = len(siti.inbox())
    await official_moves(stand, code, "✔️ Verifikasi", "Sudah dicek ke lokasi oleh petugas.")
    [news] = siti.inbox()[seen:]
    assert "Catatan petugas: Sudah dicek ke lokasi oleh petugas." in body_of(news)

    # Outside the window WhatsApp refuses free-form messages: the template goes instead.
    stand.graph.graph.fail_next(status=400, code=131047)
    seen = len(siti.inbox())
    await official_moves(stand, code, "▶️ Proses", "Petugas dijadwalkan datang besok pagi.")
    [template] = siti.inbox()[seen:]
    assert body_of(template) == (
        f"[ajung_kabar_laporan] {code} | Diproses | Petugas dijadwalkan datang besok pagi."
    )
    [held] = await siti.post(
        {"type": "button", "button": {"payload": HELD_PAYLOAD, "text": "Buka"}}
    )
    assert body_of(held).startswith(f"Kabar laporan {code}: Diproses.")

    # 429 and 500 from the Graph API on the next news: retried, delivered once. The outbox
    # backs off 5 s, then 10 s (the job's tick may add up to 10 s more).
    stand.graph.graph.fail_next(status=429, code=130429)
    stand.graph.graph.fail_next(status=500, code=1)
    seen = len(siti.inbox())
    await official_moves(stand, code, "✅ Selesai", "Sudah ditertibkan, motor dipindahkan.")
    await wait_for(lambda: len(siti.inbox()) > seen, seconds=45)
    [done] = siti.inbox()[seen:]
    assert [error for _, _, error in stand.graph.graph.refused[-2:]] == [130429, 1]
    assert options(done) == ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]
    await siti.tap("4 Sangat puas")
    await siti.tap("Lewati")

    assert await stand.stop() == 0
    database = Database(stand.database_url)
    async with database.sessions() as session:
        [rating] = await session.scalars(select(ComplaintRating))
        [resident] = await session.scalars(select(Resident).where(Resident.channel == "whatsapp"))
    await database.dispose()
    assert rating.score == 4
    assert (resident.external_id, resident.display_name) == (WA_ID, "Siti Aminah")
    log = stand.logs[-1]
    assert "Traceback" not in log
    assert WA_ID not in log and "Siti" not in log and "motor" not in log
    assert SECRET not in log and stand.graph.graph.access_token not in log


async def test_a_survey_from_the_qr_text_is_scored_exactly(stand: Stand) -> None:
    await stand.start()
    budi = stand.resident("6285700000001", "Budi")
    [gender] = await budi.send(
        "Saya ingin mengisi survei kepuasan layanan Pengantar KTP-el dan KK (kode skm_KTP)"
    )
    assert body_of(gender).startswith("Layanan: Pengantar KTP-el dan KK")
    await budi.tap("Laki-laki")
    await budi.send("41")
    await budi.tap("SMA")
    await budi.tap("Wirausaha")
    scores = (4, 3, 2, 4, 1, 3, 1, 2, 2)
    for score in scores:
        await budi.tap(options(budi.last())[score - 1])
    await budi.tap("Lewati")
    await budi.tap("Kirim")
    assert await stand.stop() == 0
    report = await stand.report()
    skm = report["skm"]
    assert skm["respondents"] == 1
    assert skm["ikm"] == pytest.approx(sum(scores) / 9)
    assert skm["ikm_converted"] == pytest.approx(sum(scores) / 9 * 25)
    assert skm["mutu"] == "D"
    assert [skm["unsur"][unsur.key]["total"] for unsur in UNSUR] == list(scores)


async def test_forged_redelivered_and_restarted(stand: Stand) -> None:
    await stand.start()
    siti = stand.resident()
    message = siti.payload({"type": "text", "text": {"body": "/lapor"}}, message_id="wamid.ONE")
    assert await stand.sender.post(message, signed_with=None) == 401
    assert await stand.sender.post(message, signed_with="not-the-secret") == 403
    assert siti.inbox() == []
    categories, rest = await siti.deliver(message)
    assert body_of(categories).startswith("⚠️ Darurat")
    assert options(rest) == ["❌ Batal"]
    assert await siti.deliver(message) == []  # the same message id again: answered once
    await siti.tap("Parkir liar")

    # A restart in the middle of the dialogue resumes at the same step.
    assert await stand.stop() == 0
    await stand.start()
    [ask_place] = await siti.tap("Ajung")
    assert ask_place["interactive"]["type"] == "location_request_message"

    # And after a crash (SIGKILL) too.
    await stand.stop(signal.SIGKILL)
    await stand.start()
    [place] = await siti.send("depan pasar")
    assert body_of(place).startswith("Tempat dicatat.")
