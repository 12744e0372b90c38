"""Public-order complaints (laporan trantib): status flow, SP4N-LAPOR! clocks and IKU 4.

IKU 4, Persentase tingkat penyelesaian laporan pelanggaran ketertiban umum dan ketenteraman
masyarakat (DOMAIN.md section 4)::

    IKU 4 = resolved / (received - excluded) x 100

- received: every complaint *received in the period* (by the local date it was received, whatever
  happens to it later, so a closed period's figure only changes as complaints get resolved);
- excluded: those of them closed as Ditolak because they were a duplicate or false report; a
  complaint rejected as out of scope (di luar kewenangan) stays in the denominator;
- resolved: those of them now Selesai or Diteruskan (handed to the police or Satpol PP counts as
  dealt with by the kecamatan).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from iku.ratio import Ratio
from iku.text import letter_count, utf16_length
from iku.workdays import add_working_days, working_days_between


class Status(StrEnum):
    """Complaint status; the values are what the database stores."""

    BARU = "baru"
    DIVERIFIKASI = "diverifikasi"
    DIPROSES = "diproses"
    SELESAI = "selesai"
    DITERUSKAN = "diteruskan"
    DITOLAK = "ditolak"


# Forward only, one step at a time, with the two side exits open from every open status.
TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        # Straight to Diproses too: an official who starts handling a new complaint has
        # evidently checked it, and making them press two buttons adds nothing to the record.
        Status.BARU: frozenset(
            {Status.DIVERIFIKASI, Status.DIPROSES, Status.DITERUSKAN, Status.DITOLAK}
        ),
        Status.DIVERIFIKASI: frozenset({Status.DIPROSES, Status.DITERUSKAN, Status.DITOLAK}),
        Status.DIPROSES: frozenset({Status.SELESAI, Status.DITERUSKAN, Status.DITOLAK}),
        Status.SELESAI: frozenset(),
        Status.DITERUSKAN: frozenset(),
        Status.DITOLAK: frozenset(),
    }
)

OPEN_STATUSES = frozenset({Status.BARU, Status.DIVERIFIKASI, Status.DIPROSES})
RESOLVED_STATUSES = frozenset({Status.SELESAI, Status.DITERUSKAN})
CLOSED_STATUSES = frozenset({Status.SELESAI, Status.DITERUSKAN, Status.DITOLAK})

REOPENED_STATUS = Status.DIPROSES
"""Where a closed complaint returns when the Camat or the Sekcam reopens it.

Diproses, whatever it was before closing: somebody senior decided it needs handling, and it
was looked at by an official already (closing took one). The Selesai button is then one press
away, and the clocks resume without flagging it at once as overdue for a verification that is
long past, which Baru or Diverifikasi would. Its reporter reads "Petugas sedang menangani
laporan ini", which is the truth.
"""


def can_move(current: Status, target: Status) -> bool:
    """Whether an official may change a complaint from ``current`` to ``target``."""
    return target in TRANSITIONS[current]


def can_reopen(current: Status, target: Status) -> bool:
    """Whether ``current`` -> ``target`` reopens a closed complaint (Selesai, Diteruskan or
    Ditolak back to :data:`REOPENED_STATUS`); only the Camat and the Sekcam may."""
    return current in CLOSED_STATUSES and target is REOPENED_STATUS


# The order officials see the moves in: the next step forward first, then the side exits.
_MOVE_ORDER = (
    Status.DIVERIFIKASI,
    Status.DIPROSES,
    Status.SELESAI,
    Status.DITERUSKAN,
    Status.DITOLAK,
)


def moves_from(current: Status) -> tuple[Status, ...]:
    """The statuses ``current`` may move to, forward step first; empty when closed."""
    return tuple(target for target in _MOVE_ORDER if can_move(current, target))


class Privacy(StrEnum):
    """The reporter's privacy choice, as in SP4N-LAPOR!.

    biasa: officials see who reported. anonim: the reporter's identity is hidden from officials
    (the bot still relays updates to the reporter). rahasia: the content stays inside the office,
    so exports withhold it.
    """

    BIASA = "biasa"
    ANONIM = "anonim"
    RAHASIA = "rahasia"


class Channel(StrEnum):
    """How a complaint came in: by chat with the bot (on Telegram, or on WhatsApp), or entered
    by an official (``/catat``)."""

    CHAT = "chat"
    WHATSAPP = "whatsapp"
    WALK_IN = "walk_in"
    LETTER = "letter"
    PHONE = "phone"
    SPAN_LAPOR = "span_lapor"
    SOCIAL_MEDIA = "social_media"


# The channels a complaint reaches the bot by itself: a resident chatting on Telegram or on the
# bot's WhatsApp number.
BOT_CHANNELS = (Channel.CHAT, Channel.WHATSAPP)
# The channels an official records with /catat, in the order offered: a WhatsApp message to an
# official or to the office's number is WhatsApp too (a channel of its own); "span_lapor" is
# SP4N-LAPOR!, the national complaint system (lapor.go.id).
OFFICE_CHANNELS = (
    Channel.WALK_IN,
    Channel.LETTER,
    Channel.PHONE,
    Channel.WHATSAPP,
    Channel.SPAN_LAPOR,
    Channel.SOCIAL_MEDIA,
)

RATING_SCORES = (1, 2, 3, 4)
"""After Selesai the reporter rates the handling once, 1 (tidak puas) to 4 (sangat puas)."""

NOTE_MAX = 1000
"""Longest official's note or reporter's comment, in UTF-16 units as Telegram counts them."""

NOTE_MIN_LETTERS = 5
"""An official's note is told to the reporter, so it must say something: at least this many
letters (emoji, digits and punctuation do not count)."""

# Words that acknowledge without saying anything; runs of a letter are read as one ("okeee").
_ACKNOWLEDGEMENTS = frozenset(
    {"ok", "oke", "okay", "okey", "okeh", "oce", "siap", "sip", "ya", "iya", "yes", "done", "noted"}
)
_WORDS = re.compile(r"[^\W\d_]+")
_REPEATS = re.compile(r"(.)\1+")

NoteProblem = Literal["short", "long"]

PLAIN_NOTE_WINDOW = timedelta(minutes=5)
"""How soon after the button a plain message (not a reply) may be read as the note.

The note is usually written within a minute or two; later plain messages in a busy group are
more likely talk than a note, so after this only a reply to the note request counts."""

RequestAge = Literal["recent", "waiting", "expired"]


def note_request_age(pressed_at: datetime, now: datetime, timeout: timedelta) -> RequestAge:
    """Where a note request pressed at ``pressed_at`` stands at ``now``: "expired" once
    ``timeout`` has passed (a reply completes nothing any more); "recent" within
    :data:`PLAIN_NOTE_WINDOW` (or the timeout, if shorter), when a plain message may complete
    it; "waiting" in between, when only a reply does."""
    if now - pressed_at >= timeout:
        return "expired"
    if now - pressed_at <= min(PLAIN_NOTE_WINDOW, timeout):
        return "recent"
    return "waiting"


def note_problem(note: str) -> NoteProblem | None:
    """Why an official's (cleaned) note cannot be told to a reporter, or None.

    "short": fewer than :data:`NOTE_MIN_LETTERS` letters, or nothing but acknowledgements
    ("ok", "Siap!", "oke oke"); "long": more than :data:`NOTE_MAX` UTF-16 units.
    """
    if utf16_length(note) > NOTE_MAX:
        return "long"
    words = [_REPEATS.sub(r"\1", word) for word in _WORDS.findall(note.lower())]
    if letter_count(note) < NOTE_MIN_LETTERS or all(w in _ACKNOWLEDGEMENTS for w in words):
        return "short"
    return None


PLACE_MAX = 300
"""Longest place description typed by a reporter, in UTF-16 code units."""

_CODE = re.compile(r"([A-Z]{2,10})-(\d{4})-0*(\d{1,9})")


def tracking_code(prefix: str, year: int, number: int) -> str:
    """The public code of a complaint: ``TRB-2025-0042`` (at least four digits, more past 9999).

    Short and easy to read aloud: letters, the year, a number counted per year from 1.
    """
    if number < 1:
        raise ValueError(f"complaint numbers start at 1, got {number}")
    return f"{prefix}-{year:04d}-{number:04d}"


def parse_tracking_code(text: str) -> str | None:
    """The canonical code a person typed, forgiving case, spaces and missing zeros.

    ``" trb-2025-42 "`` -> ``"TRB-2025-0042"``; None when it is not a code at all.
    """
    match = _CODE.fullmatch(text.strip().upper().replace(" ", ""))
    if match is None:
        return None
    prefix, year, number = match.groups()
    return tracking_code(prefix, int(year), int(number)) if int(number) else None


LengthProblem = Literal["short", "long"]


def length_problem(text: str, minimum: int, maximum: int) -> LengthProblem | None:
    """Whether ``text`` (stripped) is shorter than ``minimum`` or longer than ``maximum``.

    Measured in UTF-16 code units, as Telegram counts (an emoji is two): counted in Python
    characters, a description of 1,916 emoji passed and its card could never be posted.
    """
    size = utf16_length(text.strip())
    if size < minimum:
        return "short"
    if size > maximum:
        return "long"
    return None


DescriptionProblem = Literal["short", "long", "letters"]


def description_problem(text: str, minimum: int, maximum: int) -> DescriptionProblem | None:
    """:func:`length_problem`, and "letters" for a description with fewer than ``minimum``
    letters (emoji, digits and punctuation do not tell what happened: "😡😡😡😡😡")."""
    problem = length_problem(text, minimum, maximum)
    if problem is None and letter_count(text) < minimum:
        return "letters"
    return problem


ReceivedProblem = Literal["future", "too_old"]


def earliest_received(today: date) -> date:
    """The earliest day an official may record a complaint as received: 1 January of last
    year (older ones belong to periods already reported)."""
    return date(today.year - 1, 1, 1)


def received_problem(day: date, today: date) -> ReceivedProblem | None:
    """Whether ``day`` cannot be the day a complaint recorded ``today`` was received."""
    if day > today:
        return "future"
    if day < earliest_received(today):
        return "too_old"
    return None


def working_days_to_close(
    received_on: date, closed_on: date | None, holidays: Collection[date]
) -> int | None:
    """Working days from receipt to closing (the SP4N count); None while still open.

    Uses the convention of :mod:`iku.workdays`: closed on the day of receipt counts 0.
    """
    if closed_on is None:
        return None
    return working_days_between(received_on, closed_on, holidays)


class RejectReason(StrEnum):
    """Why a complaint was closed as Ditolak."""

    DUPLIKAT = "duplikat"
    PALSU = "palsu"
    DI_LUAR_KEWENANGAN = "di_luar_kewenangan"


# Duplicates and false reports are not real complaints, so IKU 4 leaves them out entirely.
EXCLUDED_REASONS = frozenset({RejectReason.DUPLIKAT, RejectReason.PALSU})


def complaint_resolution(received: int, excluded: int, resolved: int) -> Ratio:
    """IKU 4 as ``Ratio(resolved, received - excluded)``; see the module docstring.

    All three are counts over the complaints received in the period. 10 received, 2 of them
    rejected as duplicate or false, 6 Selesai or Diteruskan: 6 of 8, 75.0%.
    ValueError when a count is negative or the counts contradict each other.
    """
    if min(received, excluded, resolved) < 0:
        raise ValueError(f"counts must not be negative: {received}, {excluded}, {resolved}")
    if excluded > received:
        raise ValueError(f"excluded ({excluded}) exceeds received ({received})")
    counted = received - excluded
    if resolved > counted:
        raise ValueError(f"resolved ({resolved}) exceeds received minus excluded ({counted})")
    return Ratio(resolved, counted)


@dataclass(frozen=True, slots=True)
class ClockRules:
    """The SP4N-LAPOR! clocks, all in working days (Monday-Friday minus ``holidays``).

    DOMAIN.md gives the overall limit as "60 days"; this project's issue counts it in working
    days like the other two clocks, so all three are configurable working-day counts.
    """

    verify_days: int = 3
    plan_days: int = 5
    limit_days: int = 60
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("verify_days", "plan_days", "limit_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True, slots=True)
class DueDates:
    """Last local day on which each step is still on time."""

    verify_by: date
    plan_by: date
    resolve_by: date


def due_dates(received_on: date, rules: ClockRules) -> DueDates:
    """Deadlines for a complaint received on the local date ``received_on``.

    verify_by = ``verify_days`` working days after receipt; plan_by = ``plan_days`` more working
    days after verify_by; resolve_by = ``limit_days`` working days after receipt. The day of
    receipt does not count (see :mod:`iku.workdays`): received Friday 2025-03-07 with the
    defaults, verify by Wednesday 2025-03-12 and plan by Wednesday 2025-03-19.
    """
    verify_by = add_working_days(received_on, rules.verify_days, rules.holidays)
    return DueDates(
        verify_by=verify_by,
        plan_by=add_working_days(verify_by, rules.plan_days, rules.holidays),
        resolve_by=add_working_days(received_on, rules.limit_days, rules.holidays),
    )


OverdueStage = Literal["verify", "plan", "resolve"]


def overdue_stage(status: Status, due: DueDates, today: date) -> OverdueStage | None:
    """The most severe deadline an open complaint has missed on the local date ``today``.

    A deadline is missed from the day after it (on the due date itself the step is on time).
    "resolve": still open after resolve_by; "plan": still Baru or Diverifikasi after plan_by (no
    follow-up has started, and a Baru complaint has not even been planned); "verify": still Baru
    after verify_by. Severity resolve > plan > verify. None when closed or on time.
    """
    if status not in OPEN_STATUSES:
        return None
    if today > due.resolve_by:
        return "resolve"
    if status in (Status.BARU, Status.DIVERIFIKASI) and today > due.plan_by:
        return "plan"
    if status is Status.BARU and today > due.verify_by:
        return "verify"
    return None


def is_overdue(status: Status, due: DueDates, today: date) -> bool:
    """Whether an open complaint has missed any deadline on ``today``."""
    return overdue_stage(status, due, today) is not None
