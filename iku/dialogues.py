"""Rules every dialogue shares, free of any chat channel: reading an option a person typed
instead of tapping, and the clock of a half-filled dialogue (reminded once, then discarded).

Residents on cheap phones type as often as they tap: "Sesuai", "perempuan", "ajung", "sangat"
or "2" mean a button of the question they see. :func:`choose_option` says which one, or none
when the text fits no button or several (the caller then shows the buttons again).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

# An emoji drawn as a picture: a character followed by VARIATION SELECTOR-16 ("⬅️", "ℹ️").
# Removed whole: "ℹ" alone is a letter to Unicode, and would make "ℹ️ Bantuan" start with "i".
_EMOJI_SEQUENCE = re.compile(".\ufe0f\u20e3?")
# The number some labels start with ("1 Tidak puas", "3. Waktu Penyelesaian").
_LEADING_NUMBER = re.compile(r"^[0-9]+ ")


def normalise(text: str) -> str:
    """``text`` reduced to what a person means by it: lower case, accents, emoji and
    punctuation gone, one space between words. ``"✅ Kirim!"`` -> ``"kirim"``,
    ``"Laki-laki"`` -> ``"laki laki"``, ``"Sésuai"`` -> ``"sesuai"``."""
    text = _EMOJI_SEQUENCE.sub(" ", text)
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category.startswith("M"):
            continue  # an accent, split from its letter by NFKD
        kept.append(char if category[0] in "LN" else " ")
    return " ".join("".join(kept).casefold().split())


def _forms(label: str) -> tuple[str, ...]:
    """How a label may be typed: whole, or without its leading number."""
    whole = normalise(label)
    bare = _LEADING_NUMBER.sub("", whole)
    return (whole, bare) if bare != whole else (whole,)


def choose_option(text: str, labels: Sequence[str], *, exact_only: bool = False) -> int | None:
    """The index of the button ``text`` names among ``labels`` (row by row, as shown), or None.

    In order, the first rule that finds anything decides (several finds: None, ambiguous):

    1. the button's number as shown, counting from 1 (``"2"``);
    2. the whole label (``"sesuai"`` is "Sesuai", not "Tidak sesuai");
    3. the start of a label (``"sangat"``, ``"isi survei"``);
    4. the start of a word inside a label (``"pkl"`` for "Pedagang kaki lima (PKL) liar").

    ``exact_only`` keeps rule 2 alone: at a step that takes typed text (an age, a suggestion),
    only a button's whole label is a press; anything else is the answer itself.
    """
    typed = normalise(text)
    if not typed:
        return None
    if typed.isascii() and typed.isdigit():
        if exact_only:
            return None
        number = int(typed)
        return number - 1 if 1 <= number <= len(labels) else None
    forms = [_forms(label) for label in labels]
    rules: list[Callable[[str], bool]] = [lambda form: form == typed]
    if not exact_only:
        rules.append(lambda form: form.startswith(typed))
        rules.append(lambda form: f" {typed}" in f" {form}")
    for rule in rules:
        found = {index for index, names in enumerate(forms) if any(map(rule, names))}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


# --- the clock of a dialogue left half-filled -------------------------------------------------


Unit = Literal["days", "hours", "minutes"]


def whole_duration(delta: timedelta) -> tuple[int, Unit]:
    """``delta`` in the largest whole unit that fits, rounded down (at least one minute):
    3 days, 5 hours, 30 minutes. For sentences like "kept for 2 more days"."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes >= 24 * 60:
        return minutes // (24 * 60), "days"
    if minutes >= 60:
        return minutes // 60, "hours"
    return minutes, "minutes"


@dataclass(frozen=True)
class DraftClock:
    """How long a dialogue waits for its next answer.

    ``keep``: after this much silence the dialogue ends and its draft is dropped.
    ``remind``: after this much silence the person is reminded, once (None: never).
    """

    keep: timedelta
    remind: timedelta | None = None

    def due(
        self, last_activity: datetime, now: datetime, *, reminded: bool
    ) -> Literal["expire", "remind"] | None:
        """What the silence since ``last_activity`` calls for at ``now``."""
        silence = now - last_activity
        if silence >= self.keep:
            return "expire"
        if self.remind is not None and silence >= self.remind and not reminded:
            return "remind"
        return None

    def left(self, last_activity: datetime, now: datetime) -> timedelta:
        """How long the draft is still kept."""
        return max(last_activity + self.keep - now, timedelta(0))
