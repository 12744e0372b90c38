"""Survei Kepuasan Masyarakat (SKM, satisfaction survey) scored by PermenPANRB No. 14 Tahun 2017.

Glossary: an *unsur* is one of the nine surveyed elements of service; *NRR* (nilai rata-rata) is
an unsur's mean answer (1-4); *IKM* (Indeks Kepuasan Masyarakat) is the weighted mean of the nine
NRR; the *converted index* (nilai IKM unit pelayanan) is IKM x 25 (25-100); *mutu* is the grade
A-D and *kinerja* the matching verdict on the service unit.

Answers are always keyed by unsur key, never by position: the regulation's body lists pengaduan
8th and sarana 9th while its sample form asks sarana 8th and pengaduan 9th. ``UNSUR`` follows the
sample form, which is the order the bot asks in.

All arithmetic runs on exact fractions and becomes ``float`` only in the result, so a perfect
survey scores exactly 4.0 and 100.0. Only display rounds, half-up to two decimals
(:func:`iku.format.round_half_up`), and the grade is taken from that displayed number, so the
letter shown never disagrees with the figure printed next to it.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from iku.format import round_half_up

# --- the nine unsur -------------------------------------------------------------------------


@dataclass(frozen=True)
class Unsur:
    """One surveyed element: its storage key, name, question and answer texts for scores 1..4."""

    key: str
    name: str
    question: str
    options: tuple[str, str, str, str]

    def option(self, score: int) -> str:
        """The answer text for ``score`` (1..4), as printed on the regulation's form."""
        return self.options[_check_answer(self.key, score) - 1]


UNSUR: tuple[Unsur, ...] = (
    Unsur(
        "persyaratan",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Unsur(
        "prosedur",
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    Unsur(
        "waktu",
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    Unsur(
        "biaya",
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    Unsur(
        "produk",
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Unsur(
        "kompetensi",
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    Unsur(
        "perilaku",
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    Unsur(
        "sarana",
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
    Unsur(
        "pengaduan",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
)
UNSUR_KEYS: tuple[str, ...] = tuple(u.key for u in UNSUR)
UNSUR_BY_KEY: Mapping[str, Unsur] = MappingProxyType({u.key: u for u in UNSUR})

ANSWER_MIN = 1
ANSWER_MAX = 4
# Each unsur weighs exactly 1/9; the regulation prints 0,111 (or 0,11, which caps a perfect
# survey at 99,0), but DOMAIN.md asks for the exact weight.
WEIGHT = Fraction(1, len(UNSUR))
CONVERSION = 25

# --- respondent profile ---------------------------------------------------------------------
# Codes are stored in the database and typed on CSV imports of paper forms: short, ASCII,
# upper case, stable. Labels are what people read.

GENDERS: tuple[tuple[str, str], ...] = (("L", "Laki-laki"), ("P", "Perempuan"))
EDUCATIONS: tuple[tuple[str, str], ...] = (
    ("SD", "SD"),
    ("SMP", "SMP"),
    ("SMA", "SMA"),
    ("D1-D3", "D1-D3"),
    ("D4/S1", "D4/S1"),
    ("S2", "S2"),
    ("S3", "S3"),
    ("TIDAK_SEKOLAH", "Tidak sekolah"),
)
OCCUPATIONS: tuple[tuple[str, str], ...] = (
    ("PNS", "PNS"),
    ("TNI", "TNI"),
    ("POLRI", "POLRI"),
    ("SWASTA", "Swasta"),
    ("WIRAUSAHA", "Wirausaha"),
    ("PELAJAR", "Pelajar/Mahasiswa"),
    ("LAINNYA", "Lainnya"),
)
AGE_MIN = 15
AGE_MAX = 100

# Other spellings someone copying a paper form may type besides code and label; each maps to one
# code, so an alias never guesses between two levels.
_EDUCATION_ALIASES = {
    "D1": "D1-D3",
    "D2": "D1-D3",
    "D3": "D1-D3",
    "D1-D2-D3": "D1-D3",
    "D4": "D4/S1",
    "S1": "D4/S1",
    "D4-S1": "D4/S1",
}
_GENDER_ALIASES = {"LAKI LAKI": "L"}
_OCCUPATION_ALIASES = {"MAHASISWA": "PELAJAR"}


def _normalise(text: str) -> str:
    """Upper case; ``_`` read as a space; spaces collapsed, and dropped around ``-`` and ``/``."""
    words = " ".join(text.replace("_", " ").upper().split())
    return re.sub(r" ?([-/]) ?", r"\1", words)


def _parser(choices: tuple[tuple[str, str], ...], aliases: Mapping[str, str]) -> dict[str, str]:
    table = {_normalise(alias): code for alias, code in aliases.items()}
    for code, label in choices:
        table[_normalise(code)] = code
        table[_normalise(label)] = code
    return table


_GENDER_LOOKUP = _parser(GENDERS, _GENDER_ALIASES)
_EDUCATION_LOOKUP = _parser(EDUCATIONS, _EDUCATION_ALIASES)
_OCCUPATION_LOOKUP = _parser(OCCUPATIONS, _OCCUPATION_ALIASES)


def parse_gender(text: str) -> str | None:
    """``"L"`` or ``"P"`` from a code or label in any case ("l", "Perempuan"); None if unknown."""
    return _GENDER_LOOKUP.get(_normalise(text))


def parse_education(text: str) -> str | None:
    """An ``EDUCATIONS`` code from a code, label or alias in any case; None if unknown.

    ``"smp"`` -> ``"SMP"``, ``"tidak sekolah"`` -> ``"TIDAK_SEKOLAH"``, ``"S1"`` -> ``"D4/S1"``.
    """
    return _EDUCATION_LOOKUP.get(_normalise(text))


def parse_occupation(text: str) -> str | None:
    """An ``OCCUPATIONS`` code from a code, label or alias in any case; None if unknown.

    ``"pns"`` -> ``"PNS"``, ``"Pelajar/Mahasiswa"`` or ``"mahasiswa"`` -> ``"PELAJAR"``.
    """
    return _OCCUPATION_LOOKUP.get(_normalise(text))


def parse_age(text: str) -> int | None:
    """Age in whole years from ``text`` if it is a number from AGE_MIN to AGE_MAX, else None."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()):
        return None
    age = int(stripped)
    return age if AGE_MIN <= age <= AGE_MAX else None


# What may stand around the number of a typed age: words and a few marks ("35 tahun",
# "umur 35", "35th."). A minus, a comma or a second number makes it something else.
_AROUND_AGE = re.compile(r"[^\W\d_]|[\s.:!?']")
_DIGITS = re.compile(r"\d+")


def parse_typed_age(text: str) -> int | None:
    """An age as a resident types it in a chat: the number alone, or with words around it
    ("35 tahun", "35 th", "umur 35", "umur saya 35 tahun"). One number of ASCII digits, from
    AGE_MIN to AGE_MAX; None for anything else ("35,5", "-20", "tiga puluh", "３５")."""
    numbers = _DIGITS.findall(text)
    if len(numbers) != 1:
        return None
    rest = _DIGITS.sub("", text, count=1)
    if not all(_AROUND_AGE.fullmatch(char) for char in rest):
        return None
    return parse_age(numbers[0])


# --- grades ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    """Mutu (``"A"``..``"D"``) and kinerja unit pelayanan ("Sangat baik" .. "Tidak baik")."""

    mutu: str
    kinerja: str


GRADE_A = Grade("A", "Sangat baik")
GRADE_B = Grade("B", "Baik")
GRADE_C = Grade("C", "Kurang baik")
GRADE_D = Grade("D", "Tidak baik")
# Lower bounds of the converted index (PermenPANRB 14/2017), highest first. The 2004 bands
# (81,26 / 62,51 / 43,76) still circulate in other software and must not be used.
GRADE_BANDS: tuple[tuple[float, Grade], ...] = (
    (88.31, GRADE_A),
    (76.61, GRADE_B),
    (65.00, GRADE_C),
    (25.00, GRADE_D),
)


def grade(converted: float) -> Grade:
    """Grade a converted index (25-100) by the 2017 lower bounds 88,31 / 76,61 / 65,00.

    The index is first rounded half-up to two decimals, the way it is displayed, and the rounded
    figure is compared with the bounds: 88.305 -> 88,31 -> A, 88.3049 -> 88,30 -> B,
    64.995 -> 65,00 -> C. Raises ValueError outside 25-100 (or for NaN).
    """
    if not 25 <= converted <= 100:  # also rejects NaN
        raise ValueError(f"converted index must lie in 25..100, got {converted!r}")
    shown = round_half_up(float(converted), 2)
    return next(g for lower, g in GRADE_BANDS if shown >= lower)


# --- scoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsurScore:
    """One unsur of a period: sum of answers, NRR = total / respondents, converted = NRR x 25."""

    key: str
    total: int
    nrr: float
    converted: float
    mutu: str

    @property
    def unsur(self) -> Unsur:
        return UNSUR_BY_KEY[self.key]


@dataclass(frozen=True)
class SkmResult:
    """The SKM of a period: per-unsur scores in form order, IKM (1-4), converted index (25-100)."""

    respondents: int
    unsur: Mapping[str, UnsurScore]
    ikm: float
    ikm_converted: float
    grade: Grade

    @property
    def mutu(self) -> str:
        return self.grade.mutu

    @property
    def kinerja(self) -> str:
        return self.grade.kinerja

    @property
    def by_priority(self) -> tuple[UnsurScore, ...]:
        """Unsur from lowest NRR up (ties in form order): the priority for improvement."""
        order = {key: index for index, key in enumerate(UNSUR_KEYS)}
        return tuple(sorted(self.unsur.values(), key=lambda s: (s.nrr, order[s.key])))


def skm_index(totals: Mapping[str, int], respondents: int) -> SkmResult | None:
    """Score a period from per-unsur answer sums and the number of completed responses.

    This is the hand-over from SQL: the database sums answers per unsur key, this scores them.

    - NRR(unsur) = total / respondents
    - IKM = sum over the nine unsur of NRR x 1/9 (exact 1/9, not the printed 0,111)
    - converted index = IKM x 25; mutu and kinerja = :func:`grade` of it
    - per-unsur mutu = :func:`grade` of NRR x 25. DOMAIN.md's per-unsur NRR bands (3,5324 /
      3,0644 / 2,60) are exactly the converted bounds divided by 25, so grading NRR x 25 with the
      same half-up rounding to two decimals applies the same table without 4-decimal NRR cut-offs.

    Everything is computed with :class:`fractions.Fraction` and converted to float at the end.
    Returns None when ``respondents`` is 0 ("belum ada data", never a score of 0); the totals must
    then be empty or all 0. Raises ValueError for negative respondents, a missing or unknown key,
    or a total outside ``respondents``..``4 x respondents``.
    """
    respondents = operator.index(respondents)
    if respondents < 0:
        raise ValueError(f"respondents must not be negative, got {respondents}")
    if respondents == 0:
        if any(totals.values()):
            raise ValueError("answer totals given for zero respondents")
        return None
    checked = _checked_totals(totals, respondents)
    scores = {key: _unsur_score(key, total, respondents) for key, total in checked.items()}
    ikm = sum((Fraction(total, respondents) * WEIGHT for total in checked.values()), Fraction(0))
    converted = float(ikm * CONVERSION)
    return SkmResult(
        respondents=respondents,
        unsur=MappingProxyType(scores),
        ikm=float(ikm),
        ikm_converted=converted,
        grade=grade(converted),
    )


def score_responses(responses: Iterable[Mapping[str, int]]) -> SkmResult | None:
    """Score completed responses given as ``{unsur key: answer 1..4}``; None if there are none.

    Each response must hold all nine keys and nothing else, each answer an int from 1 to 4
    (ValueError otherwise). Answers are summed by key, then scored by :func:`skm_index`.
    """
    totals = dict.fromkeys(UNSUR_KEYS, 0)
    respondents = 0
    for number, response in enumerate(responses, start=1):
        _check_keys(response, f"response {number}")
        for key in UNSUR_KEYS:
            totals[key] += _check_answer(key, response[key])
        respondents += 1
    return skm_index(totals, respondents)


def _check_keys(mapping: Mapping[str, object], what: str) -> None:
    missing = [key for key in UNSUR_KEYS if key not in mapping]
    unknown = sorted(set(mapping) - set(UNSUR_KEYS))
    if missing or unknown:
        raise ValueError(f"{what}: missing unsur {missing}, unknown keys {unknown}")


def _check_answer(key: str, answer: object) -> int:
    # bool is an int subclass; True must not pass for a score of 1.
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ValueError(f"answer for {key!r} must be an int 1..4, got {answer!r}")
    if not ANSWER_MIN <= answer <= ANSWER_MAX:
        raise ValueError(f"answer for {key!r} must be 1..4, got {answer}")
    return answer


def _checked_totals(totals: Mapping[str, int], respondents: int) -> dict[str, int]:
    """The totals in form order, each an int in respondents..4 x respondents."""
    _check_keys(totals, "totals")
    checked = {key: operator.index(totals[key]) for key in UNSUR_KEYS}
    for key, total in checked.items():
        if not ANSWER_MIN * respondents <= total <= ANSWER_MAX * respondents:
            raise ValueError(
                f"total for {key!r} must lie in {respondents}..{4 * respondents}, got {total}"
            )
    return checked


def _unsur_score(key: str, total: int, respondents: int) -> UnsurScore:
    nrr = Fraction(total, respondents)
    converted = float(nrr * CONVERSION)
    return UnsurScore(key, total, float(nrr), converted, grade(converted).mutu)


# --- sample size ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleCheck:
    """Whether a period's respondents reach the Krejcie-Morgan sample of its population.

    All three are None-able: with no population entered by officials nothing can be judged.
    """

    population: int | None
    required: int | None
    reached: bool | None


def sample_size(population: int) -> int:
    """Krejcie-Morgan sample size S for a population of N service users.

    S = 3.841 N P(1-P) / (0.0025 (N-1) + 3.841 P(1-P)) with P = 0.5, rounded half-up to an
    integer. With P(1-P) = 1/4 this is exactly S = 3841 N / (10 N + 3831), computed in integers
    so no float error can move a half. N = 100 -> 80, 1000 -> 278, 10000 -> 370, N -> inf: 384.
    Raises ValueError for N <= 0.
    """
    population = operator.index(population)
    if population <= 0:
        raise ValueError(f"population must be positive, got {population}")
    numerator = 3841 * population
    denominator = 10 * population + 3831
    return (2 * numerator + denominator) // (2 * denominator)


def sample_check(respondents: int, population: int | None) -> SampleCheck:
    """Compare ``respondents`` with :func:`sample_size` of ``population`` (None: not entered).

    Only counts are compared: responses are never selected to reach a sample.
    """
    if operator.index(respondents) < 0:
        raise ValueError(f"respondents must not be negative, got {respondents}")
    if population is None:
        return SampleCheck(None, None, None)
    required = sample_size(population)
    return SampleCheck(population, required, respondents >= required)


# --- time slots -----------------------------------------------------------------------------

SLOT_MORNING = "08.00-12.00"
SLOT_AFTERNOON = "13.00-17.00"
SLOT_OUTSIDE = "luar"
TIME_SLOTS: tuple[tuple[str, str], ...] = (
    (SLOT_MORNING, "08.00-12.00"),
    (SLOT_AFTERNOON, "13.00-17.00"),
    (SLOT_OUTSIDE, "di luar jam layanan"),
)
_SLOT_BOUNDS = (
    (datetime.time(8, 0), datetime.time(12, 0), SLOT_MORNING),
    (datetime.time(13, 0), datetime.time(17, 0), SLOT_AFTERNOON),
)


def time_slot(t: datetime.time) -> str:
    """The form's time slot of a survey taken at local time ``t`` (kecamatan time zone).

    Slots are read at minute resolution, both ends inclusive: 08:00-12:00 and 13:00-17:00, so
    12:00:59 is still "08.00-12.00", because a report shows it as 12.00, which reads as inside
    the slot printed on the form. 12:01 up to 12:59 and anything outside those hours is
    ``SLOT_OUTSIDE`` ("di luar jam layanan"). ``t``'s tzinfo is ignored: convert first.
    """
    minute = datetime.time(t.hour, t.minute)
    for start, end, code in _SLOT_BOUNDS:
        if start <= minute <= end:
            return code
    return SLOT_OUTSIDE
