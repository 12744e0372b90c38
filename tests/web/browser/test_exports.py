"""The downloads page in a real browser: a period typed as in /iku, then the complaint
register as CSV (the CLI's BOM and ';') and the SKM workbook saved by the browser."""

from __future__ import annotations

import csv

import openpyxl

from bot.web.permissions import allowed
from i18n import catalog
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID, BotHarness, file_complaint
from tests.web.browser.conftest import Browser, LiveDashboard

t = catalog().for_language("id")


async def test_an_official_downloads_the_register_and_the_survey_workbook(
    bot: BotHarness, live: LiveDashboard, browser: Browser
) -> None:
    code = await file_complaint(bot.person(first_name="Siti"), category="Perjudian")
    roles = live.roles()
    official = next(
        u
        for u in (SEKCAM_ID, CAMAT_ID, TRANTIB_ID, PMKS_ID)
        if allowed(roles, u, "export.register")
    )
    await live.sign_in(browser, official)
    browser.submit_and_wait(browser.link(t("web.nav.exports")))
    assert browser.find("h1").text == t("web.exports.title")
    browser.find("#periode").send_keys("2025-02")
    browser.submit_and_wait(browser.button(t("web.overview.show")))

    browser.link(t("web.exports.register_csv")).click()
    register = browser.downloaded("register-laporan-2025-02.csv").read_bytes()
    assert register.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(register.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert len(rows[0]) > 10  # the header, split at ';'
    [row] = [row for row in rows if row[0] == code]
    assert row[2:5] == ["Perjudian", "Ajung", "depan pasar"]
    assert "Siti" not in register.decode("utf-8-sig")  # no reporter's identity

    browser.link(t("web.exports.survey")).click()
    workbook = openpyxl.load_workbook(browser.downloaded("skm-2025-02.xlsx"), read_only=True)
    assert workbook.sheetnames
    workbook.close()
