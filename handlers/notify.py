"""What a move of a complaint owes to others: the reporter's news and the refresh of its card.

Both are written to the outbox in the move's own transaction (:func:`queue_move_news`) and
delivered by ``handlers/delivery.py``: a Bot API error, or a kill right after the commit, can
no longer lose the news or leave the card showing the old status. A reporter who blocked the
bot (``residents.blocked``) is not written to. The news goes to the channel the reporter wrote
from; for a WhatsApp reporter it also names the approved template that goes instead when their
24-hour window is closed (``bot/whatsapp``), a Telegram reporter's news has none.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.whatsapp.rules import status_template
from db import complaints, outbox
from db.complaints import ComplaintRecord
from db.outbox import NewMessage
from db.residents import TELEGRAM, WHATSAPP
from handlers import complaint_views as views
from handlers.context import Services
from handlers.delivery import Kind
from i18n import Texts
from iku.complaints import RATING_SCORES, Status


async def queue_move_news(
    session: AsyncSession,
    services: Services,
    complaint: ComplaintRecord,
    note: str,
    now: datetime,
    *,
    reopened: bool = False,
) -> bool:
    """Write the card's refresh and the reporter's news of ``complaint`` (as it is after the
    move) to the outbox; True when a reporter will be told, False when there is nobody to tell
    (entered by an official) or they blocked the bot."""
    group = complaint.card_chat_id or services.config.telegram.trantib_chat_id
    if group:
        card = NewMessage(Kind.CARD, TELEGRAM, str(group), complaint_id=complaint.id)
        await outbox.queue_message(session, card, now)
    contact = await complaints.fetch_reporter_contact(session, complaint.id)
    if contact is None or contact.blocked:
        return False
    t = services.catalog.for_language(contact.language)
    text = views.news_text(t, complaint, note, reopened=reopened)
    payload: dict[str, object] = {"text": text, "buttons": rating_rows(t, complaint)}
    if contact.channel == WHATSAPP:
        status = views.status_label(t, complaint.status, complaint.reject_reason)
        payload["template"] = status_template(complaint.code, status, note, contact.language)
    news = NewMessage(
        Kind.NEWS, contact.channel, contact.external_id, payload, complaint_id=complaint.id
    )
    await outbox.queue_message(session, news, now)
    return True


def rating_rows(t: Texts, complaint: ComplaintRecord) -> list[list[tuple[str, str]]]:
    """After Selesai the news carries the rating buttons, one per row; none before."""
    if complaint.status is not Status.SELESAI:
        return []
    return [
        [(t(f"complaint.rating.r{score}"), f"rt:{complaint.id}:{score}")] for score in RATING_SCORES
    ]
