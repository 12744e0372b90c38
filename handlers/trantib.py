"""Officials' side of complaints: moving a card along the status flow with a note, ``/laporan``
(the open complaints, or one with its history), ``/catat`` (a complaint received on another
channel) and the daily list of overdue complaints.

Only ``[roles] trantib``, ``sekcam`` and ``camat`` may act, and only in the Trantib group or in
their private chat with the bot. Every move is two steps: the button (which status), then the
official's note as a reply to the note request (:mod:`handlers.note_requests` says which move a
message completes). The move is kept in the database in between, and happens only if the
complaint still has the status the official saw, so two officials acting at once cannot both
move it. What a move owes to others (the reporter's news, the card) goes through the outbox.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.helpers import mention_html

from db import complaints
from db.complaints import ComplaintRecord, PendingMove
from handlers import common, complaint_card, delivery, note_requests, notify
from handlers import complaint_list as lists
from handlers import complaint_views as views
from handlers.complaint_form import (
    OFFICE_STEPS,
    ComplaintForm,
    draft_complaint,
    save_complaint,
)
from handlers.context import AppContext, Services, services_of
from handlers.officials import button_data, roles_of
from handlers.replies import NUMBER, answer_button, edit_or_send, keyboard, main_menu, reply
from iku.complaints import (
    NOTE_MAX,
    NOTE_MIN_LETTERS,
    Channel,
    RejectReason,
    Status,
    can_move,
    can_reopen,
    note_problem,
    parse_tracking_code,
)
from iku.format import format_number
from iku.periods import local_today
from iku.text import clean_text, utf16_length

log = logging.getLogger(__name__)

OFFICIAL_ROLES = roles_of("laporan")
# Who may reopen a closed complaint: a correction above the officer who closed it.
REOPEN_ROLES = ("camat", "sekcam")
NEW_MESSAGE = filters.UpdateType.MESSAGE & ~filters.COMMAND
GROUP_MESSAGE = filters.ChatType.GROUPS & NEW_MESSAGE
# In a private chat only replies can be notes (the request asks for one); everything else
# there is for the dialogues and the catch-all.
PRIVATE_REPLY = filters.ChatType.PRIVATE & filters.REPLY & NEW_MESSAGE


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """Registered after the dialogues and before the global handlers (see bot.app)."""
    return [
        CallbackQueryHandler(on_move_button, pattern=r"^tr:[0-9]{1,9}:"),
        CommandHandler("laporan", show_complaints),
        CallbackQueryHandler(show_complaints, pattern=f"^{button_data('laporan')}$"),
        CallbackQueryHandler(on_open_button, pattern=rf"^lo:{NUMBER}$"),
        CallbackQueryHandler(on_page_button, pattern=r"^lh:"),
        CommandHandler(["batal", "cancel"], cancel_move),
        MessageHandler(GROUP_MESSAGE | PRIVATE_REPLY, on_official_message),
    ]


def is_official(context: AppContext, user_id: int) -> bool:
    return context.config.roles.has(user_id, *OFFICIAL_ROLES)


def may_reopen(context: AppContext, user_id: int) -> bool:
    return context.config.roles.has(user_id, *REOPEN_ROLES)


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
        allowed = can_move(expected, target) or can_reopen(expected, target)
        if not allowed or (reason is not None and target is not Status.DITOLAK):
            return None
        return cls(int(parts[1]), expected, target, reason)

    @property
    def reopens(self) -> bool:
        return can_reopen(self.expected, self.target)

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
    if request.reopens and not may_reopen(context, user.id):
        log.info("a reopening was refused: the user is neither Camat nor Sekcam")
        await answer_button(update, t("trantib.reopen_not_allowed"), alert=True)
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
        # Pressing Tolak is already a new choice: an older request for this complaint ends.
        await note_requests.replace_request(context, user.id, request.complaint_id)
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
        what=html.escape(
            t("trantib.what_reopen") if request.reopens else t(f"trantib.what.{request.target}")
        ),
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
        code=code,
    )
    await note_requests.start_request(context, move)


async def on_official_message(update: Update, context: AppContext) -> None:
    """A message in a group, or a reply in a private chat: the note of an official's move if
    it answers one (see :mod:`handlers.note_requests` for which it answers). Everybody else's
    messages in groups are left alone; in a private chat they get the usual answer."""
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    found = None
    if is_official(context, user.id) and in_office_chat(update, context):
        found = await note_requests.find_move(update, context)
    if isinstance(found, note_requests.Answer):
        if found.text:
            await message.reply_text(found.text)
    elif found is not None:
        await _take_note(update, context, found)
    elif message.chat.type == "private":
        await common.not_understood(update, context)


async def _take_note(update: Update, context: AppContext, move: PendingMove) -> None:
    """Complete ``move`` with the message as its note, if it is one worth telling the
    reporter; otherwise say why, and the request stays open."""
    assert update.message is not None
    t = context.texts
    if update.message.text is None:
        await update.message.reply_text(t("trantib.note_text_only"))
        return
    note = clean_text(update.message.text)
    problem = note_problem(note)
    if can_reopen(move.expected, move.target) and not may_reopen(context, move.official_id):
        await update.message.reply_text(t("trantib.reopen_not_allowed"))  # roles changed since
    elif problem == "long":
        sizes = {"length": format_number(utf16_length(note)), "maximum": format_number(NOTE_MAX)}
        await update.message.reply_text(t("trantib.note_too_long", **sizes))
    elif problem == "short":
        await update.message.reply_text(t("trantib.note_too_short", minimum=NOTE_MIN_LETTERS))
    else:
        await _complete_move(update, context, move, note)


async def _complete_move(update: Update, context: AppContext, move: PendingMove, note: str) -> None:
    """Record the move (:func:`record_move`), then tell the official and start the delivery."""
    assert update.message is not None
    t = context.texts
    outcome = await record_move(context.services, move, note)
    complaint = outcome.complaint
    if not outcome.moved:
        status = views.status_label(t, complaint.status, complaint.reject_reason)
        await update.message.reply_text(
            t("trantib.already_moved", code=complaint.code, status=status)
        )
        return
    delivery.kick(context.application)
    done = views.move_confirmation(
        t, complaint.code, complaint.status, complaint.reject_reason, reopened=outcome.reopened
    )
    await update.message.reply_text(done)


@dataclass(frozen=True)
class MoveOutcome:
    """What :func:`record_move` did: ``moved`` (False: another official moved it first) and
    the complaint as it is now."""

    moved: bool
    reopened: bool
    complaint: ComplaintRecord


async def record_move(services: Services, move: PendingMove, note: str) -> MoveOutcome:
    """The one way a move is recorded, from a note in Telegram or from the dashboard: commit
    the move with what it owes (the reporter's news, the card's refresh, both in the outbox).
    The caller has checked the role and the note (:func:`iku.complaints.note_problem`) and
    starts the delivery after (``delivery.kick``)."""
    now = services.clock()
    reopened = can_reopen(move.expected, move.target)
    async with services.database.transaction() as session:
        moved = await complaints.complete_move(session, move, note, now)
        complaint = await complaints.fetch_complaint(session, move.complaint_id)
        assert complaint is not None
        if moved:
            await notify.queue_move_news(session, services, complaint, note, now, reopened=reopened)
    if moved:
        log.info("complaint %s moved to %s", complaint.code, complaint.status)
    return MoveOutcome(moved, reopened, complaint)


async def cancel_move(update: Update, context: AppContext) -> None:
    """``/batal`` drops the official's pending move: the one whose request it replies to, else
    their latest one in this chat. The request is edited to say it is void."""
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    t = context.texts
    dropped = None
    if is_official(context, user.id):
        replied = note_requests.replied_message_id(message)
        async with context.database.transaction() as session:
            dropped = await complaints.drop_pending_move(session, user.id, message.chat_id, replied)
            if dropped is not None:
                now = context.services.clock()
                await note_requests.void_request(
                    session, t, dropped[0], "trantib.request_cancelled", now
                )
    if dropped is None:
        if message.chat.type == "private":
            await common.nothing_to_cancel(update, context)
        else:
            await message.reply_text(t("cancel.nothing"))
        return
    delivery.kick(context.application)
    complaint = dropped[1]
    status = views.status_label(t, complaint.status)
    await message.reply_text(t("trantib.move_cancelled", code=complaint.code, status=status))


# ---------------------------------------------------------------------------- /laporan


async def show_complaints(update: Update, context: AppContext) -> None:
    """``/laporan [status] [desa] [words of a category] [terlambat]`` or ``/laporan CODE``;
    the officials' menu button is ``/laporan``."""
    if await _refuse_complaints(update, context):
        return
    await answer_button(update)
    args = context.args or []
    code = parse_tracking_code(" ".join(args)) if len(args) == 1 else None
    if code is not None:
        async with context.database.sessions() as session:
            found = await complaints.fetch_complaint_by_code(session, code)
        await _show_one(update, context, found)
        return
    parsed = lists.read_filter(_choices(context), context.texts, args)
    if isinstance(parsed, str):
        await reply(update, context.texts("trantib.filter_unknown", word=parsed))
        return
    await _show_page(update, context, lists.ListPage(parsed), in_place=False)


async def on_open_button(update: Update, context: AppContext) -> None:
    """A complaint's button in a list: the complaint as ``/laporan CODE`` shows it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if await _refuse_complaints(update, context):
        return
    async with context.database.sessions() as session:
        found = await complaints.fetch_complaint(session, int(query.data.removeprefix("lo:")))
    if found is None:
        await answer_button(update, context.texts("trantib.not_found"))
        return
    await answer_button(update)
    await _show_one(update, context, found)


async def on_page_button(update: Update, context: AppContext) -> None:
    """Another page of a list, in place of the one shown."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if await _refuse_complaints(update, context):
        return
    shown = lists.ListPage.parse(_choices(context), query.data)
    if shown is None:
        await answer_button(update, context.texts("fallback.stale_button"))
        return
    await answer_button(update)
    await _show_page(update, context, shown, in_place=True)


async def _refuse_complaints(update: Update, context: AppContext) -> bool:
    """Whether to refuse (and say why): complaints are for officials, in the office's chats.
    A command is answered in the chat, a button on the button only."""
    assert update.effective_user is not None
    refusal = None
    if not is_official(context, update.effective_user.id):
        refusal = "trantib.officials_only"
    elif not in_office_chat(update, context):
        log.info("/laporan refused: not in the Trantib group or a private chat")
        refusal = "trantib.office_chats_only"
    if refusal is None:
        return False
    if update.callback_query is not None:
        await answer_button(update, context.texts(refusal), alert=True)
    else:
        await reply(update, context.texts(refusal))
    return True


def _choices(context: AppContext) -> lists.Choices:
    return lists.Choices(context.config.kecamatan.desa, context.config.complaints.categories)


async def _show_page(
    update: Update, context: AppContext, shown: lists.ListPage, *, in_place: bool
) -> None:
    """A page of the list with its buttons, ``in_place`` of the message whose button was
    pressed (a page button) or new. A page emptied meanwhile (complaints closed) shows the
    list's last page."""
    t = context.texts
    today = local_today(context.config.kecamatan.tz, context.services.clock())
    async with context.database.sessions() as session:
        found, total = await _fetch_page(session, today, shown)
        if not found and total:
            shown = replace(shown, page=lists.pages(total) - 1)
            found, total = await _fetch_page(session, today, shown)
    text = views.open_list(t, found, total, today, page=shown.page, pages=lists.pages(total))
    params: dict[str, Any] = {}
    if found:
        params["reply_markup"] = lists.list_buttons(
            t, _choices(context), found, shown, total, today
        )
    if in_place:
        await edit_or_send(update, text, **params)
    else:
        await reply(update, text, **params)


async def _fetch_page(
    session: AsyncSession, today: date, shown: lists.ListPage
) -> tuple[list[ComplaintRecord], int]:
    offset = shown.page * lists.PAGE_SIZE
    return await complaints.fetch_open(
        session, today, shown.filter, limit=lists.PAGE_SIZE, offset=offset
    )


async def _show_one(update: Update, context: AppContext, complaint: ComplaintRecord | None) -> None:
    """One complaint with its history and the card's buttons, so that it can be moved from
    here too, in the group or in a private chat: a complaint whose card never reached the
    group (Telegram refused it, the group was unreachable) is still in officials' hands."""
    assert update.effective_user is not None
    if complaint is None:
        await reply(update, context.texts("trantib.not_found"))
        return
    async with context.database.sessions() as session:
        events = await complaints.fetch_events(session, complaint.id)
    tz = context.config.kecamatan.tz
    today = local_today(tz, context.services.clock())
    t = context.texts
    # In the group everyone sees the buttons, as on the card; in private only usable ones.
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    reopen = not private or may_reopen(context, update.effective_user.id)
    buttons = complaint_card.move_buttons(t, complaint, reopen=reopen)
    text = views.official_detail(t, complaint, events, tz, today)
    await reply(update, text, reply_markup=buttons)


# ---------------------------------------------------------------------------- /catat


def entry_form() -> ComplaintForm:
    """``/catat``: an official enters a complaint received by walk-in, letter, phone, WhatsApp,
    SP4N-LAPOR! or social media, in their private chat with the bot, with the day it was
    received (so IKU 4 counts it in that day's periods)."""
    return ComplaintForm(
        "complaint_entry",
        prefix="ct",
        steps=OFFICE_STEPS,
        command="catat",
        menu_data=button_data("catat"),
        begin=begin_entry,
        submit=submit_entry,
        office=True,
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
