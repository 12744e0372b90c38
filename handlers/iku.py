"""``/iku [PERIOD]``: the four IKU for officials, the same text as ``ajung-bot report``.

Without a period, the common ones are offered as buttons; a period may also be typed in words
("minggu ini", "bulan lalu", "last year") or as a key (``2025-W07``, ``2025-02``, ``2025``),
both read by :func:`iku.periods.read_period`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.reporting import build_report
from handlers.context import AppContext
from handlers.officials import button_data, roles_of
from handlers.replies import answer_button, has_role, keyboard, reply
from iku.periods import Period, current_keys, local_today, read_period, relative_period
from iku.report import format_date, render_text

OFFICIAL_ROLES = roles_of("iku")
# The periods offered as buttons, two per row (labels: iku.period.<name>).
PERIOD_BUTTONS = ("this_week", "last_week", "this_month", "this_year")
# Every button that shows a period: the period buttons, and "IKU this week" of the officials' menu.
BUTTON_PERIODS = {f"iku:{name}": name for name in PERIOD_BUTTONS} | {
    button_data("iku"): "this_week"
}


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        CommandHandler("iku", show_iku),
        *(CallbackQueryHandler(on_period_button, pattern=f"^{data}$") for data in BUTTON_PERIODS),
    ]


async def show_iku(update: Update, context: AppContext) -> None:
    """``/iku`` offers periods; ``/iku bulan lalu``, ``/iku 2025-Q1`` ... show one."""
    t = context.texts
    if not has_role(update, context, *OFFICIAL_ROLES):
        await reply(update, t("plans.not_allowed"))
        return
    today = _today(context)
    if not context.args:
        await offer_periods(update, context, today)
        return
    try:
        period = read_period(" ".join(context.args), today)
    except ValueError:
        await reply(update, t("iku.bad_period", **current_keys(today)))
        return
    await show_report(update, context, period)


async def offer_periods(update: Update, context: AppContext, today: date) -> None:
    """The period buttons, saying what "this week" covers (Monday up to today)."""
    t = context.texts
    this_week = relative_period("this_week", today)
    text = t(
        "iku.choose",
        monday=format_date(this_week.start, t),
        today=format_date(today, t),
        **current_keys(today),
    )
    labels = [(t(f"iku.period.{name}"), f"iku:{name}") for name in PERIOD_BUTTONS]
    await reply(update, text, reply_markup=keyboard([labels[:2], labels[2:]]))


async def on_period_button(update: Update, context: AppContext) -> None:
    """A period button: the same rule as the command, then the report in a new message (the
    buttons stay, for the next period)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not has_role(update, context, *OFFICIAL_ROLES):
        await answer_button(update, context.texts("plans.not_allowed"), alert=True)
        return
    await answer_button(update)
    period = relative_period(BUTTON_PERIODS[query.data], _today(context))
    await show_report(update, context, period)


async def show_report(update: Update, context: AppContext, period: Period) -> None:
    report = await build_report(context.database, context.config, period, context.services.clock())
    await reply(update, render_text(report, context.texts))


def _today(context: AppContext) -> date:
    return local_today(context.config.kecamatan.tz, context.services.clock())
