"""IKU 1 and IKU 3: yearly shares of program indicators and empowerment activities.

IKU 1, Persentase indikator program yang tercapai (owner: Sekcam)::

    achieved program indicators / all program indicators x 100

IKU 3, Persentase peningkatan kesejahteraan masyarakat (owner: Seksi PMKS)::

    empowerment activities facilitated / empowerment activities planned or budgeted x 100

Both are counted over the indicators or activities of one plan year (Renja/DPA).
"""

from __future__ import annotations

import math
from datetime import date

from iku.format import parse_day, parse_number
from iku.ratio import Ratio
from iku.text import clean_text, utf16_length

# The largest target or realization taken (either sign): an indicator counts percentages, days,
# meetings or rupiah, and a kecamatan's whole budget is far below a trillion; a bigger figure
# is a typing error (or an exponent like 1e20), and infinity would break every comparison.
FIGURE_LIMIT = 1_000_000_000_000


def program_achievement(total: int, achieved: int) -> Ratio:
    """IKU 1 as ``Ratio(achieved, total)``: 12 of 15 indicators achieved is 80.0%."""
    return Ratio(achieved, total)


def empowerment_facilitation(planned: int, facilitated: int) -> Ratio:
    """IKU 3 as ``Ratio(facilitated, planned)``: 6 of 10 planned activities is 60.0%."""
    return Ratio(facilitated, planned)


def is_achieved(
    target: float,
    realization: float,
    *,
    higher_is_better: bool = True,
    explicit: bool | None = None,
) -> bool:
    """Whether a program indicator counts as achieved for IKU 1.

    An explicit official decision (``explicit``) overrides the rule, e.g. for a qualitative
    indicator. Otherwise the realization must reach the target: ``realization >= target``, or
    ``realization <= target`` for an indicator where lower is better (e.g. days to serve).
    The values are compared exactly as entered; NaN or infinity is a ValueError.
    """
    if explicit is not None:
        return explicit
    if not (math.isfinite(target) and math.isfinite(realization)):
        raise ValueError(f"target and realization must be finite: {target}, {realization}")
    if higher_is_better:
        return realization >= target
    return realization <= target


# --- what officials type (the bot's /program and /kegiatan, and the dashboard) --------------

DECISION_NOTE_MIN = 3
DECISION_NOTE_MAX = 500
ACTIVITY_NOTE_MAX = 1000
PARTICIPANTS_MAX = 1_000_000


def read_realization(text: str) -> float | None:
    """A realization as typed (``12,5``, ``1.234``): a figure from 0 up to the limit, or None."""
    value = parse_number(text, limit=FIGURE_LIMIT)
    return None if value is None or value < 0 else value


def read_decision_note(text: str) -> str | None:
    """The note an explicit decision needs, without control characters: 3 to 500 characters
    (counted as Telegram counts them), or None."""
    note = clean_text(text)
    return note if DECISION_NOTE_MIN <= utf16_length(note) <= DECISION_NOTE_MAX else None


def read_facilitation_day(text: str, today: date) -> date | None:
    """The day an activity was facilitated (``17-08-2025`` or ``2025-08-17``), not after
    ``today``; None otherwise."""
    day = parse_day(text)
    return day if day is not None and day <= today else None


def read_participants(text: str) -> int | None:
    """How many took part: a whole number (dots may group thousands) up to a million."""
    digits = text.strip().replace(".", "")
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    if not (digits.isascii() and digits.isdigit()) or int(digits) > PARTICIPANTS_MAX:
        return None
    return int(digits)


def read_activity_note(text: str) -> str | None:
    """An activity's optional note, without control characters: up to 1000 characters."""
    note = clean_text(text)
    return note if utf16_length(note) <= ACTIVITY_NOTE_MAX else None
