"""Officials' side of complaints: moving a card along the status flow with a note, ``/laporan``
(the open complaints, or one with its history), ``/catat`` (a complaint received on another
channel) and the daily list of overdue complaints.

Only ``[roles] trantib``, ``sekcam`` and ``camat`` may act. Every move is two steps: the button
(which status), then the official's note as a reply in the group. The move is kept in the
database in between, and happens only if the complaint still has the status the official saw,
so two officials acting at once cannot both move it.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any

from telegram import ForceReply, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.helpers import mention_html

from db import complaints
from db.complaints import OpenFilter, PendingMove
from handlers import complaint_card, delivery, notify
from handlers import complaint_views as views
from handlers.complaint_form import (
    OFFICE_STEPS,
    ComplaintForm,
    draft_complaint,
    save_complaint,
)
from handlers.context import AppContext, services_of
from handlers.replies import answer_button, keyboard, main_menu, reply
from iku.complaints import (
    NOTE_MAX,
    OPEN_STATUSES,
    Channel,
    RejectReason,
    Status,
    can_move,
    length_problem,
    parse_tracking_code,
)
from iku.format import format_number
from iku.periods import local_today

log = logging.getLogger(__name__)

OFFICIAL_ROLES = ("trantib", "sekcam", "camat")
# Most complaints listed by /laporan in one message.
LIST_LIMIT = 30
GROUP_MESSAGE = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ~filters.COMMAND


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """Registered after the dialogues and before the global handlers (see bot.app)."""
    return [
        CallbackQueryHandler(on_move_button, pattern=r"^tr:"),
        CommandHandler("laporan", show_complaints),
        CommandHandler(["batal", "cancel"], cancel_move, filters=filters.ChatType.GROUPS),
        MessageHandler(GROUP_MESSAGE, on_group_message),
    ]


def is_official(context: AppContext, user_id: int) -> bool:
    return context.config.roles.has(user_id, *OFFICIAL_ROLES)


def in_office_chat(update: Update, context: AppContext) -> bool:
    """Whether the chat may see complaints: an official's private chat with the bot, or the
    configured Trantib group. Any other group may hold residents (a village's public group),
    so a rahasia complaint, a reporter's name or a note must never be posted there."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == "private":
        return True
    group = context.config.telegram.trantib_chat_id
    return group != 0 and chat.id == group


# ---------------------------------------------------------------------------- moving a card


@dataclass(frozen=True)
class MoveRequest:
    """What a card button asks: move complaint ``complaint_id`` from ``expected`` to ``target``."""

    complaint_id: int
    expected: Status
    target: Status
    reason: RejectReason | None

    @classmethod
    def parse(cls, data: str) -> MoveRequest | None:
        """``tr:ID:FROM:TO`` or ``tr:ID:FROM:ditolak:REASON``; None for anything else (forged)."""
        parts = data.split(":")
        if len(parts) not in (4, 5) or parts[0] != "tr" or not parts[1].isdigit():
            return None
        try:
            expected, target = Status(parts[2]), Status(parts[3])
            reason = RejectReason(parts[4]) if len(parts) == 5 else None
        except ValueError:
            return None
        if not can_move(expected, target) or (reason is not None and target is not Status.DITOLAK):
            return None
        return cls(int(parts[1]), expected, target, reason)

    def data(self, reason: RejectReason | None = None) -> str:
        tail = f":{reason}" if reason else ""
        return f"tr:{self.complaint_id}:{self.expected}:{self.target}{tail}"


async def on_move_button(update: Update, context: AppContext) -> None:
    """A status button of a card (or of the rejection reasons): ask the official for a note."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = context.texts
    if not is_official(context, user.id):
        log.info("a complaint action was refused: the user holds no official role")
        await answer_button(update, t("trantib.not_allowed"), alert=True)
        return
    if not in_office_chat(update, context):
        log.info("a complaint action was refused: not in the Trantib group or a private chat")
        await answer_button(update, t("trantib.office_chats_only"), alert=True)
        return
    request = MoveRequest.parse(str(query.data))
    if request is None:
        await answer_button(update, t("fallback.stale_button"))
        return
    async with context.database.sessions() as session:
        complaint = await complaints.fetch_complaint(session, request.complaint_id)
    if complaint is None:
        await answer_button(update, t("trantib.not_found"))
        return
    if complaint.status is not request.expected:
        status = views.status_label(t, complaint.status)
        await answer_button(
            update, t("trantib.already_moved", code=complaint.code, status=status), alert=True
        )
        await complaint_card.refresh_card(context.application, complaint)
        return
    await answer_button(update)
    if request.target is Status.DITOLAK and request.reason is None:
        await _ask_reason(update, context, request, complaint.code)
        return
    await _ask_note(update, context, request, complaint.code)


async def _ask_reason(update: Update, context: AppContext, request: MoveRequest, code: str) -> None:
    t = context.texts
    buttons = keyboard(
        [[(t(f"complaint.reason.{reason.value}"), request.data(reason))] for reason in RejectReason]
    )
    await reply(update, t("trantib.ask_reason", code=code), reply_markup=buttons)


async def _ask_note(update: Update, context: AppContext, request: MoveRequest, code: str) -> None:
    """Post the note request, addressed to this official, and remember the move until then."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    t = context.texts
    # The name is mentioned so that Telegram opens the reply box for this official only.
    text = t(
        "trantib.ask_note",
        official=mention_html(user.id, user.full_name),
        code=html.escape(code),
        status=html.escape(views.status_label(t, request.target, request.reason)),
        what=html.escape(t(f"trantib.what.{request.target.value}")),
    )
    prompt = await chat.send_message(
        text, parse_mode="HTML", reply_markup=ForceReply(selective=True)
    )
    move = PendingMove(
        official_id=user.id,
        complaint_id=request.complaint_id,
        chat_id=chat.id,
        expected=request.expected,
        target=request.target,
        reason=request.reason,
        prompt_message_id=prompt.message_id,
    )
    async with context.database.transaction() as session:
        await complaints.save_pending_move(session, move, context.services.clock())


async def on_group_message(update: Update, context: AppContext) -> None:
    """An official's message in a group: the note of their pending move, if they have one.

    The reply to a note request completes that request's move; any other message completes
    the official's latest one. Everybody else's chatter is left alone.
    """
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    if not is_official(context, user.id):
        return
    replied = message.reply_to_message.message_id if message.reply_to_message else None
    async with context.database.sessions() as session:
        move = await complaints.fetch_pending_move(session, user.id, message.chat_id, replied)
    if move is None:
        return
    t = context.texts
    note = (message.text or "").strip()
    if not note:
        await message.reply_text(t("trantib.note_text_only"))
        return
    if length_problem(note, 1, NOTE_MAX) == "long":
        sizes = {"length": format_number(len(note)), "maximum": format_number(NOTE_MAX)}
        await message.reply_text(t("trantib.note_too_long", **sizes))
        return
    await _complete_move(update, context, move, note)


async def _complete_move(update: Update, context: AppContext, move: PendingMove, note: str) -> None:
    """Commit the move together with what it owes (the reporter's news, the card's refresh,
    both in the outbox), then tell the official and start the delivery."""
    assert update.message is not None
    t = context.texts
    now = context.services.clock()
    async with context.database.transaction() as session:
        moved = await complaints.complete_move(session, move, note, now)
        complaint = await complaints.fetch_complaint(session, move.complaint_id)
        assert complaint is not None
        if moved:
            await notify.queue_move_news(session, context.services, complaint, note, now)
    status = views.status_label(t, complaint.status, complaint.reject_reason)
    if not moved:
        await update.message.reply_text(
            t("trantib.already_moved", code=complaint.code, status=status)
        )
        return
    log.info("complaint %s moved to %s", complaint.code, complaint.status)
    delivery.kick(context.application)
    await update.message.reply_text(t("trantib.moved", code=complaint.code, status=status))


async def cancel_move(update: Update, context: AppContext) -> None:
    """``/batal`` in the group drops the official's pending move."""
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    t = context.texts
    dropped = None
    if is_official(context, user.id):
        async with context.database.transaction() as session:
            dropped = await complaints.drop_pending_move(session, user.id, message.chat_id)
    if dropped is None:
        await message.reply_text(t("cancel.nothing"))
        return
    status = views.status_label(t, dropped.status)
    await message.reply_text(t("trantib.move_cancelled", code=dropped.code, status=status))


# ---------------------------------------------------------------------------- /laporan


async def show_complaints(update: Update, context: AppContext) -> None:
    """``/laporan [status] [desa] [words of a category] [terlambat]`` or ``/laporan CODE``."""
    assert update.effective_user is not None
    t = context.texts
    if not is_official(context, update.effective_user.id):
        await reply(update, t("trantib.officials_only"))
        return
    if not in_office_chat(update, context):
        log.info("/laporan refused: not in the Trantib group or a private chat")
        await reply(update, t("trantib.office_chats_only"))
        return
    args = context.args or []
    code = parse_tracking_code(" ".join(args)) if len(args) == 1 else None
    if code is not None:
        await _show_one(update, context, code)
        return
    parsed = _parse_filter(context, args)
    if isinstance(parsed, str):
        await reply(update, t("trantib.filter_unknown", word=parsed))
        return
    today = local_today(context.config.kecamatan.tz, context.services.clock())
    async with context.database.sessions() as session:
        found, total = await complaints.fetch_open(session, today, parsed, limit=LIST_LIMIT)
    await reply(update, views.open_list(t, found, total, today))


async def _show_one(update: Update, context: AppContext, code: str) -> None:
    async with context.database.sessions() as session:
        found = await complaints.fetch_complaint_with_events(session, code)
    if found is None:
        await reply(update, context.texts("trantib.not_found"))
        return
    tz = context.config.kecamatan.tz
    today = local_today(tz, context.services.clock())
    await reply(update, views.official_detail(context.texts, *found, tz, today))


def _parse_filter(context: AppContext, words: list[str]) -> OpenFilter | str:
    """The filter the words describe, or the first word that means nothing."""
    statuses = {s.value: s for s in OPEN_STATUSES}
    desa = {name.lower(): name for name in context.config.kecamatan.desa}
    categories = [label.lower() for label in context.config.complaints.categories]
    chosen: set[Status] = set()
    village, category_words, overdue_only = None, [], False
    for word in (w.lower() for w in words):
        if word in statuses:
            chosen.add(statuses[word])
        elif word in desa:
            village = desa[word]
        elif word == context.texts("trantib.filter_overdue"):
            overdue_only = True
        elif any(word in label for label in categories):
            category_words.append(word)
        else:
            return word
    return OpenFilter(
        statuses=frozenset(chosen) or OPEN_STATUSES,
        desa=village,
        category_words=tuple(category_words),
        overdue_only=overdue_only,
    )


# ---------------------------------------------------------------------------- /catat


def entry_form() -> ComplaintForm:
    """``/catat``: an official enters a complaint received by walk-in, letter, phone, SPAN
    Lapor or social media, in their private chat with the bot."""
    return ComplaintForm(
        "complaint_entry",
        prefix="ct",
        steps=OFFICE_STEPS,
        command="catat",
        begin=begin_entry,
        submit=submit_entry,
    )


async def begin_entry(update: Update, context: AppContext) -> bool:
    assert update.effective_user is not None
    if is_official(context, update.effective_user.id):
        return True
    await reply(update, context.texts("trantib.officials_only"), reply_markup=main_menu(context))
    return False


async def submit_entry(update: Update, context: AppContext, draft: dict[str, Any]) -> bool:
    assert update.effective_user is not None
    await answer_button(update)
    channel = Channel(draft["channel"])
    new = draft_complaint(draft, channel, recorder=update.effective_user.id)
    record = await save_complaint(context, new, open_limit=None)
    assert record is not None  # no limit for officials
    await reply(update, context.texts("complaint.recorded", code=record.code))
    await complaint_card.publish(context.application, record.id)
    return True


# ---------------------------------------------------------------------------- daily job


async def overdue_report(context: AppContext) -> None:
    """Job: list the overdue complaints in the Trantib group, each at most once a day.

    Also run at start; before ``[complaints] overdue_report_time`` it does nothing, so a
    restart at dawn does not post early, while a bot that was down at that time catches up.
    """
    application = context.application
    services = services_of(application)
    config = services.config
    tz = config.kecamatan.tz
    now = services.clock()
    chat_id = config.telegram.trantib_chat_id
    report_at = config.complaints.overdue_report_at(tz).replace(tzinfo=None)
    if not chat_id or now.astimezone(tz).time() < report_at:
        return
    today = local_today(tz, now)
    async with services.database.sessions() as session:
        overdue = await complaints.fetch_overdue_not_noticed(session, today)
    t = complaint_card.group_texts(services)
    for text, ids in views.overdue_messages(t, overdue, today):
        await application.bot.send_message(chat_id, text)
        async with services.database.transaction() as session:
            await complaints.record_overdue_notices(session, ids, today, now)
