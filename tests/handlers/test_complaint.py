"""Residents' side of complaints: /lapor, /status, the news, the rating, and every kind of bad
input answered politely without losing what was already entered."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import jobs
from bot.offline import JSONDict
from db import complaints
from db.models import Complaint, ComplaintEvent, ComplaintPhoto, ComplaintRating, Resident
from handlers import complaint_card
from handlers import complaint_views as views
from handlers.context import services_of
from iku.complaints import Status
from iku.text import utf16_length
from tests.factories import (
    DESCRIPTION,
    BotHarness,
    Killed,
    card_of,
    file_complaint,
    fill_complaint,
    kill_at_next_step_save,
    move,
    stored_directly,
)

EMERGENCY = (
    "⚠️ Darurat (kejahatan sedang terjadi, kebakaran, kecelakaan)? "
    "Segera hubungi 112 atau polisi 110."
)
STALE = "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."
CATEGORY_HINT = "Silakan pilih jenis gangguan dengan tombol di bawah ini."
DESCRIPTION_HINT = "Silakan ketik uraian kejadian sebagai pesan teks, 10 sampai 2.000 huruf."
PHOTO_HINT = "Silakan kirim foto (sebagai foto, bukan file), atau tekan tombol di bawah."
SUMMARY_HINT = "Silakan tekan Kirim, Ubah, atau Batal di bawah ini."
NAV = ["⬅️ Kembali", "❌ Batal"]
CATEGORIES = [
    "Kebisingan/keributan",
    "Perkelahian/tawuran",
    "Minuman keras",
    "Perjudian",
    "Pedagang kaki lima (PKL) liar",
    "Parkir liar",
    "Gelandangan, pengemis dan anak jalanan",
    "Bangunan/reklame liar",
    "Asusila",
    "Lainnya",
]


def texts(messages: list[JSONDict]) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in messages]


def last_answer(bot: BotHarness) -> str | None:
    answers = [c for c in bot.api.calls if c.method == "answerCallbackQuery"]
    return answers[-1].params.get("text") if answers else None


async def count(bot: BotHarness, model: type) -> int:
    async with services_of(bot.application).database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def to_place_given(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    await siti.send("pos ronda dusun Krajan")


async def to_description(bot: BotHarness) -> None:
    await to_place_given(bot)
    await bot.person().tap("Lanjut ➡️")


async def to_summary(bot: BotHarness) -> None:
    await fill_complaint(
        bot.person(), category="Perjudian", desa="Mangaran", place="pos ronda dusun Krajan"
    )


SUMMARY = """Periksa laporan sebelum dikirim:
Jenis: Perjudian
Desa: Mangaran
Tempat: pos ronda dusun Krajan
Uraian: Banyak motor parkir di trotoar setiap sore.
Foto: tidak ada
Privasi: Biasa
Sudah benar? Tekan Kirim. Untuk memperbaiki, tekan Ubah."""


# ---------------------------------------------------------------------------- the happy path


async def test_a_resident_files_a_complaint_with_location_and_photo(bot: BotHarness) -> None:
    siti = bot.person(first_name="Siti", last_name="Aminah")
    [first] = await siti.send("/lapor")
    assert first["text"] == f"{EMERGENCY}\n\nGangguan apa yang ingin Bapak/Ibu laporkan?"
    assert siti.buttons(first) == [*CATEGORIES, "❌ Batal"]
    [desa] = await siti.tap("Parkir liar")
    assert desa["text"] == "Di desa mana kejadiannya?"
    assert siti.buttons(desa) == [*bot.config.kecamatan.desa, "Di luar Kecamatan Ajung", *NAV]
    [where] = await siti.tap("Klompangan")
    assert where["text"].startswith("Di mana tepatnya? Tekan tombol 📍 Kirim lokasi")
    assert siti.reply_keyboard() == ["📍 Kirim lokasi"]
    [got] = await siti.send_location(-8.2311, 113.6512)
    assert got["text"].startswith("Lokasi diterima.")
    [what] = await siti.send("depan pasar Klompangan")
    assert what["text"] == "Ceritakan apa yang terjadi, dalam 10 sampai 2.000 huruf."
    assert siti.reply_keyboard() == []
    [photos] = await siti.send(DESCRIPTION)
    assert siti.buttons(photos) == ["Lewati", *NAV]
    [one] = await siti.send_photo(b"\xff\xd8 jpeg of the scene")
    assert one["text"] == "Foto 1 dari 3 diterima. Kirim foto lagi, atau tekan Lanjut."
    assert siti.buttons(one) == ["Lanjut ➡️", "🗑️ Hapus foto", *NAV]
    [privacy] = await siti.tap("Lanjut ➡️")
    assert siti.buttons(privacy) == ["Biasa", "Anonim", "Rahasia", *NAV]
    assert "Anonim: petugas tidak melihat siapa pelapornya" in privacy["text"]
    [summary] = await siti.tap("Biasa")
    assert "Tempat: depan pasar Klompangan (📍 lokasi terkirim)" in summary["text"]
    assert "Foto: 1" in summary["text"]
    assert siti.buttons(summary) == ["✅ Kirim", "✏️ Ubah", "❌ Batal"]
    [saved] = await siti.tap("✅ Kirim")
    assert saved["text"] == (
        "Laporan Bapak/Ibu tercatat dengan kode TRB-2025-0001. Terima kasih.\n"
        "Simpan kode ini. Setiap perkembangan akan kami kabarkan di sini; "
        "cek kapan saja dengan /status TRB-2025-0001"
    )

    group = bot.official()
    card, pin, photo = group.inbox()
    assert card["text"] == (
        "📣 Laporan TRB-2025-0001 · Baru\n"
        "Jenis: Parkir liar\n"
        "Desa: Klompangan\n"
        "Tempat: depan pasar Klompangan (📍 lokasi terkirim)\n"
        f"Uraian: {DESCRIPTION}\n"
        "Diterima: 17 Februari 2025 09.00 WIB\n"
        "Masuk lewat: Chat bot\n"
        "Foto: 1\n"
        "Pelapor: Siti Aminah\n"
        "Batas waktu: verifikasi 20 Februari 2025, rencana tindak lanjut 27 Februari 2025, "
        "selesai 12 Mei 2025"
    )
    assert group.buttons(card) == ["✔️ Verifikasi", "▶️ Proses", "↪️ Teruskan", "✖️ Tolak"]
    assert pin["location"] == {"latitude": -8.2311, "longitude": 113.6512}
    assert pin["reply_to_message"]["message_id"] == card["message_id"]
    assert photo["caption"] == "Foto 1 · TRB-2025-0001"

    kept = Path(bot.config.complaints.photo_dir) / "TRB-2025-0001-1.jpg"
    assert kept.read_bytes() == b"\xff\xd8 jpeg of the scene"
    async with services_of(bot.application).database.sessions() as session:
        stored = await session.scalar(select(ComplaintPhoto.local_path))
    assert stored == str(kept)


async def test_a_new_complaint_can_go_straight_to_diproses(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    await move(bot.official(), code, "▶️ Proses", "Langsung ditangani petugas.")
    assert siti.last()["text"].startswith(f"Kabar laporan {code}: Diproses.")
    [history] = await siti.send(f"/status {code}")
    assert "Diproses" in history["text"] and "Diverifikasi" not in history["text"]


async def test_the_reporter_follows_the_complaint_to_the_end_and_rates_it(
    bot: BotHarness,
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", "Sudah dicek, benar ada.")
    assert siti.last()["text"] == (
        f"Kabar laporan {code}: Diverifikasi.\n"
        "Laporan sudah diperiksa dan akan ditangani.\n"
        "Catatan petugas: Sudah dicek, benar ada."
    )
    await move(group, code, "▶️ Proses", "Petugas ke lokasi sore ini.")
    assert siti.last()["text"].startswith(f"Kabar laporan {code}: Diproses.")
    await move(group, code, "✅ Selesai", "Motor sudah ditertibkan.")
    news = siti.last()
    assert news["text"].endswith(
        "Catatan petugas: Motor sudah ditertibkan.\n\n"
        f"Bagaimana penanganan laporan {code} menurut Bapak/Ibu?"
    )
    assert siti.buttons(news) == ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]

    [history] = await siti.send(f"/status {code.lower()}")
    assert history["text"] == (
        f"Laporan {code}\n"
        "Jenis: Parkir liar\n"
        "Desa: Ajung\n"
        "Diterima: 17 Februari 2025 09.00 WIB\n"
        "Status: Selesai\n"
        "\n"
        "Riwayat:\n"
        "• 17 Februari 2025 09.00 WIB: Baru\n"
        "• 17 Februari 2025 09.00 WIB: Diverifikasi\n"
        "  Catatan: Sudah dicek, benar ada.\n"
        "• 17 Februari 2025 09.00 WIB: Diproses\n"
        "  Catatan: Petugas ke lokasi sore ini.\n"
        "• 17 Februari 2025 09.00 WIB: Selesai\n"
        "  Catatan: Motor sudah ditertibkan."
    )
    assert "Petugas" not in history["text"].replace("Petugas ke", "")  # no official's name

    changed = await siti.tap("3 Puas", message=news)
    assert siti.buttons(changed[0]) == []  # the rating buttons are gone
    assert changed[-1]["text"] == (
        f"Penilaian Bapak/Ibu untuk {code}: 3 Puas\n"
        "Terima kasih atas penilaiannya. Ada komentar? Ketik di sini, atau tekan Lewati."
    )
    [thanks] = await siti.send("Cepat ditangani, terima kasih.")
    assert thanks["text"] == "Terima kasih, komentar Bapak/Ibu sudah kami catat."
    async with services_of(bot.application).database.sessions() as session:
        rating = await session.scalar(select(ComplaintRating))
    assert rating is not None
    assert (rating.score, rating.comment) == (3, "Cepat ditangani, terima kasih.")

    # Once only: the old buttons (or forged data) change nothing.
    await siti.tap_data(f"rt:{rating.complaint_id}:1", message=news)
    assert last_answer(bot) == "Laporan ini sudah dinilai. Terima kasih."
    assert await count(bot, ComplaintRating) == 1


async def test_rating_comment_can_be_skipped_and_never_blocks_the_menu(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", "cek lokasi")
    await move(group, code, "▶️ Proses", "proses")
    await move(group, code, "✅ Selesai", "beres")
    bot.api.fail_next("editMessageReplyMarkup", status=400, description="Bad Request: x")
    shown = await siti.tap("4 Sangat puas")
    assert shown[-1]["text"].endswith("Ada komentar? Ketik di sini, atau tekan Lewati.")
    [menu] = await siti.send("/start")  # passes the comment step
    assert menu["text"].startswith("Selamat datang")
    [skipped] = await siti.tap("Lewati")
    assert skipped["text"] == "Terima kasih atas penilaiannya."


NOT_YOURS = "Hanya pelapor yang dapat menilai laporannya sendiri."
NOT_DONE = "Laporan ini belum selesai ditangani, jadi belum dapat dinilai."
INVALID_SCORE = (
    "Penilaian hanya 1 sampai 4. Silakan tekan salah satu tombol penilaian di bawah kabar laporan."
)


async def test_only_the_reporter_may_rate_and_only_after_selesai(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    complaint_id = await id_of(bot, code)
    other = bot.person(5550002, first_name="Budi")
    [menu] = await other.send("/start")
    await other.tap_data(f"rt:{complaint_id}:4", message=menu)
    assert last_answer(bot) == NOT_YOURS
    [menu] = await siti.send("/start")
    await siti.tap_data(f"rt:{complaint_id}:4", message=menu)  # still Baru
    assert last_answer(bot) == NOT_DONE
    assert await count(bot, ComplaintRating) == 0


async def id_of(bot: BotHarness, code: str) -> int:
    async with services_of(bot.application).database.sessions() as session:
        found = await session.scalar(select(Complaint.id).where(Complaint.code == code))
    assert found is not None
    return int(found)


async def close_as_selesai(bot: BotHarness, code: str) -> None:
    group = bot.official()
    await move(group, code, "▶️ Proses", "Petugas menuju lokasi.")
    await move(group, code, "✅ Selesai", "Sudah ditertibkan petugas.")


async def test_a_stranger_cannot_rate_a_finished_complaint(bot: BotHarness) -> None:
    """Ids are sequential, so a forged ``rt:<id>:<score>`` is easy; after Selesai only the
    reporter may rate, whether the complaint was chatted in or entered by an official."""
    siti = bot.person()
    chatted = await file_complaint(siti)
    entered = await record_by_catat(bot)
    for code in (chatted, entered):
        await close_as_selesai(bot, code)
    stranger = bot.person(5550077, first_name="Joko")
    [menu] = await stranger.send("/start")
    for code in (chatted, entered):
        assert await stranger.tap_data(f"rt:{await id_of(bot, code)}:4", message=menu) == []
        answer = [c for c in bot.api.calls if c.method == "answerCallbackQuery"][-1].params
        assert (answer["text"], answer["show_alert"]) == (NOT_YOURS, True)
    assert await count(bot, ComplaintRating) == 0
    # The reporter still can.
    await siti.tap("4 Sangat puas")
    assert await count(bot, ComplaintRating) == 1


async def record_by_catat(bot: BotHarness) -> str:
    official = bot.official(in_group=False)
    await official.send("/catat")
    await official.tap("Minuman keras")
    await official.tap("Sukamakmur")
    await official.send("warung dekat lapangan")
    await official.tap("Lanjut ➡️")
    await official.send("Warga melapor ada penjualan miras tiap malam minggu.")
    await official.tap("Telepon")
    await official.tap("Hari ini")
    [saved] = await official.tap("✅ Kirim")
    return str(saved["text"].split("kode ", 1)[1].split(" ", 1)[0])


@pytest.mark.parametrize(
    ("score", "answer"),
    [("5", INVALID_SCORE), ("0", INVALID_SCORE), ("-1", INVALID_SCORE), ("x", INVALID_SCORE),
     ("", INVALID_SCORE), ("4:4", INVALID_SCORE), ("²", INVALID_SCORE), ("9" * 50, INVALID_SCORE)],
    ids=["five", "zero", "negative", "letter", "empty", "extra-field", "superscript", "huge"],
)  # fmt: skip
async def test_a_score_outside_one_to_four_is_told_plainly(
    bot: BotHarness, score: str, answer: str
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    await close_as_selesai(bot, code)
    news = siti.last()
    assert await siti.tap_data(f"rt:{await id_of(bot, code)}:{score}", message=news) == []
    assert last_answer(bot) == answer
    assert await count(bot, ComplaintRating) == 0
    assert siti.buttons(siti.last()) == ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]


@pytest.mark.parametrize("data", ["rt:", "rt:x:4", "rt::4", "rt:1234567890123456789012345:4"])
async def test_rating_data_that_is_not_a_rating_is_a_stale_button(
    bot: BotHarness, data: str
) -> None:
    siti = bot.person()
    [menu] = await siti.send("/start")
    assert await siti.tap_data(data, message=menu) == []
    assert last_answer(bot) == STALE


async def test_a_rating_comment_is_cleaned_and_measured_as_telegram_counts(
    bot: BotHarness,
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    await close_as_selesai(bot, code)
    await siti.tap("3 Puas")
    # 501 emoji are 1,002 UTF-16 units: over the limit although Python counts 501.
    [refused] = await siti.send("😀" * 501)
    assert refused["text"] == (
        "Komentar terlalu panjang (1.002 huruf, paling banyak 1.000). Mohon diringkas."
    )
    [hint] = await siti.send("\x1b[31m\x00")
    assert hint["text"] == "Silakan ketik komentar sebagai pesan teks, atau tekan Lewati."
    await siti.send("\x1b[31mCepat\x00 ditangani\x07")
    async with services_of(bot.application).database.sessions() as session:
        comment = await session.scalar(select(ComplaintRating.comment))
    assert comment == "Cepat ditangani"


async def test_status_lists_only_ones_own_and_hides_others_codes(bot: BotHarness) -> None:
    siti = bot.person()
    [none] = await siti.send("/status")
    assert none["text"] == "Bapak/Ibu belum punya laporan. Untuk melapor, ketik /lapor."
    first = await file_complaint(siti, category="Perjudian")
    second = await file_complaint(siti, category="Minuman keras", desa="Rowoindah")
    budi = bot.person(5550002, first_name="Budi")
    theirs = await file_complaint(budi)

    [listing] = await siti.send("/status")
    assert listing["text"] == (
        "Laporan Bapak/Ibu, terbaru dulu:\n"
        f"• {second} · Minuman keras · Baru (17 Februari 2025)\n"
        f"• {first} · Perjudian · Baru (17 Februari 2025)\n"
        "Tekan kodenya, atau ketik /status KODE, untuk melihat riwayatnya."
    )
    assert siti.buttons(listing) == [second, first]
    [detail] = await siti.tap(first)
    assert detail["text"].startswith(f"Laporan {first}\nJenis: Perjudian")

    not_found = (
        "Laporan dengan kode itu tidak ditemukan. "
        "Periksa lagi kodenya, misalnya /status TRB-2025-0001."
    )
    [someone_elses] = await siti.send(f"/status {theirs}")
    [nonexistent] = await siti.send("/status TRB-2025-0999")
    [garbage] = await siti.send("/status halo")
    [forged] = await siti.tap_data(f"st:{theirs}", message=listing)
    assert {m["text"] for m in (someone_elses, nonexistent, garbage, forged)} == {not_found}
    [from_menu] = await siti.tap("Cek laporan saya", message=(await siti.send("/start"))[0])
    assert from_menu["text"] == listing["text"]


# ---------------------------------------------------------------------------- Telegram's limits


async def test_the_card_of_a_two_thousand_emoji_complaint_is_posted(bot: BotHarness) -> None:
    """Its card was over 4,096 units: never posted, so no official could act on it."""
    siti = bot.person()
    await siti.send("/start")
    record = await stored_directly(bot, "🚨" * 2000, siti.user_id)
    await complaint_card.publish(bot.application, record.id)
    card = card_of(bot.official(), record.code)
    assert utf16_length(card["text"]) <= 4096
    assert card["text"].startswith(f"📣 Laporan {record.code} ")
    # Only the description is shortened: the rest of the card is all there.
    assert card["text"].endswith(
        "🚨…\nDiterima: 17 Februari 2025 09.00 WIB\nMasuk lewat: Chat bot\nPelapor: Siti\n"
        "Batas waktu: verifikasi 20 Februari 2025, rencana tindak lanjut 27 Februari 2025, "
        "selesai 12 Mei 2025"
    )
    assert bot.official().buttons(card)[0] == "✔️ Verifikasi"


async def test_a_long_history_is_split_and_ends_with_the_newest_change(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/start")
    record = await stored_directly(bot, DESCRIPTION, siti.user_id)
    steps = [
        (Status.BARU, Status.DIVERIFIKASI),
        (Status.DIVERIFIKASI, Status.DIPROSES),
        (Status.DIPROSES, Status.SELESAI),
    ]
    async with services_of(bot.application).database.transaction() as session:
        for number, (before, after) in enumerate(steps, start=1):
            await complaints.move_complaint(
                session, record.id, before, after, actor_id=None,
                note=f"{number}. " + "🙏" * 999, reason=None, now=bot.clock(),
            )  # fmt: skip
    shown = await siti.send(f"/status {record.code}")
    assert len(shown) == 2
    assert all(utf16_length(message["text"]) <= 4096 for message in shown)
    assert shown[0]["text"].startswith(f"Laporan {record.code}\n")
    assert "Selesai" in shown[-1]["text"] and "3. 🙏" in shown[-1]["text"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(["a", "b"], "a\nb", id="short-unchanged"),
        pytest.param(
            ["head", "x" * 100, "tail"], "head\n" + "x" * 89 + "…\ntail", id="longest-cut"
        ),
        pytest.param(["😀" * 60, "tail"], "😀" * 47 + "…\ntail", id="emoji-two-units"),
        pytest.param(["y" * 80, "z" * 80], "y" * 39 + "…\n" + "z" * 58 + "…", id="two-cut"),
        pytest.param(["w"] * 60, "\n".join(["w"] * 50) + "…", id="many-short-lines"),
    ],
)
def test_fit_keeps_every_line_it_can(lines: list[str], expected: str) -> None:
    assert views.fit(lines, limit=100) == expected
    assert utf16_length(expected) <= 100


# ---------------------------------------------------------------------------- dialogue moves


async def test_ubah_goes_back_to_any_step_and_returns_to_the_summary(bot: BotHarness) -> None:
    await to_summary(bot)
    siti = bot.person()
    [choose] = await siti.tap("✏️ Ubah")
    assert choose["text"] == "Bagian mana yang ingin diubah?"
    assert siti.buttons(choose) == [
        "Jenis", "Desa", "Tempat", "Uraian", "Foto", "Privasi", "Kembali ke ringkasan",
    ]  # fmt: skip
    await siti.tap("Jenis")
    [summary] = await siti.tap("Asusila")
    assert summary["text"] == SUMMARY.replace("Jenis: Perjudian", "Jenis: Asusila")
    await siti.tap("✏️ Ubah")
    await siti.tap("Privasi")
    [summary] = await siti.tap("Rahasia")
    assert "Privasi: Rahasia" in summary["text"]
    assert "Jenis: Asusila" in summary["text"]


QUIT = "Batalkan laporan ini? Isian yang sudah Bapak/Ibu tulis akan dihapus dan tidak dikirim."
CANCELLED = "Baik, isian dihentikan. Data yang belum dikirim tidak disimpan."


async def test_batal_from_the_summary_asks_before_dropping_the_report(bot: BotHarness) -> None:
    await to_summary(bot)
    siti = bot.person()
    [asked] = await siti.tap("❌ Batal")
    assert asked["text"] == QUIT
    assert siti.buttons(asked) == ["Ya, batalkan", "Tidak, kembali"]
    [summary] = await siti.tap("Tidak, kembali")
    assert summary["text"] == SUMMARY  # nothing lost
    await siti.tap("❌ Batal")
    [done] = await siti.tap("Ya, batalkan")
    assert done["text"] == CANCELLED
    assert await count(bot, Complaint) == 0
    assert "complaint" not in bot.application.user_data[siti.user_id]


async def test_outside_the_kecamatan_ends_politely(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    await siti.tap("Perjudian")
    [done] = await siti.tap("Di luar Kecamatan Ajung")
    assert done["text"] == (
        "Mohon maaf, kami hanya menangani wilayah Kecamatan Ajung. Silakan sampaikan ke "
        "kecamatan setempat atau lewat SP4N-LAPOR! (lapor.go.id). Terima kasih."
    )
    assert "Laporkan gangguan" in siti.buttons(done)
    [after] = await siti.send("halo")
    assert after["text"].startswith("Maaf, kami belum mengerti")


async def test_the_menu_button_starts_a_report(bot: BotHarness) -> None:
    siti = bot.person()
    [menu] = await siti.send("/start")
    [first] = await siti.tap("Laporkan gangguan", message=menu)
    assert first["text"].startswith(EMERGENCY)


async def test_killing_the_bot_mid_report_resumes_it(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    await siti.send_location(-8.2, 113.6)
    await bot.restart_after_crash()

    siti = bot.person()
    [summary_step] = await siti.send("pos ronda")  # the place step, both parts now given
    assert summary_step["text"].startswith("Ceritakan apa yang terjadi")
    await siti.send(DESCRIPTION)
    await bot.restart_after_crash()
    siti = bot.person()
    await siti.tap("Lewati")
    await siti.tap("Anonim")
    await bot.restart_after_crash()
    siti = bot.person()
    [saved] = await siti.tap("✅ Kirim")
    assert "TRB-2025-0001" in saved["text"]
    card = card_of(bot.official(), "TRB-2025-0001")
    assert "Tempat: pos ronda (📍 lokasi terkirim)" in card["text"]
    assert "Pelapor: anonim (identitas disembunyikan)" in card["text"]


async def test_kirim_again_after_a_kill_records_the_complaint_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await to_summary(bot)
    # The commit happens, then the bot dies before the form's end is saved: nothing was said,
    # the summary and its buttons are still there, and pressing Kirim again gives the code.
    kill_at_next_step_save(monkeypatch)
    with pytest.raises(Killed):
        await bot.person().tap("✅ Kirim")
    await bot.restart_after_crash()
    siti = bot.person()
    assert siti.last()["text"] == SUMMARY
    [saved] = await siti.tap("✅ Kirim")
    assert "TRB-2025-0001" in saved["text"]
    assert await count(bot, Complaint) == 1


async def test_a_kill_between_two_steps_never_shifts_the_answers(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next question went out before the step was saved: after a kill there, the typed
    description landed in the place, and the place was lost."""
    await to_place_given(bot)
    kill_at_next_step_save(monkeypatch)
    with pytest.raises(Killed):
        await bot.person().tap("Lanjut ➡️")
    await bot.restart_after_crash()
    siti = bot.person()
    # The description's question was never shown: the person sees the step the bot is at.
    assert siti.last()["text"].startswith("Tempat dicatat.")
    [question] = await siti.tap("Lanjut ➡️")
    assert question["text"] == "Ceritakan apa yang terjadi, dalam 10 sampai 2.000 huruf."
    await siti.send(DESCRIPTION)
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY


async def test_concurrent_residents_pressing_kirim_get_consecutive_codes(bot: BotHarness) -> None:
    people = [bot.person(6100 + n, first_name=f"Warga{n}") for n in range(6)]
    for person in people:
        await fill_complaint(person, category="Perjudian", place="balai desa")
    replies = await asyncio.gather(*(person.tap("✅ Kirim") for person in people))
    codes = sorted(reply[0]["text"].split("kode ")[1].split(".")[0] for reply in replies)
    assert codes == [f"TRB-2025-{n:04d}" for n in range(1, 7)]
    assert await count(bot, Complaint) == 6


# ---------------------------------------------------------------------------- bad input


async def test_text_where_a_button_is_expected(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    [hint] = await siti.send("ada yang ribut")  # names no button ("parkir liar" would)
    assert hint["text"] == CATEGORY_HINT
    assert siti.buttons(hint) == [*CATEGORIES, "❌ Batal"]
    await siti.tap("Perjudian", message=hint)
    await siti.tap("Mangaran")
    await siti.send("pos ronda dusun Krajan")
    await siti.tap("Lanjut ➡️")
    await siti.send(DESCRIPTION)
    await siti.tap("Lewati")
    [hint] = await siti.send("anonim saja")
    assert hint["text"] == "Silakan pilih Biasa, Anonim, atau Rahasia dengan tombol di bawah ini."
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY


async def test_a_button_where_text_is_expected(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    category_message = siti.inbox()[0]
    [hint] = await siti.tap("Asusila", message=category_message)
    assert last_answer(bot) == STALE
    assert hint["text"] == DESCRIPTION_HINT
    await siti.send(DESCRIPTION)
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("sticker", "Maaf, stiker tidak bisa kami terima di langkah ini."),
        ("voice", "Maaf, pesan suara belum bisa kami terima. Mohon ketik dengan huruf."),
        ("document", "Maaf, berkas (file) tidak bisa kami terima di langkah ini."),
        ("contact", "Maaf, pesan seperti ini tidak bisa kami terima di langkah ini."),
    ],
)
async def test_a_sticker_voice_document_or_contact_at_the_description_step(
    bot: BotHarness, kind: str, said: str
) -> None:
    await to_description(bot)
    siti = bot.person()
    send = {
        "sticker": siti.send_sticker,
        "voice": siti.send_voice,
        "document": siti.send_document,
        "contact": lambda: siti.send_contact("081234567890"),
    }[kind]
    [hint] = await send()
    assert hint["text"] == f"{said}\n{DESCRIPTION_HINT}"
    await siti.send(DESCRIPTION)
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY


async def test_a_document_at_the_photo_step(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    await siti.send(DESCRIPTION)
    [hint] = await siti.send_document(b"\xff\xd8 jpeg", file_name="foto.jpg")
    assert hint["text"] == (
        "Foto yang dikirim sebagai berkas (file) tidak bisa kami terima. Mohon kirim sebagai "
        f"foto.\n{PHOTO_HINT}"
    )
    assert siti.buttons(hint) == ["Lewati", *NAV]
    [voice] = await siti.send_voice()
    assert voice["text"] == (
        f"Maaf, pesan suara belum bisa kami terima. Mohon ketik dengan huruf.\n{PHOTO_HINT}"
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        pytest.param(
            "x" * 2001,
            "Uraian terlalu panjang (2.001 huruf, paling banyak 2.000; satu emoji dihitung "
            "2 huruf). Mohon diringkas lalu kirim lagi.",
            id="too-long",
        ),
        pytest.param(
            # 1,916 characters for Python, 3,832 for Telegram: its card could never be posted.
            "🚓" * 1916,
            "Uraian terlalu panjang (3.832 huruf, paling banyak 2.000; satu emoji dihitung "
            "2 huruf). Mohon diringkas lalu kirim lagi.",
            id="emoji-counted-as-telegram-does",
        ),
        pytest.param(
            "x" * 4,
            "Uraian terlalu pendek (4 huruf). Mohon ceritakan lebih lengkap, "
            "paling sedikit 10 huruf.",
            id="too-short",
        ),
    ],
)
async def test_description_length(bot: BotHarness, text: str, answer: str) -> None:
    await to_description(bot)
    siti = bot.person()
    [refused] = await siti.send(text)
    assert refused["text"] == answer
    [next_step] = await siti.send(DESCRIPTION)
    assert next_step["text"].startswith("Ada foto kejadian?")


async def test_an_over_long_place(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    [refused] = await siti.send("jalan " * 60)
    assert refused["text"] == (
        "Keterangan tempat terlalu panjang (359 huruf, paling banyak 300; satu emoji dihitung "
        "2 huruf). Mohon dipersingkat."
    )
    [refused] = await siti.send("🏠" * 151)
    assert refused["text"].startswith("Keterangan tempat terlalu panjang (302 huruf,")
    [ok] = await siti.send("jalan mawar")
    assert ok["text"].startswith("Tempat dicatat.")


# ANSI colour codes and a NUL, as pasted from a terminal: they broke every XLSX export.
HOSTILE_PLACE = "\x1b[31mdepan\x00 pasar\x1b[0m\tKrajan"
HOSTILE_DESCRIPTION = "\x1b[1;33mBanyak motor\x1b[0m parkir\x00 di trotoar\r\nsetiap sore.\x07"


@pytest.mark.parametrize("command", ["/lapor", "/catat"])
async def test_control_characters_are_stripped_from_place_and_description(
    bot: BotHarness, command: str
) -> None:
    person = bot.person() if command == "/lapor" else bot.official(in_group=False)
    await person.send(command)
    await person.tap("Perjudian")
    await person.tap("Mangaran")
    await person.send(HOSTILE_PLACE)
    await person.tap("Lanjut ➡️")
    await person.send(HOSTILE_DESCRIPTION)
    if command == "/lapor":
        await person.tap("Lewati")
        [summary] = await person.tap("Biasa")
    else:
        await person.tap("Telepon")
        [summary] = await person.tap("Hari ini")
    assert "Tempat: depan pasar Krajan\n" in summary["text"]
    assert "Uraian: Banyak motor parkir di trotoar\nsetiap sore.\n" in summary["text"]
    await person.tap("✅ Kirim")
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None
    assert (row.place, row.description) == (
        "depan pasar Krajan",
        "Banyak motor parkir di trotoar\nsetiap sore.",
    )


async def test_a_fourth_photo_is_refused(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    await siti.send(DESCRIPTION)
    for _ in range(3):
        await siti.send_photo()
    [refused] = await siti.send_photo()
    assert refused["text"] == (
        "Sudah 3 foto, batas maksimal; foto ini tidak disimpan. Silakan tekan Lanjut."
    )
    await siti.tap("Lanjut ➡️")
    [summary] = await siti.tap("Biasa")
    assert "Foto: 3" in summary["text"]


async def test_a_photo_over_the_download_limit_is_refused(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    await siti.send(DESCRIPTION)
    too_big = (
        "Foto ini terlalu besar (lebih dari 20 MB). "
        "Silakan kirim foto yang lebih kecil, atau tekan tombol di bawah."
    )
    [refused] = await siti.send_photo(file_size=21 * 1024 * 1024)
    assert refused["text"] == too_big
    # Telegram states no size, but getFile refuses it.
    bot.api.fail_next("getFile", status=400, description="Bad Request: file is too big")
    [refused] = await siti.send_photo()
    assert refused["text"] == too_big
    [accepted] = await siti.send_photo(file_size=1024)
    assert accepted["text"].startswith("Foto 1 dari 3 diterima.")


async def test_a_button_from_an_old_message(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    summary = next(m for m in siti.inbox() if m["text"].startswith("Periksa laporan"))
    [menu] = await siti.tap("✅ Kirim", message=summary)
    assert last_answer(bot) == STALE
    assert menu["text"] == "Silakan pilih layanan di bawah ini, Bapak/Ibu."
    assert code == "TRB-2025-0001"
    assert await count(bot, Complaint) == 1


@pytest.mark.parametrize(
    "data",
    [
        "lp:cat:99", "lp:cat:x", "lp:priv:publik", "lp:goto:7", "xx:hack", "tr:1:baru:selesai",
        "lp:prev:1", "lp:prev:2", "lp:quit:2", "lp:quit:yes", "lp:photos:clear", "lp:desc:keep",
        "lp:place:new", "lp:cancel",
    ],
)  # fmt: skip
async def test_forged_callback_data_changes_nothing(bot: BotHarness, data: str) -> None:
    siti = bot.person()
    [first] = await siti.send("/lapor")
    [hint] = await siti.tap_data(data, message=first)
    assert last_answer(bot) == STALE
    assert hint["text"] == CATEGORY_HINT
    [desa] = await siti.tap("Perjudian")
    assert desa["text"] == "Di desa mana kejadiannya?"


async def test_lapor_while_already_reporting(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    [again] = await siti.send("/lapor")
    assert again["text"] == (
        "Laporan Bapak/Ibu masih diisi; kita lanjutkan dari langkah ini. Untuk mulai dari awal, "
        f"ketik /batal lalu /lapor.\n{DESCRIPTION_HINT}"
    )
    await siti.send(DESCRIPTION)
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY


async def test_more_than_the_daily_maximum_of_open_complaints(bot: BotHarness) -> None:
    siti = bot.person()
    codes = [await file_complaint(siti) for _ in range(3)]
    assert await file_complaint(bot.person(5550002, first_name="Budi")) == "TRB-2025-0004"
    [refused] = await siti.send("/lapor")
    assert refused["text"] == (
        "Bapak/Ibu sudah mengirim 3 laporan hari ini yang masih ditangani. Laporan baru bisa "
        "dikirim besok atau setelah salah satunya selesai. Cek dengan /status."
    )
    assert await count(bot, Complaint) == 4

    # One of them closed: room for a new one today.
    group = bot.official()
    await group.tap("✖️ Tolak", message=card_of(group, codes[0]))
    await group.tap("Duplikat (sudah pernah dilaporkan)")
    await group.send("sama dengan laporan lain", reply_to=group.last())
    [again] = await siti.send("/lapor")
    assert again["text"].startswith(EMERGENCY)
    await siti.send("/batal")

    await file_complaint(siti)
    [refused] = await siti.send("/lapor")
    assert refused["text"].startswith("Bapak/Ibu sudah mengirim 3 laporan hari ini")
    bot.clock.advance(days=1)
    [tomorrow] = await siti.send("/lapor")
    assert tomorrow["text"].startswith(EMERGENCY)


async def test_the_maximum_reached_at_kirim_keeps_the_answers(bot: BotHarness) -> None:
    await to_summary(bot)
    siti = bot.person()
    # Meanwhile three complaints of hers were recorded (sent from her other phone).
    for _ in range(3):
        await stored_directly(bot, DESCRIPTION, siti.user_id)
    [kept] = await siti.tap("✅ Kirim")
    assert kept["text"] == (
        "Bapak/Ibu sudah mengirim 3 laporan hari ini yang masih ditangani, jadi laporan ini "
        "belum bisa dikirim. Isiannya tetap tersimpan: tekan Kirim lagi besok, atau /batal."
    )
    bot.clock.advance(days=1)
    [saved] = await siti.tap("✅ Kirim")
    assert "TRB-2025-0004" in saved["text"]
    assert "Jenis: Perjudian" in card_of(bot.official(), "TRB-2025-0004")["text"]


# ---------------------------------------------------------------------------- privacy


async def test_anonim_card_never_shows_the_reporter(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `ajung-bot run` logs
    siti = bot.person(first_name="Siti", last_name="Aminah", username="siti_ajung")
    code = await file_complaint(siti, privacy="Anonim")
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", "cek lokasi")
    for message in group.inbox():
        shown = str(message)
        assert "Siti" not in shown and "Aminah" not in shown and "siti_ajung" not in shown
        assert str(siti.user_id) not in shown
    assert "Pelapor: anonim (identitas disembunyikan)" in card_of(group, code)["text"]
    assert siti.last()["text"].startswith(f"Kabar laporan {code}: Diverifikasi.")
    for record in caplog.records:
        assert "Siti" not in record.getMessage() and str(siti.user_id) not in record.getMessage()


async def test_rahasia_is_marked_on_the_card(bot: BotHarness) -> None:
    code = await file_complaint(bot.person(), privacy="Rahasia")
    card = card_of(bot.official(), code)
    assert card["text"].splitlines()[1] == (
        "🔒 RAHASIA: isi laporan ini tidak boleh dipublikasikan atau dikirim ke luar kantor."
    )


async def test_a_reporter_who_blocked_the_bot_is_marked_and_the_move_still_happens(
    bot: BotHarness,
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    bot.api.block(siti.chat_id)
    shown = await move(bot.official(), code, "✔️ Verifikasi", "cek lokasi")
    assert f"✅ {code} sekarang Diverifikasi. Catatan tersimpan." in texts(shown)
    async with services_of(bot.application).database.sessions() as session:
        blocked = await session.scalar(
            select(Resident.blocked).where(Resident.external_id == str(siti.user_id))
        )
        events = await session.scalar(select(func.count()).select_from(ComplaintEvent))
    assert blocked is True
    assert events == 2


async def test_an_unanswered_comment_step_ends_without_a_word(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    for button, note in (
        ("✔️ Verifikasi", "cek lokasi"),
        ("▶️ Proses", "proses"),
        ("✅ Selesai", "beres"),
    ):
        await move(group, code, button, note)
    await siti.tap("2 Kurang puas")
    before = len(siti.inbox())
    bot.clock.advance(minutes=31)
    await jobs.sweep_idle(bot.context())
    assert len(siti.inbox()) == before
    [reply] = await siti.send("halo")
    assert reply["text"].startswith("Maaf, kami belum mengerti")
    async with services_of(bot.application).database.sessions() as session:
        rating = await session.scalar(select(ComplaintRating))
    assert rating is not None and (rating.score, rating.comment) == (2, None)


# ---------------------------------------------------------------------------- nothing typed is lost

PLACE_NOTED = (
    "Tempat dicatat. Tekan Lanjut, atau langsung ketik apa yang terjadi. "
    "Bisa juga kirim lokasi dengan tombol 📍 Kirim lokasi."
)
ASK_PHOTOS = "Ada foto kejadian? Kirim paling banyak 3 foto, atau tekan Lewati."


async def test_text_typed_after_the_place_is_the_description(bot: BotHarness) -> None:
    """It used to replace the place: the summary showed the description as Tempat."""
    siti = bot.person()
    await siti.send("/lapor")
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    [noted] = await siti.send("pos ronda dusun Krajan")
    assert noted["text"] == PLACE_NOTED
    assert siti.buttons(noted) == ["Lanjut ➡️", "✏️ Ubah tempat", "❌ Batal"]
    [too_short] = await siti.send("judi")
    assert too_short["text"].startswith("Uraian terlalu pendek (4 huruf).")
    assert siti.reply_keyboard() == []  # the location button went with the place step
    [photos] = await siti.send(DESCRIPTION)  # the description step now
    assert photos["text"] == ASK_PHOTOS
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY


async def test_text_right_after_the_place_moves_on_at_once(bot: BotHarness) -> None:
    await to_place_given(bot)
    siti = bot.person()
    [acknowledged, photos] = await siti.send(DESCRIPTION)
    assert (acknowledged["text"], photos["text"]) == ("Uraian dicatat.", ASK_PHOTOS)
    assert siti.reply_keyboard() == []


async def test_a_second_place_only_after_ubah_tempat(bot: BotHarness) -> None:
    await to_place_given(bot)
    siti = bot.person()
    [again] = await siti.tap("✏️ Ubah tempat")
    assert again["text"].startswith("Di mana tepatnya?")
    assert siti.reply_keyboard() == ["📍 Kirim lokasi"]
    [noted] = await siti.send("balai desa Mangaran")
    assert noted["text"] == PLACE_NOTED
    await siti.tap("Lanjut ➡️")
    await siti.send(DESCRIPTION)
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY.replace("pos ronda dusun Krajan", "balai desa Mangaran")


async def test_batal_asks_first_once_something_is_answered(bot: BotHarness) -> None:
    siti = bot.person()
    [first] = await siti.send("/lapor")
    [desa] = await siti.tap("Perjudian")
    [asked] = await siti.tap("❌ Batal", message=desa)
    assert asked["text"] == QUIT
    [back] = await siti.tap("Tidak, kembali")
    assert back["text"] == "Di desa mana kejadiannya?"
    await siti.tap("Mangaran")
    await siti.send("pos ronda dusun Krajan")
    [asked] = await siti.tap("❌ Batal")  # on "Tempat dicatat ..."
    [back] = await siti.tap("Tidak, kembali")
    assert back["text"] == PLACE_NOTED
    [acknowledged, _] = await siti.send(DESCRIPTION)  # still the description
    assert acknowledged["text"] == "Uraian dicatat."
    # The Batal of an earlier step's message is not this step's.
    await siti.tap("❌ Batal", message=desa)
    assert last_answer(bot) == STALE
    await siti.tap("❌ Batal")
    [done] = await siti.tap("Ya, batalkan")
    assert done["text"] == CANCELLED
    assert "complaint" not in bot.application.user_data[siti.user_id]
    # Nothing answered yet: Batal ends at once.
    [first] = await siti.send("/lapor")
    [done] = await siti.tap("❌ Batal", message=first)
    assert done["text"] == CANCELLED


async def test_kembali_goes_to_the_step_before_keeping_the_answers(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    [desa] = await siti.tap("Perjudian")
    [categories] = await siti.tap("⬅️ Kembali", message=desa)
    assert categories["text"] == "Gangguan apa yang ingin Bapak/Ibu laporkan?"
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    await siti.send("pos ronda dusun Krajan")
    await siti.send(DESCRIPTION)
    [photos] = await siti.send_photo()
    [privacy] = await siti.tap("Lanjut ➡️", message=photos)
    [photos_again] = await siti.tap("⬅️ Kembali", message=privacy)
    assert photos_again["text"].startswith("1 foto terlampir.")
    [description] = await siti.tap("⬅️ Kembali", message=photos_again)
    assert description["text"] == (
        "Ceritakan apa yang terjadi, dalam 10 sampai 2.000 huruf.\n"
        f"Uraian sekarang: «{DESCRIPTION}». Tekan Lanjut untuk memakainya, atau ketik uraian "
        "yang baru."
    )
    assert siti.buttons(description) == ["Lanjut ➡️", *NAV]
    await siti.tap("Lanjut ➡️", message=description)  # kept as it was
    await siti.tap("Lanjut ➡️")
    [summary] = await siti.tap("Biasa")
    assert summary["text"] == SUMMARY.replace("Foto: tidak ada", "Foto: 1")
    # Ubah -> Uraian shows it too; typing replaces it.
    await siti.tap("✏️ Ubah")
    [description] = await siti.tap("Uraian")
    assert f"Uraian sekarang: «{DESCRIPTION}»." in description["text"]
    [summary] = await siti.send("Ada judi kartu di pos ronda setiap malam.")
    assert "Uraian: Ada judi kartu di pos ronda setiap malam.\n" in summary["text"]


async def test_ubah_desa_offers_no_way_out_of_a_finished_report(bot: BotHarness) -> None:
    await to_summary(bot)
    siti = bot.person()
    await siti.tap("✏️ Ubah")
    [desa] = await siti.tap("Desa")
    assert siti.buttons(desa) == [*bot.config.kecamatan.desa, *NAV]
    await siti.tap_data("lp:desa:out", message=desa)
    assert last_answer(bot) == STALE
    [summary] = await siti.tap("⬅️ Kembali", message=desa)
    assert summary["text"] == SUMMARY
    assert await count(bot, Complaint) == 0


PHOTOS_FULL = (
    "3 foto terlampir, batas maksimal 3 foto. Tekan Lanjut untuk memakainya, "
    "atau Hapus foto untuk menggantinya."
)


async def test_ubah_foto_shows_and_keeps_the_photos(bot: BotHarness) -> None:
    """Ubah -> Foto asked "Ada foto kejadian? ... Lewati", and Lewati dropped three photos."""
    siti = bot.person()
    await fill_complaint(siti, photos=3)
    await siti.tap("✏️ Ubah")
    [photos] = await siti.tap("Foto")
    assert photos["text"] == PHOTOS_FULL
    assert siti.buttons(photos) == ["Lanjut ➡️", "🗑️ Hapus foto", *NAV]
    [summary] = await siti.tap("Lanjut ➡️")
    assert "Foto: 3" in summary["text"]
    await siti.tap("✏️ Ubah")
    await siti.tap("Foto")
    [cleared] = await siti.tap("🗑️ Hapus foto")
    assert cleared["text"] == f"Foto yang terlampir sudah dihapus.\n\n{ASK_PHOTOS}"
    assert siti.buttons(cleared) == ["Lewati", *NAV]
    [one] = await siti.send_photo()
    assert one["text"] == "Foto 1 dari 3 diterima. Kirim foto lagi, atau tekan Lanjut."
    [summary] = await siti.tap("Lanjut ➡️")
    assert "Foto: 1" in summary["text"]
    await siti.tap("✏️ Ubah")
    [photos] = await siti.tap("Foto")
    assert photos["text"] == (
        "1 foto terlampir. Kirim foto lagi (paling banyak 3), atau tekan Lanjut. "
        "Untuk membuang foto yang terlampir, tekan Hapus foto."
    )
    await siti.tap("✏️ Ubah", message=summary)
    assert last_answer(bot) == STALE
    await siti.tap("⬅️ Kembali", message=photos)
    await siti.tap("✅ Kirim")
    assert await count(bot, ComplaintPhoto) == 1


@pytest.mark.parametrize(
    ("text", "letters"),
    [("😡😡😡😡😡😡", "0"), ("!!! 123 ??? ok 456", "2"), ("🚨 maling 🚨!!!", "6")],
    ids=["emoji-only", "digits-and-punctuation", "emoji-and-a-word"],
)
async def test_a_description_without_enough_letters_is_refused(
    bot: BotHarness, text: str, letters: str
) -> None:
    await to_description(bot)
    siti = bot.person()
    [refused] = await siti.send(text)
    assert refused["text"] == (
        f"Uraian ini belum menceritakan kejadiannya (hanya {letters} huruf). Mohon tulis "
        "dengan kata-kata apa yang terjadi, paling sedikit 10 huruf."
    )
    [photos] = await siti.send(DESCRIPTION)
    assert photos["text"] == ASK_PHOTOS


async def test_the_third_photo_says_the_limit_is_reached(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    await siti.send(DESCRIPTION)
    await siti.send_photo()
    [second] = await siti.send_photo()
    assert second["text"] == "Foto 2 dari 3 diterima. Kirim foto lagi, atau tekan Lanjut."
    [third] = await siti.send_photo()
    assert third["text"] == (
        "Foto 3 dari 3 diterima; batas foto sudah tercapai. Silakan tekan Lanjut."
    )
    [hint] = await siti.send_sticker()
    assert hint["text"] == (
        "Maaf, stiker tidak bisa kami terima di langkah ini.\n"
        "Sudah 3 foto, batas maksimal. Silakan tekan Lanjut, atau Hapus foto untuk menggantinya."
    )


async def test_a_photo_at_another_step_is_kept_for_the_report(bot: BotHarness) -> None:
    await to_description(bot)
    siti = bot.person()
    [kept] = await siti.send_photo(b"\xff\xd8 sent early")
    assert kept["text"] == f"Foto disimpan untuk laporan ini (1 dari 3).\n{DESCRIPTION_HINT}"
    await siti.send_photo()
    await siti.send_photo()
    [fourth] = await siti.send_photo()
    assert fourth["text"] == (
        "Sudah ada 3 foto untuk laporan ini, batas maksimal; foto ini tidak disimpan.\n"
        f"{DESCRIPTION_HINT}"
    )
    [photos] = await siti.send(DESCRIPTION)
    assert photos["text"] == PHOTOS_FULL
    await siti.tap("Lanjut ➡️")
    [summary] = await siti.tap("Biasa")
    assert "Foto: 3" in summary["text"]
    # At the summary too: the summary is shown again with the new count.
    await siti.tap("✏️ Ubah")
    await siti.tap("Foto")
    await siti.tap("🗑️ Hapus foto")
    await siti.tap("Lewati")
    [again] = await siti.send_photo()
    assert again["text"].startswith("Foto disimpan untuk laporan ini (1 dari 3).\n\nPeriksa")
    assert "Foto: 1" in again["text"]
    await siti.tap("✅ Kirim")
    assert await count(bot, ComplaintPhoto) == 1


async def test_a_photo_alone_starts_a_report_with_it(bot: BotHarness) -> None:
    siti = bot.person()
    question, kept = await siti.send_photo(b"\xff\xd8 the scene")
    assert question["text"] == f"{EMERGENCY}\n\nGangguan apa yang ingin Bapak/Ibu laporkan?"
    assert kept["text"] == f"Foto disimpan untuk laporan ini (1 dari 3).\n{CATEGORY_HINT}"
    assert siti.buttons(kept) == [*CATEGORIES, "❌ Batal"]
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    await siti.send("pos ronda dusun Krajan")
    [_, photos] = await siti.send(DESCRIPTION)
    assert photos["text"].startswith("1 foto terlampir.")
    await siti.tap("Lanjut ➡️")
    await siti.tap("Biasa")
    await siti.tap("✅ Kirim")
    assert await count(bot, ComplaintPhoto) == 1


async def test_a_photo_after_the_draft_expired_starts_a_new_report_with_it(
    bot: BotHarness,
) -> None:
    await to_description(bot)
    siti = bot.person()
    bot.clock.advance(days=bot.config.conversation.draft_days, minutes=1)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"].startswith(
        "Laporan gangguan «Perjudian» yang belum dikirim kami hapus karena tidak ada balasan "
        "selama 3 hari."
    )
    question, kept = await siti.send_photo()
    assert question["text"].startswith(EMERGENCY)
    assert kept["text"].startswith("Foto disimpan untuk laporan ini (1 dari 3).")


async def test_a_photo_during_the_survey_does_not_start_a_report(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/survei")
    [hint] = await siti.send_photo()
    assert "Foto disimpan" not in hint["text"]
    assert "complaint" not in bot.application.user_data[siti.user_id]
