"""``ajung-bot chat --channel whatsapp``: the dialogues as WhatsApp shows them, no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_local_mode_shows_whatsapps_buttons_and_lists(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--channel", "whatsapp"],
        input="halo\n1\n6\n1\n/lokasi -8.23 113.65\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot > Maaf, kami belum mengerti pesan itu. Silakan pilih dari menu." in out
    assert "    (list behind the button “Pilih”)\n    [1] Laporkan gangguan\n" in out
    assert "    [5] Pedagang kaki lima… — Pedagang kaki lima (PKL) liar\n" in out
    # A list longer than WhatsApp's 10 rows goes on in a second message, numbered on: "1"
    # still chooses the first category, [11] is the second page's Batal.
    assert (
        "bot > Pilihan lainnya (2/2)\n    (list behind the button “Pilih”)\n    [11] ❌ Batal\n"
        in out
    )
    assert "    (WhatsApp's “Send location” button: type /lokasi LAT LON)" in out
    assert "bot > Lokasi diterima." in out and "    [1] Lanjut ➡️  [2] ❌ Batal\n" in out
    assert "(edited)" not in out
    assert out.rstrip().endswith("bye")


def test_officials_are_not_played_on_whatsapp(capsys: object) -> None:
    assert main(["chat", "--channel", "whatsapp", "--as", "trantib"]) == 2
