"""The survey page in a real browser: a paper-form file chosen from the computer, refused with
the row and column of each mistake named, then its right rows kept on request."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.web.permissions import allowed
from db.models import SurveyResponse
from handlers.context import services_of
from i18n import catalog
from tests.bot.test_survey_cli import FORM_A, HEADER, write_csv
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID, BotHarness
from tests.web.browser.conftest import Browser, LiveDashboard

t = catalog().for_language("id")


async def stored_forms(bot: BotHarness) -> int:
    async with services_of(bot.application).database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


async def test_a_paper_form_file_with_a_mistake_names_the_row_then_keeps_the_right_ones(
    bot: BotHarness, live: LiveDashboard, browser: Browser, tmp_path: Path
) -> None:
    too_young = [*FORM_A[:4], "14", *FORM_A[5:]]
    forms = write_csv(tmp_path / "formulir-februari.csv", [HEADER, FORM_A, too_young])
    roles = live.roles()
    official = next(
        u for u in (SEKCAM_ID, CAMAT_ID, TRANTIB_ID, PMKS_ID) if allowed(roles, u, "survey.entry")
    )
    await live.sign_in(browser, official)
    browser.submit_and_wait(browser.link(t("web.nav.survey")))
    assert browser.find("h1").text == t("web.skm.title")

    browser.find("#berkas").send_keys(str(forms))
    browser.submit_and_wait(browser.button(t("web.skm.import_button")))
    alert = browser.find("#impor [role=alert]")
    assert alert.find_element("css selector", "p").text == t(
        "web.skm.nothing_imported", errors="1", rows="1"
    )
    assert [item.text for item in alert.find_elements("css selector", "li")] == [
        'baris 3, kolom usia: "14" bukan usia 15 sampai 100'
    ]
    assert await stored_forms(bot) == 0

    browser.find("#berkas").send_keys(str(forms))
    browser.find("#lewati").click()
    browser.submit_and_wait(browser.button(t("web.skm.import_button")))
    done = browser.find("#impor [role=status]").text
    assert done.startswith(
        t("import.done", file="formulir-februari.csv", added="1", duplicates="0", skipped="1")
    )
    assert 'baris 3, kolom usia: "14" bukan usia 15 sampai 100' in done
    assert await stored_forms(bot) == 1
