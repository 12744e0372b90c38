"""``/laporan`` and ``/laporan/<KODE>``: the register with its filters, sorting and paging, the
card, photos and history, and moves through the web recorded and told as in Telegram."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import select

from db import complaints
from db.engine import Database
from db.models import ComplaintEvent, ComplaintPhoto, OutboxMessage
from handlers import complaint_views as views
from handlers.context import settle
from i18n import catalog
from iku.complaints import Status
from tests.factories import (
    CAMAT_ID,
    SEKCAM_ID,
    TRANTIB_ID,
    BotHarness,
    card_of,
    file_complaint,
    stored_directly,
)
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")
NOTE = "Sudah dicek ke lokasi bersama linmas."


async def complaint_of(bot: BotHarness, code: str) -> complaints.ComplaintRecord:
    database = Database(bot.config.database.url)
    async with database.sessions() as session:
        found = await complaints.fetch_complaint_by_code(session, code)
    await database.dispose()
    assert found is not None
    return found


async def test_the_register_filters_sorts_and_pages(bot: BotHarness, bot_client: WebClient) -> None:
    codes = []
    for number in range(55):
        bot.clock.advance(minutes=1)
        codes.append((await stored_directly(bot, description=f"Judi kartu nomor {number}.")).code)
    await signed_in(bot_client, TRANTIB_ID)
    first = await bot_client.get("/laporan")
    assert first.status_code == 200
    text = page_text(first.text)
    assert t("web.complaints.count", count="55", page="1", pages="2") in text
    # Newest first: the last one filed heads the first page, the first one is on page 2.
    listed = re.findall(r'href="/laporan/(TRB-[0-9-]+)"', first.text)
    assert listed[0] == codes[-1] and len(listed) == 50 and codes[0] not in listed
    second = await bot_client.get("/laporan", params={"hal": "2"})
    assert re.findall(r'href="/laporan/(TRB-[0-9-]+)"', second.text)[-1] == codes[0]
    oldest_first = await bot_client.get("/laporan", params={"urut": "diterima", "arah": "naik"})
    assert re.findall(r'href="/laporan/(TRB-[0-9-]+)"', oldest_first.text)[0] == codes[0]
    # Words of the description, and a status with nothing in it.
    found = await bot_client.get("/laporan", params={"q": "NOMOR 17"})  # any case
    assert re.findall(r'href="/laporan/(TRB-[0-9-]+)"', found.text) == [codes[17]]
    # A wildcard typed is a character searched for, not a pattern.
    for wildcard in ("%", "_", "nomor 1_"):
        nothing = await bot_client.get("/laporan", params={"q": wildcard})
        assert t("web.complaints.none") in page_text(nothing.text), wildcard
    done = await bot_client.get("/laporan", params={"status": "selesai"})
    assert t("web.complaints.none") in page_text(done.text)
    elsewhere = await bot_client.get("/laporan", params={"desa": "Klompangan"})
    assert t("web.complaints.count", count="0", page="1", pages="1") in page_text(elsewhere.text)


async def test_a_move_through_the_web_is_recorded_and_told_like_in_telegram(
    bot: BotHarness, bot_client: WebClient
) -> None:
    reporter = bot.person(first_name="Siti")
    code = await file_complaint(reporter)
    group = bot.official()
    csrf = await signed_in(bot_client, TRANTIB_ID)
    page = await bot_client.get(f"/laporan/{code}")
    assert page.status_code == 200
    assert t("trantib.move.diverifikasi") in page_text(page.text)
    answer = await bot_client.post(
        f"/laporan/{code}/pindah",
        data={"csrf": csrf, "expected": "baru", "target": "diverifikasi", "note": NOTE},
    )
    assert answer.status_code == 303
    shown = await bot_client.get(answer.headers["location"])
    text = page_text(shown.text)
    assert views.move_confirmation(t, code, Status.DIVERIFIKASI, None) in text
    assert NOTE in text  # in the history
    complaint = await complaint_of(bot, code)
    assert complaint.status is Status.DIVERIFIKASI
    # The reporter is told as a Telegram move tells them, and the card in the group changes.
    await settle(bot.application)
    assert reporter.last()["text"] == views.news_text(t, complaint, NOTE)
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Diverifikasi\n")
    database = Database(bot.config.database.url)
    async with database.sessions() as session:
        event = await session.scalar(select(ComplaintEvent).order_by(ComplaintEvent.id.desc()))
        kinds = list(await session.scalars(select(OutboxMessage.kind)))
    await database.dispose()
    assert event is not None
    assert (event.from_status, event.to_status, event.note) == ("baru", "diverifikasi", NOTE)
    assert event.at == bot.clock()
    assert sorted(kinds) == ["card", "news"]
    # Who moved it: the official never wrote to the bot, so their role names them.
    assert t("web.complaints.by", actor="Trantib") in text


async def test_a_short_note_or_a_stale_page_changes_nothing(
    bot: BotHarness, bot_client: WebClient
) -> None:
    code = await file_complaint(bot.person())
    csrf = await signed_in(bot_client, SEKCAM_ID)
    short = await bot_client.post(
        f"/laporan/{code}/pindah",
        data={"csrf": csrf, "expected": "baru", "target": "diverifikasi", "note": "ok"},
    )
    assert short.status_code == 400
    assert t("web.complaints.note_too_short", minimum=5) in page_text(short.text)
    stale = await bot_client.post(
        f"/laporan/{code}/pindah",
        data={"csrf": csrf, "expected": "diproses", "target": "selesai", "note": NOTE},
    )
    assert stale.status_code == 409
    no_reason = await bot_client.post(
        f"/laporan/{code}/pindah",
        data={"csrf": csrf, "expected": "baru", "target": "ditolak", "note": NOTE},
    )
    assert no_reason.status_code == 400
    assert t("web.complaints.reason_needed") in page_text(no_reason.text)
    assert f">{NOTE}</textarea>" in no_reason.text  # what was typed is kept
    assert (await complaint_of(bot, code)).status is Status.BARU


async def test_a_rejection_needs_its_reason_and_only_camat_or_sekcam_reopen(
    bot: BotHarness, bot_client: WebClient
) -> None:
    code = await file_complaint(bot.person())
    csrf = await signed_in(bot_client, TRANTIB_ID)
    rejected = await bot_client.post(
        f"/laporan/{code}/pindah",
        data={"csrf": csrf, "expected": "baru", "target": "ditolak", "reason": "duplikat",
              "note": "Sama dengan laporan kemarin."},
    )  # fmt: skip
    assert rejected.status_code == 303
    closed = await complaint_of(bot, code)
    assert (closed.status, closed.reject_reason) == (Status.DITOLAK, "duplikat")
    # No reopen for Trantib: neither offered nor accepted.
    assert t("trantib.reopen") not in page_text((await bot_client.get(f"/laporan/{code}")).text)
    refused = await bot_client.post(
        f"/laporan/{code}/pindah",
        data={"csrf": csrf, "expected": "ditolak", "target": "diproses", "note": NOTE},
    )
    assert refused.status_code == 403
    async with WebClient(bot_client.app, str(bot_client.base_url)) as camat:
        camat_csrf = await signed_in(camat, CAMAT_ID)
        assert t("trantib.reopen") in page_text((await camat.get(f"/laporan/{code}")).text)
        reopened = await camat.post(
            f"/laporan/{code}/pindah",
            data={"csrf": camat_csrf, "expected": "ditolak", "target": "diproses", "note": NOTE},
        )
        assert reopened.status_code == 303
        assert reopened.headers["location"].endswith("dibuka=1")
    assert (await complaint_of(bot, code)).status is Status.DIPROSES


async def test_photos_are_served_to_officials_from_the_kept_copy(
    bot: BotHarness, bot_client: WebClient, tmp_path: Path
) -> None:
    code = await file_complaint(bot.person(), photos=1)
    await settle(bot.application)  # the photo is copied under photo_dir
    csrf = await signed_in(bot_client, TRANTIB_ID)
    assert csrf
    complaint = await complaint_of(bot, code)
    [kept] = complaint.photos
    assert kept.local_path is not None
    answer = await bot_client.get(f"/laporan/{code}/foto/1")
    assert answer.status_code == 200
    assert answer.content == await asyncio.to_thread(Path(kept.local_path).read_bytes)
    assert (await bot_client.get(f"/laporan/{code}/foto/2")).status_code == 404
    # A path outside photo_dir is never served, whatever the row says.
    outside = tmp_path / "secret.txt"
    outside.write_text("not a photo", encoding="utf-8")
    database = Database(bot.config.database.url)
    async with database.transaction() as session:
        row = await session.scalar(select(ComplaintPhoto))
        assert row is not None
        row.local_path = str(outside)
    await database.dispose()
    assert (await bot_client.get(f"/laporan/{code}/foto/1")).status_code == 404


async def test_the_date_filter_counts_the_kecamatans_local_days(
    bot: BotHarness, bot_client: WebClient
) -> None:
    from datetime import UTC, datetime

    now = bot.clock.now
    bot.clock.now = datetime(2025, 2, 16, 16, 30, tzinfo=UTC)  # 23.30 WIB on the 16th
    late = (await stored_directly(bot)).code
    bot.clock.now = datetime(2025, 2, 16, 17, 30, tzinfo=UTC)  # 00.30 WIB on the 17th
    early = (await stored_directly(bot)).code
    bot.clock.now = now
    await signed_in(bot_client, TRANTIB_ID)

    def codes(html: str) -> list[str]:
        return re.findall(r'href="/laporan/(TRB-[0-9-]+)"', html)

    on_17th = await bot_client.get(
        "/laporan", params={"dari": "2025-02-17", "sampai": "2025-02-17"}
    )
    assert codes(on_17th.text) == [early]
    until_16th = await bot_client.get("/laporan", params={"sampai": "2025-02-16"})
    assert codes(until_16th.text) == [late]
