"""The complaint form: the step-by-step dialogue shared by residents (``/lapor``) and officials
entering a complaint from another channel (``/catat``).

Each step asks one thing; the answers live in the draft (``user_data[name]``) so a restart
resumes the form at the same step. From the summary, "Ubah" goes back to any step and returns
to the summary after it. Anything a step does not expect (a sticker at a text step, text where
a button is expected, an old or forged button, the start command again) gets the step's own
short hint with its buttons, and keeps every answer given so far.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import ComplaintsConfig
from db import complaints
from db.complaints import ComplaintRecord, NewComplaint, NewPhoto
from handlers import complaint_views as views
from handlers.context import AppContext
from handlers.dialogue import Dialogue
from handlers.replies import NUMBER, answer_button, button_number, keyboard, main_menu, reply
from iku.complaints import OFFICE_CHANNELS, PLACE_MAX, Channel, Privacy, length_problem
from iku.format import format_number
from iku.text import clean_text, utf16_length


class Step(enum.IntEnum):
    CATEGORY = 1
    DESA = 2
    PLACE = 3
    DESCRIPTION = 4
    PHOTOS = 5
    PRIVACY = 6
    CHANNEL = 7
    SUMMARY = 8
    EDIT = 9


RESIDENT_STEPS = (
    Step.CATEGORY,
    Step.DESA,
    Step.PLACE,
    Step.DESCRIPTION,
    Step.PHOTOS,
    Step.PRIVACY,
)
OFFICE_STEPS = (Step.CATEGORY, Step.DESA, Step.PLACE, Step.DESCRIPTION, Step.CHANNEL)
# Catalog name of each step (its question, hint and summary line).
STEP_NAMES = {
    Step.CATEGORY: "category",
    Step.DESA: "desa",
    Step.PLACE: "place",
    Step.DESCRIPTION: "description",
    Step.PHOTOS: "photos",
    Step.PRIVACY: "privacy",
    Step.CHANNEL: "channel",
    Step.SUMMARY: "summary",
    Step.EDIT: "edit",
}
# Telegram lets bots download files up to 20 MB; a bigger photo could never be kept.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
PLACE_MIN = 3

NEW_MESSAGE = filters.UpdateType.MESSAGE & ~filters.COMMAND
NEW_TEXT = NEW_MESSAGE & filters.TEXT

Begin = Callable[[Update, AppContext], Awaitable[bool]]
Submit = Callable[[Update, AppContext, dict[str, Any]], Awaitable[bool]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class ComplaintForm(Dialogue):
    """A persistent complaint form over ``steps``, then a summary with Kirim / Ubah / Batal.

    ``begin`` may refuse to start (and says why); ``submit`` records the draft and answers,
    returning False to stay on the summary (nothing lost). ``prefix`` keeps the callback data
    of two forms apart; ``intro_key`` is sent before the first question.
    """

    def __init__(
        self,
        name: str,
        *,
        prefix: str,
        steps: Sequence[Step],
        command: str,
        begin: Begin,
        submit: Submit,
        menu_data: str | None = None,
        intro_key: str | None = None,
        outside_button: bool = False,
    ) -> None:
        self.prefix = prefix
        self.steps = tuple(steps)
        self.begin = begin
        self.submit = submit
        self.intro_key = intro_key
        self.outside_button = outside_button
        entries: list[BaseHandler[Update, AppContext, Any]] = [CommandHandler(command, self.start)]
        fallbacks: list[BaseHandler[Update, AppContext, Any]] = [
            CommandHandler(command, self.already)
        ]
        if menu_data is not None:
            entries.append(CallbackQueryHandler(self.start, pattern=f"^{menu_data}$"))
            fallbacks.append(CallbackQueryHandler(self.already, pattern=f"^{menu_data}$"))
        # Any other button (an old message's, or forged data), except those that work at any
        # time: the language buttons and the rating of a resolved complaint.
        fallbacks.append(CallbackQueryHandler(self.stale, pattern=r"^(?!lang:|rt:)"))
        super().__init__(
            name, entry_points=entries, states=self._step_handlers(), fallbacks=fallbacks
        )

    def _standard_fallbacks(self) -> list[BaseHandler[Update, AppContext, Any]]:
        # Buttons are judged by this form's own fallback (see __init__), which lets through
        # the ones meant for other handlers.
        return [
            handler
            for handler in super()._standard_fallbacks()
            if not isinstance(handler, CallbackQueryHandler)
        ]

    def _step_handlers(self) -> dict[object, list[BaseHandler[Update, AppContext, Any]]]:
        p = self.prefix

        def button(callback: Any, pattern: str) -> CallbackQueryHandler[AppContext, Any]:
            return CallbackQueryHandler(callback, pattern=f"^{p}:{pattern}$")

        handlers: dict[Step, list[BaseHandler[Update, AppContext, Any]]] = {
            Step.CATEGORY: [button(self.on_category, f"cat:{NUMBER}")],
            Step.DESA: [button(self.on_desa, f"desa:({NUMBER}|out)")],
            Step.PLACE: [
                MessageHandler(NEW_MESSAGE & filters.LOCATION, self.on_location),
                MessageHandler(NEW_TEXT, self.on_place_text),
                button(self.on_place_done, "place"),
            ],
            Step.DESCRIPTION: [MessageHandler(NEW_TEXT, self.on_description)],
            Step.PHOTOS: [
                MessageHandler(NEW_MESSAGE & filters.PHOTO, self.on_photo),
                button(self.on_photos_done, "photos"),
            ],
            Step.PRIVACY: [button(self.on_privacy, r"priv:\w+")],
            Step.CHANNEL: [button(self.on_channel, r"chan:\w+")],
            Step.SUMMARY: [
                button(self.on_send, "send"),
                button(self.on_edit, "edit"),
                button(self.on_cancel_button, "cancel"),
            ],
            Step.EDIT: [button(self.on_goto, f"goto:{NUMBER}"), button(self.on_back, "back")],
        }
        used = {*self.steps, Step.SUMMARY, Step.EDIT}
        return {step: step_handlers for step, step_handlers in handlers.items() if step in used}

    # ------------------------------------------------------------------ asking

    async def start(self, update: Update, context: AppContext) -> int:
        await answer_button(update)
        if not await self.begin(update, context):
            return self.END
        self.drop_draft(context.user_data)
        self.draft(context)["key"] = uuid.uuid4().hex
        intro = context.texts(self.intro_key) if self.intro_key else None
        return await self.ask(update, context, self.steps[0], before=intro)

    async def ask(
        self, update: Update, context: AppContext, step: Step, *, before: str | None = None
    ) -> Step:
        """Send the question of ``step`` (with ``before`` on top) and make it the current step."""
        draft = self.draft(context)
        draft["step"] = int(step)
        if step is Step.SUMMARY:
            draft["editing"] = True
        text = self._question(step, context)
        if before:
            text = f"{before}\n\n{text}"
        await reply(update, text, reply_markup=self._markup(step, context))
        return step

    async def prompt(self, update: Update, context: AppContext, text: str) -> None:
        """Say ``text`` with the current step's hint and buttons (the step is kept)."""
        step = self.current(context)
        hint = self._hint(step, context)
        await reply(
            update, f"{text}\n{hint}" if text else hint, reply_markup=self._markup(step, context)
        )

    def current(self, context: AppContext) -> Step:
        return Step(self.draft(context).get("step", self.steps[0]))

    def _question(self, step: Step, context: AppContext) -> str:
        t, settings = context.texts, context.config.complaints
        if step is Step.SUMMARY:
            return self._summary(context)
        return t(f"complaint.ask_{STEP_NAMES[step]}", **_limits(step, settings))

    def _hint(self, step: Step, context: AppContext) -> str:
        limits = _limits(step, context.config.complaints)
        return context.texts(f"complaint.hint_{STEP_NAMES[step]}", **limits)

    def _markup(self, step: Step, context: AppContext) -> Markup:
        if step is Step.PLACE:
            label = context.texts("complaint.share_location")
            button = KeyboardButton(label, request_location=True)
            return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        if step is Step.DESCRIPTION:
            # Text is typed here: the location button of the step before goes away.
            return ReplyKeyboardRemove()
        p = self.prefix
        return keyboard(
            [[(label, f"{p}:{data}") for label, data in row] for row in self._rows(step, context)]
        )

    def _rows(self, step: Step, context: AppContext) -> list[list[tuple[str, str]]]:
        """The buttons of a step as rows of (label, data without the prefix)."""
        t, config = context.texts, context.config
        if step is Step.CATEGORY:
            return [[(label, f"cat:{i}")] for i, label in enumerate(config.complaints.categories)]
        if step is Step.DESA:
            rows = [[(desa, f"desa:{i}")] for i, desa in enumerate(config.kecamatan.desa)]
            if self.outside_button:
                rows.append([(t("complaint.outside", kecamatan=config.kecamatan.name), "desa:out")])
            return rows
        if step is Step.PHOTOS:
            label = "complaint.next" if self.draft(context).get("photos") else "complaint.skip"
            return [[(t(label), "photos")]]
        if step is Step.PRIVACY:
            return [[(views.privacy_label(t, v), f"priv:{v.value}")] for v in Privacy]
        if step is Step.CHANNEL:
            return [[(views.channel_label(t, v), f"chan:{v.value}")] for v in OFFICE_CHANNELS]
        if step is Step.SUMMARY:
            return [
                [(t("complaint.send"), "send")],
                [(t("complaint.edit"), "edit"), (t("complaint.cancel"), "cancel")],
            ]
        rows = [[(t(f"complaint.field.{STEP_NAMES[s]}"), f"goto:{int(s)}")] for s in self.steps]
        return [*rows, [(t("complaint.back"), "back")]]

    def _summary(self, context: AppContext) -> str:
        t, draft = context.texts, self.draft(context)
        has_location = draft.get("latitude") is not None
        photos = draft.get("photos")
        values = {
            Step.CATEGORY: draft.get("category", ""),
            Step.DESA: draft.get("desa", ""),
            Step.PLACE: views.place_text(t, draft.get("place", ""), has_location),
            Step.DESCRIPTION: draft.get("description", ""),
            Step.PHOTOS: str(len(photos)) if photos else t("complaint.none"),
            Step.PRIVACY: views.privacy_label(t, Privacy(draft.get("privacy", "biasa"))),
            Step.CHANNEL: views.channel_label(t, Channel(draft.get("channel", "walk_in"))),
        }
        lines = [t("complaint.summary_title")]
        lines += [views.line(t, STEP_NAMES[step], values[step]) for step in self.steps]
        lines.append(t("complaint.summary_footer"))
        return views.fit(lines)

    async def advance(self, update: Update, context: AppContext, done: Step) -> Step:
        """The next step after ``done``: the following one, or the summary when editing."""
        draft = self.draft(context)
        position = self.steps.index(done)
        if draft.get("editing") or position == len(self.steps) - 1:
            return await self.ask(update, context, Step.SUMMARY)
        return await self.ask(update, context, self.steps[position + 1])

    # ------------------------------------------------------------------ answers

    async def on_category(self, update: Update, context: AppContext) -> Step | None:
        categories = context.config.complaints.categories
        index = _suffix_number(update)
        if index is None or index >= len(categories):
            await self.stale(update, context)
            return None
        await answer_button(update)
        self.draft(context)["category"] = categories[index]
        return await self.advance(update, context, Step.CATEGORY)

    async def on_desa(self, update: Update, context: AppContext) -> Step | int | None:
        kecamatan = context.config.kecamatan
        if _data(update).endswith(":out") and self.outside_button:
            await answer_button(update)
            self.drop_draft(context.user_data)
            text = context.texts("complaint.outside_done", kecamatan=kecamatan.name)
            await reply(update, text, reply_markup=main_menu(context))
            return self.END
        index = _suffix_number(update)
        if index is None or index >= len(kecamatan.desa):
            await self.stale(update, context)
            return None
        await answer_button(update)
        self.draft(context)["desa"] = kecamatan.desa[index]
        return await self.advance(update, context, Step.DESA)

    async def on_location(self, update: Update, context: AppContext) -> Step | None:
        assert update.message is not None and update.message.location is not None
        draft = self.draft(context)
        draft["latitude"] = update.message.location.latitude
        draft["longitude"] = update.message.location.longitude
        if draft.get("place"):
            return await self.advance(update, context, Step.PLACE)
        await self._place_next(update, context, "complaint.location_received")
        return None

    async def on_place_text(self, update: Update, context: AppContext) -> Step | None:
        assert update.message is not None and update.message.text is not None
        text = clean_text(update.message.text, multiline=False)
        problem = length_problem(text, PLACE_MIN, PLACE_MAX)
        if problem is not None:
            key = f"complaint.place_too_{problem}"
            sizes = {
                "length": format_number(utf16_length(text)),
                "maximum": format_number(PLACE_MAX),
            }
            await reply(update, context.texts(key, **sizes))
            return None
        draft = self.draft(context)
        draft["place"] = text
        if draft.get("latitude") is not None:
            return await self.advance(update, context, Step.PLACE)
        await self._place_next(update, context, "complaint.place_received")
        return None

    async def _place_next(self, update: Update, context: AppContext, key: str) -> None:
        t = context.texts
        next_button = keyboard([[(t("complaint.next"), f"{self.prefix}:place")]])
        await reply(update, t(key), reply_markup=next_button)

    async def on_place_done(self, update: Update, context: AppContext) -> Step | None:
        draft = self.draft(context)
        if not draft.get("place") and draft.get("latitude") is None:
            await self.stale(update, context)
            return None
        await answer_button(update)
        return await self.advance(update, context, Step.PLACE)

    async def on_description(self, update: Update, context: AppContext) -> Step | None:
        assert update.message is not None and update.message.text is not None
        settings = context.config.complaints
        text = clean_text(update.message.text)
        problem = length_problem(text, settings.description_min, settings.description_max)
        if problem is not None:
            limits = _limits(Step.DESCRIPTION, settings)
            key = f"complaint.description_too_{problem}"
            length = format_number(utf16_length(text))
            await reply(update, context.texts(key, length=length, **limits))
            return None
        self.draft(context)["description"] = text
        return await self.advance(update, context, Step.DESCRIPTION)

    async def on_photo(self, update: Update, context: AppContext) -> None:
        assert update.message is not None
        t, maximum = context.texts, context.config.complaints.max_photos
        photos: list[dict[str, Any]] = self.draft(context).setdefault("photos", [])
        largest = update.message.photo[-1]
        if len(photos) >= maximum:
            text = t("complaint.photo_limit", maximum=maximum)
        elif not await _downloadable(context, largest.file_id, largest.file_size):
            text = t("complaint.photo_too_big")
        else:
            photos.append(
                {
                    "file_id": largest.file_id,
                    "file_unique_id": largest.file_unique_id,
                    "file_size": largest.file_size,
                }
            )
            text = t("complaint.photo_received", count=len(photos), maximum=maximum)
        await reply(update, text, reply_markup=self._markup(Step.PHOTOS, context))

    async def on_photos_done(self, update: Update, context: AppContext) -> Step:
        await answer_button(update)
        return await self.advance(update, context, Step.PHOTOS)

    async def on_privacy(self, update: Update, context: AppContext) -> Step | None:
        try:
            privacy = Privacy(_data(update).rsplit(":", 1)[-1])
        except ValueError:
            await self.stale(update, context)
            return None
        await answer_button(update)
        self.draft(context)["privacy"] = privacy.value
        return await self.advance(update, context, Step.PRIVACY)

    async def on_channel(self, update: Update, context: AppContext) -> Step | None:
        value = _data(update).rsplit(":", 1)[-1]
        if value not in {channel.value for channel in OFFICE_CHANNELS}:
            await self.stale(update, context)
            return None
        await answer_button(update)
        self.draft(context)["channel"] = value
        return await self.advance(update, context, Step.CHANNEL)

    # ------------------------------------------------------------------ summary

    async def on_send(self, update: Update, context: AppContext) -> int | None:
        if not await self.submit(update, context, self.draft(context)):
            return None
        self.drop_draft(context.user_data)
        return self.END

    async def on_edit(self, update: Update, context: AppContext) -> Step:
        await answer_button(update)
        return await self.ask(update, context, Step.EDIT)

    async def on_goto(self, update: Update, context: AppContext) -> Step | None:
        number = _suffix_number(update)
        if number is None or number not in {int(step) for step in self.steps}:
            await self.stale(update, context)
            return None
        await answer_button(update)
        step = Step(number)
        if step is Step.PHOTOS:
            # New photos replace the old ones: there is no other way to take one back.
            self.draft(context).pop("photos", None)
        return await self.ask(update, context, step)

    async def on_back(self, update: Update, context: AppContext) -> Step:
        await answer_button(update)
        return await self.ask(update, context, Step.SUMMARY)

    async def on_cancel_button(self, update: Update, context: AppContext) -> int:
        await answer_button(update)
        return await self.cancel(update, context)

    async def cancel(self, update: Update, context: AppContext) -> int:
        if self.current(context) is Step.PLACE:
            # Take the location button away: it means nothing once the form is closed.
            self.drop_draft(context.user_data)
            await reply(update, context.texts("cancel.done"), reply_markup=ReplyKeyboardRemove())
            return self.END
        return await super().cancel(update, context)

    # ------------------------------------------------------------------ unexpected input

    async def stray_message(self, update: Update, context: AppContext) -> None:
        """A sticker, a voice note, a document, text where a button is expected...: the hint."""
        await self.prompt(update, context, "")

    async def stale(self, update: Update, context: AppContext) -> None:
        """A button of an old message or forged data: say so, then show the current step."""
        await answer_button(update, context.texts("fallback.stale_button"))
        await self.prompt(update, context, "")

    async def already(self, update: Update, context: AppContext) -> None:
        """The start command (or menu button) again while the form is open: carry on."""
        await answer_button(update)
        await self.prompt(update, context, context.texts("complaint.already"))


def _limits(step: Step, settings: ComplaintsConfig) -> dict[str, str]:
    """The numbers a step's question and hint mention, written the Indonesian way (2.000)."""
    if step is Step.DESCRIPTION:
        return {
            "minimum": format_number(settings.description_min),
            "maximum": format_number(settings.description_max),
        }
    if step is Step.PHOTOS:
        return {"maximum": format_number(settings.max_photos)}
    return {}


def _data(update: Update) -> str:
    query = update.callback_query
    return query.data if query is not None and isinstance(query.data, str) else ""


def _suffix_number(update: Update) -> int | None:
    return button_number(_data(update).rsplit(":", 1)[-1])


async def _downloadable(context: AppContext, file_id: str, size: int | None) -> bool:
    """Whether the bot will be able to download the photo (Telegram's 20 MB limit).

    The size Telegram states decides first; getFile confirms it, because only getFile knows
    for sure (it answers "file is too big" otherwise).
    """
    if size is not None and size > DOWNLOAD_LIMIT:
        return False
    try:
        await context.bot.get_file(file_id)
    except BadRequest as error:
        if "too big" in error.message.lower():
            return False
        raise
    return True


def draft_complaint(
    draft: dict[str, Any],
    channel: Channel,
    *,
    reporter: int | None = None,
    recorder: int | None = None,
) -> NewComplaint:
    """The complaint a finished draft describes."""
    return NewComplaint(
        channel=channel,
        category=draft["category"],
        desa=draft["desa"],
        place=draft.get("place", ""),
        latitude=draft.get("latitude"),
        longitude=draft.get("longitude"),
        description=draft["description"],
        privacy=Privacy(draft.get("privacy", Privacy.BIASA.value)),
        reporter=reporter,
        recorder=recorder,
        submission_key=draft.get("key"),
        photos=tuple(
            NewPhoto(p["file_id"], p["file_unique_id"], p.get("file_size"))
            for p in draft.get("photos", [])
        ),
    )


async def save_complaint(
    context: AppContext, new: NewComplaint, *, open_limit: int | None
) -> ComplaintRecord | None:
    """Commit ``new`` (once, however often "Kirim" is pressed); None over ``open_limit``."""
    settings = context.config.complaints
    async with context.database.transaction() as session:
        return await complaints.submit_complaint(
            session,
            new,
            open_limit=open_limit,
            prefix=settings.tracking_prefix,
            rules=settings.clock_rules,
            tz=context.config.kecamatan.tz,
            now=context.services.clock(),
        )
