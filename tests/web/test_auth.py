"""Signing in to the dashboard: one-time links, the session cookie, CSRF, sign-out, roles that
change under a signed-in official, the language, and the headers of every answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.routing import Mount, Route

from bot.config import Config
from bot.web.app import create_app
from bot.web.auth import SESSION_COOKIE
from db.engine import Database
from i18n import catalog
from tests.factories import CAMAT_ID, PMKS_ID, RESIDENT_ID, TRANTIB_ID, Clock, make_config
from tests.web.conftest import Roles, WebClient, new_link, page_text, signed_in

t = catalog().for_language("id")
en = catalog().for_language("en")


async def test_a_link_signs_in_once_with_a_safe_cookie(client: WebClient) -> None:
    link = await new_link(client, TRANTIB_ID)
    response = await client.get(link)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=lax", "Max-Age=43200", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # the test base URL is http://
    overview = await client.get("/")
    assert overview.status_code == 200
    assert t("web.overview.title") in page_text(overview.text)
    # The same link again, in another browser: refused, no session.
    async with WebClient(client.app, str(client.base_url)) as other:
        again = await other.get(link)
        assert again.status_code == 403
        assert t("web.error.link_invalid") in page_text(again.text)
        assert SESSION_COOKIE not in other.cookies
        assert (await other.get("/")).status_code == 401


async def test_an_expired_link_is_refused(client: WebClient, clock: Clock) -> None:
    link = await new_link(client, CAMAT_ID)
    clock.advance(minutes=10, seconds=1)
    response = await client.get(link)
    assert response.status_code == 403
    assert t("web.error.link_invalid") in page_text(response.text)
    assert (await client.get("/")).status_code == 401


async def test_a_link_just_before_its_end_still_works(client: WebClient, clock: Clock) -> None:
    link = await new_link(client, CAMAT_ID)
    clock.advance(minutes=9, seconds=59)
    assert (await client.get(link)).status_code == 303


async def test_an_unknown_link_is_refused(client: WebClient) -> None:
    response = await client.get("/masuk/not-a-real-token")
    assert response.status_code == 403
    assert t("web.error.link_invalid") in page_text(response.text)


async def test_without_a_session_every_page_asks_to_sign_in(client: WebClient) -> None:
    response = await client.get("/")
    assert response.status_code == 401
    assert t("web.error.signed_out") in page_text(response.text)


async def test_the_session_ends_after_session_hours(client: WebClient, clock: Clock) -> None:
    await signed_in(client, TRANTIB_ID)
    clock.advance(hours=11, minutes=59)
    assert (await client.get("/")).status_code == 200
    clock.advance(minutes=1)
    assert (await client.get("/")).status_code == 401


async def test_https_base_url_makes_the_cookie_secure(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    config = make_config(database_url, web={"base_url": "https://dasbor.example.go.id"})
    app = create_app(config, database)
    async with WebClient(app, "https://dasbor.example.go.id") as client:
        response = await client.get(await new_link(client, TRANTIB_ID))
        assert response.status_code == 303
        assert "secure" in response.headers["set-cookie"].lower()


async def test_sign_out_ends_the_session_on_the_server(client: WebClient) -> None:
    csrf = await signed_in(client, TRANTIB_ID)
    cookie = client.cookies[SESSION_COOKIE]
    response = await client.post("/keluar", data={"csrf": csrf})
    assert response.status_code == 200
    assert t("web.signed_out.text") in page_text(response.text)
    assert SESSION_COOKIE not in client.cookies
    assert (await client.get("/")).status_code == 401
    # The old cookie, kept by someone: the server no longer knows it.
    client.cookies.set(SESSION_COOKIE, cookie)
    assert (await client.get("/")).status_code == 401


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        pytest.param({}, {}, id="no token"),
        pytest.param({"csrf": "forged"}, {}, id="wrong field"),
        pytest.param({}, {"X-CSRF-Token": "forged"}, id="wrong header"),
    ],
)
async def test_a_post_without_the_csrf_token_is_refused(
    client: WebClient, data: dict[str, str], headers: dict[str, str]
) -> None:
    await signed_in(client, TRANTIB_ID)
    response = await client.post("/keluar", data=data, headers=headers)
    assert response.status_code == 403
    assert t("web.error.csrf") in page_text(response.text)
    assert (await client.get("/")).status_code == 200  # still signed in


async def test_the_csrf_token_may_come_as_a_header(client: WebClient) -> None:
    csrf = await signed_in(client, TRANTIB_ID)
    response = await client.post("/keluar", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert (await client.get("/")).status_code == 401


async def test_another_sessions_csrf_token_is_refused(client: WebClient) -> None:
    async with WebClient(client.app, str(client.base_url)) as other:
        other_csrf = await signed_in(other, CAMAT_ID)
    await signed_in(client, TRANTIB_ID)
    response = await client.post("/keluar", data={"csrf": other_csrf})
    assert response.status_code == 403


async def test_a_person_removed_from_roles_is_refused_at_the_next_request(
    client: WebClient, roles: Roles
) -> None:
    await signed_in(client, TRANTIB_ID)
    assert (await client.get("/")).status_code == 200
    roles.remove(TRANTIB_ID)
    response = await client.get("/")
    assert response.status_code == 403
    assert t("web.error.not_allowed") in page_text(response.text)


async def test_a_link_of_a_person_removed_meanwhile_is_refused(
    client: WebClient, roles: Roles
) -> None:
    link = await new_link(client, PMKS_ID)
    roles.remove(PMKS_ID)
    response = await client.get(link)
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


async def test_a_residents_session_opens_nothing(client: WebClient) -> None:
    # Even with a link stored for them (the CLI and /web never issue one), a resident's
    # id holds no role: the link is refused.
    response = await client.get(await new_link(client, RESIDENT_ID))
    assert response.status_code == 403
    assert t("web.error.not_allowed") in page_text(response.text)


async def test_indonesian_first_english_on_request(client: WebClient) -> None:
    await signed_in(client, CAMAT_ID)
    page = await client.get("/")
    assert '<html lang="id">' in page.text
    assert t("web.overview.title") in page_text(page.text)
    english = await client.get("/?lang=en")
    assert '<html lang="en">' in english.text
    assert en("web.overview.title") in page_text(english.text)
    assert en("web.sign_out") in page_text(english.text)
    # Remembered for the next pages; the switch keeps the page's other values.
    again = await client.get("/", params={"periode": "2024"})
    assert '<html lang="en">' in again.text
    assert 'href="/?periode=2024&amp;lang=id"' in again.text


async def test_every_answer_carries_the_safety_headers(client: WebClient) -> None:
    for response in (await client.get("/"), await client.get("/static/style.css")):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "https://tile.openstreetmap.org" in policy


async def test_pages_are_not_cached(client: WebClient) -> None:
    await signed_in(client, CAMAT_ID)
    assert (await client.get("/")).headers["cache-control"] == "no-store"


async def test_unknown_pages_are_answered_politely(client: WebClient) -> None:
    response = await client.get("/tidak-ada")
    assert response.status_code == 404
    assert t("web.error.not_found") in page_text(response.text)


def test_every_route_is_guarded(config: Config, database: Database) -> None:
    """Every route but the sign-in link and the static files names its permission."""
    app = create_app(config, database)
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.path == "/static"
            continue
        assert isinstance(route, Route)
        if route.path == "/masuk/{token}":
            continue
        assert hasattr(route.endpoint, "permission"), route.path


async def test_links_and_sessions_long_over_are_forgotten(
    client: WebClient, clock: Clock, database: Database
) -> None:
    from sqlalchemy import func, select

    from db.models import WebLink, WebSession

    await signed_in(client, TRANTIB_ID)
    await new_link(client, CAMAT_ID)  # never used
    clock.advance(days=2)
    async with WebClient(client.app, str(client.base_url)) as later:
        await signed_in(later, CAMAT_ID)
    async with database.sessions() as session:
        links = await session.scalar(select(func.count()).select_from(WebLink))
        sessions = await session.scalar(select(func.count()).select_from(WebSession))
    assert (links, sessions) == (1, 1)  # only today's link and its session are kept


@pytest.mark.parametrize(
    ("wanted", "lands"),
    [
        ("/laporan?status=baru", "/laporan?status=baru"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ],
)
async def test_a_link_may_lead_to_a_page_of_this_site_only(
    client: WebClient, wanted: str, lands: str
) -> None:
    link = await new_link(client, TRANTIB_ID)
    response = await client.get(link, params={"ke": wanted} if wanted else None)
    assert response.status_code == 303
    assert response.headers["location"] == lands
