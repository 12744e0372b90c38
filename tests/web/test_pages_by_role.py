"""The navigation bar offers each official the survey, plans and export pages their role
opens (the doors themselves: tests/web/test_access.py), and every form of those pages needs the
session's CSRF token."""

from __future__ import annotations

import pytest

from i18n import catalog
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")
ALL = ("camat", "sekcam", "trantib", "pmks")
USERS = {"camat": CAMAT_ID, "sekcam": SEKCAM_ID, "trantib": TRANTIB_ID, "pmks": PMKS_ID}
NAV = {
    "/skm": ALL,
    "/program": ("camat", "sekcam"),
    "/kegiatan": ("camat", "sekcam", "pmks"),
    "/ekspor": ALL,
}
POSTS = (
    "/skm/impor",
    "/skm/populasi",
    "/program/baru",
    "/program/1/realisasi",
    "/program/1/keputusan",
    "/kegiatan/baru",
    "/kegiatan/1/fasilitasi",
)


@pytest.mark.parametrize("role", ALL)
async def test_the_navigation_offers_the_pages_of_the_role(client: WebClient, role: str) -> None:
    await signed_in(client, USERS[role])
    home = (await client.get("/")).text
    for path, roles in NAV.items():
        assert (f'href="{path}"' in home) == (role in roles), (role, path)


async def test_every_form_needs_the_csrf_token(client: WebClient) -> None:
    await signed_in(client, CAMAT_ID)
    for path in POSTS:
        for data in ({"csrf": "salah"}, {}):
            response = await client.post(path, data=data)
            assert response.status_code == 403, path
            assert t("web.error.csrf") in page_text(response.text)
