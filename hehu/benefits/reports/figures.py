"""The figures of a statement's cell, summed in the database from payment lines.

Every figure is one conditional SUM over the lines of a GROUP BY (no loop over lines):

- due: every line of the cycles (the roll's amount; recoveries are negative);
- paid / failed / held / pending: by the line's status;
- of which, disjoint: back pay (a monthly line for a month before the cycle's, not carried),
  carried (a failure of an earlier cycle paid again), one-off aid (not carried), and
  recoveries of overpayments (negative).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from hehu.benefits.models import PaymentLine

ZERO = Decimal("0.00")
L = PaymentLine
MONEY = (
    "due",
    "paid",
    "failed",
    "held",
    "pending",
    "back_pay",
    "carried",
    "one_off",
    "recovery",
)


def line_sums(month: dt.date) -> dict[str, Any]:
    """The aggregate expressions of a cell, for the cycles of `month`."""
    not_carried = Q(carried_from__isnull=True)
    return {
        "children": Count("child_id", distinct=True),
        "due": Sum("amount"),
        "paid": Sum("amount", filter=Q(status=L.Status.PAID)),
        "failed": Sum("amount", filter=Q(status=L.Status.FAILED)),
        "held": Sum("amount", filter=Q(status=L.Status.HELD)),
        "pending": Sum("amount", filter=Q(status=L.Status.PENDING)),
        "back_pay": Sum(
            "amount", filter=Q(kind=L.Kind.MONTHLY, service_month__lt=month) & not_carried
        ),
        "carried": Sum("amount", filter=Q(carried_from__isnull=False)),
        "one_off": Sum("amount", filter=Q(kind=L.Kind.ONE_OFF) & not_carried),
        "recovery": Sum("amount", filter=Q(kind=L.Kind.RECOVERY)),
    }


@dataclass(frozen=True)
class Figures:
    """One cell: children with a line, and amounts in yuan."""

    children: int = 0
    due: Decimal = ZERO
    paid: Decimal = ZERO
    failed: Decimal = ZERO
    held: Decimal = ZERO
    pending: Decimal = ZERO
    back_pay: Decimal = ZERO
    carried: Decimal = ZERO
    one_off: Decimal = ZERO
    recovery: Decimal = ZERO

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Figures:
        """From an aggregate row (a SUM over no line is NULL: zero)."""
        money = {name: _money(row.get(name)) for name in MONEY}
        return cls(children=int(row.get("children") or 0), **money)

    def __add__(self, other: Figures) -> Figures:
        """Amounts add up; children too where each child is in one of the parts only."""
        return Figures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    # SQLite may hand back a float for a SUM: read it through its text, never as binary.
    return Decimal(str(value)).quantize(Decimal("0.01"))
