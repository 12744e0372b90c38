"""Small reply helpers shared by the handler modules: menus, keyboards, answering buttons.

Every reply made through these helpers can be held back and sent later (:func:`holding_replies`):
a dialogue step's replies show the next question, so they go out only once the step is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, partial
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram._utils.types import JSONDict
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import BaseHandler

from handlers.context import AppContext

# Telegram refuses longer messages (counted in UTF-16 code units, an emoji being two): what
# might be longer is cut or split (iku.text.truncate, pack), never sent in error.
MAX_TEXT = 4096

# A number carried in callback data: ASCII digits, few enough for any database column. Patterns
# use it so that a forged 25-digit id, or digits of another script, match no handler at all.
NUMBER = "[0-9]{1,9}"
_NUMBER = re.compile(NUMBER)


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard serialised once, when it is built.

    The library turns a markup into JSON on every request, button by button; a survey question's
    five options would be rebuilt into the same dictionary at every step. Keyboards are frozen,
    so the wire form made at construction stays true.
    """

    __slots__ = ("_wire",)

    def __init__(
        self,
        inline_keyboard: Sequence[Sequence[InlineKeyboardButton]],
        *,
        api_kwargs: JSONDict | None = None,
    ) -> None:
        super().__init__(inline_keyboard, api_kwargs=api_kwargs)
        with self._unfrozen():
            self._wire = super().to_dict()

    def to_dict(self, recursive: bool = True) -> JSONDict:
        # A shallow copy: callers may add keys, and nothing writes into the rows.
        return dict(self._wire) if recursive else super().to_dict(recursive)


def keyboard(rows: Iterable[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data).

    Keyboards are immutable and most are the same every time (a survey question's options,
    the menu), so they are built once and shared: building buttons is a visible part of
    the cost of a dialogue step.
    """
    return _keyboard(tuple(tuple(row) for row in rows))


@lru_cache(maxsize=2048)
def _keyboard(rows: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    return Keyboard(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def main_menu(context: AppContext) -> InlineKeyboardMarkup:
    """The main menu, one entry per row: big targets on small phones."""
    t = context.texts
    return keyboard([[(t(entry.text_key), entry.data)] for entry in context.services.menu])


async def reply(update: Update, text: str, **params: object) -> None:
    """Answer in the chat the update came from (a message or a button press)."""
    chat = update.effective_chat
    if chat is not None:
        await send_text(update.get_bot(), chat.id, text, **params)


async def send_text(bot: Bot, chat_id: int, text: str, **params: object) -> None:
    """``sendMessage`` with Bot API ``params`` (``reply_markup``, ``parse_mode``...)."""
    await _call(bot, "sendMessage", {"chat_id": chat_id, "text": text, **params})


async def edit_or_send(update: Update, text: str, **params: object) -> None:
    """Show ``text`` (and buttons) in place of the message whose button was pressed; in a new
    message when there was no button, or that message can no longer be edited (too old, or
    already showing exactly this)."""
    query, chat = update.callback_query, update.effective_chat
    bot = update.get_bot()

    async def show() -> None:
        if query is not None and query.message is not None:
            try:
                await bot._post("editMessageText", {**_pressed(query), "text": text, **params})
                return
            except BadRequest:
                pass
        if chat is not None:
            await bot._post("sendMessage", {"chat_id": chat.id, "text": text, **params})

    await _send_or_hold(show)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message whose button ``query`` pressed, if it still has any
    and can still be edited (nothing to tidy otherwise)."""
    bot = query.get_bot()

    async def remove() -> None:
        with contextlib.suppress(BadRequest):
            await bot._post("editMessageReplyMarkup", _pressed(query))

    await _send_or_hold(remove)


def _pressed(query: CallbackQuery) -> JSONDict:
    message = query.message
    assert message is not None
    return {"chat_id": message.chat.id, "message_id": message.message_id}


async def _call(bot: Bot, method: str, params: JSONDict) -> None:
    """Call ``method`` and drop Telegram's answer unread.

    The library's ``send_message`` and ``edit_message_text`` turn the answer (the whole message,
    every button included) into objects; for the replies of a dialogue nobody reads them, and
    building them was the largest single cost of a step. ``_post`` is the one request path all
    of the library's methods share (defaults, rate limiter, errors raised as ``TelegramError``);
    ``do_api_request`` would be the public spelling but warns for methods the library knows.
    """
    await _send_or_hold(partial(bot._post, method, params))


Outgoing = Callable[[], Awaitable[object]]


class HeldReplies:
    """The replies one dialogue step made, in order, waiting for the step to be saved."""

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.calls: list[Outgoing] = []

    async def send(self) -> None:
        """Send what was held, in order. Each is tried even after one failed (the first error
        is raised at the end); a server error gets one more try, a timeout none (a timed-out
        message may have arrived, and twice confuses a resident more than once)."""
        calls, self.calls = self.calls, []
        failure: TelegramError | None = None
        for call in calls:
            try:
                await _with_one_retry(call)
            except TelegramError as error:
                failure = failure or error
        if failure is not None:
            raise failure


async def _with_one_retry(call: Outgoing) -> None:
    try:
        await call()
    except NetworkError as error:
        if isinstance(error, TimedOut):
            raise
        await call()


_held: ContextVar[HeldReplies | None] = ContextVar("held_replies", default=None)


@contextmanager
def holding_replies() -> Iterator[HeldReplies]:
    """Within the block, this task's replies are kept in the returned :class:`HeldReplies`
    instead of being sent; :meth:`HeldReplies.send` sends them. Work the block starts in
    other tasks (a card posted in the background) sends as usual."""
    held = HeldReplies()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


async def _send_or_hold(call: Outgoing) -> None:
    held = _held.get()
    if held is not None and held.task is asyncio.current_task():
        held.calls.append(call)
    else:
        await call()


async def answer_button(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Acknowledge a button press (Telegram shows a spinner until we do); ``alert`` shows the
    text in a box the person must close, for what they must not miss."""
    query = update.callback_query
    if query is None:
        return
    params: JSONDict = {"callback_query_id": query.id}
    if text is not None:
        params.update(text=text, show_alert=alert)
    await _call(query.get_bot(), "answerCallbackQuery", params)


def button_number(text: str) -> int | None:
    """The number ``text`` (a field of callback data) holds; None for anything else.

    Callback data can be forged: only what :data:`NUMBER` allows becomes an int, so no id
    reaches a query that the database cannot hold.
    """
    return int(text) if _NUMBER.fullmatch(text) else None


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == "private"


async def point_to_private_chat(update: Update, context: AppContext) -> None:
    """What a resident's command or button gets outside a private chat: where to go instead.

    A button press is answered on the button only, so nothing appears in the group; a command
    gets one line, with nothing of the person's in it.
    """
    text = context.texts("fallback.private_only", bot=context.bot.username)
    if update.callback_query is not None:
        await answer_button(update, text)
    else:
        await reply(update, text)


class PrivateOnly(BaseHandler[Update, AppContext, Any]):
    """``handler`` in private chats; elsewhere what it would handle gets
    :func:`point_to_private_chat`.

    Residents' lists and histories (anonim and rahasia complaints among them) must never be
    posted to a group, whatever the button or command; the dialogues get the same rule from
    :class:`handlers.dialogue.Dialogue`.
    """

    def __init__(self, handler: BaseHandler[Update, AppContext, Any]) -> None:
        super().__init__(handler.callback, block=handler.block)
        self.handler = handler

    def check_update(self, update: object) -> tuple[bool, object] | None:
        check = self.handler.check_update(update)
        if check is None or check is False or not isinstance(update, Update):
            return None
        return is_private(update), check

    async def handle_update(
        self,
        update: Update,
        application: Any,
        check_result: object,
        context: AppContext,
    ) -> Any:
        assert isinstance(check_result, tuple)
        private, check = check_result
        if private:
            return await self.handler.handle_update(update, application, check, context)
        await point_to_private_chat(update, context)
        return None


def paged_buttons(
    items: Sequence[tuple[str, str]], page: int, *, prefix: str, back: str, more: str, size: int = 8
) -> InlineKeyboardMarkup:
    """One button per item for ``page``, with previous/next buttons (``{prefix}:page:N``)."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    rows = [[item] for item in items[page * size : (page + 1) * size]]
    turn = []
    if page > 0:
        turn.append((back, f"{prefix}:page:{page - 1}"))
    if page < pages - 1:
        turn.append((more, f"{prefix}:page:{page + 1}"))
    return keyboard([*rows, turn] if turn else rows)


def button_label(text: str, limit: int = 48) -> str:
    """A label short enough for one line of a small phone's button."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def has_role(update: Update, context: AppContext, *roles: str) -> bool:
    """Whether the person behind ``update`` holds one of ``roles`` in ``[roles]``."""
    user = update.effective_user
    return user is not None and context.config.roles.has(user.id, *roles)
