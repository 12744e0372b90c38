"""Signing in and out in a real browser: the link from /web or from ``ajung-bot web-link``, the
session cookie the page's scripts cannot read, sign-out, and a link that was used already."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.cli import main
from i18n import catalog
from tests.factories import CAMAT_ID, SEKCAM_ID, TRANTIB_ID, BotHarness
from tests.web.browser.conftest import Browser, LiveDashboard

t = catalog().for_language("id")
en = catalog().for_language("en")


async def test_an_official_signs_in_with_the_link_from_web_and_signs_out(
    bot: BotHarness, live: LiveDashboard, browser: Browser
) -> None:
    official = bot.person(TRANTIB_ID, first_name="Petugas")
    await official.send("/web")
    found = re.search(r"http://\S+/masuk/\S+", official.last()["text"])
    assert found is not None
    link = found.group()
    assert link.startswith(live.url("/masuk/"))

    browser.get(link)
    assert browser.path == "/"
    assert browser.find("h1").text == t("web.overview.title")
    assert t("web.overview.roles", roles=t("web.role.trantib")) in browser.text()
    assert browser.find("html").get_attribute("lang") == "id"
    # The session cookie is there, and the page's own scripts cannot read it (HttpOnly).
    assert browser.session_cookie()
    assert "ajung_sesi" not in browser.driver.execute_script("return document.cookie")

    browser.submit_and_wait(browser.button(t("web.sign_out")))
    assert browser.find("h1").text == t("web.signed_out.title")
    assert t("web.signed_out.text") in browser.text()
    assert browser.session_cookie() is None

    # Signed out: the overview asks to sign in again; the old link does not open a session.
    browser.get(live.url("/"))
    assert t("web.error.signed_out") in browser.text()
    assert t("web.overview.title") not in browser.find("main").text
    browser.get(link)
    assert t("web.error.link_invalid") in browser.text()
    assert browser.session_cookie() is None


async def test_a_link_from_web_link_is_refused_the_second_time_even_signed_in(
    live: LiveDashboard,
    browser: Browser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "ajung.toml"
    config.write_text(
        f'[database]\nurl = "{live.config.database.url}"\n'
        f"[roles]\ncamat = [{CAMAT_ID}]\n"
        f'[web]\nbase_url = "{live.config.web.base_url}"\n',
        encoding="utf-8",
    )
    code = await asyncio.to_thread(
        main, ["--config", str(config), "web-link", "--user", str(CAMAT_ID)]
    )
    assert code == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith(live.url("/masuk/"))

    browser.get(link)
    assert browser.find("h1").text == t("web.overview.title")
    assert t("web.overview.roles", roles=t("web.role.camat")) in browser.text()
    first_session = browser.session_cookie()

    browser.get(link)  # the address again, say from the browser's history
    assert browser.find("h1").text == t("web.error.title_403")
    assert t("web.error.link_invalid") in browser.text()
    assert browser.session_cookie() == first_session  # the open session is not touched


async def test_the_dashboard_speaks_english_on_request_and_keeps_to_it(
    live: LiveDashboard, browser: Browser
) -> None:
    await live.sign_in(browser, SEKCAM_ID)
    browser.submit_and_wait(browser.link(t("web.other_language")))
    assert browser.find("html").get_attribute("lang") == "en"
    assert browser.find("h1").text == en("web.overview.title")
    browser.get(live.url("/"))  # the choice is remembered
    assert browser.find("h1").text == en("web.overview.title")
    browser.submit_and_wait(browser.link(en("web.other_language")))
    assert browser.find("h1").text == t("web.overview.title")
