"""The dashboard without a mouse: the first Tab reaches the link that skips to the content,
and the sign-out button is reachable and works from the keyboard."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from i18n import catalog
from tests.factories import CAMAT_ID
from tests.web.browser.conftest import Browser, LiveDashboard

t = catalog().for_language("id")


def focused_text(browser: Browser) -> str:
    text: str = browser.driver.execute_script("return document.activeElement.textContent")
    return " ".join(text.split())


async def test_the_keyboard_skips_to_the_content_and_signs_out(
    live: LiveDashboard, browser: Browser
) -> None:
    await live.sign_in(browser, CAMAT_ID)
    browser.find("body").send_keys(Keys.TAB)
    assert focused_text(browser) == t("web.skip")
    assert browser.find(".skip").is_displayed()  # shown when it has the focus
    browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.driver.execute_script("return document.activeElement.id") == "isi"

    # Tab on through the page until the sign-out button, then press it with Enter.
    for _ in range(100):
        browser.driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
        if focused_text(browser) == t("web.sign_out"):
            break
    else:
        raise AssertionError("the sign-out button is not reachable with the keyboard")
    browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
    browser.wait_for(lambda _: browser.find("h1").text == t("web.signed_out.title"))
