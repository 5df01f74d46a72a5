"""Reading the bank's result file (回盘): CSV in the layout's encoding, or the same saved
by Excel as XLSX, into rows with their line numbers — or every problem, line by line.

Refused: a file that cannot be read (not the layout's encoding, an old .xls, a broken
workbook), missing columns, an empty reference, a bad amount, an unknown result value, a
failure without a reason, a reference given twice, a summary row missing or not matching
the rows (count, total), a file without rows. Whether a reference belongs to the cycle
and its amount is right is the service's question.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal

from hehu.benefits.bankfiles.formats import amount_text, parse_amount
from hehu.benefits.bankfiles.model import (
    LineProblem,
    ResultRow,
    ResultsFile,
    ResultsLayout,
    ResultsUnreadable,
    SummaryRow,
)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
UTF8_BOM = b"\xef\xbb\xbf"
# A float stored by Excel for a whole number (1651.0, 165100.0) is written as an integer
# up to this size; beyond it digits were lost already.
_EXACT_FLOAT = 2**53

Line = tuple[int, list[str]]


def read_results(layout: ResultsLayout, content: bytes, filename: str = "") -> ResultsFile:
    """The parsed rows; ResultsUnreadable with every problem otherwise."""
    if content.startswith(ZIP_MAGIC):
        lines, file_format = _xlsx_lines(content), "xlsx"
    elif content.startswith(OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise ResultsUnreadable([LineProblem(None, "xls")])
    else:
        lines, file_format = _csv_lines(layout, content), "csv"
    lines = [(n, cells) for n, cells in lines if any(c.strip() for c in cells)]
    if not lines:
        raise ResultsUnreadable([LineProblem(None, "empty")])
    problems: list[LineProblem] = []
    summary = _take_summary(layout.summary, lines)
    positions = _positions(layout, lines, problems)
    if positions is None:
        raise ResultsUnreadable(problems)
    rows = list(_rows(layout, lines, positions, problems))
    if not rows and not problems:
        problems.append(LineProblem(None, "no_rows"))
    if summary is not None and layout.summary is not None:
        _check_summary(layout, summary, rows, len(lines), problems)
    if problems:
        raise ResultsUnreadable(sorted(problems, key=lambda p: p.line or 0))
    return ResultsFile(rows=tuple(rows), file_format=file_format)


# -- lines of cells ----------------------------------------------------------------------
def _csv_lines(layout: ResultsLayout, content: bytes) -> list[Line]:
    encoding = "utf-8-sig" if content.startswith(UTF8_BOM) else layout.encoding
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ResultsUnreadable(
            [LineProblem(line, "encoding", (("encoding", layout.encoding),))]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter)
    lines: list[Line] = []
    start = 1
    try:
        for cells in reader:
            lines.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ResultsUnreadable(
            [LineProblem(start, "unreadable", (("detail", str(exc)),))]
        ) from None
    return lines


def _xlsx_lines(content: bytes) -> list[Line]:
    # openpyxl is only needed here; importing it lazily keeps the CSV path light.
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ResultsUnreadable(
            [LineProblem(None, "unreadable", (("detail", str(exc)),))]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


# -- the summary, the header, the rows ------------------------------------------------------
def _take_summary(summary: SummaryRow | None, lines: list[Line]) -> Line | None:
    if summary is None:
        return None
    return lines.pop(0) if summary.position == "first" else lines.pop()


def _positions(
    layout: ResultsLayout, lines: list[Line], problems: list[LineProblem]
) -> dict[str, int] | None:
    """Each role's column index (0-based); None when columns are missing."""
    if not layout.header:
        return {role: int(where) - 1 for role, where in layout.columns.items()}
    if not lines:
        problems.append(LineProblem(None, "no_rows"))
        return None
    number, cells = lines.pop(0)
    titles = [c.strip() for c in cells]
    positions: dict[str, int] = {}
    missing: list[str] = []
    for role, where in layout.columns.items():
        if isinstance(where, int):
            positions[role] = where - 1
        elif where in titles:
            positions[role] = titles.index(where)
        else:
            missing.append(where)
    if missing:
        problems.append(LineProblem(number, "missing_columns", (("columns", "、".join(missing)),)))
        return None
    return positions


def _rows(
    layout: ResultsLayout,
    lines: list[Line],
    positions: dict[str, int],
    problems: list[LineProblem],
) -> Iterator[ResultRow]:
    seen: dict[str, int] = {}
    width = max(positions.values()) + 1
    for number, cells in lines:
        if len(cells) < width:
            problems.append(
                LineProblem(
                    number, "short_row", (("found", str(len(cells))), ("needed", str(width)))
                )
            )
            continue

        def cell(role: str, cells: list[str] = cells) -> str:
            return cells[positions[role]].strip() if role in positions else ""

        row = _row(layout, number, cell, problems)
        if row is None:
            continue
        if row.reference in seen:
            problems.append(
                LineProblem(
                    number,
                    "duplicate_reference",
                    (("reference", row.reference), ("first", str(seen[row.reference]))),
                )
            )
            continue
        seen[row.reference] = number
        yield row


def _row(
    layout: ResultsLayout, number: int, get: Callable[[str], str], problems: list[LineProblem]
) -> ResultRow | None:
    reference, written, result, reason = (
        get("reference"),
        get("amount"),
        get("result"),
        get("reason"),
    )
    before = len(problems)
    if not reference:
        problems.append(LineProblem(number, "no_reference"))
    amount = parse_amount(written, layout.amount_format)
    if amount is None:
        problems.append(
            LineProblem(
                number, "bad_amount", (("amount", written), ("format", layout.amount_format))
            )
        )
    paid = result in layout.paid
    if not paid and layout.failed is not None and result not in layout.failed:
        known = sorted(layout.paid | layout.failed)
        problems.append(
            LineProblem(number, "unknown_result", (("value", result), ("known", "、".join(known))))
        )
    elif not paid and not reason:
        problems.append(LineProblem(number, "no_reason", (("reference", reference),)))
    if len(problems) > before or amount is None:
        return None
    return ResultRow(
        line=number,
        reference=reference,
        amount=amount,
        paid=paid,
        reason="" if paid else reason,
        bank_reference=get("bank_reference"),
    )


def _check_summary(
    layout: ResultsLayout,
    summary: Line,
    rows: list[ResultRow],
    details: int,
    problems: list[LineProblem],
) -> None:
    """The summary's count against every detail line, its total against the amounts read."""
    assert layout.summary is not None  # noqa: S101
    number, cells = summary
    index = layout.summary.index_of("count")
    if index is not None:
        written = cells[index].strip() if index < len(cells) else ""
        if not written.isdigit():
            problems.append(LineProblem(number, "summary_bad", (("value", written),)))
        elif int(written) != details:
            problems.append(
                LineProblem(
                    number, "summary_count", (("written", written), ("found", str(details)))
                )
            )
    index = layout.summary.index_of("total")
    if index is not None:
        written = cells[index].strip() if index < len(cells) else ""
        total = parse_amount(written, layout.amount_format)
        found = sum((r.amount for r in rows), Decimal("0"))
        if total is None:
            problems.append(LineProblem(number, "summary_bad", (("value", written),)))
        elif total != found and len(rows) == details:
            problems.append(
                LineProblem(
                    number,
                    "summary_total",
                    (("written", f"{total:.2f}"), ("found", amount_text(found, "yuan"))),
                )
            )
