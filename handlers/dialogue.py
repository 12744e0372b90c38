"""Durable multi-step dialogues.

Every dialogue of the bot is a :class:`Dialogue`: a persistent python-telegram-bot
``ConversationHandler`` that also

* keeps its draft answers in ``context.user_data[name]`` so that a restart resumes them,
* ends with /batal (or /cancel) from any step, dropping the draft,
* answers anything its current step does not expect with a short hint, keeping the step,
* records the last activity of each conversation, so that :func:`bot.jobs.sweep_idle` can end
  the idle ones even across restarts (the library's own timeouts are not persisted),
* saves each step before anyone sees it: a step's replies (the next question) are held until
  its state and draft are written. A kill in between loses at most the question, which the
  person asks again; it never leaves the bot one step behind what the person sees, where the
  next answer would land in the previous field,
* keeps the question a step showed last (its text and buttons, :class:`Question`) in the draft,
  so that what a person types is understood as a press of one of its buttons (the label, a
  unique start of it, or the button's number: :func:`iku.dialogues.choose_option`), /start shows
  the question again, and a reminder or a hint can show its buttons,
* says, when the draft is dropped for silence, what was discarded (:meth:`Dialogue.discarded`).

Typed text is matched only where the step has no use for text itself: a step that takes text (a
description, an age, a suggestion) keeps taking it, unless it is a button's whole label ("Lewati",
"Kembali"). A matched press goes to the same handler as a tap, with the same checks.

Commands that make sense at any time (/bantuan, /bahasa, /id, /status) pass through to the global
handlers without disturbing the dialogue; so does a tracking code typed on its own.

Dialogues happen in private chats only. In a group, what would start one gets a pointer to the
private chat, and nothing else in a group is a dialogue's: an official's note in the Trantib
group is never taken as the answer to a question.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.persistence import DatabasePersistence
from handlers.context import AppContext
from handlers.replies import (
    Question,
    answer_button,
    holding_replies,
    is_private,
    main_menu,
    not_holding,
    point_to_private_chat,
    reply,
    show_buttons,
    show_question,
    typed_command,
    typed_press,
)
from i18n import Texts
from iku.complaints import parse_tracking_code
from iku.dialogues import choose_option, whole_duration

# Commands answered by the global handlers even in the middle of a dialogue.
PASS_THROUGH_COMMANDS = ("bantuan", "help", "bahasa", "id", "status")
CANCEL_COMMANDS = ("batal", "cancel")
# Language buttons work at any time too.
PASS_THROUGH_BUTTONS = r"^lang:"

# check_update's answer for an update outside a private chat that would start the dialogue.
OUTSIDE_PRIVATE_CHAT = object()

# Dialogues here track callback queries per user, not per message, on purpose: a person may go
# back and use the buttons of an earlier step's message. The library warns about that choice.
warnings.filterwarnings("ignore", message=r".*per_message=False.*", category=PTBUserWarning)

# Keys the dialogue keeps in every draft besides the answers: the question shown last, and
# whether the person was reminded of the draft since they last answered.
QUESTION = "_question"
REMINDED = "_reminded"


def draft_of(context: AppContext, name: str) -> dict[str, Any]:
    """The draft of dialogue ``name`` in this person's user_data (created empty if missing)."""
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(name, {})
    return draft


def clear_draft(context: AppContext, name: str) -> None:
    """Forget the draft of dialogue ``name`` (after it was saved or abandoned)."""
    if context.user_data is not None:
        context.user_data.pop(name, None)


class Dialogue(ConversationHandler[AppContext]):
    """A persistent conversation whose draft lives in ``user_data[name]``."""

    # True for a dialogue whose last step is optional (a comment after a rating): when it goes
    # idle it just ends, without a reminder and without telling the person their answers were
    # dropped, after [conversation] idle_timeout_minutes; the others keep their draft for
    # [conversation] draft_days.
    quiet_expiry = False
    # The fallbacks that answer what no step expects (set by _standard_fallbacks): a typed
    # text they would get may be a button's label.
    _stray_messages: BaseHandler[Update, AppContext, Any] | None = None
    _stray_buttons: BaseHandler[Update, AppContext, Any] | None = None

    def __init__(
        self,
        name: str,
        *,
        entry_points: Sequence[BaseHandler[Update, AppContext, Any]],
        states: dict[object, list[BaseHandler[Update, AppContext, Any]]],
        fallbacks: Sequence[BaseHandler[Update, AppContext, Any]] = (),
    ) -> None:
        super().__init__(
            entry_points=list(entry_points),
            states=states,
            fallbacks=[*fallbacks, *self._standard_fallbacks()],
            name=name,
            persistent=True,
            allow_reentry=False,
        )
        self.last_activity: dict[tuple[int | str, ...], datetime] = {}

    def _standard_fallbacks(self) -> list[BaseHandler[Update, AppContext, Any]]:
        pass_through = filters.Regex(rf"^/({'|'.join(PASS_THROUGH_COMMANDS)})(@\w+)?(\s|$)")
        stray_messages = filters.UpdateType.MESSAGE & ~pass_through
        self._stray_messages = MessageHandler(stray_messages, self.stray_message)
        self._stray_buttons = CallbackQueryHandler(
            self.stray_button, pattern=rf"(?!{PASS_THROUGH_BUTTONS[1:]})"
        )
        return [
            CommandHandler(list(CANCEL_COMMANDS), self.cancel),
            CommandHandler("start", self.restate),
            self._stray_messages,
            self._stray_buttons,
        ]

    def draft(self, context: AppContext) -> dict[str, Any]:
        """The answers given so far in this dialogue (JSON-serialisable values only)."""
        return draft_of(context, str(self.name))

    def drop_draft(self, user_data: dict[str, Any] | None) -> None:
        if user_data is not None:
            user_data.pop(str(self.name), None)

    async def cancel(self, update: Update, context: AppContext) -> int:
        self.drop_draft(context.user_data)
        await reply(update, context.texts("cancel.done"), reply_markup=main_menu(context))
        return self.END

    def question(self, context: AppContext) -> Question | None:
        """The question this dialogue showed the person last, if it showed one."""
        return self.question_in(context.user_data)

    def question_in(self, user_data: dict[str, Any] | None) -> Question | None:
        draft = (user_data or {}).get(str(self.name))
        return Question.from_json(draft.get(QUESTION)) if isinstance(draft, dict) else None

    def discarded(self, texts: Texts, draft: dict[str, Any]) -> str | None:
        """What a draft dropped for silence was, named for the person: the subject of the
        sentences "{what} kami hapus karena ..." / "{what} was discarded because ..." and
        "{what} masih kami simpan ..." / "{what} is kept ...". For example "Laporan gangguan
        «Parkir liar» di Ajung yang belum dikirim". None: the generic "Isian Bapak/Ibu yang
        belum dikirim"."""
        return None

    async def stray_message(self, update: Update, context: AppContext) -> None:
        """Input this step does not expect: say what to do, with the step's buttons, and stay
        on the step. A tracking code typed on its own is answered as ``/status CODE``."""
        if await self._typed_code(update, context):
            return
        t, question = context.texts, self.question(context)
        lines = [] if _is_text(update) else [t("fallback.not_text")]
        if question is not None and question.buttons:
            lines.append(t("fallback.use_buttons"))
        else:
            lines.append(t("fallback.type_answer"))
        if question is None:
            await reply(update, "\n".join(lines))
        else:
            await show_buttons(update, question, "\n".join(lines))

    async def stray_button(self, update: Update, context: AppContext) -> None:
        await answer_button(update, context.texts("fallback.stale_button"))

    async def restate(self, update: Update, context: AppContext) -> None:
        """/start in the middle of the dialogue: the current question again, with its buttons."""
        question = self.question(context)
        above = context.texts("conversation.resumed")
        if question is None:
            await reply(update, above)
        else:
            await show_question(update, question, above=above)

    async def _typed_code(self, update: Update, context: AppContext) -> bool:
        """Answer a tracking code typed on its own as ``/status CODE`` would be; the step stays."""
        message = update.message
        code = parse_tracking_code(message.text) if message and message.text else None
        if code is None:
            return False
        with not_holding():
            await context.application.process_update(typed_command(update, f"/status {code}"))
        return True

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or is_private(update):
            return super().check_update(update)
        for entry in self.entry_points:
            check = entry.check_update(update)
            if check is not None and check is not False:
                return OUTSIDE_PRIVATE_CHAT
        return None

    async def handle_update(
        self, update: Update, application: Any, check_result: Any, context: AppContext
    ) -> object | None:
        if check_result is OUTSIDE_PRIVATE_CHAT:
            await point_to_private_chat(update, context)
            return None
        key = check_result[1]
        before = self._conversations.get(key)
        # If the step fails, or the save does, what it said is never sent: the person hears
        # the apology and stays at the question they saw.
        with holding_replies() as replies:
            update, check_result = self._typed_choice(update, check_result, context)
            result = await super().handle_update(update, application, check_result, context)
        if key in self._conversations:
            self.last_activity[key] = context.services.clock()
            question = replies.question
            if question is None and self._conversations[key] != before and replies.last_text:
                # A new step that asks by text alone: no button of the step before counts.
                question = Question(replies.last_text, [])
            self._keep(context, question)
        else:
            self.last_activity.pop(key, None)
        await self.save(application, key)
        await replies.send()
        return result

    def _typed_choice(
        self, update: Update, check_result: Any, context: AppContext
    ) -> tuple[Update, Any]:
        """``update`` as the press of the button its text names, if it names one; else as it is.

        Where the step has no use for the text (the stray fallback would get it), a label, a
        unique start of one or a button's number will do; where the step takes text, only a
        button's whole label. A press the step would refuse as stale is not made.
        """
        message, handler = update.message, check_result[2]
        if message is None or not message.text or message.text.startswith("/"):
            return update, check_result
        stray = handler is self._stray_messages
        if not stray and handler not in self.states.get(check_result[0], ()):
            return update, check_result
        question = self.question(context)
        if question is None or not question.buttons:
            return update, check_result
        index = choose_option(message.text, question.labels(), exact_only=not stray)
        if index is None:
            return update, check_result
        pressed = typed_press(update, question.data_of(index))
        check = super().check_update(pressed)
        if not check or check[2] is self._stray_buttons:
            return update, check_result
        return pressed, check

    def _keep(self, context: AppContext, question: Question | None) -> None:
        """After a step: remember the question it showed; the person is no longer silent."""
        draft = self.draft(context)
        draft.pop(REMINDED, None)
        if question is not None:
            draft[QUESTION] = question.to_json()

    async def save(self, application: Any, key: tuple[int | str, ...]) -> None:
        """Write the conversation's state and the person's data now, in one transaction.

        A bot killed right after a person answered must resume at the question it asked last.
        The write goes straight to the persistence (not through the library's
        ``update_persistence``, which takes one global lock per call): concurrent chats' steps
        then share one transaction instead of queueing for one each. Also the only writer of
        conversation states (see :meth:`DatabasePersistence.update_conversation`).
        """
        persistence = application.persistence
        if not isinstance(persistence, DatabasePersistence):
            return
        state = self._conversations.get(key)
        user_id = key[1]
        assert isinstance(user_id, int)  # conversations are per chat and user
        data = application.user_data.get(user_id, {})
        await persistence.save_step(str(self.name), key, state, user_id, data)

    def active(self, key: tuple[int | str, ...]) -> bool:
        return key in self._conversations

    def was_reminded(self, user_data: dict[str, Any] | None) -> bool:
        draft = (user_data or {}).get(str(self.name))
        return isinstance(draft, dict) and bool(draft.get(REMINDED))

    def mark_reminded(self, user_data: dict[str, Any]) -> None:
        user_data.setdefault(str(self.name), {})[REMINDED] = True

    def expire(self, key: tuple[int | str, ...], user_data: dict[str, Any] | None) -> bool:
        """End the conversation ``key`` from outside (the idle sweep). True if it was active."""
        if key not in self._conversations:
            return False
        self._update_state(self.END, key)
        self.last_activity.pop(key, None)
        self.drop_draft(user_data)
        return True

    def seen_at(self, key: tuple[int | str, ...]) -> datetime | None:
        """When this process last saw the conversation move, if it did."""
        return self.last_activity.get(key)


def _is_text(update: Update) -> bool:
    return update.message is not None and update.message.text is not None


def duration_text(texts: Texts, delta: timedelta) -> str:
    """``delta`` in words, in its largest whole unit: "3 hari", "5 jam", "30 menit"."""
    count, unit = whole_duration(delta)
    form = "one" if count == 1 else "many"
    return texts(f"conversation.{unit}_{form}", count=count)
