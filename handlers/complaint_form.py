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
from datetime import date, timedelta
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
from handlers.common import outside_kecamatan
from handlers.context import AppContext
from handlers.dialogue import Dialogue
from handlers.replies import NUMBER, answer_button, button_number, keyboard, main_menu, reply
from i18n import Texts
from iku.complaints import (
    OFFICE_CHANNELS,
    PLACE_MAX,
    Channel,
    Privacy,
    description_problem,
    earliest_received,
    length_problem,
    received_problem,
)
from iku.format import format_number, parse_day
from iku.periods import local_today
from iku.report import format_date
from iku.text import clean_text, letter_count, truncate, utf16_length


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
    QUIT = 10
    RECEIVED = 11


RESIDENT_STEPS = (
    Step.CATEGORY,
    Step.DESA,
    Step.PLACE,
    Step.DESCRIPTION,
    Step.PHOTOS,
    Step.PRIVACY,
)
OFFICE_STEPS = (
    Step.CATEGORY,
    Step.DESA,
    Step.PLACE,
    Step.DESCRIPTION,
    Step.CHANNEL,
    Step.RECEIVED,
)
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
    Step.QUIT: "quit",
    Step.RECEIVED: "received",
}
# The answers a draft may hold: Batal asks first once any of them is given.
ANSWERS = ("category", "desa", "place", "latitude", "description", "photos", "privacy")
# Where the place step stands once part of it is given (the message asking for Lanjut).
PLACE_NEXT = "place_next"
PLACE_TYPED = "place_received"
PLACE_LOCATED = "location_received"
# The step Batal was pressed at, while its confirmation is asked.
QUIT_FROM = "quit_from"
# Telegram lets bots download files up to 20 MB; a bigger photo could never be kept.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
PLACE_MIN = 3
# The longest part of a kept description quoted back when the step is asked again.
SHOWN_DESCRIPTION = 300

NEW_MESSAGE = filters.UpdateType.MESSAGE & ~filters.COMMAND
NEW_TEXT = NEW_MESSAGE & filters.TEXT

Begin = Callable[[Update, AppContext], Awaitable[bool]]
Submit = Callable[[Update, AppContext, dict[str, Any]], Awaitable[bool]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class ComplaintForm(Dialogue):
    """A persistent complaint form over ``steps``, then a summary with Kirim / Ubah / Batal.

    ``begin`` may refuse to start (and says why); ``submit`` records the draft and answers,
    returning False to stay on the summary (nothing lost). ``prefix`` keeps the callback data
    of two forms apart; ``intro_key`` is sent before the first question. ``office`` forms are
    filled in by an official: their texts come from ``complaint.office`` where it has its own.
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
        office: bool = False,
    ) -> None:
        self.prefix = prefix
        self.steps = tuple(steps)
        self.begin = begin
        self.submit = submit
        self.intro_key = intro_key
        self.outside_button = outside_button
        self.office = office
        entries: list[BaseHandler[Update, AppContext, Any]] = [CommandHandler(command, self.start)]
        fallbacks: list[BaseHandler[Update, AppContext, Any]] = [
            CommandHandler(command, self.already)
        ]
        if menu_data is not None:
            entries.append(CallbackQueryHandler(self.start, pattern=f"^{menu_data}$"))
            fallbacks.append(CallbackQueryHandler(self.already, pattern=f"^{menu_data}$"))
        # Kembali and Batal of any step: each names its step, so an old message's is stale.
        previous = CallbackQueryHandler(self.on_previous, pattern=f"^{prefix}:prev:{NUMBER}$")
        fallbacks.append(previous)
        fallbacks.append(
            CallbackQueryHandler(self.on_quit, pattern=f"^{prefix}:(quit:{NUMBER}|cancel)$")
        )
        if Step.PHOTOS in self.steps:
            # A photo at any other step is kept for the photo step.
            fallbacks.append(MessageHandler(NEW_MESSAGE & filters.PHOTO, self.on_photo_elsewhere))
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
                button(self.on_place_again, "place:new"),
            ],
            Step.DESCRIPTION: [
                MessageHandler(NEW_TEXT, self.on_description),
                button(self.on_description_kept, "desc:keep"),
            ],
            Step.PHOTOS: [
                MessageHandler(NEW_MESSAGE & filters.PHOTO, self.on_photo),
                button(self.on_photos_done, "photos"),
                button(self.on_photos_clear, "photos:clear"),
            ],
            Step.PRIVACY: [button(self.on_privacy, r"priv:\w+")],
            Step.CHANNEL: [button(self.on_channel, r"chan:\w+")],
            Step.RECEIVED: [
                button(self.on_received_button, f"day:{NUMBER}"),
                MessageHandler(NEW_TEXT, self.on_received_text),
            ],
            Step.SUMMARY: [
                button(self.on_send, "send"),
                button(self.on_edit, "edit"),
            ],
            Step.EDIT: [button(self.on_goto, f"goto:{NUMBER}"), button(self.on_back, "back")],
            Step.QUIT: [button(self.on_quit_answer, "quit:(yes|no)")],
        }
        used = {*self.steps, Step.SUMMARY, Step.EDIT, Step.QUIT}
        return {step: step_handlers for step, step_handlers in handlers.items() if step in used}

    def text(self, context: AppContext, key: str, **values: Any) -> str:
        """``complaint.<key>``, or for an office form ``complaint.office.<key>`` if it has one."""
        t = context.texts
        if self.office and t.has(f"complaint.office.{key}"):
            return t(f"complaint.office.{key}", **values)
        return t(f"complaint.{key}", **values)

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
        if step is Step.PLACE:
            # A new visit to the place step: what is typed now is the place.
            draft.pop(PLACE_NEXT, None)
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
        settings, draft = context.config.complaints, self.draft(context)
        if step is Step.SUMMARY:
            return self._summary(context)
        if step is Step.PHOTOS and draft.get("photos"):
            count = len(draft["photos"])
            key = "ask_photos_full" if count >= settings.max_photos else "ask_photos_kept"
            return self.text(context, key, count=count, **_limits(step, settings))
        if step is Step.RECEIVED:
            return self.text(context, "ask_received", example=self._date_example(context))
        if step is Step.QUIT:
            return self.text(context, "quit")
        if step is Step.DESCRIPTION and draft.get("description"):
            # Back at the description (Kembali, Ubah): what is there, kept unless retyped.
            question = self.text(context, "ask_description", **_limits(step, settings))
            shown = truncate(str(draft["description"]), SHOWN_DESCRIPTION)
            kept = context.texts("complaint.description_kept", description=shown)
            return f"{question}\n{kept}"
        return self.text(context, f"ask_{STEP_NAMES[step]}", **_limits(step, settings))

    def _hint(self, step: Step, context: AppContext) -> str:
        next_key = self.draft(context).get(PLACE_NEXT)
        if step is Step.PLACE and isinstance(next_key, str):
            return self.text(context, next_key)
        limits = _limits(step, context.config.complaints)
        photos = self.draft(context).get("photos") or []
        if step is Step.PHOTOS and len(photos) >= context.config.complaints.max_photos:
            return context.texts("complaint.hint_photos_full", **limits)
        if step is Step.RECEIVED:
            limits = {"example": self._date_example(context)}
        return self.text(context, f"hint_{STEP_NAMES[step]}", **limits)

    def _date_example(self, context: AppContext) -> str:
        today = self._today(context)
        return f"{today.day}/{today.month}/{today.year}"

    def _today(self, context: AppContext) -> date:
        return local_today(context.config.kecamatan.tz, context.services.clock())

    def _markup(self, step: Step, context: AppContext) -> Markup:
        draft = self.draft(context)
        if step is Step.PLACE and draft.get(PLACE_NEXT) is None:
            label = context.texts("complaint.share_location")
            button = KeyboardButton(label, request_location=True)
            return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        if step is Step.DESCRIPTION and not draft.get("description"):
            # Text is typed here: the location button of the step before goes away.
            return ReplyKeyboardRemove()
        p = self.prefix
        return keyboard(
            [[(label, f"{p}:{data}") for label, data in row] for row in self._rows(step, context)]
        )

    def _rows(self, step: Step, context: AppContext) -> list[list[tuple[str, str]]]:
        """The buttons of a step as rows of (label, data without the prefix)."""
        t, config, draft = context.texts, context.config, self.draft(context)
        if step is Step.CATEGORY:
            rows = [[(label, f"cat:{i}")] for i, label in enumerate(config.complaints.categories)]
        elif step is Step.DESA:
            rows = [[(desa, f"desa:{i}")] for i, desa in enumerate(config.kecamatan.desa)]
            # Not while editing a finished report: it would end it without asking.
            if self.outside_button and not draft.get("editing"):
                rows.append([(t("complaint.outside", kecamatan=config.kecamatan.name), "desa:out")])
        elif step is Step.PLACE:
            # "Ubah tempat" is this message's way back; three buttons fit WhatsApp's buttons.
            rows = [[(t("complaint.next"), "place")]]
            if draft.get(PLACE_NEXT) == PLACE_TYPED:
                rows.append([(t("complaint.place_change"), "place:new")])
            return [*rows, [(t("complaint.cancel"), f"quit:{int(step)}")]]
        elif step is Step.PHOTOS:
            label = "complaint.next" if draft.get("photos") else "complaint.skip"
            rows = [[(t(label), "photos")]]
            if draft.get("photos"):
                rows.append([(t("complaint.photos_clear"), "photos:clear")])
        elif step is Step.DESCRIPTION:
            rows = [[(t("complaint.next"), "desc:keep")]]
        elif step is Step.PRIVACY:
            rows = [[(views.privacy_label(t, v), f"priv:{v.value}")] for v in Privacy]
        elif step is Step.CHANNEL:
            rows = [[(views.channel_label(t, v), f"chan:{v.value}")] for v in OFFICE_CHANNELS]
        elif step is Step.RECEIVED:
            rows = [
                [(t("complaint.office.today"), "day:0")],
                [(t("complaint.office.yesterday"), "day:1")],
            ]
        elif step is Step.SUMMARY:
            return [
                [(t("complaint.send"), "send")],
                [(t("complaint.edit"), "edit"), (t("complaint.cancel"), f"quit:{int(step)}")],
            ]
        elif step is Step.QUIT:
            return [[(t("complaint.quit_yes"), "quit:yes")], [(t("complaint.quit_no"), "quit:no")]]
        else:
            rows = [[(t(f"complaint.field.{STEP_NAMES[s]}"), f"goto:{int(s)}")] for s in self.steps]
            return [*rows, [(t("complaint.back"), "back")]]
        return [*rows, self._nav_row(step, context)]

    def _nav_row(self, step: Step, context: AppContext) -> list[tuple[str, str]]:
        """Kembali (but on the first question of a new report) and Batal."""
        t = context.texts
        row = [(t("complaint.cancel"), f"quit:{int(step)}")]
        if self.steps.index(step) > 0 or self.draft(context).get("editing"):
            row.insert(0, (t("complaint.previous"), f"prev:{int(step)}"))
        return row

    def _summary(self, context: AppContext) -> str:
        t, draft = context.texts, self.draft(context)
        has_location = draft.get("latitude") is not None
        photos = draft.get("photos")
        received = draft.get("received_on")
        values = {
            Step.CATEGORY: draft.get("category", ""),
            Step.DESA: draft.get("desa", ""),
            Step.PLACE: views.place_text(t, draft.get("place", ""), has_location),
            Step.DESCRIPTION: draft.get("description", ""),
            Step.PHOTOS: str(len(photos)) if photos else t("complaint.none"),
            Step.PRIVACY: views.privacy_label(t, Privacy(draft.get("privacy", "biasa"))),
            Step.CHANNEL: views.channel_label(t, Channel(draft.get("channel", "walk_in"))),
            Step.RECEIVED: format_date(
                date.fromisoformat(received) if received else self._today(context), t
            ),
        }
        lines = [self.text(context, "summary_title")]
        lines += [views.line(t, STEP_NAMES[step], values[step]) for step in self.steps]
        lines.append(self.text(context, "summary_footer"))
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
        draft = self.draft(context)
        if _data(update).endswith(":out") and self.outside_button and not draft.get("editing"):
            await answer_button(update)
            self.drop_draft(context.user_data)
            text = outside_kecamatan(context)
            await reply(update, text, reply_markup=main_menu(context))
            return self.END
        index = _suffix_number(update)
        if index is None or index >= len(kecamatan.desa):
            await self.stale(update, context)
            return None
        await answer_button(update)
        draft["desa"] = kecamatan.desa[index]
        return await self.advance(update, context, Step.DESA)

    async def on_location(self, update: Update, context: AppContext) -> Step | None:
        assert update.message is not None and update.message.location is not None
        draft = self.draft(context)
        draft["latitude"] = update.message.location.latitude
        draft["longitude"] = update.message.location.longitude
        if draft.get(PLACE_NEXT) == PLACE_TYPED:
            return await self.advance(update, context, Step.PLACE)
        await self._place_next(update, context, PLACE_LOCATED)
        return None

    async def on_place_text(self, update: Update, context: AppContext) -> Step | None:
        assert update.message is not None and update.message.text is not None
        draft = self.draft(context)
        if draft.get(PLACE_NEXT) == PLACE_TYPED:
            # The place is recorded: what comes next is what happened (a second place only
            # after "Ubah tempat").
            draft.pop(PLACE_NEXT)
            draft["step"] = int(Step.DESCRIPTION)
            return await self._take_description(update, context, after_place=True)
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
        draft["place"] = text
        if draft.get(PLACE_NEXT) == PLACE_LOCATED:
            return await self.advance(update, context, Step.PLACE)
        await self._place_next(update, context, PLACE_TYPED)
        return None

    async def _place_next(self, update: Update, context: AppContext, key: str) -> None:
        """Part of the place is given: say so, with Lanjut (and Ubah tempat for a typed one)."""
        self.draft(context)[PLACE_NEXT] = key
        await reply(update, self.text(context, key), reply_markup=self._markup(Step.PLACE, context))

    async def on_place_done(self, update: Update, context: AppContext) -> Step | None:
        draft = self.draft(context)
        if not draft.get("place") and draft.get("latitude") is None:
            await self.stale(update, context)
            return None
        await answer_button(update)
        return await self.advance(update, context, Step.PLACE)

    async def on_place_again(self, update: Update, context: AppContext) -> Step | None:
        """Ubah tempat: the next text is the place again (the one recorded stays till then)."""
        if self.draft(context).get(PLACE_NEXT) != PLACE_TYPED:
            await self.stale(update, context)
            return None
        await answer_button(update)
        return await self.ask(update, context, Step.PLACE)

    async def on_description(self, update: Update, context: AppContext) -> Step | None:
        return await self._take_description(update, context)

    async def on_description_kept(self, update: Update, context: AppContext) -> Step | None:
        """Lanjut under a description given before: it stays."""
        if not self.draft(context).get("description"):
            await self.stale(update, context)
            return None
        await answer_button(update)
        return await self.advance(update, context, Step.DESCRIPTION)

    async def _take_description(
        self, update: Update, context: AppContext, *, after_place: bool = False
    ) -> Step | None:
        """The description typed, checked; refused politely when too short, too long, or
        without enough letters to tell what happened (emoji only)."""
        assert update.message is not None and update.message.text is not None
        settings = context.config.complaints
        text = clean_text(update.message.text)
        problem = description_problem(text, settings.description_min, settings.description_max)
        if problem is not None:
            limits = _limits(Step.DESCRIPTION, settings)
            key = f"complaint.description_too_{problem}"
            length = format_number(utf16_length(text))
            letters = format_number(letter_count(text))
            refusal = context.texts(key, length=length, letters=letters, **limits)
            await reply(update, refusal, reply_markup=ReplyKeyboardRemove())
            return Step.DESCRIPTION if after_place else None
        self.draft(context)["description"] = text
        if after_place:
            # The location button of the place step goes away with the acknowledgement.
            received = context.texts("complaint.description_received")
            await reply(update, received, reply_markup=ReplyKeyboardRemove())
        return await self.advance(update, context, Step.DESCRIPTION)

    async def _keep_photo(self, update: Update, context: AppContext) -> str | None:
        """Keep the photo of ``update`` in the draft; None when kept, else why not (a key)."""
        assert update.message is not None
        maximum = context.config.complaints.max_photos
        photos: list[dict[str, Any]] = self.draft(context).setdefault("photos", [])
        largest = update.message.photo[-1]
        if len(photos) >= maximum:
            return "limit"
        if not await _downloadable(context, largest.file_id, largest.file_size):
            return "too_big"
        photos.append(
            {
                "file_id": largest.file_id,
                "file_unique_id": largest.file_unique_id,
                "file_size": largest.file_size,
            }
        )
        return None

    async def on_photo(self, update: Update, context: AppContext) -> None:
        t, maximum = context.texts, context.config.complaints.max_photos
        refused = await self._keep_photo(update, context)
        count = len(self.draft(context)["photos"])
        if refused == "limit":
            text = t("complaint.photo_limit", maximum=maximum)
        elif refused == "too_big":
            text = t("complaint.photo_too_big")
        else:
            last = count >= maximum
            key = "photo_received_last" if last else "photo_received"
            text = t(f"complaint.{key}", count=count, maximum=maximum)
        await reply(update, text, reply_markup=self._markup(Step.PHOTOS, context))

    async def on_photo_elsewhere(self, update: Update, context: AppContext) -> None:
        """A photo while another step is asked (or the summary is shown): kept for the report,
        within the limit; the current step is asked again."""
        t, maximum = context.texts, context.config.complaints.max_photos
        refused = await self._keep_photo(update, context)
        count = len(self.draft(context)["photos"])
        if refused is None:
            text = t("complaint.photo_kept", count=count, maximum=maximum)
        else:
            text = t(f"complaint.photo_elsewhere_{refused}", maximum=maximum)
        if self.current(context) is Step.SUMMARY:
            await self.ask(update, context, Step.SUMMARY, before=text)
            return
        await self.prompt(update, context, text)

    async def on_photos_done(self, update: Update, context: AppContext) -> Step:
        await answer_button(update)
        return await self.advance(update, context, Step.PHOTOS)

    async def on_photos_clear(self, update: Update, context: AppContext) -> Step:
        """Hapus foto: the only way attached photos go."""
        await answer_button(update)
        self.draft(context).pop("photos", None)
        cleared = context.texts("complaint.photos_cleared")
        return await self.ask(update, context, Step.PHOTOS, before=cleared)

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

    async def on_received_button(self, update: Update, context: AppContext) -> Step | None:
        """Hari ini (0) or Kemarin (1)."""
        days_ago = _suffix_number(update)
        if days_ago not in (0, 1):
            await self.stale(update, context)
            return None
        await answer_button(update)
        day = self._today(context) - timedelta(days=days_ago)
        self.draft(context)["received_on"] = day.isoformat()
        return await self.advance(update, context, Step.RECEIVED)

    async def on_received_text(self, update: Update, context: AppContext) -> Step | None:
        """A date typed the Indonesian way (3/11/2026, 3-11-2026, 2026-11-03): today or
        earlier, and not before the start of last year."""
        assert update.message is not None and update.message.text is not None
        t, today = context.texts, self._today(context)
        day = parse_day(clean_text(update.message.text, multiline=False))
        if day is None:
            await self.prompt(update, context, self.text(context, "received_unknown"))
            return None
        problem = received_problem(day, today)
        if problem is not None:
            shown = {
                "date": format_date(day, t),
                "earliest": format_date(earliest_received(today), t),
            }
            await self.prompt(update, context, self.text(context, f"received_{problem}", **shown))
            return None
        self.draft(context)["received_on"] = day.isoformat()
        return await self.advance(update, context, Step.RECEIVED)

    # ------------------------------------------------------------------ moving around

    async def on_previous(self, update: Update, context: AppContext) -> Step | None:
        """Kembali: the step before (its answer kept until changed); when editing, the summary."""
        step, editing = self.current(context), self.draft(context).get("editing")
        offered = step in self.steps and (editing or self.steps.index(step) > 0)
        if _suffix_number(update) != int(step) or not offered:
            await self.stale(update, context)
            return None
        await answer_button(update)
        if editing:
            return await self.ask(update, context, Step.SUMMARY)
        return await self.ask(update, context, self.steps[self.steps.index(step) - 1])

    async def on_quit(self, update: Update, context: AppContext) -> Step | int | None:
        """Batal: at once while nothing is answered; else only after the person confirms."""
        step = self.current(context)
        pressed = _data(update).rsplit(":", 1)[-1]
        expected = "cancel" if step is Step.SUMMARY else None
        if step is Step.QUIT or pressed not in {str(int(step)), expected}:
            await self.stale(update, context)
            return None
        await answer_button(update)
        draft = self.draft(context)
        if not any(draft.get(answer) for answer in ANSWERS):
            return await self.cancel(update, context)
        draft[QUIT_FROM] = int(step)
        return await self.ask(update, context, Step.QUIT)

    async def on_quit_answer(self, update: Update, context: AppContext) -> Step | int:
        await answer_button(update)
        draft = self.draft(context)
        back_to = Step(draft.pop(QUIT_FROM, int(Step.SUMMARY)))
        if _data(update).endswith(":yes"):
            draft["step"] = int(back_to)
            return await self.cancel(update, context)
        if back_to is Step.PLACE and isinstance(draft.get(PLACE_NEXT), str):
            draft["step"] = int(Step.PLACE)
            await self._place_next(update, context, draft[PLACE_NEXT])
            return Step.PLACE
        return await self.ask(update, context, back_to)

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
        # Earlier answers stay until replaced; photos go only with "Hapus foto".
        return await self.ask(update, context, Step(number))

    async def on_back(self, update: Update, context: AppContext) -> Step:
        await answer_button(update)
        return await self.ask(update, context, Step.SUMMARY)

    async def cancel(self, update: Update, context: AppContext) -> int:
        if self.current(context) is Step.PLACE:
            # Take the location button away: it means nothing once the form is closed.
            self.drop_draft(context.user_data)
            await reply(update, context.texts("cancel.done"), reply_markup=ReplyKeyboardRemove())
            return self.END
        return await super().cancel(update, context)

    # ------------------------------------------------------------------ unexpected input

    async def stray_message(self, update: Update, context: AppContext) -> None:
        """A sticker, a voice note, a document, text where a button is expected...: what it
        was cannot be taken, then the step's hint. A tracking code is answered as /status."""
        if await self._typed_code(update, context):
            return
        kind = _kind(update, self.current(context))
        await self.prompt(update, context, context.texts(f"complaint.not_{kind}") if kind else "")

    async def stale(self, update: Update, context: AppContext) -> None:
        """A button of an old message or forged data: say so, then show the current step."""
        await answer_button(update, context.texts("fallback.stale_button"))
        await self.prompt(update, context, "")

    async def already(self, update: Update, context: AppContext) -> None:
        """The start command (or menu button) again while the form is open: carry on."""
        await answer_button(update)
        await self.prompt(update, context, self.text(context, "already"))

    def discarded(self, texts: Texts, draft: dict[str, Any]) -> str | None:
        category = draft.get("category")
        if not isinstance(category, str) or self.office:
            return None
        return texts("complaint.discarded", category=category)


def _kind(update: Update, step: Step) -> str | None:
    """What a message no step takes is, as named in the catalog (``complaint.not_<kind>``);
    None for text."""
    message = update.message
    if message is None or message.text is not None:
        return None
    if message.voice or message.audio or message.video_note:
        return "voice"
    if message.sticker:
        return "sticker"
    if message.document:
        image = (message.document.mime_type or "").startswith("image/")
        return "photo_file" if image and step is Step.PHOTOS else "document"
    return "other"


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
        received_on=date.fromisoformat(draft["received_on"]) if draft.get("received_on") else None,
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
