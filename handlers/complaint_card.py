"""Publishing a complaint: its card in the Trantib group (edited in place at every move) and
the copy of its photos kept under ``[complaints] photo_dir``.

Both happen after the complaint is committed and the reporter has their code. If the bot stops
in between, :func:`catch_up` (a scheduled job) posts the missing cards and downloads the missing
photos, so no complaint stays invisible to the officials.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, TelegramError

from db import complaints
from db.complaints import ComplaintRecord, PhotoRecord
from handlers import complaint_views as views
from handlers.context import AppContext, Services, services_of, when_quiet
from handlers.replies import keyboard
from i18n import Texts
from iku.complaints import CLOSED_STATUSES, REOPENED_STATUS, moves_from
from iku.periods import local_today

log = logging.getLogger(__name__)

# A complaint this young may still be being published by its own handler: leave it to that.
CARD_GRACE = timedelta(minutes=2)
# Most cards the catch-up job tries in one run (it runs every few minutes).
CARDS_PER_RUN = 200
# After a failed copy of a photo (a full disk, the Bot API down), the next try waits this long
# after the first failure, the second... (the catch-up job looks every few minutes): about four
# days in all, so a disk that filled up on a Friday evening is still in time on Monday. Then
# the copy is given up (the photo stays in Telegram, the card shows it).
PHOTO_RETRY_WAITS = (
    timedelta(0),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
    timedelta(hours=24),
    timedelta(hours=24),
)
MAX_DOWNLOAD_ATTEMPTS = len(PHOTO_RETRY_WAITS) + 1


def group_texts(services: Services) -> Texts:
    """The officials' group reads the bot's default language."""
    return services.catalog.for_language(services.config.bot.default_language)


def move_buttons(
    t: Texts, complaint: ComplaintRecord, *, reopen: bool = True
) -> InlineKeyboardMarkup | None:
    """The next step forward on its own row, the side exits below; once closed, the button
    that reopens it (``reopen``: for whoever may see it; only the Camat and the Sekcam may
    use it), else none.

    The data carries the status the card shows, so a press on an out-of-date card is noticed.
    """
    targets = moves_from(complaint.status)
    if not targets:
        if not reopen or complaint.status not in CLOSED_STATUSES:
            return None
        data = f"tr:{complaint.id}:{complaint.status}:{REOPENED_STATUS}"
        return keyboard([[(t("trantib.reopen"), data)]])
    buttons = [
        (t(f"trantib.move.{target.value}"), f"tr:{complaint.id}:{complaint.status}:{target}")
        for target in targets
    ]
    return keyboard([buttons[:1], buttons[1:]])


async def publish(application: Any, complaint_id: int) -> None:
    """The new complaint's card, map pin and photos to the Trantib group, then its photos
    kept: after the reporter's answer, each step in a quiet moment (:func:`when_quiet`)."""
    await when_quiet(application)
    await post_card(application, complaint_id)
    await keep_photos(application, complaint_id)


async def post_card(application: Any, complaint_id: int) -> None:
    """Post the card (then the map pin and the photos under it) to the Trantib group."""
    services = services_of(application)
    chat_id = services.config.telegram.trantib_chat_id
    if not chat_id:
        log.warning("[telegram] trantib_chat_id is not set: complaint cards are not posted")
        return
    found = await _complaint_and_card(services, complaint_id)
    if found is None or found[0].card_message_id is not None:
        return
    complaint, text = found
    t = group_texts(services)
    params = {"chat_id": chat_id, "text": text, "reply_markup": move_buttons(t, complaint)}
    try:
        # Only the card's id is read from Telegram's answer (see replies._call).
        card = await application.bot._post("sendMessage", params)
    except TelegramError as error:
        log.warning("card of %s not posted: %s", complaint.code, type(error).__name__)
        return
    card_id = int(card["message_id"])
    await when_quiet(application)
    async with services.database.transaction() as session:
        await complaints.record_card(session, complaint.id, chat_id, card_id)
    await _post_attachments(application, t, complaint, chat_id, card_id)


async def _post_attachments(
    application: Any, t: Texts, complaint: ComplaintRecord, chat_id: int, card_id: int
) -> None:
    # Telegram's answers (the whole message, the photo in every size) are not read.
    bot = application.bot
    under_card = {
        "chat_id": chat_id,
        "reply_parameters": ReplyParameters(message_id=card_id, allow_sending_without_reply=True),
    }
    try:
        if complaint.latitude is not None and complaint.longitude is not None:
            where = {"latitude": complaint.latitude, "longitude": complaint.longitude}
            await bot._post("sendLocation", {**under_card, **where})
        for photo in complaint.photos:
            caption = t("trantib.photo_caption", position=photo.position, code=complaint.code)
            await bot._post("sendPhoto", {**under_card, "photo": photo.file_id, "caption": caption})
    except TelegramError as error:
        log.warning("attachments of %s not posted: %s", complaint.code, type(error).__name__)


async def edit_card(application: Any, complaint_id: int) -> None:
    """Edit the card in place to show the complaint as it is now.

    Telegram's errors reach the caller (the outbox decides whether to try again). A card that
    was never posted is left to :func:`post_card`, which posts it as it is then.
    """
    services = services_of(application)
    found = await _complaint_and_card(services, complaint_id)
    if found is None:
        return
    complaint, text = found
    if complaint.card_chat_id is None or complaint.card_message_id is None:
        return
    # Telegram's answer (the edited message) is not read.
    await application.bot._post(
        "editMessageText",
        {
            "chat_id": complaint.card_chat_id,
            "message_id": complaint.card_message_id,
            "text": text,
            "reply_markup": move_buttons(group_texts(services), complaint),
        },
    )


async def _complaint_and_card(
    services: Services, complaint_id: int
) -> tuple[ComplaintRecord, str] | None:
    """The complaint and its card's text as it is now, with its latest move."""
    async with services.database.sessions() as session:
        complaint = await complaints.fetch_complaint(session, complaint_id)
        if complaint is None:
            return None
        events = await complaints.fetch_events(session, complaint_id)
    tz = services.config.kecamatan.tz
    today = local_today(tz, services.clock())
    last = views.last_move(events)
    return complaint, views.card_text(group_texts(services), complaint, tz, today, last)


async def refresh_card(application: Any, complaint: ComplaintRecord) -> None:
    """:func:`edit_card` for a press on an out-of-date card; a failure is only logged (the
    card is refreshed again at the next move)."""
    try:
        await edit_card(application, complaint.id)
    except BadRequest as error:
        if "not modified" not in error.message:
            log.warning("card of %s not updated: %s", complaint.code, error.message)
    except TelegramError as error:
        log.warning("card of %s not updated: %s", complaint.code, type(error).__name__)


async def keep_photos(application: Any, complaint_id: int | None = None) -> None:
    """Copy the photos due (of one complaint, or of all) into ``photo_dir``; a failed copy is
    tried again later, after the next wait of :data:`PHOTO_RETRY_WAITS`."""
    services = services_of(application)
    await when_quiet(application)
    async with services.database.sessions() as session:
        waiting = await complaints.fetch_photos_to_download(
            session,
            now=services.clock(),
            max_attempts=MAX_DOWNLOAD_ATTEMPTS,
            complaint_id=complaint_id,
        )
    folder = Path(services.config.complaints.photo_dir)
    for due in waiting:
        path = await _download(application, folder, due.code, due.photo)
        retry_at = None
        if path is None and due.attempts < len(PHOTO_RETRY_WAITS):
            retry_at = services.clock() + PHOTO_RETRY_WAITS[due.attempts]
        await when_quiet(application)
        async with services.database.transaction() as session:
            await complaints.record_photo_download(session, due.photo.id, path, retry_at=retry_at)


async def _download(application: Any, folder: Path, code: str, photo: PhotoRecord) -> str | None:
    """The photo copied to ``folder`` (its path), or None when that failed.

    Written under a temporary name in the same folder and renamed once complete, so that a
    full disk leaves neither an empty nor a cut file under the photo's name; the temporary
    file goes whatever happens.
    """
    partial: Path | None = None
    try:
        file = await application.bot.get_file(photo.file_id)
        suffix = Path(file.file_path or "").suffix or ".jpg"
        path = folder / f"{code}-{photo.position}{suffix}"
        partial = _temporary_file(path)
        content = await file.download_as_bytearray()
        # The disk's time is a worker thread's, not the event loop's (a slow card, a USB disk).
        await asyncio.to_thread(partial.write_bytes, content)
        partial.replace(path)
    except (TelegramError, OSError) as error:
        # The file URL embeds the bot token: log the kind of error only.
        log.warning("photo %s of %s not kept: %s", photo.position, code, type(error).__name__)
        return None
    finally:
        if partial is not None:
            with suppress(OSError):
                partial.unlink(missing_ok=True)  # already renamed when all went well
    return str(path)


def _temporary_file(path: Path) -> Path:
    """A new empty file beside ``path``, hidden, named after it (two tries never share one);
    the folder is made first if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    return Path(name)


async def catch_up(context: AppContext) -> None:
    """Job: post the cards and keep the photos that a stop of the bot left undone.

    Walks every complaint without a card (up to :data:`CARDS_PER_RUN` a run), so one whose
    card keeps failing never holds back the ones after it.
    """
    application = context.application
    services = services_of(application)
    received_before = services.clock() - CARD_GRACE
    if services.config.telegram.trantib_chat_id:
        after_id, tried = 0, 0
        while tried < CARDS_PER_RUN:
            async with services.database.sessions() as session:
                missing = await complaints.fetch_without_card(
                    session, received_before=received_before, after_id=after_id
                )
            if not missing:
                break
            for complaint_id in missing:
                await when_quiet(application)
                await post_card(application, complaint_id)
            after_id, tried = missing[-1], tried + len(missing)
    await keep_photos(application)
