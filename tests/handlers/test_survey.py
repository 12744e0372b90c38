"""The satisfaction survey as residents meet it: every step, the ways back, bad input, the daily
limit, a crash in the middle, and the officials' /populasi command."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import jobs
from bot.driver import Person
from bot.offline import JSONDict
from bot.reporting import build_report
from db import surveys
from db.models import SurveyPopulation, SurveyResponse
from handlers.context import services_of
from handlers.survey import to_answers
from iku.periods import date_range
from iku.report import report_json
from iku.skm import UNSUR, UNSUR_KEYS, score_responses
from tests.factories import (
    CAMAT_ID,
    SEKCAM_ID,
    TRANTIB_ID,
    BotHarness,
    Killed,
    kill_at_next_step_save,
    make_config,
)

KTP = "Pengantar KTP-el dan KK"
SERVICES = [
    KTP,
    "Surat keterangan",
    "Legalisasi dokumen",
    "Surat rekomendasi",
    "Izin Usaha Mikro Kecil (IUMK)",
    "Izin keramaian",
    "Dispensasi nikah",
    "Layanan lainnya",
]
CHOOSE_SERVICE = (
    "Survei Kepuasan Masyarakat Kecamatan Ajung\n"
    "Jawaban Bapak/Ibu membantu kami memperbaiki pelayanan. Tidak ada pertanyaan nama atau "
    "nomor HP.\n\nLayanan apa yang Bapak/Ibu terima?"
)
GENDER_KTP = "Layanan: Pengantar KTP-el dan KK\n\nJenis kelamin Bapak/Ibu?"
AGE = "Berapa usia Bapak/Ibu? Ketik angkanya saja, misalnya 35."
AGE_INVALID = "Mohon ketik usia dengan angka, dari 15 sampai 100. Contoh: 35"
USE_BUTTONS = (
    "Silakan pilih salah satu tombol di bawah ini, atau ketik pilihannya. "
    "Untuk berhenti, ketik /batal."
)
NOT_TEXT = "Maaf, pesan suara, stiker, foto, dan berkas tidak bisa kami terima di langkah ini."
AGE_TEXT_ONLY = (
    "Usia hanya bisa diketik; pesan suara, stiker, dan foto tidak bisa kami baca. "
    "Mohon ketik usia Bapak/Ibu dengan angka, misalnya 35."
)
SARAN = (
    "Ada saran untuk perbaikan pelayanan kami? Silakan ketik saran Bapak/Ibu, atau tekan Lewati."
)
SARAN_HINT = "Saran hanya bisa berupa tulisan. Silakan ketik saran Bapak/Ibu, atau tekan Lewati."
THANKS = (
    "Terima kasih, Bapak/Ibu. Jawaban survei sudah kami terima dan akan kami pakai untuk "
    "memperbaiki pelayanan Kecamatan Ajung. 🙏"
)
ALREADY = (
    "Terima kasih, jawaban survei Bapak/Ibu untuk layanan Pengantar KTP-el dan KK hari ini "
    "sudah tercatat. Survei untuk layanan ini bisa diisi lagi besok. Bapak/Ibu bisa memilih "
    "layanan lain, atau ketik /batal."
)
OLD_BUTTON = "Tombol ini dari pertanyaan sebelumnya. Silakan jawab pertanyaan yang terakhir."
INVALID_BUTTON = (
    "Tombol ini tidak berlaku. Silakan pilih salah satu tombol pada pertanyaan terakhir."
)
IN_PROGRESS = (
    "Survei Bapak/Ibu masih berjalan dan jawaban yang sudah diisi tetap tersimpan. Kita lanjutkan:"
)
BACK = "⬅️ Kembali"
CANCEL = "❌ Batal"
ALL_THREE = dict.fromkeys(UNSUR_KEYS, 3)


def question_text(number: int) -> str:
    return f"Pertanyaan {number} dari 9\n{UNSUR[number - 1].question}"


async def to_question_one(person: Person, *, service: str = KTP) -> None:
    await person.send("/survei")
    await person.tap(service)
    await person.tap("Perempuan")
    await person.send("34")
    await person.tap("SMA")
    await person.tap("Wirausaha")


async def answer_questions(person: Person, answers: Mapping[str, int]) -> None:
    for unsur in UNSUR:
        await person.tap(unsur.option(answers[unsur.key]))


async def complete(
    person: Person,
    answers: Mapping[str, int] = ALL_THREE,
    *,
    service: str = KTP,
    saran: str | None = None,
) -> list[JSONDict]:
    await to_question_one(person, service=service)
    await answer_questions(person, answers)
    if saran is None:
        await person.tap("Lewati")
    else:
        await person.send(saran)
    return await person.tap("Kirim")


async def stored_responses(bot: BotHarness) -> list[SurveyResponse]:
    async with services_of(bot.application).database.sessions() as session:
        return list(await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))


def last_toast(bot: BotHarness) -> str | None:
    answers = [call for call in bot.api.calls if call.method == "answerCallbackQuery"]
    return answers[-1].params.get("text")


def draft(bot: BotHarness, person: Person) -> dict[str, Any]:
    user_data: dict[str, Any] = bot.application.user_data[person.user_id]
    return dict(user_data.get("survey", {}))


# --- the happy path -------------------------------------------------------------------------


async def test_a_resident_completes_the_survey_and_it_is_stored_by_unsur_key(
    bot: BotHarness,
) -> None:
    siti = bot.person()
    [first] = await siti.send("/survei")
    assert first["text"] == CHOOSE_SERVICE
    assert siti.buttons(first) == [*SERVICES, CANCEL]
    [gender] = await siti.tap(KTP)
    assert gender["text"] == GENDER_KTP
    assert siti.buttons(gender) == ["Laki-laki", "Perempuan", BACK, CANCEL]
    [age] = await siti.tap("Perempuan")
    assert (age["text"], siti.buttons(age)) == (AGE, [BACK, CANCEL])
    [education] = await siti.send("34")
    assert education["text"] == "Pendidikan terakhir Bapak/Ibu?"
    assert siti.buttons(education) == [
        "SD",
        "SMP",
        "SMA",
        "D1-D3",
        "D4/S1",
        "S2",
        "S3",
        "Tidak sekolah",
        BACK,
        CANCEL,
    ]
    [occupation] = await siti.tap("D4/S1")
    assert occupation["text"] == "Pekerjaan utama Bapak/Ibu?"
    assert siti.buttons(occupation) == [
        "PNS",
        "TNI",
        "POLRI",
        "Swasta",
        "Wirausaha",
        "Pelajar/Mahasiswa",
        "Lainnya",
        BACK,
        CANCEL,
    ]
    await siti.tap("PNS")
    answers = {
        "persyaratan": 4,
        "prosedur": 3,
        "waktu": 2,
        "biaya": 4,
        "produk": 1,
        "kompetensi": 3,
        "perilaku": 4,
        "sarana": 2,
        "pengaduan": 3,
    }
    await answer_questions(siti, answers)
    assert siti.last()["text"] == SARAN
    assert siti.buttons() == ["Lewati", BACK, CANCEL]
    [summary] = await siti.send("Antrean lebih tertib")
    assert summary["text"] == "\n".join(
        [
            "Mohon periksa jawaban Bapak/Ibu:",
            "Layanan: Pengantar KTP-el dan KK",
            "Jenis kelamin: Perempuan",
            "Usia: 34 tahun",
            "Pendidikan: D4/S1",
            "Pekerjaan: PNS",
            "1. Persyaratan: Sangat sesuai",
            "2. Sistem, Mekanisme, dan Prosedur: Mudah",
            "3. Waktu Penyelesaian: Kurang cepat",
            "4. Biaya/Tarif: Gratis",
            "5. Produk Spesifikasi Jenis Pelayanan: Tidak sesuai",
            "6. Kompetensi Pelaksana: Kompeten",
            "7. Perilaku Pelaksana: Sangat sopan dan ramah",
            "8. Sarana dan Prasarana: Cukup",
            "9. Penanganan Pengaduan, Saran dan Masukan: Berfungsi kurang maksimal",
            "Saran: Antrean lebih tertib",
            "",
            "Tekan Kirim untuk mengirim survei.",
        ]
    )
    assert siti.buttons(summary) == ["Kirim", "Ubah jawaban", BACK, CANCEL]
    shown = await siti.tap("Kirim")
    assert shown[-1]["text"] == THANKS
    assert "Isi survei kepuasan" in siti.buttons(shown[-1])  # the main menu again
    assert siti.buttons(shown[0]) == []  # the summary loses its buttons once sent

    [row] = await stored_responses(bot)
    assert {key: getattr(row, key) for key in UNSUR_KEYS} == answers
    assert (row.service, row.channel, row.gender, row.age) == ("KTP", "chat", "P", 34)
    assert (row.education, row.occupation, row.saran) == ("D4/S1", "PNS", "Antrean lebih tertib")
    # The harness clock: Monday 2025-02-17 02:00 UTC = 09:00 WIB.
    assert (row.local_date, row.time_slot) == (date(2025, 2, 17), "08.00-12.00")
    assert row.answered_at == bot.clock.now and row.resident_id is not None
    assert row.import_key is None
    assert "survey" not in bot.application.user_data[siti.user_id]
    # No score is ever shown to the resident.
    assert not any("IKM" in m.get("text", "") or "mutu" in m.get("text", "") for m in siti.inbox())


@pytest.mark.parametrize("number", range(1, 10), ids=[u.key for u in UNSUR])
async def test_each_question_has_its_progress_mark_and_the_regulation_wording(
    bot: BotHarness, number: int
) -> None:
    siti = bot.person()
    await to_question_one(siti)
    for unsur in UNSUR[: number - 1]:
        await siti.tap(unsur.option(3))
    message = siti.last()
    assert message["text"] == question_text(number)
    assert siti.buttons(message) == [*UNSUR[number - 1].options, BACK, CANCEL]
    data = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    key = UNSUR[number - 1].key
    assert data == [
        *(f"s:{key}:{score}" for score in range(1, 5)),
        f"s:{key}:back",
        f"s:{key}:cancel",
    ]


async def test_questions_edit_one_message_so_the_chat_stays_short(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    before = len(siti.inbox())
    await answer_questions(siti, ALL_THREE)
    assert len(siti.inbox()) == before


async def test_the_qr_deep_link_starts_with_the_service_chosen(bot: BotHarness) -> None:
    siti = bot.person()
    [first] = await siti.send("/start skm_KTP")
    assert first["text"] == GENDER_KTP
    await siti.tap("Laki-laki")
    await siti.send("61")
    await siti.tap("SD")
    await siti.tap("Lainnya")
    await answer_questions(siti, dict.fromkeys(UNSUR_KEYS, 4))
    await siti.tap("Lewati")
    await siti.tap("Kirim")
    [row] = await stored_responses(bot)
    assert (row.service, row.gender, row.age, row.occupation) == ("KTP", "L", 61, "LAINNYA")
    assert row.saran is None


async def test_a_deep_link_with_an_unknown_service_says_so_and_offers_the_list(
    bot: BotHarness,
) -> None:
    siti = bot.person()
    [first] = await siti.send("/start skm_PASPOR")
    assert first["text"] == f'Maaf, kode layanan "PASPOR" tidak kami kenal.\n\n{CHOOSE_SERVICE}'
    assert siti.buttons(first) == [*SERVICES, CANCEL]
    [gender] = await siti.tap("Legalisasi dokumen")
    assert gender["text"] == "Layanan: Legalisasi dokumen\n\nJenis kelamin Bapak/Ibu?"


async def test_service_codes_are_read_in_any_case(bot: BotHarness) -> None:
    siti = bot.person()
    [first] = await siti.send("/start skm_ktp")
    assert first["text"] == GENDER_KTP
    await siti.send("/batal")
    [choose] = await siti.send("/survei")
    [gender] = await siti.tap_data("s:service:legal", message=choose)
    assert gender["text"] == "Layanan: Legalisasi dokumen\n\nJenis kelamin Bapak/Ibu?"
    assert draft(bot, siti)["service"] == "LEGAL"


async def test_plain_start_still_greets_with_the_menu(bot: BotHarness) -> None:
    [greeting] = await bot.person().send("/start")
    assert greeting["text"].startswith("Selamat datang")


async def test_the_menu_button_starts_the_survey(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/start")
    [first] = await siti.tap("Isi survei kepuasan")
    assert first["text"] == CHOOSE_SERVICE


# --- going back and changing answers --------------------------------------------------------


async def test_every_step_has_a_way_back(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await siti.tap("Sesuai")
    [back] = await siti.tap(BACK)
    assert back["text"] == question_text(1) + "\nJawaban sebelumnya: Sesuai"
    [back] = await siti.tap(BACK)
    assert back["text"] == "Pekerjaan utama Bapak/Ibu?"
    await siti.tap(BACK)
    [back] = await siti.tap(BACK)
    assert back["text"] == AGE
    [back] = await siti.tap(BACK)
    assert back["text"] == GENDER_KTP
    [back] = await siti.tap(BACK)
    assert back["text"] == CHOOSE_SERVICE
    # Going forward again keeps what was answered.
    await siti.tap(KTP)
    await siti.tap("Perempuan")
    await siti.send("34")
    await siti.tap("SMA")
    [question] = await siti.tap("Wirausaha")
    assert question["text"] == question_text(1) + "\nJawaban sebelumnya: Sesuai"


async def test_change_one_answer_from_the_summary(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    await siti.tap("Lewati")
    [choose] = await siti.tap("Ubah jawaban")
    assert choose["text"] == "Jawaban mana yang ingin Bapak/Ibu ubah?"
    assert siti.buttons(choose)[:6] == [
        "Layanan",
        "Jenis kelamin",
        "Usia",
        "Pendidikan",
        "Pekerjaan",
        "1. Persyaratan",
    ]
    assert siti.buttons(choose)[-3:] == ["Saran", BACK, CANCEL]
    [question] = await siti.tap("3. Waktu Penyelesaian")
    assert question["text"] == question_text(3) + "\nJawaban sebelumnya: Cepat"
    [summary] = await siti.tap("Sangat cepat")
    assert "3. Waktu Penyelesaian: Sangat cepat" in summary["text"]
    await siti.tap("Ubah jawaban")
    await siti.tap("Usia")
    [summary] = await siti.send("35")
    assert "Usia: 35 tahun" in summary["text"]
    await siti.tap("Kirim")
    [row] = await stored_responses(bot)
    assert (row.waktu, row.persyaratan, row.age) == (4, 3, 35)


async def test_back_from_the_summary_returns_to_the_suggestion(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    await siti.tap("Lewati")
    [saran] = await siti.tap(BACK)
    assert saran["text"] == SARAN
    [summary] = await siti.send("Ruang tunggu panas")
    assert "Saran: Ruang tunggu panas" in summary["text"]


# --- bad input: a clear answer, and nothing lost --------------------------------------------


async def at_question_four(bot: BotHarness) -> Person:
    siti = bot.person()
    await to_question_one(siti)
    for unsur in UNSUR[:3]:
        await siti.tap(unsur.option(2))
    return siti


async def test_typed_text_instead_of_a_button(bot: BotHarness) -> None:
    siti = await at_question_four(bot)
    [hint] = await siti.send("murah sekali")
    assert hint["text"] == f"{USE_BUTTONS}\n\n{question_text(4)}"
    assert siti.buttons(hint) == [*UNSUR[3].options, BACK, CANCEL]
    [next_question] = await siti.tap("Gratis")
    assert next_question["text"] == question_text(5)
    assert draft(bot, siti)["answers"] == {"persyaratan": 2, "prosedur": 2, "waktu": 2, "biaya": 4}


@pytest.mark.parametrize(
    "typed", ["tiga puluh", "14", "101", "0", "-5", "35,5", "３５"], ids=lambda text: text
)
async def test_an_age_that_is_not_a_number_from_15_to_100(bot: BotHarness, typed: str) -> None:
    siti = bot.person()
    await siti.send("/start skm_KTP")
    await siti.tap("Perempuan")
    [hint] = await siti.send(typed)
    assert hint["text"] == f"{AGE_INVALID}\n\n{AGE}"
    assert siti.buttons(hint) == [BACK, CANCEL]
    assert draft(bot, siti)["step"] == "age"
    [education] = await siti.send("15")
    assert education["text"] == "Pendidikan terakhir Bapak/Ibu?"
    assert draft(bot, siti)["age"] == 15


@pytest.mark.parametrize(
    ("where", "send", "expected"),
    [
        ("question", "sticker", f"{NOT_TEXT}\n{USE_BUTTONS}\n\n{question_text(1)}"),
        ("question", "photo", f"{NOT_TEXT}\n{USE_BUTTONS}\n\n{question_text(1)}"),
        ("question", "voice", f"{NOT_TEXT}\n{USE_BUTTONS}\n\n{question_text(1)}"),
        ("age", "sticker", f"{AGE_TEXT_ONLY}\n\n{AGE}"),
        ("age", "photo", f"{AGE_TEXT_ONLY}\n\n{AGE}"),
        ("age", "voice", f"{AGE_TEXT_ONLY}\n\n{AGE}"),
        ("saran", "sticker", f"{SARAN_HINT}\n\n{SARAN}"),
        ("saran", "voice", f"{SARAN_HINT}\n\n{SARAN}"),
        ("saran", "location", f"{SARAN_HINT}\n\n{SARAN}"),
    ],
    ids=lambda value: str(value),
)
async def test_a_sticker_or_a_photo_mid_survey(
    bot: BotHarness, where: str, send: str, expected: str
) -> None:
    siti = bot.person()
    if where == "age":
        await siti.send("/start skm_KTP")
        await siti.tap("Perempuan")
    else:
        await to_question_one(siti)
    if where == "saran":
        await answer_questions(siti, ALL_THREE)
    before = draft(bot, siti)
    action = {
        "sticker": siti.send_sticker,
        "photo": siti.send_photo,
        "voice": siti.send_voice,
        "location": lambda: siti.send_location(-8.23, 113.65),
    }[send]
    [hint] = await action()
    assert hint["text"] == expected
    assert siti.buttons(hint)[-2:] == [BACK, CANCEL]  # and the step's own buttons above
    assert draft(bot, siti) == before


async def test_a_button_of_an_earlier_question_changes_nothing(bot: BotHarness) -> None:
    siti = await at_question_four(bot)
    before = draft(bot, siti)
    message = siti.last()
    for old in ("s:persyaratan:4", "s:gender:L", "s:service:LEGAL", "s:confirm:send"):
        assert await siti.tap_data(old, message=message) == []
        assert last_toast(bot) == OLD_BUTTON
    assert draft(bot, siti) == before
    [next_question] = await siti.tap("Murah")
    assert next_question["text"] == question_text(5)


@pytest.mark.parametrize(
    "forged",
    ["s:biaya:9", "s:biaya:0", "s:biaya:", "s:biaya:skip", "s:biaya:4:extra"],
    ids=lambda data: data,
)
async def test_forged_callback_data_on_the_current_question(bot: BotHarness, forged: str) -> None:
    siti = await at_question_four(bot)
    before = draft(bot, siti)
    assert await siti.tap_data(forged, message=siti.last()) == []
    assert last_toast(bot) == INVALID_BUTTON
    assert draft(bot, siti) == before


@pytest.mark.parametrize(
    ("step_of", "forged"),
    [
        ("service", "s:service:PASPOR"),
        ("gender", "s:gender:X"),
        ("education", "s:education:SMA; DROP TABLE"),
        ("occupation", "s:occupation:"),
    ],
    ids=lambda value: value,
)
async def test_forged_choices_of_the_profile(bot: BotHarness, step_of: str, forged: str) -> None:
    siti = bot.person()
    await siti.send("/survei")
    steps = {"gender": [KTP], "education": [KTP, "Perempuan"], "occupation": [KTP, "Perempuan"]}
    for label in steps.get(step_of, []):
        await siti.tap(label)
    if step_of in ("education", "occupation"):
        await siti.send("40")
    if step_of == "occupation":
        await siti.tap("SMA")
    assert draft(bot, siti)["step"] == step_of
    before = draft(bot, siti)
    assert await siti.tap_data(forged, message=siti.last()) == []
    assert last_toast(bot) == INVALID_BUTTON
    assert draft(bot, siti) == before


STALE = "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."


@pytest.mark.parametrize(
    ("garbage", "toast"),
    [("s:", INVALID_BUTTON), ("s:nothing:1", OLD_BUTTON), ("x" * 60, STALE), ("menu:help", STALE)],
    ids=["empty", "unknown-step", "junk", "other-menu"],
)
async def test_garbage_callback_data_mid_survey_is_refused_politely(
    bot: BotHarness, garbage: str, toast: str
) -> None:
    siti = await at_question_four(bot)
    before = draft(bot, siti)
    assert await siti.tap_data(garbage, message=siti.last()) == []
    assert last_toast(bot) == toast
    assert draft(bot, siti) == before


async def test_survei_again_during_a_survey_resumes_it(bot: BotHarness) -> None:
    siti = await at_question_four(bot)
    for again in ("/survei", "/start skm_LEGAL"):
        [resumed] = await siti.send(again)
        assert resumed["text"] == f"{IN_PROGRESS}\n\n{question_text(4)}"
    assert draft(bot, siti)["service"] == "KTP"
    [again] = await siti.send("/start")  # the question again, with its buttons
    assert again["text"] == f"{IN_PROGRESS}\n\n{question_text(4)}"
    assert siti.buttons(again) == [*UNSUR[3].options, BACK, CANCEL]
    [next_question] = await siti.tap("Gratis")
    assert next_question["text"] == question_text(5)
    assert draft(bot, siti)["answers"]["prosedur"] == 2


async def test_the_menu_button_during_a_survey_resumes_it(bot: BotHarness) -> None:
    siti = bot.person()
    [menu] = await siti.send("/start")
    await siti.tap("Isi survei kepuasan")
    await siti.tap(KTP)
    [resumed] = await siti.tap("Isi survei kepuasan", message=menu)
    assert resumed["text"] == f"{IN_PROGRESS}\n\n{GENDER_KTP}"


async def test_a_button_of_a_finished_survey_is_stale(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    old_question = siti.last()
    await answer_questions(siti, ALL_THREE)
    await siti.tap("Lewati")
    await siti.tap("Kirim")
    [menu] = await siti.tap_data("s:waktu:1", message=old_question)
    assert last_toast(bot) == "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."
    assert menu["text"] == "Silakan pilih layanan di bawah ini, Bapak/Ibu."
    assert len(await stored_responses(bot)) == 1


async def test_a_suggestion_that_is_too_long(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    too_long = (
        "Saran terlalu panjang. Mohon ringkas menjadi paling banyak 1.000 huruf "
        "(satu emoji dihitung 2 huruf)."
    )
    [hint] = await siti.send("a" * 1001)
    assert hint["text"] == too_long
    [hint] = await siti.send("👍" * 501)
    assert hint["text"] == too_long
    [summary] = await siti.send("b" * 1000)
    assert summary["text"].startswith("Mohon periksa jawaban")


async def test_cancel_drops_the_draft_and_stores_nothing(bot: BotHarness) -> None:
    siti = await at_question_four(bot)
    [cancelled] = await siti.send("/batal")
    assert cancelled["text"] == "Baik, isian dihentikan. Data yang belum dikirim tidak disimpan."
    assert draft(bot, siti) == {}
    assert await stored_responses(bot) == []


# --- one response per resident per service per day ------------------------------------------


async def test_a_second_answer_on_the_same_day_is_refused_kindly(bot: BotHarness) -> None:
    siti = bot.person()
    await complete(siti)
    [refused] = await siti.send("/start skm_KTP")
    assert refused["text"] == f"{ALREADY}\n\n{CHOOSE_SERVICE}"
    await siti.send("/batal")
    await siti.send("/survei")
    [refused] = await siti.tap(KTP)
    assert refused["text"] == f"{ALREADY}\n\n{CHOOSE_SERVICE}"
    [other] = await siti.tap("Surat keterangan")  # another service is fine the same day
    assert other["text"] == "Layanan: Surat keterangan\n\nJenis kelamin Bapak/Ibu?"
    await siti.send("/batal")

    bot.clock.advance(days=1)
    shown = await complete(siti)
    assert shown[-1]["text"] == THANKS
    assert [row.local_date for row in await stored_responses(bot)] == [
        date(2025, 2, 17),
        date(2025, 2, 18),
    ]


async def test_the_day_is_the_kecamatan_day(bot: BotHarness) -> None:
    """23:30 WIB and 00:30 WIB the next morning are two days, though one UTC date."""
    bot.clock.now = bot.clock.now.replace(hour=16, minute=30)  # 23:30 WIB
    siti = bot.person()
    await complete(siti)
    bot.clock.advance(hours=1)
    shown = await complete(siti)
    assert shown[-1]["text"] == THANKS
    rows = await stored_responses(bot)
    assert [(r.local_date, r.time_slot) for r in rows] == [
        (date(2025, 2, 17), "luar"),
        (date(2025, 2, 18), "luar"),
    ]


async def test_the_limit_is_checked_again_when_sending(bot: BotHarness) -> None:
    """Answers already given today (here: from an earlier survey left on another device)
    stop the send; the resident picks the right service and loses nothing."""
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    await siti.tap("Lewati")
    async with services_of(bot.application).database.transaction() as session:
        await surveys.record_chat_response(
            session,
            person=siti.user_id,
            answers=to_answers(draft(bot, siti)),
            answered_at=bot.clock.now,
            tz=bot.config.kecamatan.tz,
            daily_limit=1,
        )
    other = siti
    shown = await other.tap("Kirim")
    assert shown[-1]["text"] == f"{ALREADY}\n\n{CHOOSE_SERVICE}"
    [summary] = await other.tap("Surat keterangan")
    assert summary["text"].startswith("Mohon periksa jawaban Bapak/Ibu:\nLayanan: Surat keterangan")
    shown = await other.tap("Kirim")
    assert shown[-1]["text"] == THANKS
    assert [row.service for row in await stored_responses(bot)] == ["KTP", "SKET"]


@pytest.fixture
async def unlimited(database_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(make_config(database_url, survey={"daily_limit_per_service": 0}))
    await harness.start()
    yield harness
    await harness.stop()


async def test_no_daily_limit_when_configured_so(unlimited: BotHarness) -> None:
    siti = unlimited.person()
    await complete(siti)
    shown = await complete(siti)
    assert shown[-1]["text"] == THANKS
    assert len(await stored_responses(unlimited)) == 2


# --- durability and the numbers -------------------------------------------------------------


async def test_a_crash_mid_survey_resumes_at_the_same_question(bot: BotHarness) -> None:
    siti = await at_question_four(bot)
    await bot.restart_after_crash()
    siti = bot.person()
    assert siti.last()["text"] == question_text(4)
    [next_question] = await siti.tap("Murah")
    assert next_question["text"] == question_text(5)
    await bot.restart_after_crash()
    siti = bot.person()
    for unsur in UNSUR[4:]:
        await siti.tap(unsur.option(1))
    await siti.tap("Lewati")
    await bot.restart_after_crash()
    shown = await bot.person().tap("Kirim")
    assert shown[-1]["text"] == THANKS
    [row] = await stored_responses(bot)
    expected = {key: 2 for key in UNSUR_KEYS[:3]} | {"biaya": 3}
    expected |= {key: 1 for key in UNSUR_KEYS[4:]}
    assert {key: getattr(row, key) for key in UNSUR_KEYS} == expected
    assert (row.gender, row.age, row.education, row.occupation) == ("P", 34, "SMA", "WIRAUSAHA")


EXPIRED = (
    "Isian Bapak/Ibu kami tutup karena tidak ada balasan selama 30 menit. "
    "Ketik /start untuk mulai lagi."
)
APOLOGY = (
    "Maaf, sedang ada gangguan. Silakan coba lagi sebentar lagi. Isian Bapak/Ibu tidak hilang."
)


async def to_summary(person: Person) -> None:
    await to_question_one(person)
    await answer_questions(person, ALL_THREE)
    await person.tap("Lewati")


async def test_a_server_error_on_the_thanks_is_tried_once_more(bot: BotHarness) -> None:
    siti = bot.person()
    await to_summary(siti)
    bot.api.fail_next("sendMessage", status=500, description="Internal Server Error")
    shown = await siti.tap("Kirim")
    assert [m["text"] for m in shown if m["text"] in (THANKS, APOLOGY)] == [THANKS]
    assert len(await stored_responses(bot)) == 1


async def test_a_survey_whose_thanks_never_arrived_is_not_closed_for_inactivity(
    bot: BotHarness,
) -> None:
    """The response was stored, the thanks failed, and the dialogue stayed open: half an hour
    later the resident was told their answers were dropped."""
    siti = bot.person()
    await to_summary(siti)
    bot.api.fail_next("sendMessage", status=500, description="Internal Server Error", times=2)
    [apology] = [m for m in await siti.tap("Kirim") if m["text"] == APOLOGY]
    bot.clock.advance(hours=5)  # past the reminder
    await jobs.sweep_idle(bot.context())
    bot.clock.advance(days=3)  # past the end of a draft
    await jobs.sweep_idle(bot.context())
    assert siti.last() == apology
    assert len(await stored_responses(bot)) == 1
    await bot.restart_after_crash()
    await jobs.sweep_idle(bot.context())
    assert bot.person().last() == apology


async def test_a_slow_resident_is_not_closed_for_inactivity_after_a_restart(
    bot: BotHarness,
) -> None:
    """Each question keeps the dialogue's state, so its row kept the time of the first one:
    after a restart, the sweep took a resident answering every five minutes for idle (now: a
    resident answering every hour would be reminded as if silent for hours)."""
    siti = bot.person()
    await to_question_one(siti)
    for unsur in UNSUR[:8]:
        bot.clock.advance(hours=1)
        await siti.tap(unsur.option(3))
    await bot.restart_after_crash()
    bot.clock.advance(minutes=1)
    await jobs.sweep_idle(bot.context())
    siti = bot.person()
    assert siti.last()["text"] == question_text(9)
    [saran] = await siti.tap(UNSUR[8].option(3))
    assert saran["text"] == SARAN


async def test_kirim_again_after_a_kill_stores_the_survey_once(
    unlimited: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored, then killed before the end was saved: with no daily limit to stop it, the
    second "Kirim" stored a second response."""
    siti = unlimited.person()
    await to_summary(siti)
    summary = siti.last()
    kill_at_next_step_save(monkeypatch)
    with pytest.raises(Killed):
        await siti.tap("Kirim")
    await unlimited.restart_after_crash()
    siti = unlimited.person()
    shown = await siti.tap_data("s:confirm:send", message=summary)
    assert shown[-1]["text"] == THANKS
    assert len(await stored_responses(unlimited)) == 1
    shown = await complete(siti)  # a new survey is a new response
    assert shown[-1]["text"] == THANKS
    assert len(await stored_responses(unlimited)) == 2


async def test_a_crash_while_typing_the_age_resumes_there(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/start skm_KTP")
    await siti.tap("Laki-laki")
    await bot.restart_after_crash()
    [education] = await bot.person().send("52")
    assert education["text"] == "Pendidikan terakhir Bapak/Ibu?"


async def test_many_residents_give_exactly_the_regulation_index(bot: BotHarness) -> None:
    chooser = random.Random(2017)
    sheets = [{key: chooser.randint(1, 4) for key in UNSUR_KEYS} for _ in range(13)]
    for number, sheet in enumerate(sheets):
        await complete(bot.person(7_000_000 + number), sheet)
    expected = score_responses(sheets)
    assert expected is not None

    period = date_range(date(2025, 1, 1), date(2025, 2, 17))
    report = await build_report(
        services_of(bot.application).database, bot.config, period, bot.clock.now
    )
    skm = report_json(report)["skm"]
    assert skm["respondents"] == 13
    assert skm["ikm"] == expected.ikm
    assert skm["ikm_converted"] == expected.ikm_converted
    assert (skm["mutu"], skm["kinerja"]) == (expected.mutu, expected.kinerja)
    for key in UNSUR_KEYS:
        assert skm["unsur"][key]["total"] == sum(sheet[key] for sheet in sheets)
        assert skm["unsur"][key]["nrr"] == expected.unsur[key].nrr
    assert skm["sample"] == {"population": None, "required": None, "reached": None}


async def test_english_speakers_read_the_ui_in_english_and_the_form_in_indonesian(
    bot: BotHarness,
) -> None:
    john = bot.person(4321, first_name="John", language_code="en")
    await john.send("/bahasa en")
    await john.send("/start skm_KTP")
    [age] = await john.tap("Laki-laki")
    assert age["text"] == "How old are you? Just type the number, for example 35."
    assert john.buttons(age) == ["⬅️ Back", "❌ Cancel"]
    await john.send("40")
    await john.tap("S2")
    [question] = await john.tap("PNS")
    assert question["text"] == f"Question 1 of 9\n{UNSUR[0].question}"
    assert john.buttons(question) == [*UNSUR[0].options, "⬅️ Back", "❌ Cancel"]


# --- officials: service users per month -----------------------------------------------------


async def test_the_camat_records_service_users_and_the_report_compares_the_sample(
    bot: BotHarness,
) -> None:
    camat = bot.person(CAMAT_ID, first_name="Camat")
    [done] = await camat.send("/populasi 2025-02 KTP 1.200")
    assert done["text"] == (
        "Tercatat: 1.200 pengguna layanan Pengantar KTP-el dan KK pada Februari 2025. "
        "Sampel minimal untuk jumlah itu: 291 responden."
    )
    await bot.person(SEKCAM_ID, first_name="Sekcam").send("/populasi 2025-01 LEGAL 100")
    [replaced] = await camat.send("/populasi 2025-02 KTP 1000")
    assert replaced["text"].endswith("278 responden.")
    await complete(bot.person())

    database = services_of(bot.application).database
    async with database.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(SurveyPopulation))
    assert rows == 2
    february = date_range(date(2025, 2, 1), date(2025, 2, 17))
    skm = report_json(await build_report(database, bot.config, february, bot.clock.now))["skm"]
    assert skm["sample"] == {"population": 1000, "required": 278, "reached": False}
    both = date_range(date(2025, 1, 15), date(2025, 2, 17))
    skm = report_json(await build_report(database, bot.config, both, bot.clock.now))["skm"]
    assert skm["sample"]["population"] == 1100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/populasi",
            "Cara memakai: /populasi BULAN KODE JUMLAH\nContoh: /populasi 2025-02 KTP 250\n"
            "Kode layanan: KTP, SKET, LEGAL, REKOM, IUMK, RAMAI, NIKAH, LAIN",
        ),
        ("/populasi Januari KTP 10", 'Bulan "Januari" tidak dikenal. Tulis seperti 2025-01.'),
        ("/populasi 2025-13 KTP 10", 'Bulan "2025-13" tidak dikenal. Tulis seperti 2025-01.'),
        ("/populasi 2025-03 KTP 10", "Bulan 2025-03 belum berjalan."),
        (
            "/populasi 2025-01 PASPOR 10",
            'Kode layanan "PASPOR" tidak dikenal. Kode layanan: KTP, SKET, LEGAL, REKOM, IUMK, '
            "RAMAI, NIKAH, LAIN",
        ),
        (
            "/populasi 2025-01 KTP nol",
            'Jumlah "nol" harus bilangan bulat dari 1 sampai 10.000.000.',
        ),
        ("/populasi 2025-01 KTP 0", 'Jumlah "0" harus bilangan bulat dari 1 sampai 10.000.000.'),
    ],
    ids=["no-args", "month-name", "month-13", "future", "service", "count-word", "count-0"],
)
async def test_populasi_explains_what_is_wrong(bot: BotHarness, text: str, expected: str) -> None:
    [answer] = await bot.person(CAMAT_ID, first_name="Camat").send(text)
    assert answer["text"] == expected


@pytest.mark.parametrize("who", [5550001, TRANTIB_ID], ids=["resident", "trantib"])
async def test_populasi_is_for_the_camat_and_sekcam_only(bot: BotHarness, who: int) -> None:
    [refused] = await bot.person(who).send("/populasi 2025-01 KTP 250")
    assert refused["text"] == "Maaf, perintah ini khusus untuk Camat dan Sekretaris Kecamatan."
    async with services_of(bot.application).database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyPopulation)) == 0


async def test_nothing_is_thanked_or_lost_when_the_database_fails(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    await siti.tap("Lewati")
    real = surveys.record_chat_response

    async def broken(*args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("database went away")

    monkeypatch.setattr(surveys, "record_chat_response", broken)
    shown = await siti.tap("Kirim")
    assert [m["text"] for m in shown] == [
        "Maaf, sedang ada gangguan. Silakan coba lagi sebentar lagi. Isian Bapak/Ibu tidak hilang."
    ]
    assert draft(bot, siti)["step"] == "confirm"
    monkeypatch.setattr(surveys, "record_chat_response", real)
    shown = await siti.tap("Kirim")
    assert shown[-1]["text"] == THANKS
    assert len(await stored_responses(bot)) == 1


async def test_control_characters_are_stripped_from_the_saran(bot: BotHarness) -> None:
    siti = bot.person()
    shown = await complete(siti, saran="\x1b[32mAntrean\x00 lebih\x1b[0m tertib\x1b]0;x\x07")
    assert shown[-1]["text"] == THANKS
    [row] = await stored_responses(bot)
    assert row.saran == "Antrean lebih tertib"


# --- typed instead of tapped ----------------------------------------------------------------


async def test_the_whole_survey_can_be_typed(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("Isi survei")  # the menu entry, typed
    [gender] = await siti.send("pengantar ktp")
    assert gender["text"] == GENDER_KTP
    [age] = await siti.send("perempuan")
    assert age["text"] == AGE
    [education] = await siti.send("35 tahun")
    assert education["text"] == "Pendidikan terakhir Bapak/Ibu?"
    await siti.send("sma")
    [question] = await siti.send("wira")
    assert question["text"] == question_text(1)
    typed = {
        "persyaratan": "Sesuai",
        "prosedur": "sangat",
        "waktu": "1",
        "biaya": "gratis",
        "produk": "4",
        "kompetensi": "kompeten",
        "perilaku": "Sopan dan ramah",
        "sarana": "cukup",
        "pengaduan": "2",
    }
    for unsur in UNSUR:
        await siti.send(typed[unsur.key])
    assert siti.last()["text"] == SARAN
    [summary] = await siti.send("lewati")
    assert summary["text"].startswith("Mohon periksa jawaban Bapak/Ibu:")
    [thanks] = await siti.send("kirim")
    assert thanks["text"] == THANKS
    [row] = await stored_responses(bot)
    assert (row.service, row.gender, row.age, row.education, row.occupation) == (
        "KTP",
        "P",
        35,
        "SMA",
        "WIRAUSAHA",
    )
    assert {key: getattr(row, key) for key in UNSUR_KEYS} == {
        "persyaratan": 3,
        "prosedur": 4,
        "waktu": 1,
        "biaya": 4,
        "produk": 4,
        "kompetensi": 3,
        "perilaku": 3,
        "sarana": 2,
        "pengaduan": 2,
    }
    assert row.saran is None


@pytest.mark.parametrize("typed", ["35 th", "umur 35", "Umur saya 35 tahun", "35th."])
async def test_an_age_with_words_around_it(bot: BotHarness, typed: str) -> None:
    siti = bot.person()
    await siti.send("/start skm_KTP")
    await siti.tap("Perempuan")
    [education] = await siti.send(typed)
    assert education["text"] == "Pendidikan terakhir Bapak/Ibu?"
    assert draft(bot, siti)["age"] == 35


async def test_kembali_typed_at_the_age_goes_back(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/start skm_KTP")
    await siti.tap("Perempuan")
    [gender] = await siti.send("kembali")
    assert gender["text"] == GENDER_KTP
    assert draft(bot, siti)["step"] == "gender"


# --- the suggestion is kept -----------------------------------------------------------------

SARAN_AGAIN = (
    "Saran Bapak/Ibu sebelumnya:\n«Antrean lebih tertib»\n\nKetik saran baru untuk "
    "menggantinya, tekan Lewati untuk tetap memakai saran ini, atau Hapus saran."
)
CLEAR_SARAN = "🗑️ Hapus saran"


async def test_going_back_to_the_suggestion_shows_it_and_lewati_keeps_it(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    await siti.send("Antrean lebih tertib")
    [saran] = await siti.tap(BACK)
    assert saran["text"] == SARAN_AGAIN
    assert siti.buttons(saran) == ["Lewati", CLEAR_SARAN, BACK, CANCEL]
    [summary] = await siti.tap("Lewati")
    assert "Saran: Antrean lebih tertib" in summary["text"]

    await siti.tap("Ubah jawaban")
    [saran] = await siti.tap("Saran")
    assert saran["text"] == SARAN_AGAIN
    [summary] = await siti.send("Ruang tunggu panas")
    assert "Saran: Ruang tunggu panas" in summary["text"]
    await siti.tap("Kirim")
    [row] = await stored_responses(bot)
    assert row.saran == "Ruang tunggu panas"


async def test_hapus_saran_removes_the_suggestion(bot: BotHarness) -> None:
    siti = bot.person()
    await to_question_one(siti)
    await answer_questions(siti, ALL_THREE)
    await siti.send("Antrean lebih tertib")
    await siti.tap("Ubah jawaban")
    await siti.tap("Saran")
    [summary] = await siti.tap(CLEAR_SARAN)
    assert "Saran: (tidak ada)" in summary["text"]
    [saran] = await siti.tap(BACK)
    assert (saran["text"], siti.buttons(saran)) == (SARAN, ["Lewati", BACK, CANCEL])
    await siti.tap("Lewati")
    await siti.tap("Kirim")
    [row] = await stored_responses(bot)
    assert row.saran is None


# --- Batal on every step ------------------------------------------------------------------

QUIT = "Hapus survei ini? Jawaban yang sudah Bapak/Ibu isi tidak akan disimpan."
CANCELLED = "Baik, isian dihentikan. Data yang belum dikirim tidak disimpan."


async def test_batal_on_the_service_list_ends_at_once(bot: BotHarness) -> None:
    siti = bot.person()
    [first] = await siti.send("/survei")
    assert BACK not in siti.buttons(first)  # nothing before the first step
    [question, cancelled] = await siti.tap(CANCEL)
    assert siti.buttons(question) == []  # its buttons are taken away
    assert cancelled["text"] == CANCELLED
    assert "Isi survei kepuasan" in siti.buttons(cancelled)
    assert "survey" not in bot.application.user_data[siti.user_id]


async def test_batal_with_answers_given_asks_first(bot: BotHarness) -> None:
    siti = await at_question_four(bot)
    [ask] = await siti.tap(CANCEL)
    assert (ask["text"], siti.buttons(ask)) == (
        QUIT,
        ["Ya, hapus survei ini", "Tidak, lanjutkan survei"],
    )
    [question] = await siti.tap("Tidak, lanjutkan survei")
    assert question["text"] == question_text(4)
    assert draft(bot, siti)["answers"] == {"persyaratan": 2, "prosedur": 2, "waktu": 2}
    await siti.tap(CANCEL)
    [cancelled] = await siti.send("ya")  # typed, as any choice may be
    assert cancelled["text"] == CANCELLED
    assert "survey" not in bot.application.user_data[siti.user_id]
    assert await stored_responses(bot) == []


# --- a survey left half-way ---------------------------------------------------------------


async def test_a_survey_left_half_way_is_reminded_then_named_when_discarded(
    bot: BotHarness,
) -> None:
    siti = await at_question_four(bot)
    bot.clock.advance(hours=4)
    await jobs.sweep_idle(bot.context())
    reminder = siti.last()
    assert reminder["text"] == (
        "Survei kepuasan untuk layanan «Pengantar KTP-el dan KK» yang belum dikirim masih kami "
        "simpan 2 hari lagi. Silakan lanjutkan dari pertanyaan terakhir di bawah ini, atau ketik "
        f"/batal untuk berhenti.\n\n{question_text(4)}"
    )
    assert siti.buttons(reminder) == [*UNSUR[3].options, BACK, CANCEL]
    bot.clock.advance(days=3)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"] == (
        "Survei kepuasan untuk layanan «Pengantar KTP-el dan KK» yang belum dikirim kami hapus "
        "karena tidak ada balasan selama 3 hari. Ketik /start untuk mulai lagi."
    )


async def test_a_reminder_after_a_hint_shows_the_question_without_the_hint(
    bot: BotHarness,
) -> None:
    siti = await at_question_four(bot)
    await siti.send("murah sekali")
    bot.clock.advance(hours=4)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"].endswith(f"berhenti.\n\n{question_text(4)}")
    assert USE_BUTTONS not in siti.last()["text"]
