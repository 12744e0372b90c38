"""Every page of the dashboard, in the browser, with data on it: axe-core finds no serious or
critical problem, and a 360 px wide phone shows the page without scrolling sideways.

"Every page" is read from the application itself: each GET route made with
:func:`bot.web.auth.page` that answers with HTML, so a page added later is checked without
touching this file. A route with a parameter takes its value from :data:`PARAMETERS` (a
complaint's code, ...); a parameter this file does not know fails the test, naming it. The
pages every visitor may meet (signed out, a used link, an unknown address, a refusal) are
checked too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import httpx
from starlette.routing import Route

from bot.web.auth import SESSION_COOKIE
from bot.web.permissions import allowed
from db import indicators
from db.indicators import ActivityInput, ProgramInput
from handlers.context import services_of
from i18n import catalog
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID, BotHarness, file_complaint
from tests.web.browser.conftest import Browser, LiveDashboard, describe
from tests.web.test_overview import seed

t = catalog().for_language("id")
# Who opens each page: the first of these who may.
OFFICIALS = (CAMAT_ID, SEKCAM_ID, TRANTIB_ID, PMKS_ID)


# An anonim reporter's name, which no page may show.
ANONIM_NAME = "Wulandari"


@dataclass(frozen=True)
class Seeded:
    """What the pages show: complaints (stored, moved, overdue; from residents: one with a
    photo and a location, one RAHASIA, one anonim), paper survey forms, program indicators
    and empowerment activities."""

    codes: list[str]
    reported: str
    secret: str


# A route parameter -> its values on the seeded database (each page is checked with each).
PARAMETERS: dict[str, Callable[[Seeded], list[str]]] = {
    "code": lambda seeded: [seeded.reported, seeded.secret],
    "position": lambda seeded: ["1"],
}


async def seed_everything(bot: BotHarness) -> Seeded:
    codes = await seed(bot)
    async with services_of(bot.application).database.transaction() as session:
        await indicators.upsert_programs(
            session,
            [
                ProgramInput(2025, "P1", "Rapat koordinasi", "Koordinasi", 12, "kali", True, 12),
                ProgramInput(2025, "P2", "Waktu layanan KTP", "Pelayanan", 3, "hari", False, 5),
                ProgramInput(2025, "P3", "Patroli malam", "Trantib", 48, "kali"),
            ],
            actor="uji",
            now=bot.clock(),
        )
        await indicators.upsert_activities(
            session,
            [
                ActivityInput(2025, "Pelatihan UMKM", 2, date(2025, 2, 10), 30, "Balai desa"),
                ActivityInput(2025, "Posyandu remaja", 3),
            ],
            actor="uji",
            now=bot.clock(),
        )
    reported = await file_complaint(
        bot.person(5550001, first_name="Siti"), photos=1, location=(-8.2361, 113.6583)
    )
    secret = await file_complaint(bot.person(5550002, first_name="Budi"), privacy="Rahasia")
    await file_complaint(bot.person(5550003, first_name=ANONIM_NAME), privacy="Anonim")
    return Seeded(codes, reported, secret)


@dataclass(frozen=True)
class Page:
    template: str
    path: str
    permission: str


def pages_of(routes: list[Route], seeded: Seeded) -> tuple[list[Page], list[str]]:
    """The dashboard's GET pages with their parameters filled; the parameters not known."""
    pages, unknown = [], []
    for route in routes:
        permission = getattr(route.endpoint, "permission", None)
        if permission is None or "GET" not in (route.methods or ()):
            continue
        paths = [route.path]
        for name in route.param_convertors:
            if name not in PARAMETERS:
                unknown.append(f"{route.path}: {{{name}}}")
                paths = []
                break
            pattern = re.compile(rf"{{{name}(:[^}}]+)?}}")
            paths = [pattern.sub(v, p) for p in paths for v in PARAMETERS[name](seeded)]
        pages += [Page(route.path, path, permission) for path in paths]
    return pages, unknown


class Findings:
    """What the checks found, page by page, told all at once at the end."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.problems: list[str] = []
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        if ANONIM_NAME in self.browser.driver.page_source:
            self.problems.append(f"{name}: shows an anonim reporter's name")
        violations = self.browser.axe_violations()
        if violations:
            self.problems.append(f"{name}: axe found\n{describe(violations)}")
        overflow = self.browser.overflow_at_phone_width()
        if overflow:
            self.problems.append(f"{name}: {overflow} px wider than a 360 px phone")
        self.checked.append(name)


async def is_html(live: LiveDashboard, browser: Browser, path: str) -> bool:
    """Whether ``path`` answers with a page (not a file to download), for this browser's
    session."""
    cookies = {SESSION_COOKIE: browser.session_cookie() or ""}
    async with httpx.AsyncClient(cookies=cookies) as http:
        response = await http.get(live.url(path))
    return response.headers.get("content-type", "").startswith("text/html")


async def test_every_page_passes_axe_and_fits_a_phone(
    bot: BotHarness, live: LiveDashboard, browser: Browser
) -> None:
    seeded = await seed_everything(bot)
    pages, unknown = pages_of([r for r in live.app.routes if isinstance(r, Route)], seeded)
    assert not unknown, (
        f"routes with a parameter this test cannot fill (add to PARAMETERS): {unknown}"
    )
    findings = Findings(browser)

    # What anyone may meet before signing in.
    browser.get(live.url("/"))
    assert t("web.error.signed_out") in browser.text()
    findings.check("/ signed out (401)")
    browser.get(live.url("/masuk/bukan-tautan"))
    assert t("web.error.link_invalid") in browser.text()
    findings.check("a refused link (403)")

    roles = live.roles()
    signed_in_as = None
    for page in pages:
        user = next(u for u in OFFICIALS if allowed(roles, u, page.permission))
        if user != signed_in_as:
            await live.sign_in(browser, user)
            signed_in_as = user
        if not await is_html(live, browser, page.path):
            continue
        browser.get(live.url(page.path))
        assert browser.find("h1").text, f"{page.path} has no heading"
        findings.check(page.path)

    # The layout in English (the pages share it; their words come from the same catalog).
    browser.get(live.url("/?lang=en"))
    findings.check("/ (en)")
    browser.get(live.url("/?lang=id"))

    browser.get(live.url("/tidak-ada"))
    assert t("web.error.not_found") in browser.text()
    findings.check("an unknown address (404)")
    refused = next((p for p in pages if not allowed(roles, PMKS_ID, p.permission)), None)
    if refused is not None:
        await live.sign_in(browser, PMKS_ID)
        browser.get(live.url(refused.path))
        assert t("web.error.not_allowed") in browser.text()
        findings.check(f"{refused.path} refused (403)")
    browser.get(live.url("/"))
    browser.submit_and_wait(browser.button(t("web.sign_out")))
    assert browser.find("h1").text == t("web.signed_out.title")
    findings.check("signed out")

    assert "/" in findings.checked
    assert not findings.problems, "\n\n".join(findings.problems)


def test_the_checks_see_what_they_look_for(browser: Browser) -> None:
    """The two checks above, on a page made to fail them: an image without a text, a button
    without a name, gray on white, and a block wider than a phone."""
    browser.get(
        "data:text/html;charset=utf-8,"
        '<!DOCTYPE html><html lang="id"><head><title>x</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0"><main><h1>Uji</h1><img src="data:," width="10" height="10">'
        '<button></button><p style="color:%23bbb">pucat</p>'
        '<div style="width:600px">lebar</div></main></body></html>'
    )
    found = {violation["id"] for violation in browser.axe_violations()}
    assert {"image-alt", "button-name", "color-contrast"} <= found
    assert browser.overflow_at_phone_width() == 600 - 360
