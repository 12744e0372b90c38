"""``ajung-bot qr --channel whatsapp``: posters whose code opens a WhatsApp chat with the office,
the message box filled with a text that starts the survey with the service chosen."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from bot.whatsapp.inbound import to_update
from tests.bot.test_survey_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    path = tmp_path / "config.toml"
    path.write_text('[whatsapp]\ndisplay_number = "6281100000000"\n', encoding="utf-8")
    return Cli(path, capsys)


def test_a_whatsapp_poster_opens_a_chat_whose_text_starts_the_survey(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "ktp.png"
    assert cli("qr", "KTP", "--channel", "whatsapp", "--out", str(out)) == 0
    with Image.open(io.BytesIO(out.read_bytes())) as image:
        link = image.text["Link"]
    assert cli.out.strip() == f"{out}: poster KTP {link}"
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281100000000")
    [prefilled] = parse_qs(parts.query)["text"]
    assert prefilled == (
        "Saya ingin mengisi survei kepuasan layanan Pengantar KTP-el dan KK (kode skm_KTP)"
    )
    stored = {
        "wa_id": "6281234567890",
        "name": "Siti",
        "sent_at": 1739757600,
        "message": {"type": "text", "text": {"body": prefilled}},
    }
    assert to_update(7, stored)["message"]["text"] == "/start skm_KTP"


def test_whatsapp_posters_for_every_service_sit_beside_the_telegram_ones(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "posters"
    assert cli("qr", "--all", "--channel", "whatsapp", "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir())[:2] == [
        "skm_IUMK_whatsapp.png",
        "skm_KTP_whatsapp.png",
    ]
    assert len(list(out.iterdir())) == 8


def test_a_whatsapp_poster_needs_the_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    cli = Cli(path, capsys)
    assert cli("qr", "KTP", "--channel", "whatsapp", "--out", str(tmp_path / "x.png")) == 2
    assert cli.err.strip() == (
        "ajung-bot: Nomor WhatsApp belum ada: isi [whatsapp] display_number."
    )
    assert not (tmp_path / "x.png").exists()
