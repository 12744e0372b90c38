"""Spreadsheets in and out: reading the files officials import (CSV or XLSX) and reporting
their mistakes, and writing the cells of every export.

Every row is checked before anything is written, so a file with a wrong row writes nothing, and
each problem is reported as ``baris N, kolom X: ...`` so the person fixing the file finds it at
once. Row numbers are the spreadsheet's own (the header is row 1).

Every cell an export writes goes through :func:`append_row` (XLSX) or :func:`csv_field` (CSV):
what residents typed or officials imported is text there, never a formula, and holds no control
characters.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar
from xml.parsers import expat

from iku.format import format_number
from iku.text import clean_text, truncate

T = TypeVar("T")
Texts = Callable[..., str]
DEFAULT_MAX_BYTES = 5_000_000
CSV_DELIMITERS = (",", ";", "\t")
# How far a sheet may reach. 100,000 forms is years of a kecamatan's surveys (a few thousand a
# year) and about a minute of importing; 50 columns is thrice any import's columns.
MAX_ROWS = 100_000  # data rows below the header
MAX_COLUMNS = 50
# An XLSX file unpacked: its worksheets are streamed, the other parts (shared strings, styles)
# are held in memory whole by openpyxl.
MAX_UNPACKED_BYTES = 300_000_000
MAX_HELD_BYTES = 50_000_000
SHEETS = "xl/worksheets/"
# Numbers, dates and whole numbers as a spreadsheet cell or a person writes them, in ASCII digits
# only: int() and float() also take "١٢", "２０２５", "1_000", "1e309" (infinity) and "nan", and
# date.fromisoformat() takes "20250110" and "2025W021".
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")  # 12,5 is how Indonesian writes 12.5
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class TableError(Exception):
    """The file cannot be read as a table at all: a catalog key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def describe(self, t: Texts) -> str:
        return t(f"table.{self.key}", **self.values)


@dataclass(frozen=True)
class CellError:
    """One bad cell: where, and what is wrong (a catalog key under ``import.`` and values)."""

    row: int
    column: str
    key: str
    values: dict[str, object]

    def describe(self, t: Texts) -> str:
        problem = t(f"table.{self.key}", **self.values)
        return t("table.cell", row=self.row, column=self.column, problem=problem)


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its cells by lower-case column name."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


@contextmanager
def open_cells(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> Iterator[Iterator[list[object]]]:
    """The cells of a CSV file, or of an XLSX file's first sheet, header row first, read row by
    row (a file of 100,000 forms never sits in memory as cells).

    Text cells come cleaned of control characters. Raises :class:`TableError` for a missing,
    too large, unreadable or other kind of file, and for a sheet reaching beyond ``max_rows``
    data rows below the header or ``max_columns`` columns: the file size, an XLSX file's
    unpacked size and its sheet's real extent are checked before its cells are read (a 5 KB
    workbook whose one cell is XFD1048576 once made openpyxl build a sheet of 17 billion cells);
    a CSV file's extent is checked as its rows are read. openpyxl is imported only for XLSX.
    """
    name = path.name
    if not path.is_file():
        raise TableError("not_found", file=name)
    size = path.stat().st_size
    if size > max_bytes:
        raise TableError(
            "too_big", file=name, size=format_number(size), limit=format_number(max_bytes)
        )
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise TableError("wrong_type", file=name)
    extent = _Extent(name, max_rows, max_columns)
    with ExitStack() as stack:
        with _unreadable_as_table_error(name):
            if suffix == ".csv":
                rows = _csv_rows(path.read_bytes(), extent)
            else:
                rows = stack.enter_context(_xlsx_rows(path, extent))
        yield _guarded(rows, name)


def read_cells(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = MAX_ROWS
) -> list[list[object]]:
    """:func:`open_cells` as a list, for files known to be small (a year's plan)."""
    with open_cells(path, max_bytes=max_bytes, max_rows=max_rows) as rows:
        return list(rows)


def read_table(
    path: Path,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> list[Row]:
    """The data rows of a CSV or XLSX file whose header has every ``required`` column.

    Cells come as the text a person would type (see :func:`cell_text`); blank rows are skipped.
    Raises :class:`TableError` as :func:`open_cells` does, and for an empty file or a header
    with missing or unknown columns.
    """
    cells = read_cells(path, max_bytes=max_bytes, max_rows=max_rows)
    if not cells:
        raise TableError("empty", file=path.name)
    header = [_column(_cell_text(value)) for value in cells[0]]
    _check_header(path, header, required, optional)
    rows = [[_cell_text(value) for value in record] for record in cells[1:]]
    return [
        Row(number, dict(zip(header, values, strict=False)))
        for number, values in enumerate(rows, start=2)
        if any(value.strip() for value in values)
    ]


def _check_header(
    path: Path, header: list[str], required: Sequence[str], optional: Sequence[str]
) -> None:
    missing = [column for column in required if column not in header]
    unknown = [column for column in header if column and column not in (*required, *optional)]
    if missing or unknown:
        raise TableError(
            "columns",
            file=path.name,
            missing=", ".join(missing) or "-",
            unknown=", ".join(unknown) or "-",
            expected=", ".join([*required, *optional]),
        )


# What a damaged file raises while it is parsed: told as "cannot be read", never a traceback.
# (SyntaxError: ElementTree's ParseError, from openpyxl; zlib.error: a corrupt deflate stream.)
_UNREADABLE = (
    OSError, ValueError, KeyError, EOFError, SyntaxError, csv.Error, zipfile.BadZipFile,
    zlib.error,
)  # fmt: skip


@contextmanager
def _unreadable_as_table_error(name: str) -> Iterator[None]:
    try:
        yield
    except _UNREADABLE as error:
        raise TableError("unreadable", file=name, reason=_reason(error)) from None


def _guarded(rows: Iterator[list[object]], name: str) -> Iterator[list[object]]:
    """``rows``, with a damaged file's error while they are read told as :class:`TableError`."""
    with _unreadable_as_table_error(name):
        yield from rows


def _reason(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


@dataclass(frozen=True)
class _Extent:
    """How far a sheet may reach: refuses a cell beyond it with a one-line :class:`TableError`."""

    file: str
    max_rows: int  # data rows below the header
    max_columns: int

    def check(self, row: int, column: int) -> None:
        if row > self.max_rows + 1:
            raise TableError(
                "too_many_rows",
                file=self.file,
                row=format_number(row),
                limit=format_number(self.max_rows),
            )
        if column > self.max_columns:
            raise TableError(
                "too_many_columns",
                file=self.file,
                column=column_letter(column),
                limit=self.max_columns,
            )


def column_letter(number: int) -> str:
    """A spreadsheet's name of column ``number``: 1 is A, 27 is AA, 16384 is XFD."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _csv_rows(raw: bytes, extent: _Extent) -> Iterator[list[object]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page.
        text = raw.decode("cp1252", errors="replace")
    # NUL is no text, and the csv module refuses the whole file for one.
    text = text.replace("\0", "")
    first_line = text.split("\n", 1)[0]
    # Indonesian Excel writes ';' because ',' is its decimal separator.
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, record in enumerate(records, start=1):
        cells: list[object] = [cell_safe_text(value) for value in record]
        while cells and not cells[-1]:
            cells.pop()  # trailing separators are no columns
        if cells:
            extent.check(number, len(cells))
        yield cells


@contextmanager
def _xlsx_rows(path: Path, extent: _Extent) -> Iterator[Iterator[list[object]]]:
    """The first sheet's rows, once its real extent is known to be within ``extent``.

    openpyxl in read-only mode streams the sheet, but sizes it by the ``<dimension>`` the file
    declares: a false one either truncates the data silently or pads every row to 16,384
    columns. So the sheet's XML is first scanned (no tree kept), every cell's position checked,
    and then read without the declared dimension.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_unpacked(path, extent.file)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as error:
        raise ValueError(_reason(error)) from None
    try:
        if not workbook.worksheets:
            raise ValueError("no worksheet")
        sheet = workbook.worksheets[0]
        with zipfile.ZipFile(path) as archive, archive.open(sheet._worksheet_path) as xml:
            _scan_sheet(xml, extent)
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        yield (
            [cell_safe_text(value) if isinstance(value, str) else value for value in row]
            for row in itertools.islice(rows, extent.max_rows + 1)
        )
    finally:
        workbook.close()


def _check_unpacked(path: Path, name: str) -> None:
    """Refuse a workbook that unpacks to more than the limits (a "zip bomb"): the sheets are
    streamed, but openpyxl holds the shared strings and styles whole. zipfile never unpacks a
    part beyond the size its directory declares, so the declared sizes are the bound."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    held = sum(part.file_size for part in parts if not part.filename.startswith(SHEETS))
    for size, limit in ((total, MAX_UNPACKED_BYTES), (held, MAX_HELD_BYTES)):
        if size > limit:
            raise TableError(
                "too_big_unpacked",
                file=name,
                size=format_number(size),
                limit=format_number(limit),
            )


def _scan_sheet(xml: IO[bytes], extent: _Extent) -> None:
    """Check the position of every cell of a worksheet's XML, and the dimension it declares,
    with expat: one pass, nothing kept, stopped at the first cell beyond ``extent``."""
    parser = expat.ParserCreate(namespace_separator=" ")
    row = column = 0

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal row, column
        element = tag.rpartition(" ")[2]
        if element == "c":
            reference = attributes.get("r")
            if reference:
                column, cell_row = _position(reference)
            else:
                column, cell_row = column + 1, row
            extent.check(cell_row, column)
        elif element == "row":
            number = attributes.get("r")
            row, column = (int(number) if number else row + 1), 0
        elif element == "dimension":
            last = attributes.get("ref", "").rpartition(":")[2]
            if last:
                declared_column, declared_row = _position(last)
                extent.check(declared_row, declared_column)

    parser.StartElementHandler = start
    try:
        parser.ParseFile(xml)
    except expat.ExpatError as error:
        raise ValueError(f"worksheet: {error}") from None


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _position(reference: str) -> tuple[int, int]:
    """(column, row) of a cell reference like ``XFD1048576``; ValueError for anything else."""
    match = _CELL.fullmatch(reference)
    if match is None:
        raise ValueError(f"worksheet: cell reference {reference[:20]!r}")
    column = 0
    for letter in match[1].upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return column, int(match[2])


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _cell_text(value: object) -> str:
    """A cell as the text a person would type: dates as YYYY-MM-DD, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(" ", "minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and math.isfinite(value):
        # Whole numbers without ".0"; others in plain notation (1e-05 is 0.00001).
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def parse_rows(
    rows: list[Row], parse: Callable[[Row, list[CellError]], T | None]
) -> tuple[list[T], list[CellError]]:
    """Apply ``parse`` to every row, collecting all errors (not stopping at the first)."""
    parsed: list[T] = []
    errors: list[CellError] = []
    for row in rows:
        before = len(errors)
        item = parse(row, errors)
        if item is not None and len(errors) == before:
            parsed.append(item)
    return parsed, errors


# --- cell parsers: each returns the value, or records a CellError and returns None ----------


def cell_int(row: Row, column: str, errors: list[CellError], *, low: int, high: int) -> int | None:
    text = row.get(column)
    try:
        value = int(text) if _WHOLE.fullmatch(text) else None
    except ValueError:  # more digits than int() reads
        value = None
    if value is None:
        errors.append(CellError(row.number, column, "not_whole_number", {"value": text}))
        return None
    if not low <= value <= high:
        errors.append(
            CellError(
                row.number, column, "out_of_range", {"value": value, "low": low, "high": high}
            )
        )
        return None
    return value


def cell_float(
    row: Row, column: str, errors: list[CellError], *, limit: float, optional: bool = False
) -> float | None:
    """A plain decimal number (``12``, ``12.5`` or ``12,5``) from -``limit`` to ``limit``."""
    text = row.get(column)
    if not text and optional:
        return None
    if not _DECIMAL.fullmatch(text):
        errors.append(CellError(row.number, column, "not_number", {"value": text}))
        return None
    value = float(text.replace(",", "."))
    if abs(value) > limit:
        shown = format_number(limit)
        errors.append(CellError(row.number, column, "too_large", {"value": text, "limit": shown}))
        return None
    return value


def cell_text(
    row: Row,
    column: str,
    errors: list[CellError],
    *,
    max_length: int,
    optional: bool = False,
    multiline: bool = False,
) -> str | None:
    """The cell's text (line breaks kept only when ``multiline``), at most ``max_length``."""
    text = row.get(column)
    if not multiline:
        text = " ".join(text.split())
    if not text and not optional:
        errors.append(CellError(row.number, column, "empty_cell", {}))
        return None
    if len(text) > max_length:
        errors.append(CellError(row.number, column, "too_long", {"limit": max_length}))
        return None
    return text


def cell_date(
    row: Row,
    column: str,
    errors: list[CellError],
    *,
    optional: bool = False,
    not_after: date | None = None,
) -> date | None:
    text = row.get(column)
    if not text and optional:
        return None
    value = parse_iso_date(text)
    if value is None:
        errors.append(CellError(row.number, column, "not_date", {"value": text}))
        return None
    if not_after is not None and value > not_after:
        errors.append(CellError(row.number, column, "future_date", {"value": value.isoformat()}))
        return None
    return value


def parse_iso_date(text: str) -> date | None:
    """A date written ``YYYY-MM-DD`` in ASCII digits (a date cell reads so too), or None."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- writing: text stays text ---------------------------------------------------------------

# The first characters that make Excel or LibreOffice read a cell as a formula (OWASP, "CSV
# injection"): =HYPERLINK(...) sends the sheet's data away, +cmd|... runs a program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_MAX = 32_767  # Excel's limit on the text of one cell, in UTF-16 units


def cell_safe_text(text: str) -> str:
    """Stored text as a cell may hold it: without control characters, which mean nothing to a
    reader and make openpyxl refuse the whole workbook (IllegalCharacterError)."""
    return text.strip() if text.isprintable() else clean_text(text)


def csv_field(value: object) -> object:
    """``value`` for a CSV field: text that could start a formula gets a leading apostrophe
    (OWASP's advice; write with ``csv.QUOTE_ALL`` so the field is quoted too)."""
    if not isinstance(value, str):
        return value
    text = cell_safe_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def append_row(sheet: Any, values: Iterable[object]) -> None:
    """Append ``values`` to an openpyxl ``sheet`` as its next row, every text as text.

    openpyxl turns any string starting with "=" into a formula: here a string cell is forced to
    the string type, and one that looks like a formula also gets Excel's quote prefix, so that
    editing the cell in Excel keeps it text. Non-finite numbers (which Excel cannot store) are
    written as their text.
    """
    from openpyxl.cell.cell import Cell

    def cell(value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        if not isinstance(value, str):
            return value
        text = truncate(cell_safe_text(value), XLSX_CELL_MAX)
        written = Cell(sheet, value=text)
        written.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            written.quotePrefix = True
        return written

    sheet.append([cell(value) for value in values])


# --- writing: one look in every workbook ----------------------------------------------------

# Dates and times as Indonesians write them, the same in every workbook (the cells are real
# Excel dates: they sort and filter as dates); the headers name the time zone.
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"
DATE_FORMAT = "dd-mm-yyyy"
TIME_FORMAT = "hh:mm"
# Index values and percentages show two decimals; the cell keeps the full figure.
TWO_DECIMALS = "0.00"
MIN_WIDTH, MAX_WIDTH = 8, 50  # column widths, in characters


def finish_table(
    sheet: Any,
    header_row: int,
    *,
    last_row: int | None = None,
    formats: dict[int, str] | None = None,
) -> None:
    """Make the table whose header is ``header_row`` and whose rows end at ``last_row`` (default:
    the sheet's last) easy to read: the header bold, frozen and filtered; dates, times and
    decimals formatted (the columns of ``formats``, by number, in their own format) from the
    header down; columns as wide as their content."""
    from openpyxl.styles import Font

    last_column = column_letter(max(sheet.max_column, 1))
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{last_row or sheet.max_row}"
    format_cells(sheet, header_row + 1, formats or {})
    fit_columns(sheet, header_row)


def format_cells(sheet: Any, first_row: int, formats: dict[int, str]) -> None:
    """From ``first_row`` down: dates, times and decimals in the common formats (a column in
    ``formats`` takes its own), text of several lines or longer than a column wrapped."""
    from openpyxl.styles import Alignment

    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            value = cell.value
            if value is None:
                continue
            if cell.column in formats and not isinstance(value, str):
                cell.number_format = formats[cell.column]
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, time):
                cell.number_format = TIME_FORMAT
            elif isinstance(value, float) and cell.number_format == "General":
                cell.number_format = TWO_DECIMALS
            elif isinstance(value, str) and ("\n" in value or len(value) > MAX_WIDTH):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def fit_columns(sheet: Any, first_row: int = 1) -> None:
    """Each column as wide as its widest cell from ``first_row`` down (the title lines above a
    table overflow into the empty cells beside them), within MIN_WIDTH and MAX_WIDTH."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), _shown_length(cell))
    for column, width in widths.items():
        fitted = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
        sheet.column_dimensions[column_letter(column)].width = fitted


def _shown_length(cell: Any) -> int:
    """About how many characters Excel shows for the cell."""
    value = cell.value
    if isinstance(value, datetime):
        return len("31-12-2025 23:59")
    if isinstance(value, date):
        return len("31-12-2025")
    if isinstance(value, time):
        return len("23:59")
    if isinstance(value, float) and math.isfinite(value):
        decimals = cell.number_format.partition(".")[2].count("0")
        return len(f"{value:,.{decimals}f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


# --- writing CSV: as Indonesian Excel opens it ----------------------------------------------

# Excel with Indonesian regional settings splits CSV on ";" (its list separator, since "," is the
# decimal comma) and reads UTF-8 only after a byte order mark.
CSV_SEPARATORS = {";": ";", ",": ",", "tab": "\t"}
CSV_ENCODING = "utf-8-sig"


def csv_value(value: object, *, decimal_comma: bool) -> str:
    """``value`` as a CSV field: dates as ``17-02-2025 09:00``, numbers in plain notation (with a
    decimal comma if asked: the ";" files), text through :func:`csv_field`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(csv_field(str(value)))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = str(value) if isinstance(value, int) else format(Decimal(repr(value)), "f")
    return text.replace(".", ",") if decimal_comma else text


def write_csv(
    path: Path, header: Sequence[object], rows: Iterable[Sequence[object]], separator: str = ";"
) -> None:
    """A CSV file Excel opens as a table: UTF-8 with a byte order mark, fields split by
    ``separator`` (";", "," or "tab") and all quoted, decimal commas with ";"."""
    delimiter = CSV_SEPARATORS[separator]
    decimal_comma = delimiter == ";"
    with path.open("w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_ALL)
        writer.writerow([csv_value(title, decimal_comma=decimal_comma) for title in header])
        for row in rows:
            writer.writerow([csv_value(cell, decimal_comma=decimal_comma) for cell in row])
