"""Role by page: who may open each page of the survey, plans and exports, and take each action
(the same roles as the bot's commands). Written out here, not derived from the permissions
table, so a wrong entry there shows up as a failure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.web.auth import SESSION_COOKIE
from db import web
from i18n import catalog
from tests.factories import CAMAT_ID, PMKS_ID, RESIDENT_ID, SEKCAM_ID, TRANTIB_ID
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")
ALL = ("camat", "sekcam", "trantib", "pmks")
USERS = {"camat": CAMAT_ID, "sekcam": SEKCAM_ID, "trantib": TRANTIB_ID, "pmks": PMKS_ID}

# (method, path): the roles that may use it.
TABLE: list[tuple[str, str, tuple[str, ...]]] = [
    ("GET", "/skm", ALL),
    ("POST", "/skm/impor", ("camat", "sekcam")),
    ("POST", "/skm/populasi", ("camat", "sekcam")),
    ("GET", "/program", ("camat", "sekcam")),
    ("POST", "/program/baru", ("camat", "sekcam")),
    ("POST", "/program/1/realisasi", ("camat", "sekcam")),
    ("POST", "/program/1/keputusan", ("camat", "sekcam")),
    ("GET", "/kegiatan", ("camat", "sekcam", "pmks")),
    ("POST", "/kegiatan/baru", ("camat", "sekcam", "pmks")),
    ("POST", "/kegiatan/1/fasilitasi", ("camat", "sekcam", "pmks")),
    ("GET", "/ekspor", ALL),
    ("GET", "/ekspor/skm.xlsx", ALL),
    ("GET", "/ekspor/laporan.xlsx", ("camat", "sekcam", "trantib")),
    ("GET", "/ekspor/laporan.csv", ("camat", "sekcam", "trantib")),
    ("GET", "/ekspor/kinerja.xlsx", ("camat", "sekcam", "trantib")),
]
NAV = {"/skm": ALL, "/program": ("camat", "sekcam"), "/kegiatan": ("camat", "sekcam", "pmks"),
       "/ekspor": ALL}  # fmt: skip


async def attempt(client: WebClient, method: str, path: str, csrf: str) -> int:
    if method == "GET":
        return (await client.get(path)).status_code
    return (await client.post(path, data={"csrf": csrf})).status_code


@pytest.mark.parametrize("role", ALL)
async def test_each_role_opens_its_pages_and_no_other(client: WebClient, role: str) -> None:
    csrf = await signed_in(client, USERS[role])
    for method, path, roles in TABLE:
        status = await attempt(client, method, path, csrf)
        if role in roles:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)
    home = (await client.get("/")).text
    for path, roles in NAV.items():
        assert (f'href="{path}"' in home) == (role in roles), (role, path)


async def test_without_a_session_nothing_opens(client: WebClient) -> None:
    for method, path, _ in TABLE:
        response = await client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert t("web.error.signed_out") in page_text(response.text)


async def test_a_residents_session_opens_nothing(client: WebClient) -> None:
    """Even a session stored for a resident's id (no link is ever issued to one) opens none."""
    services = client.services
    now = services.clock()
    async with services.database.transaction() as session:
        await web.record_session(
            session, token="resident-session", user_id=RESIDENT_ID, csrf_token="c", now=now,
            expires_at=now + timedelta(hours=1),
        )  # fmt: skip
    client.cookies.set(SESSION_COOKIE, "resident-session")
    for method, path, _ in TABLE:
        assert await attempt(client, method, path, "c") == 403, (method, path)


async def test_every_post_needs_the_csrf_token(client: WebClient) -> None:
    await signed_in(client, CAMAT_ID)
    for method, path, _ in TABLE:
        if method == "POST":
            response = await client.post(path, data={"csrf": "salah"})
            assert response.status_code == 403, path
            assert t("web.error.csrf") in page_text(response.text)
