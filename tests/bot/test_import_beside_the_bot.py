"""An import never stops the bot: while ``ajung-bot survey import`` or ``program import`` stores
thousands of rows, as a process of its own beside the bot, the bot's writes (here: recording a
resident, which it does on every update) still finish within a fraction of a second.

On SQLite the import and the bot take turns on the file's one write lock; an import held in one
transaction once kept it for 80 s, and every resident who reported meanwhile got "database is
locked". PostgreSQL locks rows, not the database: there the test shows the same promise kept.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import ProgramIndicator, SurveyResponse
from db.residents import record_resident
from iku.format import format_number
from iku.survey_forms import COLUMNS
from tests.bot.test_plan_import import count

ROOT = Path(__file__).resolve().parents[2]
SLOWEST_WRITE = 0.5  # seconds a resident's write may wait for the import on a quiet machine
# On a loaded machine a batch takes longer: a write may then wait for one batch, a small share
# of the whole import, never for the whole of it (one transaction made it wait 80 s).
SHARE_OF_IMPORT = 0.25


def survey_file(path: Path, count: int) -> Path:
    lines = [";".join(COLUMNS)]
    for number in range(count):
        day = f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}"
        answers = ";".join(str(1 + (number + unsur) % 4) for unsur in range(9))
        lines.append(f"{day};;KTP;L;{18 + number % 60};SMA;PNS;{answers};saran {number}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def program_file(path: Path, count: int) -> Path:
    lines = ["tahun,kode,nama,target,satuan,realisasi"]
    lines += [f"2025,P{number},Indikator {number},100,%,{number % 120}" for number in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


IMPORTS = {
    "survey": (("survey", "import"), survey_file, 30_000, SurveyResponse),
    "program": (("program", "import"), program_file, 10_000, ProgramIndicator),
}


@pytest.mark.parametrize("kind", IMPORTS)
async def test_the_bot_keeps_writing_while_an_import_stores_its_rows(
    tmp_path: Path, database_url: str, kind: str
) -> None:
    command, make_file, total, model = IMPORTS[kind]
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    path = make_file(tmp_path / f"{kind}.csv", total)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), *command, str(path),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    finished = asyncio.ensure_future(process.communicate())
    began = time.monotonic()
    bot = Database(database_url)  # the bot's own engine, as in the bot's process
    waits: list[float] = []
    while_storing: list[float] = []
    try:
        async with asyncio.timeout(240):
            while not finished.done():
                async with bot.sessions() as session:
                    stored = await session.scalar(select(func.count()).select_from(model))
                started = time.monotonic()
                async with bot.transaction() as session:
                    await record_resident(
                        session,
                        person=5_550_000 + len(waits),
                        display_name="Siti",
                        language="id",
                        seen_at=datetime(2025, 2, 17, 2, tzinfo=UTC),
                    )
                waits.append(time.monotonic() - started)
                if 0 < (stored or 0) < total:
                    while_storing.append(waits[-1])
                await asyncio.wait([finished], timeout=0.01)
    finally:
        await bot.dispose()
    importing = time.monotonic() - began
    out, err = finished.result()
    assert (process.returncode, err.decode()) == (0, "")
    assert out.decode().strip()
    longest = max(SLOWEST_WRITE, importing * SHARE_OF_IMPORT)
    assert max(waits) < longest, (importing, sorted(waits)[-5:])
    assert len(while_storing) >= 5, "the import's batches were never seen half done"


async def count_stored(database_url: str, model: type) -> int:
    return await asyncio.to_thread(count, database_url, model)


async def test_an_import_killed_between_batches_is_completed_by_running_it_again(
    tmp_path: Path, database_url: str
) -> None:
    """The batches are committed one by one: a killed import keeps what it stored, and the same
    command again stores the rest, each form once (its import key)."""
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    path = survey_file(tmp_path / "formulir.csv", 20_000)
    command = (sys.executable, "-m", "bot", "--config", str(config), "survey", "import", str(path))
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT)
    async with asyncio.timeout(240):
        while not 0 < await count_stored(database_url, SurveyResponse) < 20_000:
            assert process.returncode is None, "the import ended before it was stopped"
            await asyncio.sleep(0.01)
    process.kill()
    await process.wait()
    kept = await count_stored(database_url, SurveyResponse)
    assert 0 < kept < 20_000

    again = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await again.communicate()
    assert (again.returncode, err.decode()) == (0, "")
    assert out.decode() == (
        f"formulir.csv: {format_number(20_000 - kept)} formulir baru diimpor, "
        f"{format_number(kept)} sudah pernah diimpor, 0 baris salah dilewati.\n"
    )
    assert await count_stored(database_url, SurveyResponse) == 20_000
