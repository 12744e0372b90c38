"""Paper forms in, service-user counts in: the officials' survey commands behind the CLI.

``ajung-bot survey import FILE`` reads a CSV or XLSX file of paper forms (columns in
:mod:`iku.survey_forms`), checks every row with :func:`iku.survey_forms.check_rows`, and stores
them only when all are right (or, with ``--skip-invalid``, stores the right ones). A file larger
than ``[survey] max_import_bytes`` is refused before it is parsed. openpyxl is imported only when
an XLSX file is read.
"""

from __future__ import annotations

import asyncio
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.importing import store_in_batches
from bot.tabular import TableError, open_cells
from db import migrate, surveys
from db.engine import Database
from i18n import Texts
from iku.format import format_number
from iku.periods import local_today
from iku.skm import EDUCATIONS, OCCUPATIONS, sample_size
from iku.survey_forms import (
    COLUMNS,
    SARAN_MAX,
    FormCheck,
    PaperForm,
    RowProblem,
    check_rows,
    parse_month,
    parse_service_users,
)

# The codes a problem message lists for a wrong profile answer.
CHOICES = {"education": EDUCATIONS, "occupation": OCCUPATIONS}


class Refused(Exception):
    """A command's input refused as a whole: a catalog key and its values, for one line."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, t: Texts) -> str:
        return t(self.key, **self.values)


# --- reading files --------------------------------------------------------------------------


def check_file(
    path: Path, config: Config, today: date, keep: Callable[[PaperForm], object]
) -> FormCheck:
    """Every row of the file's first sheet (CSV: the whole file) checked as it is read, the good
    forms handed to ``keep``; :class:`Refused` when the file itself cannot be used."""
    codes = [service.code for service in config.survey.services]
    try:
        with open_cells(path, max_bytes=config.survey.max_import_bytes) as rows:
            check = check_rows(rows, codes, today, keep=keep)
    except TableError as error:
        raise Refused(f"table.{error.key}", **error.values) from None
    if check.file_problem is not None:
        raise Refused(
            f"import.file.{check.file_problem.code}",
            file=path.name,
            columns=", ".join(check.file_problem.columns),
            expected=", ".join(COLUMNS),
        )
    return check


# --- importing ------------------------------------------------------------------------------

BATCH_FORMS = 500  # about 30 ms of writing on SQLite


class FormSpool:
    """Checked forms kept in an unnamed temporary file until they are stored, in batches of
    :data:`BATCH_FORMS`: an import's memory stays the same for 100 or 100,000 forms, whatever
    their suggestions hold. The file is the process's own (created 0600 and already unlinked)
    and holds no identity."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by __exit__)
        self._batch: list[PaperForm] = []

    def __enter__(self) -> FormSpool:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def add(self, form: PaperForm) -> None:
        self._batch.append(form)
        if len(self._batch) >= BATCH_FORMS:
            self._write()

    def batches(self) -> Iterator[list[PaperForm]]:
        """The forms in the order they were added, a batch at a time."""
        self._write()
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return

    def _write(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the check of every row, and how many forms were new."""

    file: str
    check: FormCheck
    added: int
    stored: bool

    @property
    def duplicates(self) -> int:
        return self.check.form_count - self.added if self.stored else 0


async def import_paper_forms(
    config: Config,
    path: Path,
    *,
    skip_invalid: bool,
    now: datetime,
    database: Database | None = None,
) -> ImportOutcome:
    """Check the file and store its forms: all of them, or none when a row is wrong (unless
    ``skip_invalid``). Forms imported before (same import key) are not stored twice. The forms
    are stored in batches, each its own transaction, so the bot keeps writing meanwhile (see
    :mod:`bot.importing`).

    The file is read and checked in a worker thread (a 5 MB sheet takes seconds), so a caller
    on a busy event loop (the dashboard's upload) keeps serving meanwhile. ``database``: the
    open database of a running process (default: the configured one, migrated, opened for the
    import and closed after)."""
    tz = config.kecamatan.tz
    with FormSpool() as spool:
        check = await asyncio.to_thread(check_file, path, config, local_today(tz, now), spool.add)
        if not check.valid and not skip_invalid:
            return ImportOutcome(path.name, check, added=0, stored=False)
        own = database is None
        target = Database(config.database.url) if database is None else database
        try:
            if own:
                await migrate.upgrade(target)
            added = await store_in_batches(
                target,
                spool.batches(),
                lambda session, forms: surveys.record_paper_forms(session, forms, tz, now),
            )
        finally:
            if own:
                await target.dispose()
    return ImportOutcome(path.name, check, sum(added), stored=True)


def problem_lines(outcome: ImportOutcome, config: Config, t: Texts) -> list[str]:
    """One line per bad cell: ``baris 3, kolom usia: "4" bukan usia 15 sampai 100``; past the
    listed ones, one line with how many more."""
    check = outcome.check
    lines = [problem_line(problem, config, t) for problem in check.row_problems]
    unlisted = check.problem_count - len(check.row_problems)
    if unlisted:
        lines.append(t("import.more_problems", count=format_number(unlisted)))
    return lines


def problem_line(problem: RowProblem, config: Config, t: Texts) -> str:
    detail = t(
        f"import.problem.{problem.code}",
        value=problem.value,
        codes=", ".join(service.code for service in config.survey.services),
        choices=", ".join(code for code, _ in CHOICES.get(problem.code, ())),
        limit=format_number(SARAN_MAX),
    )
    return t("import.row_problem", row=problem.row, column=problem.column, problem=detail)


def summary_line(outcome: ImportOutcome, t: Texts) -> str:
    if not outcome.stored:
        return t(
            "import.nothing_imported",
            errors=format_number(outcome.check.problem_count),
            rows=format_number(outcome.check.bad_rows),
        )
    return t(
        "import.done",
        file=outcome.file,
        added=format_number(outcome.added),
        duplicates=format_number(outcome.duplicates),
        skipped=format_number(outcome.check.bad_rows),
    )


# --- service users --------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationEntry:
    month: date
    service: str
    service_users: int


def check_population(
    config: Config, month: str, service: str, count: str, now: datetime
) -> PopulationEntry:
    """The three values of ``survey population`` read and checked; :class:`Refused` if not."""
    codes = ", ".join(s.code for s in config.survey.services)
    first_day = parse_month(month)
    if first_day is None:
        raise Refused("population.bad_month", value=month)
    if first_day > local_today(config.kecamatan.tz, now):
        raise Refused("population.future_month", value=month)
    found = config.survey.service(service)
    if found is None:
        raise Refused("population.bad_service", value=service, codes=codes)
    users = parse_service_users(count)
    if users is None:
        raise Refused("population.bad_count", value=count)
    return PopulationEntry(first_day, found.code, users)


async def record_population(
    config: Config, entry: PopulationEntry, *, recorded_by: str, now: datetime
) -> None:
    database = Database(config.database.url)
    try:
        await migrate.upgrade(database)
        async with database.transaction() as session:
            await surveys.record_population(
                session,
                month=entry.month,
                service=entry.service,
                service_users=entry.service_users,
                recorded_by=recorded_by,
                now=now,
            )
    finally:
        await database.dispose()


def population_line(config: Config, entry: PopulationEntry, t: Texts) -> str:
    service = config.survey.service(entry.service)
    return t(
        "population.recorded",
        count=format_number(entry.service_users),
        service=service.name if service else entry.service,
        month=f"{t(f'months.m{entry.month.month}')} {entry.month.year}",
        required=format_number(sample_size(entry.service_users)),
    )
