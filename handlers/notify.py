"""Messages to a person outside their own conversation: news of their complaint.

A person who blocked the bot is marked (``residents.blocked``) and not tried again; Telegram's
"retry after" answers are waited out by the application's rate limiter; any other failure is
logged, without the person's identity, and the news is given up (``/status`` still shows it).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from db import complaints, residents
from db.complaints import ComplaintRecord
from handlers import complaint_views as views
from handlers.context import services_of
from handlers.replies import keyboard
from iku.complaints import RATING_SCORES, Status

log = logging.getLogger(__name__)


async def send_to_person(
    application: Any,
    person: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    template: dict[str, Any] | None = None,
) -> bool:
    """Send ``text`` to the private chat of ``person``; False when it did not arrive.

    ``template`` is what a channel that limits free-form messages sends instead (WhatsApp,
    24 hours after the person's last message): ``{"name": <[whatsapp.templates] key>,
    "parameters": [...]}``. Telegram never sees it.
    """
    extra = {"template": template} if template is not None else None
    try:
        await application.bot.send_message(person, text, reply_markup=markup, api_kwargs=extra)
    except Forbidden:
        async with services_of(application).database.transaction() as session:
            await residents.mark_blocked(session, person)
        log.info("a reporter has blocked the bot; marked, will not retry")
        return False
    except TelegramError as error:
        log.warning("news for a reporter not sent: %s", type(error).__name__)
        return False
    return True


async def tell_reporter(application: Any, complaint: ComplaintRecord, note: str) -> bool:
    """Tell the reporter of ``complaint`` its new status and the official's note, in their
    language; after Selesai, with the rating buttons. False when there is nobody to tell."""
    services = services_of(application)
    async with services.database.sessions() as session:
        contact = await complaints.fetch_reporter_contact(session, complaint.id)
    if contact is None or contact.blocked:
        return False
    t = services.catalog.for_language(contact.language)
    markup = None
    if complaint.status is Status.SELESAI:
        markup = keyboard(
            [
                [(t(f"complaint.rating.r{score}"), f"rt:{complaint.id}:{score}")]
                for score in RATING_SCORES
            ]
        )
    status = views.status_label(t, complaint.status, complaint.reject_reason)
    template = {"name": "status_update", "parameters": [complaint.code, status, note]}
    return await send_to_person(
        application, contact.person, views.news_text(t, complaint, note), markup, template
    )
