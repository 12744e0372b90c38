"""``/iku [PERIOD]``: the four IKU for officials, the same text as ``ajung-bot report``."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.reporting import build_report
from handlers.context import AppContext
from handlers.replies import has_role, reply
from iku.periods import Period, local_today, parse_period, year_to_date
from iku.report import render_text

OFFICIAL_ROLES = ("camat", "sekcam", "trantib", "pmks")


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [CommandHandler("iku", show_iku)]


async def show_iku(update: Update, context: AppContext) -> None:
    """Year to date by default; ``/iku 2025-Q1``, ``/iku 2025-W07``, ``/iku 2025-02`` ..."""
    if not has_role(update, context, *OFFICIAL_ROLES):
        await reply(update, context.texts("plans.not_allowed"))
        return
    period = requested_period(context)
    if period is None:
        await reply(update, context.texts("iku.bad_period"))
        return
    report = await build_report(context.database, context.config, period, context.services.clock())
    await reply(update, render_text(report, context.texts))


def requested_period(context: AppContext) -> Period | None:
    today = local_today(context.config.kecamatan.tz, context.services.clock())
    if not context.args:
        return year_to_date(today)
    try:
        return parse_period(context.args[0])
    except ValueError:
        return None
