"""The dashboard in a real browser: headless Chromium from the system packages, driven by
Selenium, on the dashboard served by uvicorn on 127.0.0.1.

* ``browser`` (one per test session): :class:`Browser`, a Selenium Chrome driver on Debian's
  ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (``CHROMIUM`` and ``CHROMEDRIVER`` in the
  environment point elsewhere). Selenium Manager is never asked for anything: both paths are
  given, so nothing is downloaded. Without them the tests FAIL and say how to install them.
* ``live`` (one per test): :class:`LiveDashboard`, the dashboard under uvicorn on a free port in
  a thread of its own (its own event loop: the test's Selenium calls block, the server keeps
  answering), on the test database, beside the running test bot (``bot``: same configuration,
  same clock, its offline Bot API shows what residents receive).
* ``live.sign_in(browser, user_id)`` opens a real one-time link, as ``ajung-bot web-link``
  prints it.

A test that drives a page with Selenium is an ``async def`` like the others (the bot's fixtures
are async); the blocking browser calls are fine there, since nothing else runs on that loop
while the browser waits.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import socket
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.selenium_manager import SeleniumManager
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from starlette.applications import Starlette

from bot.config import Config
from bot.web.auth import SESSION_COOKIE
from bot.web.links import issue_link
from bot.web.server import WebServer
from db.engine import Database
from handlers.context import services_of
from tests.factories import BotHarness, make_config
from tests.web.conftest import Roles

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = (
    "The dashboard's browser tests need Chromium and its driver from the system packages: "
    "`sudo apt-get install -y chromium chromium-driver` (Debian/Ubuntu), or point CHROMIUM "
    "and CHROMEDRIVER at them. .ci/run installs them when it runs as root."
)
AXE_JS = Path(__file__).resolve().parent / "axe.min.js"
# axe's findings that a page must not have.
BLOCKING_IMPACTS = ("serious", "critical")
PHONE_WIDTH = 360
# Map tiles from a port where nothing listens: they fail at once.
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
WAIT_SECONDS = 10


class Browser:
    """The Selenium driver with the few things the tests do on every page."""

    def __init__(self, driver: webdriver.Chrome, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads

    def get(self, url: str) -> None:
        self.driver.get(url)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def button(self, text: str) -> WebElement:
        """The button (or submit input) whose visible text is ``text``."""
        for element in self.find_all("button, input[type=submit]"):
            label = element.text or element.get_attribute("value") or ""
            if label.strip() == text:
                return element
        raise AssertionError(f"no button {text!r} on {self.driver.current_url}")

    def link(self, text: str) -> WebElement:
        return self.driver.find_element(By.LINK_TEXT, text)

    def text(self) -> str:
        """The page's words as a person reads them (spaces folded)."""
        return " ".join(self.find("body").text.split())

    @property
    def path(self) -> str:
        url: str = self.driver.current_url
        return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url

    def wait_for(self, condition: Any, message: str = "") -> Any:
        return WebDriverWait(self.driver, WAIT_SECONDS).until(condition, message)

    def submit_and_wait(self, element: WebElement) -> None:
        """Click ``element`` and wait for the next page (the old one goes stale)."""
        body = self.find("body")
        element.click()
        self.wait_for(_stale(body), "the page did not change after the click")

    def downloaded(self, name: str) -> Path:
        """The file ``name`` once the browser has finished saving it."""
        path = self.downloads / name

        def finished(_driver: Any) -> bool:
            partial = list(self.downloads.glob("*.crdownload"))
            return path.is_file() and not partial

        self.wait_for(finished, f"{name} was not downloaded: {os.listdir(self.downloads)}")
        return path

    def session_cookie(self) -> str | None:
        for cookie in self.driver.get_cookies():
            if cookie["name"] == SESSION_COOKIE:
                value: str = cookie["value"]
                return value
        return None

    def forget_everything(self) -> None:
        """A browser as if new: no cookies from an earlier test (cookies ignore ports)."""
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        self.driver.get("about:blank")
        for path in self.downloads.iterdir():
            path.unlink()

    # ------------------------------------------------------------- checks of every page

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical findings on the current page (WCAG 2.x A/AA rules
        and axe's best practices)."""
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            # Run by the driver, outside the page's content policy (script-src 'self').
            self.driver.execute_script(axe_source())
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations), e => done({error: String(e)}));"
        )
        if isinstance(result, dict):
            raise AssertionError(f"axe failed on {self.path}: {result['error']}")
        return [v for v in result if v.get("impact") in BLOCKING_IMPACTS]

    def overflow_at_phone_width(self) -> int:
        """How many CSS pixels the current page is wider than a 360 px phone screen (0: none).

        The page is laid out again as a phone shows it (mobile viewport, 360 px wide), measured,
        and put back to the desktop size."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE_WIDTH, "height": 740, "deviceScaleFactor": 1, "mobile": True},
        )
        try:
            width: int = self.driver.execute_script(
                "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            )
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return max(0, width - PHONE_WIDTH)


@functools.cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def _stale(element: WebElement) -> Any:
    def condition(_driver: Any) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False

    return condition


def describe(violations: list[dict[str, Any]]) -> str:
    """axe's findings as a reader can act on them: rule, impact, help, the elements."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless Chromium for the whole session (starting one takes a few seconds)."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found. {INSTALL_HINT}", pytrace=False)
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        "--window-size=1280,900",
        "--lang=id",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    try:
        with pytest.MonkeyPatch.context() as patch:
            # Selenium Manager would download a browser and a driver: never here.
            patch.setattr(SeleniumManager, "binary_paths", _no_selenium_manager)
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as error:
        pytest.fail(f"Chromium did not start: {error.msg}. {INSTALL_HINT}", pytrace=False)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield Browser(driver, downloads)
    driver.quit()


def _no_selenium_manager(*args: Any, **kwargs: Any) -> dict[str, str]:
    raise AssertionError("Selenium Manager was asked for a browser: give the paths instead")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    """The test configuration with the dashboard on a free port of 127.0.0.1: sign-in links
    (from /web and web-link alike) lead to it. The map's tiles come from a port where nothing
    answers, as when the office has no internet: the pages must work without them."""
    port = free_port()
    return make_config(
        database_url,
        complaints={"photo_dir": str(tmp_path / "photos")},
        web={
            "listen": "127.0.0.1",
            "port": port,
            "base_url": f"http://127.0.0.1:{port}",
            "tile_url": NO_TILES,
        },
    )


class LiveDashboard:
    """The dashboard under uvicorn, in a thread with its own event loop."""

    def __init__(self, bot: BotHarness, roles: Roles) -> None:
        self.bot = bot
        self.config = bot.config
        self.roles = roles
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="dashboard", daemon=True
        )
        self._server: WebServer | None = None
        self._database: Database | None = None

    def _call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(WAIT_SECONDS * 3)

    def start(self) -> None:
        self._thread.start()
        self._call(self._start())

    async def _start(self) -> None:
        self._database = Database(self.config.database.url)
        self._server = WebServer(
            self.config, self._database, clock=self.bot.clock, roles=self.roles
        )
        await self._server.start()

    def stop(self) -> None:
        try:
            self._call(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(WAIT_SECONDS)
            self._loop.close()

    async def _stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
        if self._database is not None:
            await self._database.dispose()

    @property
    def app(self) -> Starlette:
        assert self._server is not None, "start() the dashboard first"
        return self._server.app

    def url(self, path: str) -> str:
        return f"{self.config.web.base_url}{path}"

    async def link(self, user_id: int) -> str:
        """A one-time sign-in link, as ``ajung-bot web-link --user <user_id>`` prints it."""
        database = services_of(self.bot.application).database
        return await issue_link(database, self.config, user_id, self.bot.clock())

    async def sign_in(self, browser: Browser, user_id: int) -> str:
        """Open a fresh link in ``browser`` (signed in as ``user_id`` after); the link."""
        link = await self.link(user_id)
        browser.get(link)
        assert browser.path == "/", f"the link led to {browser.path}: {browser.text()[:200]}"
        return link


@pytest.fixture
def live(bot: BotHarness, roles: Roles, browser: Browser) -> Iterator[LiveDashboard]:
    browser.forget_everything()
    dashboard = LiveDashboard(bot, roles)
    dashboard.start()
    yield dashboard
    browser.forget_everything()  # no request of this browser reaches the next test's server
    dashboard.stop()
