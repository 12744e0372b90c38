"""Who may open which page and take which action: every route of the dashboard for every
role, a resident's id and no session (one table, written out here on purpose: it is the rule
book, not a copy of bot/web/permissions.py); and the confidentiality rules (anonim, rahasia)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from starlette.routing import Route

from db import web
from i18n import catalog
from tests.factories import (
    CAMAT_ID,
    PMKS_ID,
    RESIDENT_ID,
    SEKCAM_ID,
    TRANTIB_ID,
    BotHarness,
    file_complaint,
)
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")
en = catalog().for_language("en")

PEOPLE = {
    "trantib": TRANTIB_ID,
    "camat": CAMAT_ID,
    "sekcam": SEKCAM_ID,
    "pmks": PMKS_ID,
    "resident": RESIDENT_ID + 7,
    "nobody": None,
}
OFFICIALS = frozenset({"trantib", "camat", "sekcam", "pmks"})
COMPLAINTS = frozenset({"trantib", "camat", "sekcam"})
PLANS = frozenset({"camat", "sekcam"})  # /program and /populasi
ACTIVITIES = PLANS | {"pmks"}  # /kegiatan
# (method, route path) -> who may; what the request sends.
TABLE = {
    ("GET", "/"): OFFICIALS,
    ("GET", "/laporan"): COMPLAINTS,
    ("GET", "/laporan/{code}"): COMPLAINTS,
    ("GET", "/laporan/{code}/foto/{position:int}"): COMPLAINTS,
    ("POST", "/laporan/{code}/pindah"): COMPLAINTS,
    ("GET", "/skm"): OFFICIALS,
    ("POST", "/skm/impor"): PLANS,
    ("POST", "/skm/populasi"): PLANS,
    ("GET", "/program"): PLANS,
    ("POST", "/program/baru"): PLANS,
    ("POST", "/program/{id:int}/realisasi"): PLANS,
    ("POST", "/program/{id:int}/keputusan"): PLANS,
    ("GET", "/kegiatan"): ACTIVITIES,
    ("POST", "/kegiatan/baru"): ACTIVITIES,
    ("POST", "/kegiatan/{id:int}/fasilitasi"): ACTIVITIES,
    ("GET", "/ekspor"): OFFICIALS,
    ("GET", "/ekspor/skm.xlsx"): OFFICIALS,
    # The register holds the complaints' content: for those who read complaints in Telegram.
    ("GET", "/ekspor/laporan.xlsx"): COMPLAINTS,
    ("GET", "/ekspor/laporan.csv"): COMPLAINTS,
    ("GET", "/ekspor/kinerja.xlsx"): COMPLAINTS,
    # Signing out only ends the session it is sent with: any session may.
    ("POST", "/keluar"): OFFICIALS | {"resident"},
}


def test_the_table_covers_every_route(bot_client: WebClient) -> None:
    routes = {
        (method, route.path)
        for route in bot_client.app.routes
        if isinstance(route, Route) and route.path != "/masuk/{token}"
        for method in (route.methods or ()) - {"HEAD"}
    }
    assert routes == set(TABLE)


async def session_for(client: WebClient, person: int | None) -> str:
    """A session for ``person``: through a link for officials; for a resident, a session row
    written straight into the database (no link is ever issued to one: this is the forged or
    stale session a resident could hold at most)."""
    if person is None:
        return ""
    if person in (TRANTIB_ID, CAMAT_ID, SEKCAM_ID, PMKS_ID):
        return await signed_in(client, person)
    services = client.services
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with services.database.transaction() as session:
        await web.record_session(
            session, token=token, user_id=person, csrf_token=csrf, now=services.clock(),
            expires_at=services.clock() + timedelta(hours=1),
        )  # fmt: skip
    client.cookies.set("ajung_sesi", token)
    return csrf


@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize(("method", "path"), list(TABLE), ids=lambda value: str(value))
async def test_role_by_page(
    bot: BotHarness, bot_client: WebClient, who: str, method: str, path: str
) -> None:
    code = await file_complaint(bot.person(), photos=1)
    csrf = await session_for(bot_client, PEOPLE[who])
    url = path.replace("{code}", code).replace("{position:int}", "1").replace("{id:int}", "1")
    if method == "GET":
        response = await bot_client.get(url)
    else:
        # A move from a status the complaint does not have: allowed people get "changed
        # meanwhile" (409) and nothing moves; the point here is who gets past the door.
        data = {"csrf": csrf, "expected": "selesai", "target": "diproses", "note": "x" * 20}
        response = await bot_client.post(url, data=data)
    if who == "nobody":
        assert response.status_code == 401
        assert t("web.error.signed_out") in page_text(response.text)
    elif who in TABLE[(method, path)]:
        # 400: a data-entry form refused for its (here meaningless) fields; 404: no entry 1.
        assert response.status_code in (200, 303, 400, 404, 409), response.text
        if response.status_code == 404 and "foto" in url:  # the photo is not copied yet
            assert t("web.complaints.photo_missing") in page_text(response.text)
        elif response.status_code == 404:  # no indicator or activity 1 in this test
            assert t("web.plans.gone") in page_text(response.text)
    else:
        assert response.status_code == 403
        assert t("web.error.not_allowed") in page_text(response.text)
        assert code not in page_text(response.text)  # (its own address is in the links)


SECRET_NAME = "Rahmawati Sukirnoputri"


async def test_an_anonim_reporter_is_never_shown(bot: BotHarness, bot_client: WebClient) -> None:
    hidden = bot.person(RESIDENT_ID, first_name="Rahmawati", last_name="Sukirnoputri")
    anonim = await file_complaint(hidden, privacy="Anonim", location=(-8.25, 113.65))
    shown = bot.person(RESIDENT_ID + 1, first_name="Bambang", last_name="Widodo")
    biasa = await file_complaint(shown)
    await signed_in(bot_client, CAMAT_ID)
    # A non-anonim reporter is shown (so the check below can fail).
    assert "Bambang Widodo" in page_text((await bot_client.get(f"/laporan/{biasa}")).text)
    for url in (
        "/", "/?lang=en", "/laporan", "/laporan?q=Rahmawati", f"/laporan/{anonim}",
        f"/laporan/{anonim}?lang=en", "/laporan?terlambat=1", "/?periode=tahun ini",
        "/skm", "/program", "/kegiatan", "/ekspor", "/ekspor/laporan.csv",
    ):  # fmt: skip
        response = await bot_client.get(url)
        assert response.status_code == 200, url
        # The search box shows what was typed in it; nothing else may carry the name.
        html = response.text.replace('value="Rahmawati"', "").replace("q=Rahmawati", "")
        for word in ("Rahmawati", "Sukirnoputri", str(RESIDENT_ID)):
            assert word not in html, (url, word)
    detail = page_text((await bot_client.get(f"/laporan/{anonim}?lang=id")).text)
    assert t("trantib.anonim") in detail
    # Searching for the name finds nothing: names are not searched.
    search = await bot_client.get("/laporan", params={"q": "Rahmawati"})
    assert t("web.complaints.none") in page_text(search.text)


async def test_rahasia_is_marked_and_only_for_the_complaint_roles(
    bot: BotHarness, bot_client: WebClient
) -> None:
    code = await file_complaint(bot.person(), privacy="Rahasia")
    await signed_in(bot_client, TRANTIB_ID)
    listed = await bot_client.get("/laporan")
    assert t("web.complaints.secret") in page_text(listed.text)
    detail = page_text((await bot_client.get(f"/laporan/{code}")).text)
    assert t("trantib.rahasia") in detail
    async with WebClient(bot_client.app, str(bot_client.base_url)) as pmks:
        await signed_in(pmks, PMKS_ID)
        assert (await pmks.get(f"/laporan/{code}")).status_code == 403
        overview = await pmks.get("/")
        assert code not in overview.text
        assert en("web.complaints.secret") not in overview.text
