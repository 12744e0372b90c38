"""Residents' side of public-order complaints (laporan trantib, IKU 4): ``/lapor`` files one,
``/status`` follows them, and after Selesai the reporter rates the handling once.
"""

from __future__ import annotations

import enum
import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from db import complaints
from handlers import complaint_card
from handlers import complaint_views as views
from handlers.common import example_code
from handlers.complaint_form import (
    NEW_TEXT,
    RESIDENT_STEPS,
    ComplaintForm,
    draft_complaint,
    save_complaint,
)
from handlers.context import AppContext, MenuEntry, run_in_background
from handlers.dialogue import Dialogue
from handlers.replies import (
    PrivateOnly,
    answer_button,
    keyboard,
    main_menu,
    reply,
    typed_command,
)
from iku.complaints import NOTE_MAX, RATING_SCORES, Channel, parse_tracking_code
from iku.format import format_number
from iku.periods import local_today
from iku.text import clean_text, utf16_length

log = logging.getLogger(__name__)

MENU = (
    MenuEntry("menu.report", "menu:lapor"),
    MenuEntry("menu.status", "menu:status"),
)


class RatingStep(enum.IntEnum):
    COMMENT = 1


def dialogues() -> list[BaseHandler[Update, AppContext, Any]]:
    """The report form first: while it is open its steps win; the rating buttons pass it."""
    return [report_form(), RatingDialogue()]


class TrackingCode(filters.MessageFilter):
    """A text that is a tracking code and nothing else ("TRB-2026-0001", "trb-2026-1")."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and parse_tracking_code(message.text) is not None


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """A resident's own complaints, listed in their private chat only."""
    typed_code = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & TrackingCode()
    # A photo sent on its own, with no dialogue open (the draft it was for expired, or it comes
    # first): a report starts with it. Replies are officials' notes (handled after this).
    lone_photo = (
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.PHOTO & ~filters.REPLY
    )
    return [
        MessageHandler(lone_photo, start_with_photo),
        PrivateOnly(CommandHandler("status", show_status)),
        # A code sent on its own is a question about it: answered as /status CODE.
        MessageHandler(typed_code, show_typed_code),
        PrivateOnly(CallbackQueryHandler(show_status, pattern=r"^menu:status$")),
        PrivateOnly(CallbackQueryHandler(show_one, pattern=r"^st:[A-Za-z0-9-]{1,40}$")),
    ]


# ---------------------------------------------------------------------------- /lapor


REPORT = "complaint"


def report_form() -> ComplaintForm:
    return ComplaintForm(
        REPORT,
        prefix="lp",
        steps=RESIDENT_STEPS,
        command="lapor",
        menu_data="menu:lapor",
        begin=begin_report,
        submit=submit_report,
        intro_key="complaint.emergency",
        outside_button=True,
    )


async def begin_report(update: Update, context: AppContext) -> bool:
    """Refuse to start when the resident already has the day's maximum of open complaints."""
    assert update.effective_user is not None
    maximum = context.config.complaints.max_open_per_resident
    today = local_today(context.config.kecamatan.tz, context.services.clock())
    async with context.database.sessions() as session:
        count = await complaints.count_open_of_person(session, update.effective_user.id, today)
    if count < maximum:
        return True
    text = context.texts("complaint.limit", maximum=maximum)
    await reply(update, text, reply_markup=main_menu(context))
    return False


async def submit_report(update: Update, context: AppContext, draft: dict[str, Any]) -> bool:
    """Commit, then give the code, then publish the card: the resident hears only of a
    complaint that is safely stored."""
    assert update.effective_user is not None
    await answer_button(update)
    settings = context.config.complaints
    new = draft_complaint(draft, Channel.CHAT, reporter=update.effective_user.id)
    record = await save_complaint(context, new, open_limit=settings.max_open_per_resident)
    if record is None:
        await reply(
            update, context.texts("complaint.limit_kept", maximum=settings.max_open_per_resident)
        )
        return False
    text = context.texts("complaint.saved", code=record.code)
    await reply(update, text, reply_markup=main_menu(context))
    # The officials' card follows on its own: the reporter's next message need not wait for it.
    publish = complaint_card.publish(context.application, record.id)
    run_in_background(context.application, publish, name=f"publish {record.code}")
    return True


async def start_with_photo(update: Update, context: AppContext) -> None:
    """A photo in a private chat where no dialogue is open: start /lapor, then hand the photo
    to the form, which keeps it for its photo step (within the limit)."""
    assert context.user_data is not None
    await context.application.process_update(typed_command(update, "/lapor"))
    if REPORT in context.user_data:  # begun (not refused over the daily limit)
        await context.application.process_update(update)


# ---------------------------------------------------------------------------- /status


async def show_status(update: Update, context: AppContext) -> None:
    """``/status`` lists the person's complaints; ``/status CODE`` shows one with its history."""
    await answer_button(update)
    if context.args:
        await _show_code(update, context, parse_tracking_code(" ".join(context.args)))
        return
    person = update.effective_user
    assert person is not None
    # One small indexed read: on the loop's thread, not a trip that waits for the loop again.
    own = await context.database.read(
        lambda session: complaints.fetch_own_complaints(session, person.id)
    )
    t = context.texts
    if not own:
        await reply(update, t("status.none"), reply_markup=main_menu(context))
        return
    buttons = keyboard([[(c.code, f"st:{c.code}")] for c in own])
    await reply(update, views.status_list(t, own), reply_markup=buttons)


async def show_typed_code(update: Update, context: AppContext) -> None:
    assert update.message is not None and update.message.text is not None
    await _show_code(update, context, parse_tracking_code(update.message.text))


async def show_one(update: Update, context: AppContext) -> None:
    """A code button of the ``/status`` list (or forged data: then "not found")."""
    await answer_button(update)
    query = update.callback_query
    assert query is not None and isinstance(query.data, str)
    await _show_code(update, context, parse_tracking_code(query.data.removeprefix("st:")))


async def _show_code(update: Update, context: AppContext, code: str | None) -> None:
    """One complaint of the person's. A code that does not exist and one of somebody else's
    get the same answer, so nobody can find out which codes exist."""
    assert update.effective_user is not None
    found = None
    if code is not None:
        async with context.database.sessions() as session:
            found = await complaints.fetch_own_complaint(session, update.effective_user.id, code)
    if found is None:
        await reply(update, context.texts("status.not_found", example=example_code(context)))
        return
    complaint, events = found
    tz = context.config.kecamatan.tz
    for text in views.resident_detail(context.texts, complaint, events, tz):
        await reply(update, text)


# ---------------------------------------------------------------------------- rating


# What a refused rating press is told, by outcome of :func:`db.complaints.rate_complaint`.
REFUSALS = {
    "already": "complaint.rating.already",
    "not_found": "complaint.rating.not_yours",
    "not_done": "complaint.rating.not_done",
}
_RATING_DATA = re.compile(r"rt:(\d{1,18}):(.*)", re.DOTALL)


def parse_rating(data: str) -> tuple[int, int] | str:
    """``rt:<complaint id>:<score>`` as (id, score), or the catalog key of the answer to a
    press that is not a rating: a score outside 1-4 (or not a number) is told so plainly;
    anything else is an old or forged button."""
    match = _RATING_DATA.fullmatch(data)
    if match is None:
        return "fallback.stale_button"
    score = match.group(2)
    if score not in {str(allowed) for allowed in RATING_SCORES}:
        return "complaint.rating.invalid_score"
    return int(match.group(1)), int(score)


class RatingDialogue(Dialogue):
    """The rating buttons under the Selesai news, then an optional comment.

    The comment step lets everything it does not expect pass to the other handlers (the menu,
    /lapor...), so a resident who does not want to comment is never stuck; left idle it ends
    without a word.
    """

    quiet_expiry = True

    def __init__(self) -> None:
        super().__init__(
            "complaint_rating",
            # Every rt: press but Lewati comes here, forged ones too, to be answered clearly.
            entry_points=[CallbackQueryHandler(self.rate, pattern=r"^rt:(?!skip$)")],
            states={
                RatingStep.COMMENT: [
                    MessageHandler(NEW_TEXT, self.comment),
                    CallbackQueryHandler(self.skip, pattern=r"^rt:skip$"),
                ]
            },
        )

    def _standard_fallbacks(self) -> list[BaseHandler[Update, AppContext, Any]]:
        return [CommandHandler(["batal", "cancel"], self.cancel)]

    async def rate(self, update: Update, context: AppContext) -> int:
        query = update.callback_query
        assert query is not None and isinstance(query.data, str)
        assert update.effective_user is not None
        t = context.texts
        pressed = parse_rating(query.data)
        if isinstance(pressed, str):
            await answer_button(update, t(pressed), alert=pressed != "fallback.stale_button")
            return self.END
        complaint_id, score = pressed
        async with context.database.transaction() as session:
            outcome, code = await complaints.rate_complaint(
                session, complaint_id, update.effective_user.id, score, context.services.clock()
            )
        if outcome != "rated":
            await answer_button(update, t(REFUSALS[outcome]), alert=outcome != "already")
            return self.END
        await answer_button(update)
        try:
            await query.edit_message_reply_markup(None)
        except TelegramError as error:
            # The rating is stored; old buttons left on screen are refused when pressed.
            log.info("rating buttons not removed: %s", type(error).__name__)
        self.draft(context)["complaint_id"] = complaint_id
        label = t(f"complaint.rating.r{score}")
        await reply(
            update,
            f"{t('complaint.rating.given', code=code, label=label)}\n"
            f"{t('complaint.rating.thanks')}",
            reply_markup=keyboard([[(t("complaint.skip"), "rt:skip")]]),
        )
        return RatingStep.COMMENT

    async def comment(self, update: Update, context: AppContext) -> int | None:
        """The optional comment, cleaned of control characters and measured as Telegram does."""
        assert update.message is not None and update.message.text is not None
        text = clean_text(update.message.text)
        if not text:
            await reply(update, context.texts("complaint.rating.hint"))
            return None
        if utf16_length(text) > NOTE_MAX:
            sizes = {
                "length": format_number(utf16_length(text)),
                "maximum": format_number(NOTE_MAX),
            }
            await reply(update, context.texts("complaint.rating.too_long", **sizes))
            return None
        async with context.database.transaction() as session:
            await complaints.update_rating_comment(
                session, self.draft(context)["complaint_id"], text
            )
        self.drop_draft(context.user_data)
        await reply(
            update, context.texts("complaint.rating.comment_saved"), reply_markup=main_menu(context)
        )
        return self.END

    async def skip(self, update: Update, context: AppContext) -> int:
        await answer_button(update)
        self.drop_draft(context.user_data)
        await reply(
            update, context.texts("complaint.rating.skipped"), reply_markup=main_menu(context)
        )
        return self.END
