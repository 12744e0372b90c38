"""XLSX files made by hand for the import tests: a large sheet written in a second and a few MB,
a sheet that declares a false dimension, one cell far away, parts that unpack to far more than
the file's size. openpyxl cannot write most of these (it computes the dimension itself)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from bot.tabular import column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/sharedStrings.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" \
Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>\
<sheet name="Formulir" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" \
Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" \
Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""


class _Strings:
    """The shared strings table, as Excel writes text: each distinct text once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def cell(self, reference: str, value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            number = self.index.setdefault(str(value), len(self.index))
            return f'<c r="{reference}" t="s"><v>{number}</v></c>'
        return f'<c r="{reference}"><v>{value}</v></c>'

    def xml(self) -> bytes:
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in self.index)
        count = len(self.index)
        return f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">{items}</sst>'.encode()


def write_xlsx(
    path: Path,
    rows: Iterable[Sequence[object]],
    *,
    dimension: str | None = None,
    far_cells: Sequence[tuple[str, object]] = (),
    extra_parts: Sequence[tuple[str, int]] = (),
) -> Path:
    """A workbook whose first sheet holds ``rows`` from A1 down, then ``far_cells`` (reference,
    value; each on a row of its own, after the rows), declaring ``dimension`` if given.
    ``extra_parts`` adds (name, size) parts of spaces, which deflate to almost nothing."""
    strings = _Strings()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">'.encode()
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for number, row in enumerate(rows, start=1):
                cells = "".join(
                    strings.cell(f"{column_letter(column)}{number}", value)
                    for column, value in enumerate(row, start=1)
                    if value is not None
                )
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            for reference, value in far_cells:
                row_number = reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                cell = strings.cell(reference, value)
                sheet.write(f'<row r="{row_number}">{cell}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        archive.writestr("xl/sharedStrings.xml", strings.xml())
        for name, size in extra_parts:
            with archive.open(name, "w") as part:
                block = b" " * 1_000_000
                for start in range(0, size, len(block)):
                    part.write(block[: size - start])
    return path
