"""``/ekspor``: the CLI's workbooks and CSV file for a chosen period, under the CLI's rules (no
reporter's identity, rahasia content withheld, ";" CSV with a byte order mark), and only for
those who may read what they hold."""

from __future__ import annotations

import io

import openpyxl

from db import complaints, residents, surveys
from db.complaints import NewComplaint
from i18n import catalog
from iku.complaints import Channel, Privacy
from iku.periods import current_keys, local_today
from iku.skm import UNSUR_KEYS
from iku.survey_forms import PaperForm, SurveyAnswers
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")
REPORTER = 5550777
REPORTER_NAME = "Bambang Pelapor Rahasia"


async def seed(client: WebClient) -> list[str]:
    """A biasa complaint and a rahasia one, both from a named resident; two paper forms."""
    services = client.services
    config, now = services.config, services.clock()
    codes = []
    async with services.database.transaction() as session:
        await residents.record_resident(
            session, person=REPORTER, display_name=REPORTER_NAME, language="id", seen_at=now
        )
        for privacy, description in ((Privacy.BIASA, "Lampu jalan mati"),
                                     (Privacy.RAHASIA, "Bandar judi di gang tiga")):  # fmt: skip
            record = await complaints.record_complaint(
                session,
                NewComplaint(
                    channel=Channel.CHAT, category="Perjudian", desa="Ajung", place="gang tiga",
                    latitude=None, longitude=None, description=description, privacy=privacy,
                    reporter=REPORTER,
                ),
                prefix="TRB", rules=config.complaints.clock_rules, tz=config.kecamatan.tz,
                now=now,
            )  # fmt: skip
            codes.append(record.code)
        today = local_today(config.kecamatan.tz, now)
        forms = [
            PaperForm(
                SurveyAnswers("KTP", "P", 40, "SMA", "PNS", dict.fromkeys(UNSUR_KEYS, 3), saran),
                today,
                None,
                f"e{n}",
            )
            for n, saran in enumerate(("Pelayanan cepat", None))
        ]
        await surveys.record_paper_forms(session, forms, config.kecamatan.tz, now)
    return codes


async def test_the_register_as_csv_keeps_the_clis_rules(client: WebClient) -> None:
    codes = await seed(client)
    await signed_in(client, TRANTIB_ID)
    response = await client.get("/ekspor/laporan.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    year = local_today(client.services.config.kecamatan.tz, client.services.clock()).year
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="register-laporan-{year}-01-01_')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith(f'"{t("register.code")}";"{t("register.received")}')
    assert codes[0] in text and codes[1] in text
    assert "Lampu jalan mati" in text
    assert "Bandar judi" not in text
    assert t("register.withheld") in text
    assert REPORTER_NAME not in text and str(REPORTER) not in text
    comma = await client.get("/ekspor/laporan.csv", params={"pemisah": ","})
    assert (
        comma.content.decode("utf-8-sig")
        .splitlines()[0]
        .startswith(f'"{t("register.code")}","{t("register.received")}')
    )


async def test_the_register_and_the_performance_workbooks(client: WebClient) -> None:
    codes = await seed(client)
    await signed_in(client, CAMAT_ID)
    register = await client.get("/ekspor/laporan.xlsx", params={"periode": "bulan ini"})
    assert register.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(register.content))
    rows = list(book["Register"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == codes
    assert all(REPORTER_NAME not in str(cell) for row in rows for cell in row)
    performance = await client.get("/ekspor/kinerja.xlsx")
    assert performance.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(performance.content))
    for sheet in ("IKU 1", "IKU 2", "IKU 3", "IKU 4", t("workbook.sheet_register")):
        assert sheet in book.sheetnames
    assert t("export.sheet_suggestions") in book.sheetnames


async def test_the_skm_workbook_of_one_service(client: WebClient) -> None:
    await seed(client)
    await signed_in(client, PMKS_ID)
    response = await client.get("/ekspor/skm.xlsx", params={"layanan": "ktp"})
    assert response.status_code == 200
    assert 'filename="skm-KTP-' in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        t(f"export.sheet_{name}")
        for name in ("summary", "priority", "profile", "suggestions", "responses")
    ]
    suggestions = [
        row[2] for row in book[t("export.sheet_suggestions")].iter_rows(values_only=True)
    ]
    assert "Pelayanan cepat" in suggestions
    wrong = await client.get("/ekspor/skm.xlsx", params={"layanan": "XYZ"})
    assert wrong.status_code == 400
    assert t("web.exports.bad_service", code="XYZ") in page_text(wrong.text)


async def test_pmks_gets_the_survey_only(client: WebClient) -> None:
    await seed(client)
    await signed_in(client, PMKS_ID)
    page = page_text((await client.get("/ekspor")).text)
    assert t("web.exports.survey") in page
    assert t("web.exports.register_csv") not in page
    assert t("web.exports.performance") not in page
    for path in ("/ekspor/laporan.csv", "/ekspor/laporan.xlsx", "/ekspor/kinerja.xlsx"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert t("web.error.not_allowed") in page_text(refused.text)


async def test_the_page_offers_every_file_of_a_typed_period(client: WebClient) -> None:
    await signed_in(client, SEKCAM_ID)
    page = await client.get("/ekspor", params={"periode": "bulan lalu", "pemisah": "tab"})
    text = page_text(page.text)
    for key in ("performance", "register_xlsx", "register_csv", "survey"):
        assert t(f"web.exports.{key}") in text
    assert 'href="/ekspor/laporan.csv?periode=bulan+lalu&amp;pemisah=tab"' in page.text
    assert 'href="/ekspor/kinerja.xlsx?periode=bulan+lalu"' in page.text
    today = local_today(client.services.config.kecamatan.tz, client.services.clock())
    wrong = await client.get("/ekspor/laporan.csv", params={"periode": "kemarin dulu"})
    assert wrong.status_code == 400
    assert t("web.overview.bad_period", **current_keys(today)) in page_text(wrong.text)
