"""Completed SKM questionnaires, and the checking of paper forms typed into CSV or XLSX files.

A paper-form file has one header row naming its columns (any order, any case) and one row per
questionnaire. Columns (DESIGN.md section 4 names the nine unsur keys):

=================  =========  ==============================================================
column             required   values
=================  =========  ==============================================================
``tanggal``        yes        the survey date, ``YYYY-MM-DD`` (or a date cell); not in the future
``jam``            no         the time, ``HH:MM`` (``08.30`` too, or a time cell)
``layanan``        yes        a service code of ``[survey] services``
``jenis_kelamin``  yes        ``L``/``P`` (or ``Laki-laki``/``Perempuan``)
``usia``           yes        whole years, 15 to 100
``pendidikan``     yes        a code or label of :data:`iku.skm.EDUCATIONS`
``pekerjaan``      yes        a code or label of :data:`iku.skm.OCCUPATIONS`
the nine unsur     yes        ``1`` to ``4`` (a = 1 ... d = 4 on the form)
``saran``          no         free text, at most :data:`SARAN_MAX` characters
=================  =========  ==============================================================

:func:`check_rows` checks every row before anything is stored and reports each problem by the
row number a spreadsheet shows (the header is row 1) and the column name. Rows whose cells are
all empty are skipped, because spreadsheets often carry blank rows at the end.

Each checked form carries an ``import_key``: a SHA-256 of its normalised content and of how
many identical rows came before it in the file. Importing the same file again, or a copy with
rows added, sorted or corrected, therefore adds only what is new, while two residents who gave
identical answers on the same day (two equal rows) still count twice.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from iku.ratio import Ratio
from iku.skm import (
    ANSWER_MAX,
    ANSWER_MIN,
    EDUCATIONS,
    GENDERS,
    OCCUPATIONS,
    UNSUR_KEYS,
    parse_age,
    parse_education,
    parse_gender,
    parse_occupation,
)
from iku.text import clean_text

SARAN_MAX = 1000
# Problems listed one by one; beyond them only counted (a file typed into the wrong columns has
# a problem in every cell of every row, which no one reads and which would fill the memory).
PROBLEMS_LISTED = 1000

REQUIRED_COLUMNS: tuple[str, ...] = (
    "tanggal",
    "layanan",
    "jenis_kelamin",
    "usia",
    "pendidikan",
    "pekerjaan",
    *UNSUR_KEYS,
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("jam", "saran")
COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS[:1], "jam", *REQUIRED_COLUMNS[1:], "saran")

# Age groups of the respondent profile (both ends inclusive), from iku.skm.AGE_MIN to AGE_MAX.
AGE_GROUPS: tuple[tuple[int, int], ...] = (
    (15, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, 100),
)

# The respondent profile's questions as reports show them: (name, stored column, its answers
# as (code, label)); an age group's code is its label ("25-34").
PROFILE_QUESTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("gender", "gender", GENDERS),
    ("age", "age_group", tuple((f"{low}-{high}", f"{low}-{high}") for low, high in AGE_GROUPS)),
    ("education", "education", EDUCATIONS),
    ("occupation", "occupation", OCCUPATIONS),
)


@dataclass(frozen=True, slots=True)
class SurveyAnswers:
    """One completed questionnaire: the service, the respondent profile (codes of iku.skm),
    the nine answers by unsur key (1-4) and the optional suggestion (saran)."""

    service: str
    gender: str
    age: int
    education: str
    occupation: str
    answers: Mapping[str, int]
    saran: str | None = None


class UnsurAnswers(Mapping[str, int]):
    """The nine answers of one form by unsur key, read-only, held as one tuple: an import keeps
    every checked form until it is stored, and a dict per form made 100,000 forms weigh 50 MB
    more."""

    __slots__ = ("_values",)

    def __init__(self, values: Iterable[int]) -> None:
        self._values = tuple(values)
        if len(self._values) != len(UNSUR_KEYS):
            raise ValueError(f"{len(UNSUR_KEYS)} answers expected, not {len(self._values)}")

    def __getitem__(self, key: str) -> int:
        try:
            return self._values[_UNSUR_INDEX[key]]
        except KeyError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(UNSUR_KEYS)

    def __len__(self) -> int:
        return len(UNSUR_KEYS)

    def __repr__(self) -> str:
        return f"UnsurAnswers({dict(self)!r})"


_UNSUR_INDEX = {key: index for index, key in enumerate(UNSUR_KEYS)}


@dataclass(frozen=True, slots=True)
class PaperForm:
    """A checked paper form: its answers, local date and time (None when not written down),
    and its import key."""

    answers: SurveyAnswers
    local_date: datetime.date
    local_time: datetime.time | None
    import_key: str


@dataclass(frozen=True)
class FileProblem:
    """The file as a whole cannot be read: ``code`` names the problem (a catalog key suffix),
    ``columns`` the columns concerned."""

    code: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad cell: spreadsheet ``row`` number, ``column`` name, problem ``code``, the value."""

    row: int
    column: str
    code: str
    value: str


@dataclass(frozen=True)
class FormCheck:
    """The outcome of :func:`check_rows`: good forms (and how many), and what is wrong with the
    rest (the first :data:`PROBLEMS_LISTED` problems, how many there are, in how many rows)."""

    # Left out of repr(): asyncio formats the result of the task that returns a check (into an
    # exception message it then drops), and 100,000 forms made that an 87 MB string.
    forms: tuple[PaperForm, ...] = field(repr=False)
    row_problems: tuple[RowProblem, ...] = ()
    file_problem: FileProblem | None = None
    problem_count: int = 0
    bad_rows: int = 0
    form_count: int = 0

    @property
    def valid(self) -> bool:
        return self.file_problem is None and not self.row_problems


def check_rows(
    rows: Iterable[Sequence[object]],
    services: Iterable[str],
    today: datetime.date,
    *,
    keep: Callable[[PaperForm], object] | None = None,
) -> FormCheck:
    """Check a paper-form table: the first row is the header, the others are forms.

    ``services`` are the configured service codes; ``today`` is the kecamatan's date, so a
    form dated after it is refused. Cells may be text or the typed values a spreadsheet gives
    (numbers, dates, times). Never raises for bad content: every problem is reported.

    The good forms come in the check's ``forms``, or, with ``keep``, are handed to it one by
    one as the rows are read (an import spools them to disk: 100,000 forms with their
    suggestions would not fit the memory an import may use).
    """
    table = iter(rows)
    header = next(table, None)
    if header is None or all(_blank(cell) for cell in header):
        return FormCheck((), file_problem=FileProblem("empty"))
    columns = [_text(cell).lower() for cell in header]
    if problem := _header_problem(columns):
        return FormCheck((), file_problem=problem)
    known = frozenset(services)
    forms: list[PaperForm] = []
    put = keep or forms.append
    problems: list[RowProblem] = []
    problem_count = bad_rows = form_count = 0
    seen: Counter[bytes] = Counter()
    for number, row in enumerate(table, start=2):
        cells = {name: row[i] if i < len(row) else None for i, name in enumerate(columns) if name}
        if all(_blank(value) for value in cells.values()):
            continue
        form, row_problems = _check_row(number, cells, known, today, seen)
        if row_problems:
            problems.extend(row_problems[: PROBLEMS_LISTED - len(problems)])
            problem_count += len(row_problems)
            bad_rows += 1
        if form is not None:
            put(form)
            form_count += 1
    if not form_count and not problem_count:
        return FormCheck((), file_problem=FileProblem("no_rows"))
    return FormCheck(tuple(forms), tuple(problems), None, problem_count, bad_rows, form_count)


def _header_problem(columns: list[str]) -> FileProblem | None:
    named = [name for name in columns if name]
    duplicated = sorted(name for name, count in Counter(named).items() if count > 1)
    if duplicated:
        return FileProblem("duplicate_columns", tuple(duplicated))
    unknown = tuple(name for name in named if name not in COLUMNS)
    if unknown:
        return FileProblem("unknown_columns", unknown)
    missing = tuple(name for name in REQUIRED_COLUMNS if name not in named)
    if missing:
        return FileProblem("missing_columns", missing)
    return None


def _check_row(
    number: int,
    cells: Mapping[str, object],
    services: frozenset[str],
    today: datetime.date,
    seen: Counter[bytes],
) -> tuple[PaperForm | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def check(column: str, parse: _Parser, required: bool = True) -> object:
        value = cells.get(column)
        if _blank(value):
            if required:
                problems.append(RowProblem(number, column, "required", ""))
            return None
        parsed, code = parse(value)
        if code:
            problems.append(RowProblem(number, column, code, _text(value)))
        return parsed

    day = check("tanggal", lambda v: _parse_date(v, today))
    at = check("jam", _parse_time, required=False)
    service = check("layanan", lambda v: _parse_service(v, services))
    gender = check("jenis_kelamin", _using(parse_gender, "gender"))
    age = check("usia", _parse_age)
    education = check("pendidikan", _using(parse_education, "education"))
    occupation = check("pekerjaan", _using(parse_occupation, "occupation"))
    answers = {key: check(key, _parse_answer) for key in UNSUR_KEYS}
    saran = check("saran", _parse_saran, required=False)
    if problems:
        return None, problems
    assert isinstance(day, datetime.date)
    answers_given = SurveyAnswers(
        service=str(service),
        gender=str(gender),
        age=int(str(age)),
        education=str(education),
        occupation=str(occupation),
        answers=UnsurAnswers(int(str(answers[key])) for key in UNSUR_KEYS),
        saran=str(saran) if saran else None,
    )
    local_time = at if isinstance(at, datetime.time) else None
    content = content_key(answers_given, day, local_time)
    same = hashlib.sha256(content.encode()).digest()  # counted by digest: a third of the text
    seen[same] += 1
    key = hashlib.sha256(f"{content}#{seen[same]}".encode()).hexdigest()
    return PaperForm(answers_given, day, local_time, key), []


def content_key(answers: SurveyAnswers, day: datetime.date, at: datetime.time | None) -> str:
    """The normalised content of a form as one line (what its import key is made of)."""
    parts = [
        day.isoformat(),
        at.strftime("%H:%M") if at else "",
        answers.service,
        answers.gender,
        str(answers.age),
        answers.education,
        answers.occupation,
        *(str(answers.answers[key]) for key in UNSUR_KEYS),
        " ".join((answers.saran or "").split()),
    ]
    return "|".join(parts)


# --- cell parsers: (value, None) or (None, problem code) ------------------------------------

_Parser = Callable[[object], tuple[object, str | None]]
# ASCII digits only ([0-9], not \d): "\d" also matches "２０２５" and "٢٠٢٥", which int() reads.
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})(?::[0-9]{2})?")


def _parse_date(value: object, today: datetime.date) -> tuple[object, str | None]:
    day = _read_date(value)
    if day is None:
        return None, "date"
    return (None, "future_date") if day > today else (day, None)


def _read_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = _DATE.fullmatch(_text(value))
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _parse_time(value: object) -> tuple[object, str | None]:
    if isinstance(value, datetime.datetime):
        return value.time().replace(second=0, microsecond=0), None
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None), None
    match = _TIME.fullmatch(_text(value))
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return datetime.time(int(match[1]), int(match[2])), None
    return None, "time"


def _parse_service(value: object, services: frozenset[str]) -> tuple[object, str | None]:
    code = _text(value).upper()
    return (code, None) if code in services else (None, "service")


def _using(parse: Callable[[str], str | None], code: str) -> _Parser:
    def parser(value: object) -> tuple[object, str | None]:
        parsed = parse(_text(value))
        return (parsed, None) if parsed else (None, code)

    return parser


def _parse_age(value: object) -> tuple[object, str | None]:
    age = parse_age(_text(value))
    return (age, None) if age is not None else (None, "age")


def _parse_answer(value: object) -> tuple[object, str | None]:
    text = _text(value)
    if text.isascii() and text.isdigit() and ANSWER_MIN <= int(text) <= ANSWER_MAX:
        return int(text), None
    return None, "answer"


def _parse_saran(value: object) -> tuple[object, str | None]:
    """Free text: control characters (colour codes, NUL) go, line breaks stay."""
    text = clean_text(_text(value))
    return (text, None) if len(text) <= SARAN_MAX else (None, "saran_too_long")


def _text(value: object) -> str:
    """A cell as trimmed text; whole-number floats (Excel's 3.0) lose their ``.0``."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- respondent profile ---------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One line of the respondent profile: a code, how many respondents, their percentage."""

    code: str
    count: int
    percent: float | None


def shares(counts: Mapping[str, int], order: Sequence[str], respondents: int) -> tuple[Share, ...]:
    """Counts per code as shares of ``respondents``, in ``order``, then any code not in it.

    Percent = count / respondents x 100 at full precision (None without respondents); the
    shares of one profile question add up to 100 because every response answers it.
    """
    codes = [*order, *sorted(code for code in counts if code not in order)]
    return tuple(
        Share(code, counts.get(code, 0), Ratio(counts.get(code, 0), respondents).percent)
        for code in codes
    )


def age_group(age: int) -> str:
    """The profile label of an age: ``"25-34"``; ValueError outside every group."""
    for low, high in AGE_GROUPS:
        if low <= age <= high:
            return f"{low}-{high}"
    raise ValueError(f"age {age} is outside {AGE_GROUPS[0][0]}-{AGE_GROUPS[-1][1]}")


# --- service users (population of the sample rule) ------------------------------------------

POPULATION_MAX = 10_000_000
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# 250, or with dots grouping thousands the Indonesian way: 1.200, 1.234.567.
_COUNT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+")


def parse_month(text: str) -> datetime.date | None:
    """The first day of the month written ``YYYY-MM`` (``2025-01``), or None."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return datetime.date(int(match[1]), int(match[2]), 1)


def parse_service_users(text: str) -> int | None:
    """A monthly count of service users from 1 to :data:`POPULATION_MAX`, or None."""
    stripped = text.strip()
    if not _COUNT.fullmatch(stripped):
        return None
    count = int(stripped.replace(".", ""))
    return count if 1 <= count <= POPULATION_MAX else None
