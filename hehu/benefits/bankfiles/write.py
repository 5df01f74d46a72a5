"""Writing a bank file: payments → CSV bytes (the layout's encoding) or XLSX bytes.

Columns follow the layout in order; amounts in yuan (two decimals) or whole fen; the
summary row (count, total) first or last when the layout has one. In XLSX, amounts are
numbers and every other cell is text, so account numbers keep their leading zeros.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from hehu.benefits.bankfiles.formats import amount_number, amount_text, month_text
from hehu.benefits.bankfiles.model import (
    BankLayout,
    Batch,
    Payment,
    SummaryCell,
    UnencodableText,
)
from hehu.benefits.bankfiles.xlsx import Cell, write_workbook

CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_WIDTHS = {
    "reference": 22,
    "account_number": 24,
    "holder_name": 12,
    "bank_name": 24,
    "amount": 14,
    "child_name": 12,
    "county_code": 10,
    "month": 10,
    "note": 28,
}
_INDEX = {"reference": 0, "account_number": 1, "holder_name": 2, "bank_name": 3, "child_name": 5}


def write_bank_file(
    layout: BankLayout, batch: Batch, payments: Sequence[Payment], file_format: str
) -> bytes:
    """The file the bank pays from; UnencodableText when a name cannot be written in the
    layout's encoding."""
    if file_format == "xlsx":
        return write_xlsx(layout, batch, payments)
    if file_format == "csv":
        return write_csv(layout, batch, payments)
    raise ValueError(f"unknown file format {file_format!r}")


def total_of(payments: Sequence[Payment]) -> Decimal:
    return sum((p.amount for p in payments), Decimal("0"))


def write_csv(layout: BankLayout, batch: Batch, payments: Sequence[Payment]) -> bytes:
    buffer = io.BytesIO()
    # Encoded row by row, so that a text the encoding cannot write is found in its row.
    text = io.TextIOWrapper(buffer, encoding=layout.encoding, newline="", write_through=True)
    writer = csv.writer(text, delimiter=layout.delimiter, lineterminator="\r\n")
    for payment, row in _rows(layout, batch, payments, text=True):
        try:
            writer.writerow(row)
        except UnicodeEncodeError as exc:
            raise _unencodable(layout, payment, exc) from None
    text.detach()
    return buffer.getvalue()


def write_xlsx(layout: BankLayout, batch: Batch, payments: Sequence[Payment]) -> bytes:
    widths = [_WIDTHS[c.field] for c in layout.columns]
    rows = (row for _, row in _rows(layout, batch, payments, text=False))
    return write_workbook(layout.sheet, rows, widths)


def _rows(
    layout: BankLayout, batch: Batch, payments: Sequence[Payment], *, text: bool
) -> Iterator[tuple[Payment | None, list[Cell]]]:
    """Each row of the file with the payment it is for (None: the summary, the header)."""
    getters = [_getter(layout, batch, c.field, c.format, text=text) for c in layout.columns]
    summary = layout.summary
    if summary is not None and summary.position == "first":
        yield None, _summary(layout, batch, payments, text=text)
    if layout.header:
        yield None, [c.header for c in layout.columns]
    for p in payments:
        yield p, [get(p) for get in getters]
    if summary is not None and summary.position == "last":
        yield None, _summary(layout, batch, payments, text=text)


def _getter(
    layout: BankLayout, batch: Batch, field: str, fmt: str, *, text: bool
) -> Callable[[Payment], Cell]:
    if field in _INDEX:
        index = _INDEX[field]
        return lambda p: p[index]
    if field == "amount":
        if text:
            return lambda p: amount_text(p.amount, fmt)
        return lambda p: amount_number(p.amount, fmt)
    constant = _batch_value(layout, batch, field, fmt)
    return lambda p: constant


def _batch_value(layout: BankLayout, batch: Batch, field: str, fmt: str) -> str:
    if field == "county_code":
        return batch.county_code
    if field == "month":
        return month_text(batch.month, fmt)
    if field == "note":
        return layout.note.format(
            year=f"{batch.month:%Y}", month=f"{batch.month:%m}", county=batch.county_code
        )
    raise ValueError(f"unknown field {field!r}")


def _summary(
    layout: BankLayout, batch: Batch, payments: Sequence[Payment], *, text: bool
) -> list[Cell]:
    assert layout.summary is not None  # noqa: S101 — the caller checked
    amount_format = next((c.format for c in layout.columns if c.field == "amount"), "yuan")
    month_format = next((c.format for c in layout.columns if c.field == "month"), "yyyy-mm")
    total = total_of(payments)

    def cell(c: SummaryCell) -> Cell:
        if c.field == "count":
            return str(len(payments)) if text else len(payments)
        if c.field == "total":
            return (
                amount_text(total, amount_format) if text else amount_number(total, amount_format)
            )
        if c.field == "text":
            return c.text
        return _batch_value(layout, batch, c.field, month_format)

    return [cell(c) for c in layout.summary.cells]


def _unencodable(
    layout: BankLayout, payment: Payment | None, exc: UnicodeEncodeError
) -> UnencodableText:
    """Which text of the row the encoding cannot write."""
    bad = exc.object[exc.start : exc.end]
    if payment is not None:
        for value in (payment.holder_name, payment.bank_name, payment.child_name):
            if bad in value:
                return UnencodableText(payment.reference, value, layout.encoding)
    return UnencodableText(payment.reference if payment else "", bad, layout.encoding)
