"""The webhook, fed with recorded payloads (tests/whatsapp/fixtures): every inbound type through
the real handler, signatures, verification, redeliveries, status callbacks."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.driver import body_of, options, signature
from bot.whatsapp.webhook import WebhookServer
from db.models import WhatsAppInbound
from handlers.context import services_of, settle
from tests.factories import WA_ID, WHATSAPP, BotHarness, fill_complaint

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = WHATSAPP["app_secret"]
MENU_START = ["Laporkan gangguan", "Cek laporan saya"]


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def note_inbound(bot: BotHarness, body: bytes) -> None:
    """WhatsApp knows when a resident wrote: its window opens (the Graph stand-in's too)."""
    try:
        entries = json.loads(body).get("entry", [])
    except ValueError:
        return
    for entry in entries:
        for change in entry.get("changes", []):
            for message in change["value"].get("messages", []):
                bot.graph.note_inbound(message["from"], bot.clock())


class Webhook:
    """The real webhook server of the bot under test, and a client that posts to it."""

    def __init__(self, bot: BotHarness, server: WebhookServer, client: httpx.AsyncClient) -> None:
        self.bot = bot
        self.server = server
        self.client = client
        self.url = f"http://127.0.0.1:{server.port}/whatsapp"

    async def post(self, body: bytes, signed_with: str | None = SECRET, **headers: str) -> int:
        if signed_with is not None:
            headers.setdefault("X-Hub-Signature-256", signature(signed_with, body))
        note_inbound(self.bot, body)
        response = await self.client.post(self.url, content=body, headers=headers)
        channel = whatsapp_of(self.bot.application)
        assert channel is not None
        await channel.settle()
        await settle(self.bot.application)
        return response.status_code

    async def stored(self) -> int:
        async with services_of(self.bot.application).database.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(WhatsAppInbound)) or 0)


@pytest.fixture
async def webhook(bot: BotHarness) -> AsyncIterator[Webhook]:
    channel = whatsapp_of(bot.application)
    assert channel is not None
    settings = bot.config.whatsapp.model_copy(update={"port": 0})
    server = WebhookServer(channel, settings)
    await server.start()
    async with httpx.AsyncClient() as client:
        yield Webhook(bot, server, client)
    await server.stop()


@pytest.mark.parametrize(
    ("name", "stored", "answer"),
    [
        pytest.param("text", 1, "Maaf, kami belum mengerti pesan itu.", id="text"),
        pytest.param("command", 1, "Layanan chat Kecamatan Ajung:", id="command"),
        pytest.param("button_reply", 1, "Layanan chat Kecamatan Ajung:", id="button-reply"),
        pytest.param("list_reply", 1, "⚠️ Darurat", id="list-reply"),
        pytest.param("location", 1, "Maaf, kami belum mengerti pesan itu.", id="location"),
        # A photo on its own starts a report, which keeps it.
        pytest.param("image", 1, "⚠️ Darurat", id="image"),
        pytest.param("sticker", 1, "Maaf, kami belum mengerti pesan itu.", id="sticker"),
        pytest.param("template_button", 1, None, id="template-button"),
        pytest.param("reaction", 0, None, id="reaction"),
        pytest.param("other_number", 0, None, id="another-business-number"),
        pytest.param("status_sent", 0, None, id="status-sent"),
        pytest.param("status_delivered", 0, None, id="status-delivered"),
        pytest.param("status_read", 0, None, id="status-read"),
        pytest.param("status_failed", 0, None, id="status-failed"),
    ],
)
async def test_every_inbound_type_is_taken(
    webhook: Webhook, bot: BotHarness, name: str, stored: int, answer: str | None
) -> None:
    assert await webhook.post(fixture(name)) == 200
    assert await webhook.stored() == stored
    sent = bot.graph.messages_to(WA_ID)
    if answer is None:
        assert sent == []
    else:
        assert body_of(sent[0]).startswith(answer)


async def test_an_image_at_the_photo_step_is_the_complaints_photo(
    webhook: Webhook, bot: BotHarness
) -> None:
    siti = bot.whatsapp_person()
    await siti.send("/lapor")
    await siti.tap("Parkir liar")
    await siti.tap("Ajung")
    await siti.send("depan pasar")
    await siti.tap("Lanjut ➡️")
    await siti.send("Banyak motor parkir di trotoar setiap sore.")
    bot.graph.add_media(b"\xff\xd8 recorded", media_id="880000000000777")
    assert await webhook.post(fixture("image")) == 200
    assert body_of(siti.last()) == "Foto 1 dari 3 diterima. Kirim foto lagi, atau tekan Lanjut."
    assert options(siti.last()) == ["Lanjut ➡️", "🗑️ Hapus foto", "⬅️ Kembali", "❌ Batal"]


async def test_a_redelivered_message_is_answered_once(webhook: Webhook, bot: BotHarness) -> None:
    assert await webhook.post(fixture("text")) == 200
    assert await webhook.post(fixture("text")) == 200
    assert await webhook.stored() == 1
    assert len(bot.graph.messages_to(WA_ID)) == 1


@pytest.mark.parametrize(
    ("headers", "signed_with", "status"),
    [
        pytest.param({}, None, 401, id="no-signature"),
        pytest.param({"X-Hub-Signature-256": ""}, None, 401, id="empty-signature"),
        pytest.param({}, "another-secret", 403, id="signed-with-another-secret"),
        pytest.param({"X-Hub-Signature-256": "sha256=00"}, None, 403, id="garbage"),
        pytest.param({"X-Hub-Signature-256": "sha1=abc"}, None, 403, id="wrong-algorithm"),
    ],
)
async def test_a_missing_or_wrong_signature_changes_nothing(
    webhook: Webhook, bot: BotHarness, headers: dict[str, str], signed_with: str | None, status: int
) -> None:
    assert await webhook.post(fixture("text"), signed_with=signed_with, **headers) == status
    assert await webhook.stored() == 0
    assert bot.graph.requests == []


async def test_a_body_changed_after_signing_is_refused(webhook: Webhook, bot: BotHarness) -> None:
    body = fixture("text")
    forged = body.replace(b'"halo"', b'"/lapor"')
    assert await webhook.post(forged, **{"X-Hub-Signature-256": signature(SECRET, body)}) == 403
    assert await webhook.stored() == 0


async def test_a_signed_body_that_is_not_whatsapps_is_400(webhook: Webhook) -> None:
    assert await webhook.post(b"{not json") == 400
    assert await webhook.post(json.dumps({"object": "page"}).encode()) == 400
    assert await webhook.stored() == 0


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        pytest.param(
            {
                "hub.mode": "subscribe",
                "hub.verify_token": "test-verify-token",
                "hub.challenge": "1158201444",
            },
            200,
            "1158201444",
            id="right-token",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
            403,
            "Forbidden",
            id="wrong-token",
        ),
        pytest.param({"hub.challenge": "1"}, 403, "Forbidden", id="no-mode"),
    ],
)
async def test_the_verification_challenge(
    webhook: Webhook, query: dict[str, str], status: int, body: str
) -> None:
    response = await webhook.client.get(webhook.url, params=query)
    assert (response.status_code, response.text) == (status, body)


async def test_a_failed_status_is_logged_without_personal_data(
    webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert await webhook.post(fixture("status_failed")) == 200
    assert "WhatsApp could not deliver a message: error [131049]" in caplog.text
    assert WA_ID not in caplog.text and "wamid" not in caplog.text


async def test_messages_of_one_resident_are_handled_in_order(
    webhook: Webhook, bot: BotHarness
) -> None:
    """Two messages in one webhook body: the second is the answer to the first's question."""
    siti = bot.whatsapp_person()
    await siti.send("/lapor")
    await siti.tap("Parkir liar")
    first = siti.payload(
        {
            "type": "interactive",
            "interactive": {
                "type": "list_reply",
                "list_reply": {"id": "lp:desa:0", "title": "Ajung"},
            },
        }
    )
    second = siti.payload({"type": "text", "text": {"body": "depan pasar"}})
    value: dict[str, Any] = first["entry"][0]["changes"][0]["value"]
    value["messages"] += second["entry"][0]["changes"][0]["value"]["messages"]
    assert await webhook.post(json.dumps(first).encode()) == 200
    ask_place, place_noted = siti.inbox()[-2:]
    assert ask_place["interactive"]["type"] == "location_request_message"
    assert body_of(place_noted).startswith("Tempat dicatat.")


async def test_the_database_being_down_is_a_500_so_meta_retries(
    webhook: Webhook, bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db import whatsapp as queries

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    async def broken_session(*args: Any, **kwargs: Any) -> Any:
        broken()

    # Whichever way the store goes (SQLite's own connection, else a session), it fails.
    monkeypatch.setattr(queries, "record_inbound_directly", broken)
    monkeypatch.setattr(queries, "record_inbound", broken_session)
    assert await webhook.post(fixture("text")) == 500
    monkeypatch.undo()
    assert await webhook.post(fixture("text")) == 200  # Meta's retry
    assert len(bot.graph.messages_to(WA_ID)) == 1


async def test_fill_complaint_is_unaffected(bot: BotHarness) -> None:
    """Telegram residents keep working beside WhatsApp."""
    siti = bot.person()
    await fill_complaint(siti)
    assert siti.buttons() == ["✅ Kirim", "✏️ Ubah", "❌ Batal"]
