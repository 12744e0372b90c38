"""WhatsApp's rules for what the bot says: the one place where a channel-neutral message (a text
with its choices, as python-telegram-bot sends it) takes the form WhatsApp allows.

As in nyaruka/courier, the send side alone decides the form:

* up to 3 choices whose labels fit 20 characters become reply buttons;
* up to 10 (or 3 with a longer label) become a list message behind one button: row titles up to
  24 characters, shortened at a word with the full wording in the row's description (72);
* more than 10 become several lists of 10, in order, each complete on its own (no page state
  to lose in a restart);
* asking for a location (a reply keyboard with ``request_location``) becomes WhatsApp's location
  request message; other reply keyboards become buttons that answer with their label as text;
* text is at most 4,096 characters and an interactive message's body at most 1,024: a longer
  text is split at line breaks, so that its last part carries the choices.
* a catalog text that names Telegram things (the ``/id`` answer, the help, the location
  button's label) is replaced by its WhatsApp wording, ``whatsapp.wording.<key>`` of the
  catalog, wherever it stands as whole lines in what the bot says (:func:`reword`): the
  handlers keep asking for the one text they know.

Lengths are counted in UTF-16 units (as for Telegram); WhatsApp counts characters, so this
errs on the safe side for emoji. Nothing here does I/O; :mod:`bot.whatsapp.channel` sends what
this module builds, and ``tests/whatsapp/test_rules.py`` holds the table of forms.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.offline import parse_html
from iku.text import clean_text, pack, truncate, utf16_length

JSONDict = dict[str, Any]

TEXT_MAX: Final = 4096
BODY_MAX: Final = 1024
"""Body of an interactive message, and a media caption."""
BUTTONS_MAX: Final = 3
BUTTON_TITLE_MAX: Final = 20
ROWS_MAX: Final = 10
ROW_TITLE_MAX: Final = 24
ROW_DESCRIPTION_MAX: Final = 72
LIST_BUTTON_MAX: Final = 20
TEMPLATE_PARAMETER_MAX: Final = 200
"""Our own cap per template parameter: the whole template must stay short to be read."""

LOCAL_PREFIX: Final = "wa!"
"""Reply ids the channel answers itself (never callback data of the bot, which has no "!")."""
TEXT_REPLY: Final = f"{LOCAL_PREFIX}t:"
"""Reply id prefix of a reply-keyboard button: the reply arrives as its label, typed."""
HELD_PAYLOAD: Final = f"{LOCAL_PREFIX}held"
"""Payload of the template's quick-reply button: "show me the message you have for me"."""
STATUS_TEMPLATE: Final = "status_update"
"""The key of ``[whatsapp.templates]`` naming the approved template of a complaint's news."""


@dataclass(frozen=True)
class Choice:
    """One option: the id WhatsApp sends back (the Telegram callback data) and its wording."""

    reply_id: str
    label: str


@dataclass(frozen=True)
class Rewording:
    """A catalog text as it appears in what the bot says (``pattern``: whole lines, its
    placeholders captured) and the WhatsApp wording that replaces it (``replacement``, with
    some or all of the same placeholders)."""

    pattern: re.Pattern[str]
    replacement: str


@dataclass(frozen=True)
class Words:
    """The channel's own words, in the resident's language (from the catalog)."""

    choose: str
    """The list message's button."""
    more: str
    """Body of the second and later lists of a long set of choices; ``{page}``/``{pages}``."""
    rewordings: tuple[Rewording, ...] = ()
    """Texts that name Telegram things, and what WhatsApp residents read instead."""


@dataclass(frozen=True)
class Outgoing:
    """What to send for one Bot API call: Graph API message objects, in order, and the choices
    offered (which a typed answer may name)."""

    messages: tuple[JSONDict, ...]
    choices: tuple[Choice, ...] = ()


def compose(params: JSONDict, words: Words, *, text_key: str = "text") -> Outgoing:
    """The WhatsApp form of a ``sendMessage``/``editMessageText`` call's parameters."""
    text = reword(_plain(params, text_key), words.rewordings)
    markup = params.get("reply_markup")
    markup = markup if isinstance(markup, dict) else {}
    if _asks_location(markup):
        head, body = split_tail(text, BODY_MAX)
        request = {
            "type": "interactive",
            "interactive": {
                "type": "location_request_message",
                "body": {"text": body},
                "action": {"name": "send_location"},
            },
        }
        return Outgoing((*_texts(head), request))
    choices = choices_of(markup)
    if not choices:
        return Outgoing(_texts(text))
    head, body = split_tail(text, BODY_MAX)
    return Outgoing((*_texts(head), *choice_messages(body, choices, words)), tuple(choices))


def choices_of(markup: JSONDict) -> list[Choice]:
    """The options of an inline keyboard (callback buttons, row by row) or of a reply keyboard
    (its labels, answered as text). URL and other buttons have no WhatsApp form and are left
    out."""
    options: list[Choice] = []
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if "callback_data" in button:
                options.append(Choice(str(button["callback_data"]), str(button["text"])))
    for row in markup.get("keyboard") or []:
        for button in row:
            label = button if isinstance(button, str) else str(button.get("text", ""))
            if label:
                options.append(Choice(TEXT_REPLY + label, label))
    return options


def choice_messages(body: str, choices: Sequence[Choice], words: Words) -> list[JSONDict]:
    """Reply buttons, one list, or several lists of 10 for ``choices`` under ``body``."""
    labels = [choice.label for choice in choices]
    if len(choices) <= BUTTONS_MAX and all(
        utf16_length(label) <= BUTTON_TITLE_MAX for label in labels
    ):
        return [_buttons(body, choices)]
    pages = [choices[i : i + ROWS_MAX] for i in range(0, len(choices), ROWS_MAX)]
    titles = short_titles(labels, ROW_TITLE_MAX)
    messages = []
    for number, page in enumerate(pages, start=1):
        start = (number - 1) * ROWS_MAX
        rows = [_row(choice, title) for choice, title in zip(page, titles[start:], strict=False)]
        text = body if number == 1 else words.more.format(page=number, pages=len(pages))
        messages.append(_list(text, rows, words.choose))
    return messages


def short_titles(labels: Sequence[str], limit: int) -> list[str]:
    """Each label within ``limit``, cut at a word with "…", and all of them still different.

    The survey's "Tidak sopan dan ramah" and "Kurang sopan dan ramah" keep their first words,
    which are what tells them apart; two labels that would read the same once cut get their
    position in front instead ("2. Ada tetapi…").
    """
    titles = [_cut_at_word(label, limit) for label in labels]
    return [
        _cut_at_word(f"{index}. {label}", limit) if titles.count(title) > 1 else title
        for index, (label, title) in enumerate(zip(labels, titles, strict=True), start=1)
    ]


def split_tail(text: str, limit: int) -> tuple[str, str]:
    """``(head, tail)``: the tail is the longest run of whole last lines within ``limit``
    (the last line is cut at a word when it alone is longer); the head is the rest."""
    lines = text.split("\n")
    tail: list[str] = []
    while lines and utf16_length("\n".join([lines[-1], *tail])) <= limit:
        tail.insert(0, lines.pop())
    if not tail:
        last = lines.pop()
        cut = _words_within(last[::-1], limit)[::-1]
        lines.append(last[: len(last) - len(cut)].rstrip())
        tail = [cut.lstrip()]
    return "\n".join(lines).strip("\n"), "\n".join(tail).strip("\n") or "…"


def template_parameters(values: Sequence[str]) -> list[JSONDict]:
    """Template body parameters: one line each (WhatsApp refuses line breaks and tabs in them),
    no runs of spaces, shortened to :data:`TEMPLATE_PARAMETER_MAX`."""
    cleaned = [clean_text(value, multiline=False) or "-" for value in values]
    return [{"type": "text", "text": truncate(value, TEMPLATE_PARAMETER_MAX)} for value in cleaned]


def status_template(code: str, status: str, note: str, language: str) -> JSONDict:
    """What the outbox stores with a WhatsApp reporter's news: the template that goes instead
    when their 24-hour window is closed, with the code, the status and the note as its
    parameters (each one line, shortened), in the reporter's language (``id``/``en``)."""
    parameters = [entry["text"] for entry in template_parameters([code, status, note])]
    return {"name": STATUS_TEMPLATE, "language": language, "parameters": parameters}


def template_message(name: str, language: str, values: Sequence[str]) -> JSONDict:
    """The approved template ``name`` with ``values`` in its body and the quick-reply button
    that brings the full message (see :data:`HELD_PAYLOAD`)."""
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": template_parameters(values)},
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": HELD_PAYLOAD}],
                },
            ],
        },
    }


WORDING_PREFIX: Final = "whatsapp.wording."


def rewordings(texts: Mapping[str, str]) -> tuple[Rewording, ...]:
    """One language's catalog texts (flattened keys) that have a WhatsApp wording: for each
    ``whatsapp.wording.<key>``, the text of ``<key>`` to look for and that wording."""
    return tuple(
        Rewording(_as_pattern(texts[key.removeprefix(WORDING_PREFIX)]), wording)
        for key, wording in texts.items()
        if key.startswith(WORDING_PREFIX)
    )


def reword(text: str, found: Sequence[Rewording]) -> str:
    """``text`` with every catalog text of ``found`` that stands in it as whole lines replaced
    by its WhatsApp wording, with the values its placeholders had."""
    for rewording in found:
        text = rewording.pattern.sub(_wording(rewording.replacement), text)
    return text


def _wording(wording: str) -> Callable[[re.Match[str]], str]:
    return lambda match: wording.format(**match.groupdict())


def _as_pattern(template: str) -> re.Pattern[str]:
    """A ``str.format`` template as a pattern of whole lines; a placeholder matches any run of
    characters, empty or over several lines (an office's contact paragraph), as few as fit
    (the same value again where it repeats)."""
    parts, seen = [], set()
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field:
            parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>(?s:.*?))")
            seen.add(field)
    return re.compile("^" + "".join(parts) + "$", re.MULTILINE)


def match_typed(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice a typed answer names (its full label or its shortened title, in any case,
    without emoji or punctuation), if exactly one does."""
    wanted = _comparable(text)
    if not wanted:
        return None
    titles = short_titles([choice.label for choice in choices], ROW_TITLE_MAX)
    found = [
        choice
        for choice, title in zip(choices, titles, strict=True)
        if wanted in (_comparable(choice.label), _comparable(title.removesuffix("…")))
    ]
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------------- helpers


def _plain(params: JSONDict, key: str) -> str:
    """The text as a person reads it: HTML parse mode resolved (WhatsApp has its own marks)."""
    text = str(params.get(key) or "")
    if str(params.get("parse_mode") or "").upper() == "HTML":
        text = parse_html(text)[0]
    return text


def _asks_location(markup: JSONDict) -> bool:
    return any(
        isinstance(button, dict) and button.get("request_location")
        for row in markup.get("keyboard") or []
        for button in row
    )


def _texts(text: str) -> tuple[JSONDict, ...]:
    if not text.strip():
        return ()
    parts = pack(text.split("\n"), TEXT_MAX)
    return tuple(
        {"type": "text", "text": {"body": part, "preview_url": False}}
        for part in parts
        if part.strip()
    )


def _buttons(body: str, choices: Sequence[Choice]) -> JSONDict:
    buttons = [
        {"type": "reply", "reply": {"id": choice.reply_id, "title": choice.label}}
        for choice in choices
    ]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}},
    }


def _row(choice: Choice, title: str) -> JSONDict:
    row: JSONDict = {"id": choice.reply_id, "title": title}
    if title != choice.label:
        row["description"] = truncate(choice.label, ROW_DESCRIPTION_MAX)
    return row


def _list(body: str, rows: list[JSONDict], button: str) -> JSONDict:
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": truncate(button, LIST_BUTTON_MAX),
                "sections": [{"rows": rows}],
            },
        },
    }


def _cut_at_word(label: str, limit: int) -> str:
    if utf16_length(label) <= limit:
        return label
    kept = _words_within(label, limit - 1).rstrip(" ,.;:-/(")
    return f"{kept}…" if kept else truncate(label, limit)


def _words_within(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` UTF-16 units that ends at a word (cut
    hard if the first word alone is longer)."""
    if utf16_length(text) <= limit:
        return text
    kept = truncate(text, limit, ellipsis="")
    if text[len(kept)].isspace():  # the cut fell between two words
        return kept.rstrip()
    if " " in kept.strip():
        return kept[: kept.rstrip().rfind(" ")].rstrip()
    return kept


_NOT_WORD = re.compile(r"[\W_]+")


def _comparable(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text).casefold().split())
