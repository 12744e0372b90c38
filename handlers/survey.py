"""The satisfaction survey (Survei Kepuasan Masyarakat, SKM; IKU 2) by chat, and the officials'
``/populasi`` command.

A resident starts from the menu, from ``/survei`` or from the QR code at the counter, which opens
``/start skm_<SERVICE>`` with the service already chosen. Steps, in order: service, gender, age
(typed), education, occupation, the nine unsur questions in the sample-form order of
PermenPANRB 14/2017 (iku.skm.UNSUR), an optional suggestion (saran), and a summary to send.

Every button carries its step and its answer (``s:waktu:3``) and counts only while that step is
the current one, so a button of an earlier question changes nothing. Answers are kept by unsur
key in the dialogue's draft, which survives a restart. Buttons advance by editing the question
message in place, so the chat stays short on small phones; typed answers get a new message.
An option may be typed instead of tapped ("Sesuai", "perempuan", "3"): see handlers.dialogue.

Every step has Kembali (but the first) and Batal; Batal asks before it drops answers given. A
suggestion, once typed, is kept until the resident types another or presses "Hapus saran".
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.survey_files import Refused, check_population, population_line
from db import surveys
from handlers.context import AppContext, MenuEntry
from handlers.dialogue import Dialogue
from handlers.officials import button_data, roles_of
from handlers.replies import (
    MAX_TEXT,
    answer_button,
    edit_or_send,
    keyboard,
    main_menu,
    remember_question,
    remove_buttons,
    reply,
)
from i18n import Texts
from iku.format import format_number
from iku.periods import local_today
from iku.skm import (
    EDUCATIONS,
    GENDERS,
    OCCUPATIONS,
    UNSUR,
    UNSUR_BY_KEY,
    UNSUR_KEYS,
    parse_typed_age,
)
from iku.survey_forms import SARAN_MAX, SurveyAnswers
from iku.text import clean_text, truncate, utf16_length

NAME = "survey"
MENU = (MenuEntry("menu.survey", "menu:survey"),)
DEEP_LINK_PREFIX = "skm_"
OFFICIAL_ROLES = roles_of("populasi")


class Step(enum.IntEnum):
    """Conversation states; the exact step (which question) is ``draft["step"]``."""

    SERVICE = 1
    GENDER = 2
    AGE = 3
    EDUCATION = 4
    OCCUPATION = 5
    QUESTION = 6
    SARAN = 7
    CONFIRM = 8
    EDIT = 9
    QUIT = 10


PROFILE = ("service", "gender", "age", "education", "occupation")
STEPS = (*PROFILE, *UNSUR_KEYS, "saran", "confirm")
STATE = {
    "service": Step.SERVICE,
    "gender": Step.GENDER,
    "age": Step.AGE,
    "education": Step.EDUCATION,
    "occupation": Step.OCCUPATION,
    **dict.fromkeys(UNSUR_KEYS, Step.QUESTION),
    "saran": Step.SARAN,
    "confirm": Step.CONFIRM,
    "edit": Step.EDIT,
    "quit": Step.QUIT,
}
# Button choices of the profile questions: (code stored, label shown), from iku.skm.
CHOICES = {"gender": GENDERS, "education": EDUCATIONS, "occupation": OCCUPATIONS}
# Steps the summary lets a resident go back to, with the label key of each.
EDITABLE = (*PROFILE, *UNSUR_KEYS, "saran")
BACK, SKIP, SEND, CHANGE, CANCEL, CLEAR = "back", "skip", "send", "edit", "cancel", "clear"
YES, NO = "yes", "no"
# Steps whose answer is typed, with the hint for anything else sent there.
TYPED = {"age": "survey.age_text_only", "saran": "survey.saran_hint"}


class SurveyDialogue(Dialogue):
    """A Dialogue whose hints fit the step (typing is right for age and saran, buttons
    everywhere else) and show the question again with its buttons."""

    async def stray_message(self, update: Update, context: AppContext) -> None:
        if await self._typed_code(update, context):
            return
        t, step = context.texts, str(draft(context).get("step", "service"))
        if step in TYPED:
            notice = t(TYPED[step])
        elif update.message is not None and update.message.text is None:
            notice = f"{t('fallback.not_text')}\n{t('fallback.use_buttons')}"
        else:
            notice = t("fallback.use_buttons")
        await show(update, context, step, new=True, notice=notice)

    async def restate(self, update: Update, context: AppContext) -> None:
        """/start in the middle of the survey: carry on where it was."""
        step = str(draft(context).get("step", "service"))
        await show(update, context, step, new=True, notice=context.texts("survey.in_progress"))

    def discarded(self, texts: Texts, draft: dict[str, Any]) -> str | None:
        """ "Survei kepuasan untuk layanan «Surat keterangan» yang belum dikirim"."""
        service = draft.get("service_name") or draft.get("service")
        if not isinstance(service, str):
            return texts("survey.discarded_unstarted")
        return texts("survey.discarded", service=service)


def dialogue() -> Dialogue:
    buttons = CallbackQueryHandler(on_button, pattern=r"^s:")
    typed = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, AppContext, Any]]] = {
        state: [buttons] for state in Step
    }
    states[Step.AGE] = [MessageHandler(typed, on_age), buttons]
    states[Step.SARAN] = [MessageHandler(typed, on_saran), buttons]
    deep_link = filters.Regex(rf"^/start(@\w+)? {DEEP_LINK_PREFIX}")
    return SurveyDialogue(
        NAME,
        entry_points=[
            CommandHandler(["survei", "survey"], begin),
            CommandHandler("start", begin_from_link, filters=deep_link),
            CallbackQueryHandler(begin, pattern=r"^menu:survey$"),
        ],
        states=states,
        fallbacks=[
            CommandHandler(["survei", "survey"], resume),
            CommandHandler("start", resume, filters=deep_link),
            CallbackQueryHandler(resume, pattern=r"^menu:survey$"),
        ],
    )


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """The officials' command, registered with the global handlers."""
    return [
        CommandHandler("populasi", record_population),
        CallbackQueryHandler(record_population, pattern=f"^{button_data('populasi')}$"),
    ]


def draft(context: AppContext) -> dict[str, Any]:
    assert context.user_data is not None
    answers: dict[str, Any] = context.user_data.setdefault(NAME, {})
    return answers


# --- entering and resuming ------------------------------------------------------------------


async def begin(update: Update, context: AppContext) -> Step:
    await answer_button(update)
    new_draft(context)
    return await show(update, context, "service", new=True)


async def begin_from_link(update: Update, context: AppContext) -> Step:
    """``/start skm_KTP`` from the QR code: the service is chosen unless the code is unknown."""
    new_draft(context)
    code = (context.args or [""])[0].removeprefix(DEEP_LINK_PREFIX)
    service = context.config.survey.service(code)
    if service is None:
        notice = context.texts("survey.unknown_service", code=code[:16])
        return await show(update, context, "service", new=True, notice=notice)
    return await choose_service(update, context, service.code, new=True)


def new_draft(context: AppContext) -> None:
    """An empty survey with its submission key: "Kirim" pressed twice (after a crash, say)
    stores one response."""
    assert context.user_data is not None
    context.user_data[NAME] = {"key": uuid.uuid4().hex}


async def resume(update: Update, context: AppContext) -> Step:
    """``/survei`` (or the menu, or a QR code) during a survey: carry on where it was."""
    await answer_button(update)
    step = str(draft(context).get("step", "service"))
    notice = context.texts("survey.in_progress")
    return await show(update, context, step, new=True, notice=notice)


# --- answers --------------------------------------------------------------------------------


async def on_button(update: Update, context: AppContext) -> Step | int | None:
    """Every survey button: ``s:<step>:<value>``, valid only for the current step."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    if len(parts) != 3:
        await answer_button(update, context.texts("survey.invalid_button"))
        return None
    _, step, value = parts
    if step != draft(context).get("step"):
        await answer_button(update, context.texts("survey.old_button"))
        return None
    if value == BACK and step not in ("service", "quit"):
        await answer_button(update)
        return await show(update, context, previous_step(step))
    if value == CANCEL and step != "quit":
        return await on_cancel(update, context, step)
    if step == "quit":
        return await on_quit(update, context, value)
    if step == "confirm":
        return await on_confirm(update, context, value)
    if step == "saran" and value in (SKIP, CLEAR):
        await answer_button(update)
        # Lewati keeps a suggestion typed before; only "Hapus saran" removes it.
        kept = (draft(context).get("saran") or "") if value == SKIP else ""
        return await store(update, context, "saran", kept)
    if step == "edit" and value in EDITABLE:
        await answer_button(update)
        draft(context)["editing"] = True
        return await show(update, context, value)
    service = context.config.survey.service(value) if step == "service" else None
    if service is not None:
        await answer_button(update)
        return await choose_service(update, context, service.code)
    answer = parse_choice(step, value)
    if answer is None:
        await answer_button(update, context.texts("survey.invalid_button"))
        return None
    await answer_button(update)
    return await store(update, context, step, answer)


def parse_choice(step: str, value: str) -> int | str | None:
    """The answer a button of ``step`` carries, or None when it is not one of its buttons."""
    if step in UNSUR_BY_KEY:
        return int(value) if value in ("1", "2", "3", "4") else None
    if step in CHOICES:
        return value if value in dict(CHOICES[step]) else None
    return None


async def choose_service(
    update: Update, context: AppContext, code: str, *, new: bool = False
) -> Step:
    """Take the service, unless this resident already answered for it today."""
    assert update.effective_user is not None
    today = local_today(context.config.kecamatan.tz, context.services.clock())
    async with context.database.sessions() as session:
        given = await surveys.fetch_chat_responses_today(
            session, update.effective_user.id, code, today
        )
    limit = context.config.survey.daily_limit_per_service
    if limit and given >= limit:
        notice = context.texts("survey.already", service=service_name(context, code))
        return await show(update, context, "service", new=True, notice=notice)
    draft(context)["service_name"] = service_name(context, code)  # to name a dropped draft
    return await store(update, context, "service", code, new=new)


async def on_age(update: Update, context: AppContext) -> Step | None:
    """The age as typed: "35", "35 tahun", "umur 35"."""
    assert update.message is not None
    age = parse_typed_age(update.message.text or "")
    if age is None:
        return await show(
            update, context, "age", new=True, notice=context.texts("survey.age_invalid")
        )
    return await store(update, context, "age", age, new=True)


async def on_saran(update: Update, context: AppContext) -> Step | None:
    assert update.message is not None
    text = clean_text(update.message.text or "")
    if utf16_length(text) > SARAN_MAX:
        await reply(update, context.texts("survey.saran_too_long", limit=format_number(SARAN_MAX)))
        return None
    return await store(update, context, "saran", text, new=True)


async def store(
    update: Update, context: AppContext, step: str, answer: int | str, *, new: bool = False
) -> Step:
    """Keep the answer of ``step`` and move on: to the next step, or back to the summary when
    the resident came from "Ubah jawaban" and nothing is missing."""
    answers = draft(context)
    if step in UNSUR_BY_KEY:
        answers.setdefault("answers", {})[step] = answer
    elif step == "saran":
        answers["saran"] = answer or None  # skipped: answered, without a suggestion
    else:
        answers[step] = answer
    following = STEPS[STEPS.index(step) + 1]
    if answers.get("editing") and not missing(answers):
        following = "confirm"
    return await show(update, context, following, new=new)


def missing(answers: dict[str, Any]) -> list[str]:
    """Steps not answered yet (a skipped saran counts as answered)."""
    given = answers.get("answers", {})
    return [step for step in EDITABLE if step not in answers and step not in given]


def previous_step(step: str) -> str:
    if step == "edit":
        return "confirm"
    return STEPS[max(STEPS.index(step) - 1, 0)]


async def on_cancel(update: Update, context: AppContext, step: str) -> Step | int:
    """Batal: at once while nothing is answered; else after the resident confirms."""
    await answer_button(update)
    answers = draft(context)
    if step == "service" and "service" not in answers:
        return await quit_survey(update, context)
    answers["quit_from"] = step
    return await show(update, context, "quit")


async def on_quit(update: Update, context: AppContext, value: str) -> Step | int | None:
    if value == YES:
        await answer_button(update)
        return await quit_survey(update, context)
    if value == NO:
        await answer_button(update)
        return await show(update, context, str(draft(context).pop("quit_from", "service")))
    await answer_button(update, context.texts("survey.invalid_button"))
    return None


async def quit_survey(update: Update, context: AppContext) -> int:
    await _drop_buttons(update)
    assert context.user_data is not None
    context.user_data.pop(NAME, None)
    await reply(update, context.texts("cancel.done"), reply_markup=main_menu(context))
    return Dialogue.END


async def on_confirm(update: Update, context: AppContext, value: str) -> Step | int | None:
    if value == CHANGE:
        await answer_button(update)
        return await show(update, context, "edit")
    if value != SEND or missing(draft(context)):
        await answer_button(update, context.texts("survey.invalid_button"))
        return None
    return await submit(update, context)


async def submit(update: Update, context: AppContext) -> Step | int:
    """Commit the response, then thank the resident (no score is shown)."""
    assert update.effective_user is not None and update.callback_query is not None
    answers = draft(context)
    config = context.config
    async with context.database.transaction() as session:
        stored = await surveys.record_chat_response(
            session,
            person=update.effective_user.id,
            answers=to_answers(answers),
            answered_at=context.services.clock(),
            tz=config.kecamatan.tz,
            daily_limit=config.survey.daily_limit_per_service,
            submission_key=answers.get("key"),
        )
    await answer_button(update)  # only now: the response is committed
    if not stored:
        answers["editing"] = True
        notice = context.texts("survey.already", service=service_name(context, answers["service"]))
        return await show(update, context, "service", new=True, notice=notice)
    await _drop_buttons(update)
    assert context.user_data is not None
    context.user_data.pop(NAME, None)
    thanks = context.texts("survey.thanks", kecamatan=config.kecamatan.name)
    await reply(update, thanks, reply_markup=main_menu(context))
    return Dialogue.END


def to_answers(answers: dict[str, Any]) -> SurveyAnswers:
    return SurveyAnswers(
        service=answers["service"],
        gender=answers["gender"],
        age=int(answers["age"]),
        education=answers["education"],
        occupation=answers["occupation"],
        answers={key: int(answers["answers"][key]) for key in UNSUR_KEYS},
        saran=answers.get("saran") or None,
    )


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await remove_buttons(query)


# --- showing a step -------------------------------------------------------------------------


async def show(
    update: Update, context: AppContext, step: str, *, new: bool = False, notice: str = ""
) -> Step:
    """Make ``step`` the current one and ask it: by editing the message whose button was
    pressed, or in a new message (typed answers, a notice, or a restarted survey)."""
    answers = draft(context)
    answers["step"] = step
    question, markup = render(step, answers, context)
    text = f"{notice}\n\n{question}" if notice else question
    if new:
        await reply(update, text, reply_markup=markup)
    else:
        await edit_or_send(update, text, reply_markup=markup)
    remember_question(question, {"reply_markup": markup})  # what a reminder shows: no notice
    return STATE[step]


def render(
    step: str, answers: dict[str, Any], context: AppContext
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.texts
    cancel = (t("survey.button_cancel"), f"s:{step}:{CANCEL}")
    back = [(t("survey.button_back"), f"s:{step}:{BACK}"), cancel]
    if step == "service":
        services = context.config.survey.services
        rows = [[(service.name, f"s:service:{service.code}")] for service in services]
        text = t("survey.choose_service", kecamatan=context.config.kecamatan.name)
        return text, keyboard([*rows, [cancel]])
    if step in UNSUR_BY_KEY:
        return _question(step, answers, context), keyboard([*_options(step), back])
    if step in CHOICES:
        text = t(f"survey.{step}", service=service_name(context, answers.get("service", "")))
        return text, keyboard([*_pairs(step, CHOICES[step]), back])
    if step == "age":
        return t("survey.age"), keyboard([back])
    if step == "saran":
        return _saran_question(answers, context), keyboard([*_saran_rows(step, answers, t), back])
    if step == "confirm":
        rows = [
            [(t("survey.button_send"), f"s:confirm:{SEND}")],
            [(t("survey.button_edit"), f"s:confirm:{CHANGE}")],
            back,
        ]
        text = t("survey.summary", lines="\n".join(summary(answers, context)))
        return truncate(text, MAX_TEXT), keyboard(rows)
    if step == "quit":
        rows = [
            [(t("survey.button_quit"), f"s:quit:{YES}")],
            [(t("survey.button_stay"), f"s:quit:{NO}")],
        ]
        return t("survey.quit"), keyboard(rows)
    rows = [[(label, f"s:edit:{key}")] for key, label in _editable_labels(context)]
    return t("survey.choose_edit"), keyboard([*rows, back])


def _saran_question(answers: dict[str, Any], context: AppContext) -> str:
    """The suggestion step; one typed before is shown, to keep, replace or remove."""
    earlier = answers.get("saran")
    if not earlier:
        return context.texts("survey.saran")
    return truncate(context.texts("survey.saran_again", saran=earlier), MAX_TEXT)


def _saran_rows(step: str, answers: dict[str, Any], t: Texts) -> list[list[tuple[str, str]]]:
    rows = [[(t("survey.button_skip"), f"s:{step}:{SKIP}")]]
    if answers.get("saran"):
        rows.append([(t("survey.button_clear_saran"), f"s:{step}:{CLEAR}")])
    return rows


def _question(key: str, answers: dict[str, Any], context: AppContext) -> str:
    number = UNSUR_KEYS.index(key) + 1
    unsur = UNSUR_BY_KEY[key]
    text = context.texts(
        "survey.question", number=number, total=len(UNSUR_KEYS), question=unsur.question
    )
    previous = answers.get("answers", {}).get(key)
    if previous is not None:
        text += "\n" + context.texts("survey.previous_answer", answer=unsur.option(previous))
    return text


def _options(key: str) -> list[list[tuple[str, str]]]:
    unsur = UNSUR_BY_KEY[key]
    return [[(unsur.option(score), f"s:{key}:{score}")] for score in range(1, 5)]


def _pairs(step: str, choices: tuple[tuple[str, str], ...]) -> list[list[tuple[str, str]]]:
    buttons = [(label, f"s:{step}:{code}") for code, label in choices]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _editable_labels(context: AppContext) -> list[tuple[str, str]]:
    t = context.texts
    labels = [(step, t(f"survey.label_{step}")) for step in PROFILE]
    labels += [(u.key, f"{number}. {u.name}") for number, u in enumerate(UNSUR, start=1)]
    return [*labels, ("saran", t("survey.label_saran"))]


def summary(answers: dict[str, Any], context: AppContext) -> list[str]:
    """The answers as the resident gave them, one line each, for the check before sending."""
    t = context.texts

    def line(step: str, value: str) -> str:
        return t("survey.summary_line", label=t(f"survey.label_{step}"), value=value)

    lines = [
        line("service", service_name(context, answers["service"])),
        line("gender", dict(GENDERS)[answers["gender"]]),
        line("age", t("survey.age_value", age=answers["age"])),
        line("education", dict(EDUCATIONS)[answers["education"]]),
        line("occupation", dict(OCCUPATIONS)[answers["occupation"]]),
    ]
    for number, unsur in enumerate(UNSUR, start=1):
        answer = unsur.option(answers["answers"][unsur.key])
        lines.append(t("survey.summary_unsur", number=number, name=unsur.name, answer=answer))
    lines.append(line("saran", answers.get("saran") or t("survey.no_saran")))
    return lines


def service_name(context: AppContext, code: str) -> str:
    service = context.config.survey.service(code)
    return service.name if service is not None else code


# --- officials: service-user counts ---------------------------------------------------------


async def record_population(update: Update, context: AppContext) -> None:
    """``/populasi 2025-01 KTP 250``: how many people a service served in a month (the
    officials' menu button shows how to use it)."""
    assert update.effective_user is not None
    await answer_button(update)
    t = context.texts
    config = context.config
    if not config.roles.has(update.effective_user.id, *OFFICIAL_ROLES):
        await reply(update, t("population.not_allowed"))
        return
    args = context.args or []
    now = context.services.clock()
    if len(args) != 3:
        codes = ", ".join(service.code for service in config.survey.services)
        month = local_today(config.kecamatan.tz, now).strftime("%Y-%m")  # the example: this month
        await reply(update, t("population.usage", codes=codes, month=month))
        return
    try:
        entry = check_population(config, args[0], args[1], args[2], now)
    except Refused as refused:
        await reply(update, refused.text(t))
        return
    async with context.database.transaction() as session:
        await surveys.record_population(
            session,
            month=entry.month,
            service=entry.service,
            service_users=entry.service_users,
            recorded_by=f"telegram:{update.effective_user.id}",
            now=now,
        )
    await reply(update, population_line(config, entry, t))
