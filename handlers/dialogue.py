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
  next answer would land in the previous field.

Commands that make sense at any time (/bantuan, /bahasa, /id) pass through to the global handlers
without disturbing the dialogue.

Dialogues happen in private chats only. In a group, what would start one gets a pointer to the
private chat, and nothing else in a group is a dialogue's: an official's note in the Trantib
group is never taken as the answer to a question.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime
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
    answer_button,
    holding_replies,
    is_private,
    main_menu,
    point_to_private_chat,
    reply,
)

# Commands answered by the global handlers even in the middle of a dialogue.
PASS_THROUGH_COMMANDS = ("bantuan", "help", "bahasa", "id")
CANCEL_COMMANDS = ("batal", "cancel")
# Language buttons work at any time too.
PASS_THROUGH_BUTTONS = r"^lang:"

# check_update's answer for an update outside a private chat that would start the dialogue.
OUTSIDE_PRIVATE_CHAT = object()

# Dialogues here track callback queries per user, not per message, on purpose: a person may go
# back and use the buttons of an earlier step's message. The library warns about that choice.
warnings.filterwarnings("ignore", message=r".*per_message=False.*", category=PTBUserWarning)


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
    # idle it just ends, without telling the person their answers were dropped.
    quiet_expiry = False

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
        return [
            CommandHandler(list(CANCEL_COMMANDS), self.cancel),
            MessageHandler(stray_messages, self.stray_message),
            CallbackQueryHandler(self.stray_button, pattern=rf"(?!{PASS_THROUGH_BUTTONS[1:]})"),
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

    async def stray_message(self, update: Update, context: AppContext) -> None:
        """Input this step does not expect: say what to do and stay on the step."""
        await reply(update, context.texts("fallback.use_buttons"))

    async def stray_button(self, update: Update, context: AppContext) -> None:
        await answer_button(update, context.texts("fallback.stale_button"))

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
        # If the step fails, or the save does, what it said is never sent: the person hears
        # the apology and stays at the question they saw.
        with holding_replies() as replies:
            result = await super().handle_update(update, application, check_result, context)
        if key in self._conversations:
            self.last_activity[key] = context.services.clock()
        else:
            self.last_activity.pop(key, None)
        await self.save(application, key)
        await replies.send()
        return result

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
