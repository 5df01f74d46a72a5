"""What a bank layout says, and the rows that go out to the bank and come back.

A layout (policies/benefits/bank-layouts/*.yaml) describes one bank's 代发 (payroll-style
payment) file: its encoding, delimiter, header row, the columns in order with the field
each carries, an optional summary row (count, total), and how the bank's result file
(回盘) reads: which column holds the reference, amount, result, reason and the bank's own
reference, which result values mean paid or failed, and its own optional summary row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from hehu.policy.engine.model import Text

# What an export column may carry.
FIELDS = (
    "reference",
    "account_number",
    "holder_name",
    "bank_name",
    "amount",
    "child_name",
    "county_code",
    "month",
    "note",
)
# Without these a file cannot be paid and reconciled.
REQUIRED_FIELDS = ("reference", "account_number", "holder_name", "amount")
# The formats a field may take (the first is the default); other fields are text.
FORMATS: dict[str, tuple[str, ...]] = {
    "amount": ("yuan", "fen"),
    "month": ("yyyy-mm", "yyyymm"),
}
AMOUNT_FORMATS = FORMATS["amount"]
# What a summary row's cells may hold: count of rows, total amount, the cycle's county and
# month, or a fixed text ({text: 合计}).
SUMMARY_CELLS = ("count", "total", "county_code", "month", "text")
POSITIONS = ("first", "last")
# The roles of a result file's columns; bank_reference is optional.
RESULT_COLUMNS = ("reference", "amount", "result", "reason", "bank_reference")
REQUIRED_RESULT_COLUMNS = ("reference", "amount", "result", "reason")
# `failed: any_other` — every value that is not a paid value means failed (e.g. 0000/other).
ANY_OTHER = "any_other"
FILE_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    format: str = ""


@dataclass(frozen=True)
class SummaryCell:
    field: str  # one of SUMMARY_CELLS
    text: str = ""


@dataclass(frozen=True)
class SummaryRow:
    """A row with the file's count and total, first (before any header) or last."""

    position: str
    cells: tuple[SummaryCell, ...]

    def index_of(self, field: str) -> int | None:
        for i, cell in enumerate(self.cells):
            if cell.field == field:
                return i
        return None


@dataclass(frozen=True)
class ResultsLayout:
    """How the bank's result file (回盘) reads."""

    encoding: str
    delimiter: str
    header: bool
    # Role → the column's header text (when the file has a header row) or its position
    # (1 = first column).
    columns: dict[str, str | int]
    amount_format: str
    paid: frozenset[str]
    # None: every value that is not a paid value means failed.
    failed: frozenset[str] | None
    summary: SummaryRow | None


@dataclass(frozen=True)
class BankLayout:
    code: str
    label: Text
    encoding: str
    delimiter: str
    header: bool
    columns: tuple[Column, ...]
    summary: SummaryRow | None
    # The payment note (摘要) the recipient sees, with {year}, {month} and {county}.
    note: str
    sheet: str
    results: ResultsLayout
    file: str = "<layout>"


class Payment(NamedTuple):
    """One row of a bank file: a transfer with its account number in clear."""

    reference: str
    account_number: str
    holder_name: str
    bank_name: str
    amount: Decimal
    child_name: str


@dataclass(frozen=True)
class Batch:
    """What every row of one file shares: the cycle's county and month."""

    county_code: str
    month: dt.date


@dataclass(frozen=True)
class ResultRow:
    """One line of the bank's result file, parsed."""

    line: int
    reference: str
    amount: Decimal
    paid: bool
    reason: str
    bank_reference: str


@dataclass(frozen=True)
class ResultsFile:
    rows: tuple[ResultRow, ...]
    file_format: str


@dataclass(frozen=True)
class LineProblem:
    """A problem of a result file: the line (None: the whole file), a stable code and the
    values the message names. The messages are the Django layer's (translated there)."""

    line: int | None
    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")


class ResultsUnreadable(Exception):
    """A result file that cannot be applied: every problem found, line by line."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__("; ".join(f"{p.line}:{p.code}" for p in problems))
        self.problems = problems


class UnencodableText(ValueError):
    """A text the layout's encoding cannot write (e.g. a rare character in GBK)."""

    def __init__(self, reference: str, text: str, encoding: str) -> None:
        super().__init__(f"{reference}: {text!r} in {encoding}")
        self.reference = reference
        self.text = text
        self.encoding = encoding
