"""The copies of complaints' photos under ``[complaints] photo_dir`` when the disk fails."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import ComplaintPhoto
from handlers import complaint_card
from handlers.context import services_of
from tests.factories import BotHarness, file_complaint

PHONE_JPEG = b"\xff\xd8\xff\xe0 offline jpeg"  # what the offline phone sends


class FullDisk:
    """Writes under ``folder`` stop half-way with ENOSPC while ``full``, as on a full disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
        self.full = True
        real_write = Path.write_bytes

        def write_bytes(path: Path, data: bytes) -> int:  # type: ignore[override]
            if self.full and folder in path.parents:
                with path.open("wb") as handle:
                    handle.write(bytes(data)[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(path, data)

        monkeypatch.setattr(Path, "write_bytes", write_bytes)


def copies(folder: Path) -> list[Path]:
    """What the photo folder holds, hidden temporary files included."""
    return sorted(folder.iterdir())


def put_a_file_in_the_way(folder: Path) -> None:
    """A file where the photo folder should be: no folder can be made, nothing written there."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_bytes(b"")


async def stored_path(bot: BotHarness) -> str | None:
    async with services_of(bot.application).database.sessions() as session:
        return await session.scalar(select(ComplaintPhoto.local_path))


async def test_a_photo_is_kept_once_a_full_disk_has_room_again(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(bot.config.complaints.photo_dir)
    disk = FullDisk(monkeypatch, folder)
    start = bot.clock()
    code = await file_complaint(bot.person(), photos=1)
    tried_at_hours: list[float] = []

    def count_tries() -> None:
        tries = sum(call.method == "downloadFile" for call in bot.api.calls)
        while len(tried_at_hours) < tries:
            tried_at_hours.append((bot.clock() - start).total_seconds() / 3600)

    count_tries()
    for _ in range(30):  # the catch-up job, every hour of a day and more, the disk still full
        bot.clock.advance(hours=1)
        await complaint_card.catch_up(bot.context())
        count_tries()
        assert copies(folder) == []  # no empty or cut copy left behind
    assert tried_at_hours == [0, 1, 2, 3, 6, 12, 24]  # again and again, less and less often
    assert await stored_path(bot) is None

    disk.full = False
    bot.clock.advance(hours=17)  # 47 hours after the complaint
    await complaint_card.catch_up(bot.context())
    assert await stored_path(bot) is None  # the next try is not due yet
    bot.clock.advance(hours=1)
    await complaint_card.catch_up(bot.context())
    kept = folder / f"{code}-1.jpg"
    assert await stored_path(bot) == str(kept)
    assert copies(folder) == [kept]
    assert kept.stat().st_size == len(PHONE_JPEG)  # the whole photo, as the phone sent it


async def test_a_photo_folder_that_cannot_be_made_is_tried_again_later(bot: BotHarness) -> None:
    folder = Path(bot.config.complaints.photo_dir)
    put_a_file_in_the_way(folder)
    code = await file_complaint(bot.person(), photos=1)
    for _ in range(4):
        bot.clock.advance(hours=3)
        await complaint_card.catch_up(bot.context())
    assert await stored_path(bot) is None
    os.remove(folder)
    bot.clock.advance(days=1)
    await complaint_card.catch_up(bot.context())
    assert copies(folder) == [folder / f"{code}-1.jpg"]
    assert await stored_path(bot) == str(folder / f"{code}-1.jpg")
