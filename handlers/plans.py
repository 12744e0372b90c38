"""Officials record the yearly plans' progress: ``/program`` (IKU 1, Sekcam and Camat) sets an
indicator's realization or an explicit decision; ``/kegiatan`` (IKU 3, Seksi PMKS, Sekcam and
Camat) marks a planned empowerment activity facilitated."""

from __future__ import annotations

import enum
from datetime import date

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from db import indicators
from db.indicators import ActivityView, ProgramView
from handlers.context import AppContext
from handlers.dialogue import Dialogue, clear_draft, draft_of
from handlers.officials import button_data, roles_of
from handlers.replies import (
    NUMBER,
    answer_button,
    button_label,
    button_number,
    has_role,
    keyboard,
    paged_buttons,
    reply,
)
from iku.format import format_number
from iku.indicators import (
    read_activity_note,
    read_decision_note,
    read_facilitation_day,
    read_participants,
    read_realization,
)
from iku.periods import local_today
from iku.report import format_date
from iku.text import clean_text

PROGRAM_ROLES = roles_of("program")
ACTIVITY_ROLES = roles_of("kegiatan")
TEXT = filters.TEXT & ~filters.COMMAND


class ProgramStep(enum.IntEnum):
    PICK = 1
    ACTION = 2
    REALIZATION = 3
    NOTE = 4


class ActivityStep(enum.IntEnum):
    PICK = 1
    DATE = 2
    PARTICIPANTS = 3
    NOTE = 4


def dialogues() -> list[Dialogue]:
    return [program_dialogue(), activity_dialogue()]


def program_dialogue() -> Dialogue:
    return Dialogue(
        "program",
        entry_points=[
            CommandHandler("program", start_program),
            CallbackQueryHandler(start_program, pattern=f"^{button_data('program')}$"),
        ],
        states={
            ProgramStep.PICK: [
                CallbackQueryHandler(list_programs, pattern=rf"^pg:page:{NUMBER}$"),
                CallbackQueryHandler(pick_program, pattern=rf"^pg:pick:{NUMBER}$"),
            ],
            ProgramStep.ACTION: [
                CallbackQueryHandler(ask_realization, pattern=r"^pg:real$"),
                CallbackQueryHandler(ask_decision_note, pattern=r"^pg:(yes|no|rule)$"),
                CallbackQueryHandler(list_programs, pattern=r"^pg:back$"),
            ],
            ProgramStep.REALIZATION: [MessageHandler(TEXT, save_realization)],
            ProgramStep.NOTE: [MessageHandler(TEXT, save_decision)],
        },
    )


def activity_dialogue() -> Dialogue:
    return Dialogue(
        "kegiatan",
        entry_points=[
            CommandHandler("kegiatan", start_activity),
            CallbackQueryHandler(start_activity, pattern=f"^{button_data('kegiatan')}$"),
        ],
        states={
            ActivityStep.PICK: [
                CallbackQueryHandler(list_activities, pattern=rf"^kg:page:{NUMBER}$"),
                CallbackQueryHandler(pick_activity, pattern=rf"^kg:pick:{NUMBER}$"),
            ],
            ActivityStep.DATE: [
                CallbackQueryHandler(save_date, pattern=r"^kg:today$"),
                MessageHandler(TEXT, save_date),
            ],
            ActivityStep.PARTICIPANTS: [MessageHandler(TEXT, save_participants)],
            ActivityStep.NOTE: [
                CallbackQueryHandler(save_activity, pattern=r"^kg:skip$"),
                MessageHandler(TEXT, save_activity),
            ],
        },
    )


def _actor(update: Update) -> str:
    assert update.effective_user is not None
    return f"telegram:{update.effective_user.id}"


def _year(context: AppContext) -> int:
    return local_today(context.config.kecamatan.tz, context.services.clock()).year


async def _refuse(update: Update, context: AppContext, roles: tuple[str, ...]) -> bool:
    """Whether to stop: data entry is for the named roles (and, as every dialogue, happens in
    a private chat: see handlers.dialogue)."""
    if not has_role(update, context, *roles):
        await answer_button(update)  # a menu button: otherwise the list answers it
        await reply(update, context.texts("plans.not_allowed"))
        return True
    return False


# --- /program ----------------------------------------------------------------------------


async def start_program(update: Update, context: AppContext) -> int:
    if await _refuse(update, context, PROGRAM_ROLES):
        return Dialogue.END
    return await list_programs(update, context)


async def list_programs(update: Update, context: AppContext) -> int:
    await answer_button(update)
    t, year = context.texts, _year(context)
    async with context.database.sessions() as session:
        programs = await indicators.fetch_programs(session, year)
    if not programs:
        await reply(update, t("plans.no_programs", year=year))
        return Dialogue.END
    page = _page(update)
    items = [(button_label(f"{mark(p)} {p.code} · {p.name}"), f"pg:pick:{p.id}") for p in programs]
    buttons = paged_buttons(
        items, page, prefix="pg", back=t("plans.previous"), more=t("plans.next")
    )
    await reply(update, t("plans.pick_program", year=year), reply_markup=buttons)
    return ProgramStep.PICK


def mark(program: ProgramView) -> str:
    return "✅" if program.achieved else "▫️"


def _page(update: Update) -> int:
    data = update.callback_query.data if update.callback_query else None
    page = button_number(data.rsplit(":", 1)[1]) if data and ":page:" in data else None
    return page or 0


def _callback_id(update: Update) -> int:
    """The id of a ``pg:pick:ID`` / ``kg:pick:ID`` button (its pattern admits only these)."""
    assert update.callback_query is not None and update.callback_query.data is not None
    number = button_number(update.callback_query.data.rsplit(":", 1)[1])
    assert number is not None
    return number


async def pick_program(update: Update, context: AppContext) -> int:
    await answer_button(update)
    async with context.database.sessions() as session:
        program = await indicators.fetch_program(session, _callback_id(update))
    if program is None or program.year != _year(context):
        await reply(update, context.texts("fallback.stale_button"))
        return ProgramStep.PICK
    draft_of(context, "program")["id"] = program.id
    await _show_program(update, context, program)
    return ProgramStep.ACTION


async def _show_program(update: Update, context: AppContext, program: ProgramView) -> None:
    t = context.texts
    buttons = [
        [(t("plans.enter_realization"), "pg:real")],
        [(t("plans.set_achieved"), "pg:yes"), (t("plans.set_not_achieved"), "pg:no")],
    ]
    if program.explicit is not None:
        buttons.append([(t("plans.follow_rule"), "pg:rule")])
    buttons.append([(t("plans.back"), "pg:back")])
    await reply(update, program_card(program, context), reply_markup=keyboard(buttons))


def program_card(program: ProgramView, context: AppContext) -> str:
    t = context.texts
    realization = (
        t("plans.none") if program.realization is None else format_number(program.realization, 2)
    )
    return t(
        "plans.program_card",
        code=program.code,
        name=program.name,
        target=format_number(program.target, 2),
        unit=program.unit,
        realization=realization,
        status=t("plans.achieved" if program.achieved else "plans.not_achieved"),
        basis=t("plans.by_decision" if program.explicit is not None else "plans.by_rule"),
    )


async def ask_realization(update: Update, context: AppContext) -> int:
    await answer_button(update)
    await reply(update, context.texts("plans.ask_realization"))
    return ProgramStep.REALIZATION


async def save_realization(update: Update, context: AppContext) -> int:
    value = read_realization(typed(update))
    if value is None:
        await reply(update, context.texts("plans.bad_number"))
        return ProgramStep.REALIZATION
    async with context.database.transaction() as session:
        program = await indicators.record_realization(
            session, draft_of(context, "program")["id"], value, actor=_actor(update),
            now=context.services.clock(),
        )  # fmt: skip
    return await _saved(update, context, program)


async def ask_decision_note(update: Update, context: AppContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    await answer_button(update)
    draft_of(context, "program")["decision"] = update.callback_query.data.removeprefix("pg:")
    await reply(update, context.texts("plans.ask_note"))
    return ProgramStep.NOTE


async def save_decision(update: Update, context: AppContext) -> int:
    note = read_decision_note(typed(update))
    if note is None:
        await reply(update, context.texts("plans.bad_note"))
        return ProgramStep.NOTE
    draft = draft_of(context, "program")
    decision = {"yes": True, "no": False, "rule": None}[draft["decision"]]
    async with context.database.transaction() as session:
        program = await indicators.record_decision(
            session, draft["id"], decision, note, actor=_actor(update), now=context.services.clock()
        )
    return await _saved(update, context, program)


async def _saved(update: Update, context: AppContext, program: ProgramView | None) -> int:
    clear_draft(context, "program")
    if program is None:
        await reply(update, context.texts("fallback.stale_button"))
        return Dialogue.END
    await reply(update, context.texts("plans.saved") + "\n\n" + program_card(program, context))
    return Dialogue.END


# --- /kegiatan ---------------------------------------------------------------------------


async def start_activity(update: Update, context: AppContext) -> int:
    if await _refuse(update, context, ACTIVITY_ROLES):
        return Dialogue.END
    return await list_activities(update, context)


async def list_activities(update: Update, context: AppContext) -> int:
    await answer_button(update)
    t, year = context.texts, _year(context)
    async with context.database.sessions() as session:
        open_ones = await indicators.fetch_activities(session, year, facilitated=False)
    if not open_ones:
        await reply(update, t("plans.no_activities", year=year))
        return Dialogue.END
    items = [(activity_label(a, context), f"kg:pick:{a.id}") for a in open_ones]
    page = _page(update)
    buttons = paged_buttons(
        items, page, prefix="kg", back=t("plans.previous"), more=t("plans.next")
    )
    await reply(update, t("plans.pick_activity", year=year), reply_markup=buttons)
    return ActivityStep.PICK


def activity_label(activity: ActivityView, context: AppContext) -> str:
    month = context.texts(f"months.m{activity.planned_month}")[:3]
    return button_label(f"{month} · {activity.name}")


async def pick_activity(update: Update, context: AppContext) -> int:
    await answer_button(update)
    async with context.database.sessions() as session:
        activity = await indicators.fetch_activity(session, _callback_id(update))
    if activity is None or activity.facilitated_on is not None:
        await reply(update, context.texts("fallback.stale_button"))
        return ActivityStep.PICK
    draft_of(context, "kegiatan").update(id=activity.id, name=activity.name)
    buttons = keyboard([[(context.texts("plans.today"), "kg:today")]])
    await reply(update, context.texts("plans.ask_date", name=activity.name), reply_markup=buttons)
    return ActivityStep.DATE


async def save_date(update: Update, context: AppContext) -> int:
    await answer_button(update)
    today = local_today(context.config.kecamatan.tz, context.services.clock())
    day = today if update.callback_query else read_facilitation_day(typed(update), today)
    if day is None:
        await reply(update, context.texts("plans.bad_date"))
        return ActivityStep.DATE
    draft_of(context, "kegiatan")["date"] = day.isoformat()
    await reply(update, context.texts("plans.ask_participants"))
    return ActivityStep.PARTICIPANTS


async def save_participants(update: Update, context: AppContext) -> int:
    participants = read_participants(typed(update))
    if participants is None:
        await reply(update, context.texts("plans.bad_participants"))
        return ActivityStep.PARTICIPANTS
    draft_of(context, "kegiatan")["participants"] = participants
    skip = keyboard([[(context.texts("plans.skip"), "kg:skip")]])
    await reply(update, context.texts("plans.ask_activity_note"), reply_markup=skip)
    return ActivityStep.NOTE


async def save_activity(update: Update, context: AppContext) -> int:
    await answer_button(update)
    note = read_activity_note(typed(update))
    if note is None:
        await reply(update, context.texts("plans.bad_note"))
        return ActivityStep.NOTE
    draft = draft_of(context, "kegiatan")
    async with context.database.transaction() as session:
        activity = await indicators.record_facilitation(
            session, draft["id"], on=date.fromisoformat(draft["date"]),
            participants=draft["participants"], note=note, actor=_actor(update),
            now=context.services.clock(),
        )  # fmt: skip
    clear_draft(context, "kegiatan")
    if activity is None or activity.facilitated_on is None:
        await reply(update, context.texts("fallback.stale_button"))
        return Dialogue.END
    text = context.texts(
        "plans.activity_saved",
        name=activity.name,
        date=format_date(activity.facilitated_on, context.texts),
        participants=format_number(activity.participants or 0),
    )
    await reply(update, text)
    return Dialogue.END


def typed(update: Update) -> str:
    """The text the person typed (empty for a button press), without control characters:
    notes end up in the workbooks officials open, which refuse them."""
    return clean_text(update.message.text or "") if update.message else ""
