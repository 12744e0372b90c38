"""The first things a person meets: /start and the menu, /bantuan, /bahasa, /id, /batal, and
the polite answers to anything the bot does not understand (a menu entry typed instead of
tapped is understood: "Laporkan gangguan", "isi survei")."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import KecamatanConfig
from bot.persistence import DatabasePersistence
from db import complaints, residents
from handlers.context import AppContext, MenuEntry
from handlers.notify import rating_rows
from handlers.officials import offer_menu
from handlers.replies import (
    PrivateOnly,
    answer_button,
    is_private,
    keyboard,
    main_menu,
    reply,
    typed_press,
)
from i18n import LANGUAGES, Texts
from iku.complaints import tracking_code
from iku.dialogues import choose_option
from iku.periods import local_today

log = logging.getLogger(__name__)

MENU = (
    MenuEntry("menu.help", "menu:help"),
    MenuEntry("menu.language", "menu:language"),
)
# How often a returning person's name, language and last-seen time are written.
SEEN_REFRESH = timedelta(hours=1)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """Global commands and buttons, registered after the dialogues (see bot.app)."""
    return [
        PrivateOnly(CommandHandler("start", start)),
        CommandHandler(["bantuan", "help"], show_help),
        CommandHandler(["bahasa", "language"], choose_language),
        CommandHandler("id", show_ids),
        CommandHandler(["batal", "cancel"], nothing_to_cancel),
        CallbackQueryHandler(show_help, pattern=r"^menu:help$"),
        CallbackQueryHandler(choose_language, pattern=r"^menu:language$"),
        CallbackQueryHandler(set_language, pattern=r"^lang:(id|en)$"),
    ]


def guards() -> list[BaseHandler[Update, AppContext, Any]]:
    """First of all (see bot.app): a button press with no callback data is refused here.

    python-telegram-bot lets such a press match every ``CallbackQueryHandler`` that has a
    pattern (the pattern is only tried on non-empty data), so the first one registered, the
    report form's menu button, opened. No button of the bot is without data: it is forged.
    """
    return [ButtonWithoutData(refuse_button)]


class ButtonWithoutData(BaseHandler[Update, AppContext, None]):
    """Matches a button press whose callback data is missing, empty or not text."""

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.callback_query is None:
            return False
        data = update.callback_query.data
        return not (isinstance(data, str) and data)


def catch_all() -> list[BaseHandler[Update, AppContext, Any]]:
    """Last resort, registered after everything else: never leave a person in silence."""
    return [
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, not_understood),
        CallbackQueryHandler(stale_button),
    ]


async def start(update: Update, context: AppContext) -> None:
    t = context.texts
    kecamatan = context.config.kecamatan
    menu_text = t("menu.title")
    text = t(
        "start.greeting", kecamatan=kecamatan.name, kabupaten=kecamatan.kabupaten, menu=menu_text
    )
    await reply(update, text, reply_markup=main_menu(context))
    await offer_menu(update, context, with_commands=False)


async def show_help(update: Update, context: AppContext) -> None:
    await answer_button(update)
    kecamatan = context.config.kecamatan
    text = context.texts(
        "help.text",
        kecamatan=kecamatan.name,
        example=example_code(context),
        contact=office_contact(context.texts, kecamatan),
    )
    await reply(update, text)
    await offer_menu(update, context, with_commands=True)


def office_contact(texts: Texts, kecamatan: KecamatanConfig) -> str:
    """The office's address, phone and hours as a paragraph to append to a message (it starts
    with a blank line); empty when ``[kecamatan]`` gives none of them."""
    lines = [
        texts(f"help.{key}", **{key: value})
        for key in ("address", "phone", "office_hours")
        if (value := getattr(kecamatan, key).strip())
    ]
    if not lines:
        return ""
    return "\n\n" + "\n".join([texts("help.contact", kecamatan=kecamatan.name), *lines])


def outside_kecamatan(context: AppContext) -> str:
    """The answer to a report from outside the kecamatan: where to go, and this office's
    contact for questions."""
    kecamatan = context.config.kecamatan
    contact = office_contact(context.texts, kecamatan)
    return context.texts("complaint.outside_done", kecamatan=kecamatan.name, contact=contact)


def example_code(context: AppContext) -> str:
    """A tracking code to show as an example: this office's prefix and this year's number 1."""
    year = local_today(context.config.kecamatan.tz, context.services.clock()).year
    return tracking_code(context.config.complaints.tracking_prefix, year, 1)


async def choose_language(update: Update, context: AppContext) -> None:
    """``/bahasa`` shows both languages as buttons; ``/bahasa en`` switches at once."""
    await answer_button(update)
    if context.args and context.args[0].lower() in LANGUAGES:
        await _switch_language(update, context, context.args[0].lower())
        return
    t = context.texts
    buttons = keyboard(
        [[(t("language.indonesian"), "lang:id"), (t("language.english"), "lang:en")]]
    )
    await reply(update, t("language.choose"), reply_markup=buttons)


async def set_language(update: Update, context: AppContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    await answer_button(update)
    await _switch_language(update, context, update.callback_query.data.removeprefix("lang:"))


async def _switch_language(update: Update, context: AppContext, language: str) -> None:
    assert context.user_data is not None and update.effective_user is not None
    context.user_data["lang"] = language
    async with context.database.transaction() as session:
        await residents.update_language(session, update.effective_user.id, language)
    # Saved now, not at the next background save: the next message must be in this language
    # even if the bot restarts in between.
    if (persistence := context.application.persistence) is not None:
        await persistence.update_user_data(update.effective_user.id, context.user_data)
    # The residents' menu belongs in a private chat; in a group the change is just confirmed.
    menu = main_menu(context) if is_private(update) else None
    await reply(update, context.texts("language.changed"), reply_markup=menu)


async def show_ids(update: Update, context: AppContext) -> None:
    """Officials need their user id and the group's chat id to fill ``[roles]`` and chat ids."""
    assert update.effective_user is not None and update.effective_chat is not None
    key = "ids.private" if is_private(update) else "ids.group"
    text = context.texts(key, user_id=update.effective_user.id, chat_id=update.effective_chat.id)
    await reply(update, text)


async def nothing_to_cancel(update: Update, context: AppContext) -> None:
    await reply(update, context.texts("cancel.nothing"), reply_markup=main_menu(context))


async def not_understood(update: Update, context: AppContext) -> None:
    """Outside any dialogue, typed text may name a button: of the rating a resolved complaint
    still waits for ("4", "puas"), else of the main menu ("Laporkan gangguan"). Such a button
    is pressed, by the same handler as a tap; anything else gets the menu."""
    text = update.message.text if update.message is not None else None
    if text and not text.startswith("/"):
        for buttons in (await _awaiting_rating(update, context), _menu_buttons(context)):
            index = choose_option(text, [label for label, _ in buttons])
            if index is not None:
                pressed = typed_press(update, buttons[index][1])
                await context.application.process_update(pressed)
                return
    await reply(update, context.texts("fallback.unknown"), reply_markup=main_menu(context))


async def _awaiting_rating(update: Update, context: AppContext) -> list[tuple[str, str]]:
    """The rating buttons of the person's resolved complaint that is not rated yet, if any."""
    assert update.effective_user is not None
    async with context.database.sessions() as session:
        waiting = await complaints.fetch_awaiting_rating(session, update.effective_user.id)
    if waiting is None:
        return []
    return [button for row in rating_rows(context.texts, waiting) for button in row]


def _menu_buttons(context: AppContext) -> list[tuple[str, str]]:
    return [(context.texts(entry.text_key), entry.data) for entry in context.services.menu]


async def stale_button(update: Update, context: AppContext) -> None:
    """A button from an old message, or forged data: say so, and offer the current menu."""
    t = context.texts
    await answer_button(update, t("fallback.stale_button"))
    if is_private(update):
        await reply(update, t("menu.title"), reply_markup=main_menu(context))


async def refuse_button(update: Update, context: AppContext) -> None:
    """Forged data: a short answer on the button, nothing posted and no step taken."""
    await answer_button(update, context.texts("fallback.stale_button"))


async def remember_person(update: Update, context: AppContext) -> None:
    """Keep the residents table current, writing at most once per :data:`SEEN_REFRESH`.

    Runs before every other handler (group -1); the last write time lives in user_data so the
    check costs no query.
    """
    user = update.effective_user
    if user is None or user.is_bot or context.user_data is None:
        return
    now = context.services.clock()
    last = context.user_data.get("seen")
    if last is not None and now.timestamp() - last < SEEN_REFRESH.total_seconds():
        return
    persistence = context.application.persistence
    if not isinstance(persistence, DatabasePersistence):  # always, as build_application makes it
        return
    # With the next batch of dialogue steps: the step this message starts commits it (one turn
    # at SQLite's write lock, not two), and settle_person waits for it at the end of the
    # update. Nothing a person's first message does reads their own row: what does (a
    # submission, a move's note, a rating) comes in a later update.
    persistence.stage_resident(user.id, user.full_name, context.language, now)
    context.user_data["seen"] = now.timestamp()


async def settle_person(update: object, context: AppContext) -> None:
    """Runs after every other handler: the residents row :func:`remember_person` staged is
    committed before the update ends (at once, when a dialogue step committed it already)."""
    persistence = context.application.persistence
    user = update.effective_user if isinstance(update, Update) else None
    if user is not None and isinstance(persistence, DatabasePersistence):
        await persistence.settle_resident(user.id)


async def on_error(update: object, context: AppContext) -> None:
    """Log what failed without personal data, and tell the person to try again."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        async with context.database.transaction() as session:
            await residents.mark_blocked(session, update.effective_user.id)
        log.info("a person blocked the bot; marked, will not retry")
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling update %s: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, context.texts("error.generic"))
        except Exception:
            log.warning("could not send the error apology for update %s", update_id)
