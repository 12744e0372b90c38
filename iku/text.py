"""Text that people typed or that the bot builds: cleaning, measuring and cutting it.

Telegram counts lengths in UTF-16 code units (an emoji outside the Basic Multilingual Plane is
two), so every limit a message must respect is measured with :func:`utf16_length`, never
``len``. Text that arrives from outside (a chat, an import) goes through :func:`clean_text`
before it is stored: control characters (ANSI colour codes, NUL) break the spreadsheets
officials open and mean nothing to a reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ELLIPSIS = "…"

# ANSI/VT escape sequences, removed whole so their visible tail ("[31m") does not stay behind:
# CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and two-character escapes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[@-Z\\-_]"  # two-character escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# C0 controls but tab and line feed, DEL, C1 controls, lone surrogates, and the two
# non-characters U+FFFE/U+FFFF: none of them is text, and spreadsheets refuse most of them.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as Telegram (and WhatsApp) count it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clean_text(text: str, *, multiline: bool = True) -> str:
    """``text`` without control characters, trimmed.

    Line breaks (CR LF, CR, Unicode separators) become ``\\n``; with ``multiline`` false they,
    and tabs, become spaces. Tabs in multi-line text become spaces too: a cell or a message has
    no use for them, and a leading tab is one of the characters that make a spreadsheet cell a
    formula. Escape sequences are removed whole.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    text = text.replace("\t", " ")
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def letter_count(text: str) -> int:
    """How many letters (of any script) ``text`` holds: emoji, digits and punctuation do not
    count. A note of "ok" has 2; "👍👍👍" has none."""
    return sum(1 for char in text if char.isalpha())


def truncate(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in ``ellipsis`` when cut.

    Never splits a surrogate pair (half an emoji is an invalid message).
    """
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(ellipsis)
    kept: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > budget:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ellipsis


def pack(lines: Iterable[str], limit: int, *, separator: str = "\n") -> list[str]:
    """``lines`` joined into as few messages as fit ``limit`` UTF-16 units each.

    Lines stay whole where they fit; a single line longer than ``limit`` is cut
    (:func:`truncate`). Nothing is lost but the tail of such a line; the result is never empty.
    """
    messages: list[str] = []
    current: list[str] = []
    used = 0
    gap = utf16_length(separator)
    for line in lines:
        line = truncate(line, limit)
        size = utf16_length(line)
        if current and used + gap + size > limit:
            messages.append(separator.join(current))
            current, used = [], 0
        used += size + (gap if current else 0)
        current.append(line)
    if current or not messages:
        messages.append(separator.join(current))
    return messages
