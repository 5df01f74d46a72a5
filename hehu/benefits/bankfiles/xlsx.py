"""A one-sheet XLSX workbook written directly as SpreadsheetML.

openpyxl's write-only mode costs about 50 µs a cell without lxml (9 s for a 100,000-row,
nine-column bank file on the benchmark machine), too slow for a county's file; the sheet
is plain rows of text and numbers, so it is written here in one pass and zipped. Text
cells are inline strings with the text format (@), so account numbers keep their leading
zeros and never turn into 6.2E+18; numbers carry a number format. openpyxl reads the
result back in the tests.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from xml.sax.saxutils import quoteattr

Cell = str | int | Decimal

# Styles (cellXfs): 1 text "@", 2 amount "0.00", 3 whole number "0".
TEXT, DECIMAL, INTEGER = 1, 2, 3
_CHUNK_ROWS = 2000
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_XF = '<xf numFmtId="{}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    + _XF.format(49)
    + _XF.format(2)
    + _XF.format(1)
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Text is escaped for XML, and the characters XML 1.0 does not allow (other controls than
# tab and line breaks) are dropped, in one translate per cell.
_TEXT = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    | {chr(c): None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
)


def _row_format(types: tuple[type, ...], letters: list[str]) -> Callable[..., str]:
    """The XML of a row whose cells have these types, as a str.format taking the row
    number then the cells (text already escaped)."""
    cells = ['<row r="{0}">']
    for i, (kind, letter) in enumerate(zip(types, letters, strict=False), start=1):
        if kind is str:
            cells.append(
                f'<c r="{letter}{{0}}" t="inlineStr" s="{TEXT}"><is><t>{{{i}}}</t></is></c>'
            )
        else:
            style = INTEGER if kind is int else DECIMAL
            cells.append(f'<c r="{letter}{{0}}" s="{style}"><v>{{{i}}}</v></c>')
    cells.append("</row>")
    return "".join(cells).format


def write_workbook(sheet: str, rows: Iterable[Sequence[Cell]], widths: Sequence[int]) -> bytes:
    """A workbook of one sheet; each row's cells are text (str) or numbers (int, Decimal).

    Rows are written through one format per combination of cell types (the detail rows
    share one), which keeps 100,000 rows of nine cells near one second, and streamed into
    the archive in chunks, so the sheet's XML is never held whole."""
    workbook = (
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as out:
            for chunk in _sheet_xml(rows, widths):
                out.write(chunk.encode("utf-8"))
    return buffer.getvalue()


def _sheet_xml(rows: Iterable[Sequence[Cell]], widths: Sequence[int]) -> Iterator[str]:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    yield f'{_HEAD}<worksheet xmlns="{_MAIN}"><cols>{cols}</cols><sheetData>'
    letters = [column_letter(i) for i in range(max(len(widths), 1))]
    formats: dict[tuple[type, ...], Callable[..., str]] = {}
    chunk: list[str] = []
    for number, row in enumerate(rows, start=1):
        types = tuple(map(type, row))
        write = formats.get(types)
        if write is None:
            while len(letters) < len(row):
                letters.append(column_letter(len(letters)))
            write = formats[types] = _row_format(types, letters)
        chunk.append(write(number, *[v.translate(_TEXT) if type(v) is str else v for v in row]))
        if len(chunk) == _CHUNK_ROWS:
            yield "".join(chunk)
            chunk.clear()
    chunk.append("</sheetData></worksheet>")
    yield "".join(chunk)
