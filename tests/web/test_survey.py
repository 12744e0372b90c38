"""``/skm``: the IKM of a period and of each service, the unsur, the respondents' profile and
their suggestions; the paper-form upload with the importer's row-by-row problems; the monthly
service users as ``/populasi``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import func, select

from bot.config import Config
from db import residents, surveys
from db.engine import Database
from db.models import SurveyPopulation, SurveyResponse
from i18n import catalog
from iku.format import format_number
from iku.periods import local_today
from iku.skm import UNSUR_BY_KEY, UNSUR_KEYS, skm_index
from iku.survey_forms import COLUMNS, PaperForm, SurveyAnswers
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")
RESIDENT = 5550123
RESIDENT_NAME = "Siti Rahmawati Resident"


def answers(value: int, last: int) -> dict[str, int]:
    return {**dict.fromkeys(UNSUR_KEYS, value), UNSUR_KEYS[-1]: last}


async def seed(client: WebClient) -> None:
    """Three paper forms for KTP (one with a suggestion) and one chat response for SKET from a
    named resident, who wrote a suggestion too."""
    services = client.services
    now = services.clock()
    tz = services.config.kecamatan.tz
    today = local_today(tz, now)
    forms = [
        PaperForm(
            SurveyAnswers("KTP", "L", 30, "SMA", "PNS", answers(4, 3), saran), today, None, f"k{n}"
        )
        for n, saran in enumerate(("Antrean perlu nomor urut", None, None))
    ]
    async with services.database.transaction() as session:
        await surveys.record_paper_forms(session, forms, tz, now)
        await residents.record_resident(
            session, person=RESIDENT, display_name=RESIDENT_NAME, language="id", seen_at=now
        )
        stored = await surveys.record_chat_response(
            session,
            person=RESIDENT,
            answers=SurveyAnswers(
                "SKET", "P", 70, "S1", "SWASTA", answers(2, 2), "Ruang tunggu panas"
            ),
            answered_at=now,
            tz=tz,
            daily_limit=0,
        )  # fmt: skip
        assert stored


async def test_the_ikm_unsur_services_profile_and_suggestions(client: WebClient) -> None:
    await seed(client)
    await signed_in(client, CAMAT_ID)
    response = await client.get("/skm")
    assert response.status_code == 200
    text = page_text(response.text)
    totals = {key: 3 * 4 + 2 for key in UNSUR_KEYS} | {UNSUR_KEYS[-1]: 3 * 3 + 2}
    result = skm_index(totals, 4)
    assert result is not None
    assert t("report.skm", index=format_number(result.ikm_converted, 2), mutu=result.mutu,
             kinerja=result.kinerja, respondents="4") in text  # fmt: skip
    assert t("web.skm.ikm_raw", ikm=format_number(result.ikm, 4)) in text
    # U1 in form order: total 14, NRR 3,5000, converted 87,50, grade B; the last unsur (U9,
    # the lowest) is the first priority, U1 (tied with U2-U8) the second.
    first = result.unsur[UNSUR_KEYS[0]]
    assert f"U1 {UNSUR_BY_KEY[UNSUR_KEYS[0]].name} 14 3,5000 87,50 {first.mutu} 2" in text
    assert f"U9 {UNSUR_BY_KEY[UNSUR_KEYS[-1]].name} 11 2,7500 68,75 C 1" in text
    ktp = skm_index(answers(12, 9), 3)
    assert ktp is not None
    assert (
        f"KTP · Pengantar KTP-el dan KK 3 {format_number(ktp.ikm_converted, 2)} {ktp.mutu}" in text
    )
    assert "LEGAL · Legalisasi dokumen 0 - " + t("report.no_data") in text
    # The profile: 3 men and a woman; 3 aged 25-34; 1 aged 65-100.
    assert "Laki-laki 3 75,00" in text
    assert "Perempuan 1 25,00" in text
    assert "25-34 3 75,00" in text
    assert "65-100 1 25,00" in text
    assert t("web.skm.suggestions_title", count="2") in text
    assert "Antrean perlu nomor urut" in text and "Ruang tunggu panas" in text
    assert RESIDENT_NAME not in response.text
    assert str(RESIDENT) not in response.text
    assert "k0" not in text.split()  # no import key


async def test_one_service_and_a_typed_period(client: WebClient) -> None:
    await seed(client)
    await signed_in(client, SEKCAM_ID)
    text = page_text((await client.get("/skm", params={"layanan": "sket"})).text)
    assert t("web.skm.heading_service", service="Surat keterangan", period="").strip() in text
    assert "Perempuan 1 100,00" in text
    assert "Ruang tunggu panas" in text and "Antrean perlu nomor urut" not in text
    empty = page_text((await client.get("/skm", params={"periode": "tahun lalu"})).text)
    assert t("web.skm.no_suggestions") in empty
    assert t("report.no_data") in empty
    today = local_today(client.services.config.kecamatan.tz, client.services.clock())
    from iku.periods import current_keys

    wrong = page_text((await client.get("/skm", params={"periode": "kemarin dulu"})).text)
    assert t("web.overview.bad_period", **current_keys(today)) in wrong


def form_file(rows: list[list[str]]) -> bytes:
    return "\n".join(";".join(row) for row in [list(COLUMNS), *rows]).encode()


def form_row(day: str, age: str, saran: str = "") -> list[str]:
    return [day, "09:00", "KTP", "L", age, "SMA", "PNS", *["4"] * len(UNSUR_KEYS), saran]


async def stored_forms(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


async def test_an_upload_with_a_wrong_row_names_it_and_stores_nothing(client: WebClient) -> None:
    csrf = await signed_in(client, CAMAT_ID)
    today = local_today(client.services.config.kecamatan.tz, client.services.clock()).isoformat()
    content = form_file([form_row(today, "30"), form_row(today, "4")])
    response = await client.post(
        "/skm/impor",
        data={"csrf": csrf},
        files={"berkas": ("formulir maret.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    text = page_text(response.text)
    problem = t("import.problem.age", value="4")
    assert t("import.row_problem", row=3, column="usia", problem=problem) in text
    assert t("web.skm.nothing_imported", errors="1", rows="1") in text
    assert await stored_forms(client.services.database) == 0
    # Skipping the wrong rows stores the right one, and says so.
    again = await client.post(
        "/skm/impor",
        data={"csrf": csrf, "lewati": "1"},
        files={"berkas": ("formulir maret.csv", content, "text/csv")},
    )
    assert again.status_code == 200
    assert t("import.done", file="formulir maret.csv", added="1", duplicates="0",
             skipped="1") in page_text(again.text)  # fmt: skip
    assert await stored_forms(client.services.database) == 1


async def test_a_good_upload_is_stored_once(client: WebClient) -> None:
    csrf = await signed_in(client, SEKCAM_ID)
    today = local_today(client.services.config.kecamatan.tz, client.services.clock()).isoformat()
    content = form_file([form_row(today, "30", "Bagus"), form_row(today, "41")])
    for added, duplicates in (("2", "0"), ("0", "2")):
        response = await client.post(
            "/skm/impor",
            data={"csrf": csrf},
            files={"berkas": ("skm.csv", content, "text/csv")},
        )
        assert response.status_code == 200
        assert t("import.done", file="skm.csv", added=added, duplicates=duplicates,
                 skipped="0") in page_text(response.text)  # fmt: skip
    assert await stored_forms(client.services.database) == 2


async def test_a_file_of_another_kind_or_too_big_is_refused(
    client: WebClient, config: Config
) -> None:
    csrf = await signed_in(client, CAMAT_ID)
    response = await client.post(
        "/skm/impor", data={"csrf": csrf}, files={"berkas": ("foto.jpg", b"\xff\xd8", "image/jpeg")}
    )
    assert response.status_code == 400
    assert t("table.wrong_type", file="foto.jpg") in page_text(response.text)
    big = b"x" * (config.survey.max_import_bytes + 10)
    response = await client.post(
        "/skm/impor", data={"csrf": csrf}, files={"berkas": ("besar.csv", big, "text/csv")}
    )
    assert response.status_code == 400
    limit = config.survey.max_import_bytes
    too_big = t(
        "table.too_big", file="besar.csv", size=format_number(limit + 1), limit=format_number(limit)
    )
    assert too_big in page_text(response.text)


async def test_the_service_users_are_recorded_as_populasi_does(client: WebClient) -> None:
    csrf = await signed_in(client, CAMAT_ID)
    today = local_today(client.services.config.kecamatan.tz, client.services.clock())
    month = today.strftime("%Y-%m")
    response = await client.post(
        "/skm/populasi", data={"csrf": csrf, "bulan": month, "kode": "KTP", "jumlah": "1.200"}
    )
    assert response.status_code == 200
    text = page_text(response.text)
    month_text = f"{t(f'months.m{today.month}')} {today.year}"
    assert t("population.recorded", count="1.200", service="Pengantar KTP-el dan KK",
             month=month_text, required="291") in text  # fmt: skip
    async with client.services.database.sessions() as session:
        row = (await session.scalars(select(SurveyPopulation))).one()
    assert (row.service, row.service_users, row.recorded_by) == (
        "KTP",
        1200,
        f"telegram:{CAMAT_ID}",
    )
    wrong = await client.post(
        "/skm/populasi", data={"csrf": csrf, "bulan": "2099-01", "kode": "KTP", "jumlah": "5"}
    )
    assert wrong.status_code == 400
    assert t("population.future_month", value="2099-01") in page_text(wrong.text)


async def test_pmks_and_trantib_read_the_survey_but_enter_nothing(client: WebClient) -> None:
    for user in (PMKS_ID, TRANTIB_ID):
        csrf = await signed_in(client, user)
        page = await client.get("/skm")
        assert page.status_code == 200
        assert t("web.skm.import_title") not in page_text(page.text)
        assert 'action="/skm/impor"' not in page.text
        refused = await client.post(
            "/skm/populasi", data={"csrf": csrf, "bulan": "2025-01", "kode": "KTP", "jumlah": "5"}
        )
        assert refused.status_code == 403
        assert t("web.error.not_allowed") in page_text(refused.text)
    async with client.services.database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyPopulation)) == 0


async def test_suggestions_come_a_page_at_a_time_newest_first(client: WebClient) -> None:
    services = client.services
    now: datetime = services.clock()
    tz = services.config.kecamatan.tz
    today = local_today(tz, now)
    forms = [
        PaperForm(
            SurveyAnswers("KTP", "L", 30, "SMA", "PNS", answers(4, 4), f"saran nomor {n:02d}"),
            today,
            None,
            f"s{n}",
        )
        for n in range(25)
    ]
    async with services.database.transaction() as session:
        await surveys.record_paper_forms(session, forms, tz, now)
    await signed_in(client, CAMAT_ID)
    first = page_text((await client.get("/skm")).text)
    assert "saran nomor 24" in first and "saran nomor 05" in first
    assert "saran nomor 04" not in first
    assert t("web.skm.page_of", page="1", pages="2") in first
    second = page_text((await client.get("/skm", params={"halaman": "2"})).text)
    assert "saran nomor 04" in second and "saran nomor 00" in second
    assert "saran nomor 05" not in second


async def test_an_upload_over_the_limit_is_refused_before_it_is_read(client: WebClient) -> None:
    """A body larger than ``[survey] max_import_bytes`` (plus a form's framing) gets 413 with
    the limit, whether its length is declared or it streams without one; nothing is stored."""
    csrf = await signed_in(client, CAMAT_ID)
    config = client.services.config
    limit = config.survey.max_import_bytes
    oversized = b"x" * (limit + 200_000)
    declared = await client.post(
        "/skm/impor",
        data={"csrf": csrf},
        files={"berkas": ("besar.csv", oversized, "text/csv")},
    )

    framed = (
        b'--x\r\nContent-Disposition: form-data; name="berkas"; filename="besar.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + oversized + b"\r\n--x--\r\n"
    )

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(framed), 65_536):
            yield framed[start : start + 65_536]

    streamed = await client.post(
        "/skm/impor",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=x", "X-CSRF-Token": csrf},
    )
    for response in (declared, streamed):
        assert response.status_code == 413
        assert t("web.error.too_large", limit=format_number(limit)) in page_text(response.text)
    assert await stored_forms(client.services.database) == 0
    # A file within the limit is still read (and refused for its content, not its size).
    small = await client.post(
        "/skm/impor",
        data={"csrf": csrf},
        files={"berkas": ("kecil.csv", b"x" * 1000, "text/csv")},
    )
    assert small.status_code == 400
