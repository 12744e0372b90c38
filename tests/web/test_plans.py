"""``/program`` and ``/kegiatan``: the year's plans entered with the bot's checks and the same
audit trail (who, when, what) as ``/program``, ``/kegiatan`` and the imports."""

from __future__ import annotations

from sqlalchemy import select

from db import indicators
from db.indicators import ActivityInput, ProgramInput
from db.models import EntryAudit
from i18n import catalog
from iku.periods import local_today
from iku.report import format_date
from tests.factories import CAMAT_ID, PMKS_ID, SEKCAM_ID, TRANTIB_ID
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")


async def audit(client: WebClient) -> list[tuple[str, str, str, dict[str, object]]]:
    async with client.services.database.sessions() as session:
        rows = await session.scalars(select(EntryAudit).order_by(EntryAudit.id))
        return [(row.entity, row.action, row.actor, row.details) for row in rows]


async def planned(client: WebClient) -> tuple[int, int]:
    """An indicator (target 10) and an activity (planned in March) of this year: their ids."""
    services = client.services
    year = local_today(services.config.kecamatan.tz, services.clock()).year
    async with services.database.transaction() as session:
        await indicators.upsert_programs(
            session, [ProgramInput(year, "P-01", "Posyandu aktif", "", 10, "desa")],
            actor="cli:plan.csv", now=services.clock(),
        )  # fmt: skip
        await indicators.upsert_activities(
            session, [ActivityInput(year, "Pelatihan UMKM", 3)], actor="cli:plan.csv",
            now=services.clock(),
        )  # fmt: skip
        program = (await indicators.fetch_programs(session, year))[0]
        activity = (await indicators.fetch_activities(session, year))[0]
    return program.id, activity.id


async def test_a_new_indicator_is_checked_as_an_import_row_and_audited(client: WebClient) -> None:
    csrf = await signed_in(client, SEKCAM_ID)
    year = local_today(client.services.config.kecamatan.tz, client.services.clock()).year
    form = {"csrf": csrf, "tahun": str(year), "kode": "P-07", "nama": "Rapat koordinasi",
            "target": "dua belas", "satuan": "kali", "arah": "naik"}  # fmt: skip
    wrong = await client.post("/program/baru", data=form)
    assert wrong.status_code == 400
    text = page_text(wrong.text)
    assert t("web.plans.not_saved") in text
    problem = t("table.not_number", value="dua belas")
    assert t("web.plans.field_problem", field=t("web.plans.target"), problem=problem) in text
    assert await audit(client) == []
    added = await client.post("/program/baru", data={**form, "target": "12"})
    assert added.status_code == 200
    text = page_text(added.text)
    assert t("web.plans.program_added", code="P-07", year=year) in text
    assert "P-07 · Rapat koordinasi" in text
    assert t("web.plans.programs_summary", achieved="0", total="1") in text
    changed = await client.post("/program/baru", data={**form, "target": "8,5"})
    assert t("web.plans.program_updated", code="P-07", year=year) in page_text(changed.text)
    entries = await audit(client)
    assert [(e[0], e[1], e[2]) for e in entries] == [
        ("program", "entry", f"telegram:{SEKCAM_ID}"),
        ("program", "entry", f"telegram:{SEKCAM_ID}"),
    ]
    assert entries[-1][3]["target"] == 8.5


async def test_a_realization_and_a_decision_as_in_the_bot(client: WebClient) -> None:
    program_id, _ = await planned(client)
    csrf = await signed_in(client, CAMAT_ID)
    bad = await client.post(
        f"/program/{program_id}/realisasi", data={"csrf": csrf, "realisasi": "x"}
    )
    assert bad.status_code == 400
    assert t("plans.bad_number") in page_text(bad.text)
    saved = await client.post(
        f"/program/{program_id}/realisasi", data={"csrf": csrf, "realisasi": "12,5"}
    )
    assert saved.status_code == 200
    text = page_text(saved.text)
    status = t("plans.achieved")
    assert t("web.plans.program_saved", code="P-01", status=status) in text
    assert f"{t('web.plans.realization')} 12,50" in text
    assert t("web.plans.programs_summary", achieved="1", total="1") in text
    short = await client.post(
        f"/program/{program_id}/keputusan",
        data={"csrf": csrf, "keputusan": "tidak", "catatan": "x"},
    )
    assert short.status_code == 400
    assert t("plans.bad_note") in page_text(short.text)
    decided = await client.post(
        f"/program/{program_id}/keputusan",
        data={"csrf": csrf, "keputusan": "tidak", "catatan": "Data desa belum diverifikasi"},
    )
    text = page_text(decided.text)
    status = t("plans.not_achieved")
    assert t("web.plans.program_saved", code="P-01", status=status) in text
    assert f"{status} ({t('plans.by_decision')})" in text
    entries = await audit(client)
    assert [(e[1], e[2]) for e in entries[2:]] == [
        ("realization", f"telegram:{CAMAT_ID}"),
        ("decision", f"telegram:{CAMAT_ID}"),
    ]
    assert entries[-1][3]["note"] == "Data desa belum diverifikasi"
    assert entries[-1][3]["achieved"] is False


async def test_pmks_marks_an_activity_facilitated_once(client: WebClient) -> None:
    _, activity_id = await planned(client)
    csrf = await signed_in(client, PMKS_ID)
    page = page_text((await client.get("/kegiatan")).text)
    assert "Pelatihan UMKM" in page and t("web.plans.not_facilitated") in page
    today = local_today(client.services.config.kecamatan.tz, client.services.clock())
    future = today.replace(year=today.year + 1).isoformat()
    wrong = await client.post(
        f"/kegiatan/{activity_id}/fasilitasi",
        data={"csrf": csrf, "tanggal": future, "peserta": "tiga puluh", "catatan": ""},
    )
    assert wrong.status_code == 400
    text = page_text(wrong.text)
    assert t("plans.bad_date") in text and t("plans.bad_participants") in text
    form = {"csrf": csrf, "tanggal": today.isoformat(), "peserta": "1.250", "catatan": "Balai desa"}
    saved = await client.post(f"/kegiatan/{activity_id}/fasilitasi", data=form)
    assert saved.status_code == 200
    day = format_date(today, t)
    text = page_text(saved.text)
    assert t("plans.activity_saved", name="Pelatihan UMKM", date=day, participants="1.250") in text
    assert t("web.plans.activities_summary", done="1", total="1") in text
    again = await client.post(f"/kegiatan/{activity_id}/fasilitasi", data=form)
    assert again.status_code == 409
    assert t("web.plans.already_facilitated", name="Pelatihan UMKM") in page_text(again.text)
    entries = await audit(client)
    assert [(e[0], e[1], e[2]) for e in entries[2:]] == [
        ("activity", "facilitated", f"telegram:{PMKS_ID}")
    ]
    assert entries[-1][3]["participants"] == 1250
    # PMKS enters activities only, as in the bot.
    assert (await client.get("/program")).status_code == 403


async def test_a_planned_activity_is_added_and_moved(client: WebClient) -> None:
    csrf = await signed_in(client, CAMAT_ID)
    year = local_today(client.services.config.kecamatan.tz, client.services.clock()).year
    form = {"csrf": csrf, "tahun": str(year), "nama": "Bimtek BUMDes", "bulan": "13"}
    wrong = await client.post("/kegiatan/baru", data=form)
    assert wrong.status_code == 400
    problem = t("table.not_month", value="13")
    assert t("web.plans.field_problem", field=t("web.plans.month"), problem=problem) in page_text(
        wrong.text
    )
    added = await client.post("/kegiatan/baru", data={**form, "bulan": "5"})
    text = page_text(added.text)
    assert t("web.plans.activity_added", name="Bimtek BUMDes", year=year) in text
    assert f"Bimtek BUMDes {t('web.plans.month')} {t('months.m5')}" in text
    moved = await client.post("/kegiatan/baru", data={**form, "bulan": "7"})
    assert t("web.plans.activity_updated", name="Bimtek BUMDes", year=year) in page_text(moved.text)
    assert [(e[0], e[1]) for e in await audit(client)] == [("activity", "entry")] * 2


async def test_trantib_enters_no_plan_and_an_unknown_entry_is_told(client: WebClient) -> None:
    program_id, _ = await planned(client)
    csrf = await signed_in(client, TRANTIB_ID)
    for path in ("/program", "/kegiatan"):
        assert (await client.get(path)).status_code == 403
    refused = await client.post(
        f"/program/{program_id}/realisasi", data={"csrf": csrf, "realisasi": "99"}
    )
    assert refused.status_code == 403
    csrf = await signed_in(client, SEKCAM_ID)
    gone = await client.post("/program/999999/realisasi", data={"csrf": csrf, "realisasi": "1"})
    assert gone.status_code == 404
    assert t("web.plans.gone") in page_text(gone.text)
    assert [e[1] for e in await audit(client)] == ["import", "import"]
