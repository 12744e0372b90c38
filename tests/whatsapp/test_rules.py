"""WhatsApp's form of the bot's messages, table-driven: which form a set of choices takes, how
labels are shortened, how long text is split (bot.whatsapp.rules)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.whatsapp.rules import (
    BODY_MAX,
    TEXT_MAX,
    WORDING_PREFIX,
    Choice,
    Words,
    compose,
    match_typed,
    reword,
    rewordings,
    short_titles,
    split_tail,
    template_message,
)
from i18n import LANGUAGES, catalog
from i18n.catalog import placeholders
from iku.skm import UNSUR_BY_KEY
from iku.text import utf16_length

WORDS = Words(choose="Pilih", more="Pilihan lainnya ({page}/{pages})")


def inline(*labels: str) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": f"x:{i}"}] for i, label in enumerate(labels)
        ]
    }


def kinds(messages: tuple[dict[str, Any], ...]) -> list[str]:
    return [m["interactive"]["type"] if m["type"] == "interactive" else m["type"] for m in messages]


def rows(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for s in message["interactive"]["action"]["sections"] for row in s["rows"]]


@pytest.mark.parametrize(
    ("labels", "form"),
    [
        pytest.param((), ["text"], id="no-choices"),
        pytest.param(("✅ Kirim",), ["button"], id="one"),
        pytest.param(("✅ Kirim", "✏️ Ubah", "❌ Batal"), ["button"], id="three"),
        pytest.param(("Biasa", "Anonim", "Rahasia", "Lain"), ["list"], id="four"),
        pytest.param(("Sangat sopan dan ramah", "Sopan"), ["list"], id="two-long"),
        pytest.param(tuple(f"Desa {i}" for i in range(10)), ["list"], id="ten"),
        pytest.param(tuple(f"Pilihan {i}" for i in range(16)), ["list", "list"], id="sixteen"),
        pytest.param(tuple(f"P{i}" for i in range(21)), ["list", "list", "list"], id="21"),
    ],
)
def test_a_set_of_choices_takes_the_form_whatsapp_allows(
    labels: tuple[str, ...], form: list[str]
) -> None:
    out = compose({"text": "Silakan pilih.", "reply_markup": inline(*labels)}, WORDS)
    assert kinds(out.messages) == form
    assert [c.label for c in out.choices] == list(labels)
    if form[0] == "list":
        listed = [row for message in out.messages for row in rows(message)]
        assert [row["id"] for row in listed] == [f"x:{i}" for i in range(len(labels))]
        assert all(len(rows(m)) <= 10 for m in out.messages)
        assert out.messages[0]["interactive"]["body"]["text"] == "Silakan pilih."
        assert out.messages[0]["interactive"]["action"]["button"] == "Pilih"
    if len(form) > 1:
        assert out.messages[1]["interactive"]["body"]["text"] == f"Pilihan lainnya (2/{len(form)})"


def test_the_survey_options_stay_distinguishable_with_their_full_wording() -> None:
    options = [*UNSUR_BY_KEY["pengaduan"].options, "⬅️ Kembali"]
    out = compose({"text": "Pertanyaan 9 dari 9", "reply_markup": inline(*options)}, WORDS)
    [message] = out.messages
    shown = [(row["title"], row.get("description")) for row in rows(message)]
    assert shown == [
        ("Tidak ada", None),
        ("Ada tetapi tidak…", "Ada tetapi tidak berfungsi"),
        ("Berfungsi kurang…", "Berfungsi kurang maksimal"),
        ("Dikelola dengan baik", None),
        ("⬅️ Kembali", None),
    ]
    perilaku = UNSUR_BY_KEY["perilaku"].options
    titles = [
        row["title"]
        for row in rows(
            compose({"text": "?", "reply_markup": inline(*perilaku)}, WORDS).messages[0]
        )
    ]
    assert titles == list(perilaku)  # all within 24: kept whole, all different


@pytest.mark.parametrize(
    ("labels", "titles"),
    [
        pytest.param(
            ["Gelandangan, pengemis dan anak jalanan", "Parkir liar"],
            ["Gelandangan, pengemis…", "Parkir liar"],
            id="cut-at-a-word",
        ),
        pytest.param(
            ["Izin keramaian untuk acara desa", "Izin keramaian untuk acara kampung"],
            ["1. Izin keramaian untuk…", "2. Izin keramaian untuk…"],
            id="same-once-cut-numbered",
        ),
        pytest.param(
            ["Pemberitahuanpanjangsekalitanpaspasi"], ["Pemberitahuanpanjangsek…"], id="one-word"
        ),
    ],
)
def test_long_labels_are_shortened_at_a_word_and_stay_different(
    labels: list[str], titles: list[str]
) -> None:
    assert short_titles(labels, 24) == titles
    assert all(utf16_length(title) <= 24 for title in titles)


def test_a_long_text_is_split_so_that_the_last_part_carries_the_choices() -> None:
    lines = [f"Baris {i:04d} " + "x" * 60 for i in range(200)]  # ~14,000 characters
    out = compose({"text": "\n".join(lines), "reply_markup": inline("Ya", "Tidak")}, WORDS)
    assert kinds(out.messages) == ["text", "text", "text", "text", "button"]
    bodies = [m["text"]["body"] for m in out.messages[:-1]]
    last = out.messages[-1]["interactive"]["body"]["text"]
    assert all(utf16_length(body) <= TEXT_MAX for body in bodies)
    assert utf16_length(last) <= BODY_MAX
    assert "\n".join([*bodies, last]) == "\n".join(lines)  # nothing lost, nothing repeated
    assert last.endswith(lines[-1])


def test_one_long_line_is_split_at_a_word() -> None:
    head, tail = split_tail("kata " * 300, BODY_MAX)
    assert utf16_length(tail) <= BODY_MAX
    assert tail.startswith("kata") and head.endswith("kata")
    assert f"{head} {tail}".split() == ["kata"] * 300


def test_a_text_of_emoji_is_counted_in_utf16_units() -> None:
    text = "🙏" * 3000  # 6,000 UTF-16 units in one line
    out = compose({"text": text}, WORDS)
    assert all(utf16_length(m["text"]["body"]) <= TEXT_MAX for m in out.messages)


def test_asking_for_a_location_uses_the_location_request_message() -> None:
    markup = {
        "keyboard": [[{"text": "📍 Kirim lokasi", "request_location": True}]],
        "resize_keyboard": True,
    }
    out = compose({"text": "Di mana tepatnya?", "reply_markup": markup}, WORDS)
    assert out.messages == (
        {
            "type": "interactive",
            "interactive": {
                "type": "location_request_message",
                "body": {"text": "Di mana tepatnya?"},
                "action": {"name": "send_location"},
            },
        },
    )


def test_html_marks_are_resolved_to_plain_text() -> None:
    out = compose({"text": "<b>TRB-2025-0001</b> &amp; catatan", "parse_mode": "HTML"}, WORDS)
    assert out.messages[0]["text"]["body"] == "TRB-2025-0001 & catatan"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("kirim", "x:0", id="without-emoji-any-case"),
        pytest.param("  ✏️ UBAH ", "x:1", id="spaces-and-emoji"),
        pytest.param("Gelandangan, pengemis", "x:3", id="shortened-title"),
        pytest.param("gelandangan pengemis dan anak jalanan", "x:3", id="full-label"),
        pytest.param("batal dong", None, id="more-than-a-label"),
        pytest.param("👍", None, id="nothing-to-compare"),
    ],
)
def test_a_typed_answer_that_names_an_option_is_that_option(
    typed: str, expected: str | None
) -> None:
    choices = [
        Choice("x:0", "✅ Kirim"),
        Choice("x:1", "✏️ Ubah"),
        Choice("x:2", "❌ Batal"),
        Choice("x:3", "Gelandangan, pengemis dan anak jalanan"),
    ]
    found = match_typed(typed, choices)
    assert (found.reply_id if found else None) == expected


def test_template_parameters_are_one_short_line_each() -> None:
    note = "Sudah ditertibkan.\n\tPetugas   datang jam 9.\n" + "panjang " * 100
    message = template_message("ajung_kabar_laporan", "id", ["TRB-2025-0001", "Selesai", note])
    body, button = message["template"]["components"]
    values = [p["text"] for p in body["parameters"]]
    assert values[:2] == ["TRB-2025-0001", "Selesai"]
    assert values[2].startswith("Sudah ditertibkan. Petugas datang jam 9. panjang")
    assert "\n" not in values[2] and "  " not in values[2] and values[2].endswith("…")
    assert utf16_length(values[2]) <= 200
    assert button["parameters"] == [{"type": "payload", "payload": "wa!held"}]


# A catalog of one language, flattened, with WhatsApp wordings for two of its texts.
TEXTS = {
    "ids.private": "ID Telegram Bapak/Ibu: {user_id}",
    "status.line": "Kode {code}: {status} ({code})",
    "menu.title": "Silakan pilih layanan.",
    f"{WORDING_PREFIX}ids.private": "Perintah /id untuk petugas di Telegram.",
    f"{WORDING_PREFIX}status.line": "Laporan {code} sekarang {status}.",
}


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        pytest.param(
            "ID Telegram Bapak/Ibu: 9013480489308882",
            "Perintah /id untuk petugas di Telegram.",
            id="placeholder-dropped",
        ),
        pytest.param(
            "Halo.\nKode TRB-1: Selesai (TRB-1)\nSilakan pilih layanan.",
            "Halo.\nLaporan TRB-1 sekarang Selesai.\nSilakan pilih layanan.",
            id="placeholders-kept-between-other-lines",
        ),
        pytest.param(
            "Kode TRB-1: Selesai (TRB-2)",
            "Kode TRB-1: Selesai (TRB-2)",
            id="a-repeated-placeholder-must-repeat-its-value",
        ),
        pytest.param(
            "Catatan: ID Telegram Bapak/Ibu: 5",
            "Catatan: ID Telegram Bapak/Ibu: 5",
            id="only-whole-lines",
        ),
        pytest.param("Silakan pilih layanan.", "Silakan pilih layanan.", id="no-wording"),
    ],
)
def test_a_text_that_names_telegram_things_is_reworded_for_whatsapp(sent: str, read: str) -> None:
    assert reword(sent, rewordings(TEXTS)) == read
    words = Words(choose="Pilih", more="", rewordings=rewordings(TEXTS))
    [message] = compose({"chat_id": 1, "text": sent}, words).messages
    assert message["text"]["body"] == read


def test_the_help_is_reworded_with_the_offices_contact_or_without() -> None:
    """The help's contact paragraph is empty, or several lines: the WhatsApp help (without the
    officials' /id line) keeps it either way."""
    t = catalog().for_language("id")
    found = rewordings(catalog().texts["id"])
    for contact in ("", "\n\nKantor Kecamatan Ajung:\nAlamat: Jl. Raya Ajung 1\nTelepon: 0331-1"):
        sent = t("help.text", kecamatan="Ajung", example="TRB-2026-0001", contact=contact)
        read = reword(sent, found)
        assert "/id" in sent and "/id" not in read
        assert read.endswith(
            f"nomornya.{contact}\n\nUntuk keadaan darurat hubungi 112 atau polisi 110."
        )


COMMAND = re.compile(r"/[a-z]+")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_whatsapp_wording_replaces_a_text_and_keeps_what_it_tells(language: str) -> None:
    """A wording replaces an existing text, with no placeholder that text lacks, and names
    every command that text names except /id (which is Telegram's): when the text gains a
    command or a placeholder, the wording must follow, or this fails."""
    texts = catalog().texts[language]
    worded = {
        key.removeprefix(WORDING_PREFIX): wording
        for key, wording in texts.items()
        if key.startswith(WORDING_PREFIX)
    }
    assert set(worded) == {
        "help.text",
        "ids.private",
        "complaint.ask_place",
        "complaint.place_received",
        "complaint.hint_place",
    }
    for key, wording in worded.items():
        assert placeholders(wording) == placeholders(texts[key]) - {"user_id"}, key
        assert set(COMMAND.findall(texts[key])) - {"/id"} <= set(COMMAND.findall(wording)), key
        assert "📍" not in wording, key  # Telegram's location button is not on WhatsApp
