"""``/web``: an official gets a one-time link that signs them in to the dashboard.

Private chat only (a group would show the link to others); people not in ``[roles]`` get the
polite refusal. The link is valid 10 minutes and opens one session (:mod:`bot.web.links`).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.web.links import issue_link, may_sign_in
from handlers.context import AppContext
from handlers.officials import button_data
from handlers.replies import PrivateOnly, answer_button, reply

log = logging.getLogger(__name__)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        PrivateOnly(CommandHandler("web", send_link)),
        PrivateOnly(CallbackQueryHandler(send_link, pattern=f"^{button_data('web')}$")),
    ]


async def send_link(update: Update, context: AppContext) -> None:
    user = update.effective_user
    assert user is not None
    t = context.texts
    await answer_button(update)
    if not may_sign_in(context.config, user.id):
        await reply(update, t("web.not_allowed"))
        return
    url = await issue_link(context.database, context.config, user.id, context.services.clock())
    log.info("a dashboard sign-in link was sent to an official")
    # No preview: fetching the page for one would use the link up.
    await reply(update, t("web.link", url=url), link_preview_options={"is_disabled": True})
