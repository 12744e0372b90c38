"""Indonesian number formatting for everything people read.

Indonesian writes the decimal separator as a comma and groups thousands with a dot:
``83,47`` and ``1.234``. JSON output keeps plain numbers; only text for people goes through here.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, places: int = 2) -> float:
    """Round as officials do by hand (0,125 -> 0,13), not banker's rounding."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_number(value: float | int, places: int = 0) -> str:
    """Format ``value`` with ``places`` decimals the Indonesian way.

    >>> format_number(83.4667, 2)
    '83,47'
    >>> format_number(1234)
    '1.234'
    >>> format_number(-1234567.5, 1)
    '-1.234.567,5'
    """
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    grouped = ".".join([whole, *groups])
    return f"{sign}{grouped},{fraction}" if places > 0 else f"{sign}{grouped}"


def format_percent(value: float) -> str:
    """A percentage with two decimals and the sign: ``80,00%``."""
    return f"{format_number(value, 2)}%"


# ASCII digits only: Python's \d and float() also take other scripts' digits ("١٢", "２") and
# superscripts, which nobody types as a figure and which then break arithmetic or display.
_THOUSANDS = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{3})+$")
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DATE_DMY = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$")
_DATE_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_DATE_WORDS = re.compile(r"^([0-9]{1,2})\s+([a-z]+)\.?\s+([0-9]{4})$")
# Month names as typed, Indonesian (with the older spellings) and English, whole or shortened.
_MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}


def parse_number(text: str, *, limit: float | None = None) -> float | None:
    """A number as an Indonesian official types it: ``12,5``, ``1.234``, ``1.234,5`` or ``12.5``.

    With both separators the dot groups thousands and the comma marks decimals; a lone comma is
    a decimal comma; a lone dot groups thousands only in the ``1.234`` shape (else decimals,
    as phone keyboards type them). None when it is not a plain figure in ASCII digits (no
    exponent, no infinity, no other script's digits) or, with ``limit``, when its size exceeds
    ``limit``.
    """
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    if not _PLAIN_NUMBER.match(cleaned):
        return None
    value = float(cleaned)
    if not math.isfinite(value) or (limit is not None and abs(value) > limit):
        return None
    return value


def parse_day(text: str) -> date | None:
    """A date typed as ``17-08-2025`` (also with / or .), ``2025-08-17`` or in words,
    ``17 Agustus 2025`` or ``17 Agt 2025``; None otherwise (``20250817`` or ``2025W331``, which
    Python's ISO parser would take, are refused)."""
    cleaned = text.strip()
    match = _DATE_DMY.match(cleaned)
    iso = _DATE_ISO.match(cleaned)
    words = _DATE_WORDS.match(cleaned.lower())
    try:
        if words:
            month = _MONTHS.get(words.group(2))
            if month is None:
                return None
            return date(int(words.group(3)), month, int(words.group(1)))
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None
