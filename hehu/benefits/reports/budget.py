"""The budget of a year: monthly and annual cost by region and programme.

Actual months are what approved rolls pay: the lines of the cycles approved, exported or
reconciled (due, and paid). The months from this one to December that a county has no
approved roll for are projected from the enrolments running now: the month's roll is
compiled once per month over the whole scope (hehu.benefits.roll.compute.month_lines, the
same rules and top-up as a payment cycle), never once per child. A projection counts the
monthly allowances only: back pay, one-off aid and recoveries are decided case by case.

The annual total is actual (due) plus projected, by programme and by the regions one level
down; down to the county by the paying county, inside a county by the child's region (the
children a county pays who live elsewhere on a row of their own, as in the statement).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from hehu.benefits.catalogue import standards
from hehu.benefits.models import Enrolment, PaymentCycle, PaymentLine
from hehu.benefits.months import add_months, month_of
from hehu.benefits.reports.figures import ZERO
from hehu.benefits.reports.scope import COUNTY, ELSEWHERE, Scope, sub_regions, unit_names
from hehu.benefits.reports.statement import programme_order, region_lines, unit_of
from hehu.benefits.roll.compute import month_lines
from hehu.benefits.roll.inputs import (
    enrolment_frame,
    enrolments_between,
    receiving_frame,
    student_ages,
)
from hehu.registry.models import Child
from hehu.registry.selectors import region_scope_q

APPROVED = (
    PaymentCycle.Status.APPROVED,
    PaymentCycle.Status.EXPORTED,
    PaymentCycle.Status.RECONCILED,
)
ACTUAL, PROJECTED, PARTLY = "actual", "projected", "partly"


@dataclass(frozen=True)
class Cost:
    actual_due: Decimal = ZERO
    actual_paid: Decimal = ZERO
    projected: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """The year's (or month's) cost: what approved rolls pay plus the projection."""
        return self.actual_due + self.projected

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.actual_due + other.actual_due,
            self.actual_paid + other.actual_paid,
            self.projected + other.projected,
        )


@dataclass
class BudgetLine:
    """A month, or a region: its cost in total and per programme."""

    key: str  # "2026-03", or a region prefix (ELSEWHERE: children living outside)
    name: str
    total: Cost = field(default_factory=Cost)
    programmes: dict[str, Cost] = field(default_factory=dict)
    basis: str = ""  # months: actual, projected or partly
    drillable: bool = False

    def add(self, programme: str, cost: Cost) -> None:
        self.total = self.total + cost
        self.programmes[programme] = self.programmes.get(programme, Cost()) + cost


@dataclass
class Budget:
    year: int
    scope: Scope
    first_projected: dt.date | None  # None: nothing of the year is projected any more
    programmes: list[str]
    months: list[BudgetLine]
    total: BudgetLine
    rows: list[BudgetLine]


Cells = dict[tuple[dt.date, str, str], Cost]  # (month, row prefix, programme) → cost


def _unit(unit: str, region: str) -> str:
    return unit if unit.startswith(region) else ELSEWHERE


def _actual(region: str, length: int, first: dt.date, last: dt.date, cells: Cells) -> None:
    lines = region_lines(region).filter(
        cycle__month__gte=first, cycle__month__lte=last, cycle__status__in=APPROVED
    )
    rows = (
        lines.annotate(unit=unit_of(length))
        .values("cycle__month", "unit", "programme")
        .annotate(due=Sum("amount"), paid=Sum("amount", filter=Q(status=PaymentLine.Status.PAID)))
    )
    for row in rows:
        key = (row["cycle__month"], _unit(row["unit"], region), row["programme"])
        cells[key] = cells.get(key, Cost()) + Cost(_dec(row["due"]), _dec(row["paid"]))


def _dec(value: object) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _enrolments(region: str, first: dt.date, last: dt.date) -> QuerySet[Enrolment]:
    counties = list(
        Enrolment.objects.filter(county_code__startswith=region[:COUNTY])
        .order_by()
        .values_list("county_code", flat=True)
        .distinct()
    )
    enrolments = enrolments_between(counties, first, last)
    if len(region) > COUNTY:
        enrolments = enrolments.filter(region_scope_q([region], field="child__region__code"))
    return enrolments


def _units(
    enrolments: QuerySet[Enrolment], frame: pl.DataFrame, region: str, length: int
) -> pl.DataFrame:
    """child_id → the row the child's projected cost falls on."""
    if length <= COUNTY:
        by_county = frame.select("child_id", "county_code").unique("child_id")
        return by_county.select(
            "child_id", pl.col("county_code").str.slice(0, length).alias("unit")
        )
    rows = (
        Child.objects.filter(pk__in=enrolments.values("child_id"))
        .values_list("pk", "region_id")
        .order_by()
    )
    units = [(pk, _unit(code[:length], region)) for pk, code in rows]
    return pl.DataFrame(units, schema={"child_id": pl.Int64, "unit": pl.String}, orient="row")


def _projected(
    region: str,
    length: int,
    months: list[dt.date],
    approved: set[tuple[str, dt.date]],
    cells: Cells,
) -> set[dt.date]:
    """Add the projection of each month to the cells; the months with some projection."""
    if not months:
        return set()
    enrolments = _enrolments(region, months[0], months[-1])
    frame = enrolment_frame(enrolments)
    if frame.is_empty():
        return set()
    receiving = receiving_frame(enrolments)
    units = _units(enrolments, frame, region, length)
    projected: set[dt.date] = set()
    for month in months:
        done = sorted(county for county, m in approved if m == month)
        part = frame.filter(~pl.col("county_code").is_in(done))
        if part.is_empty():
            continue
        projected.add(month)
        counties = sorted(set(part["county_code"].to_list()))
        lines = month_lines(
            standards=standards(),
            enrolments=part,
            receiving=receiving,
            month=month,
            student_age=student_ages(counties, month),
        )
        summed = (
            lines.filter(pl.col("amount") > 0)
            .join(units, on="child_id", how="left")
            .group_by("unit", "programme")
            .agg(pl.col("amount").sum())
        )
        for unit, programme, amount in summed.iter_rows():
            key = (month, unit or ELSEWHERE, programme)
            cells[key] = cells.get(key, Cost()) + Cost(projected=_dec(amount))
    return projected


def budget(*, scope: Scope, year: int, today: dt.date) -> Budget:
    """The year's cost in the scope: actual where rolls are approved, projected after."""
    region = scope.region
    length = scope.below or len(region)
    months = months_of_year(year)
    current = month_of(today)
    approved = set(
        PaymentCycle.objects.filter(
            county_code__startswith=region[:COUNTY],
            month__gte=months[0],
            month__lte=months[-1],
            status__in=APPROVED,
        ).values_list("county_code", "month")
    )
    cells: Cells = {}
    _actual(region, length, months[0], months[-1], cells)
    ahead = [m for m in months if m >= current]
    with_projection = _projected(region, length, ahead, approved, cells)
    with_actual = {m for _county, m in approved} | {m for m in months if m < current}

    by_month = {m: BudgetLine(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months}
    for m, line in by_month.items():
        if m in with_projection:
            line.basis = PARTLY if m in with_actual else PROJECTED
        else:
            line.basis = ACTUAL
    rows = _region_rows(scope, length, {unit for _m, unit, _p in cells})
    total = BudgetLine(region, scope.name)
    for (month, unit, programme), cost in cells.items():
        by_month[month].add(programme, cost)
        rows[unit].add(programme, cost)
        total.add(programme, cost)
    return Budget(
        year=year,
        scope=scope,
        first_projected=min(with_projection) if with_projection else None,
        programmes=programme_order(set(total.programmes)),
        months=list(by_month.values()),
        total=total,
        rows=list(rows.values()) if scope.below is not None else [],
    )


def _region_rows(scope: Scope, length: int, found: set[str]) -> dict[str, BudgetLine]:
    region = scope.region
    names = sub_regions(region, length) if scope.below is not None else {}
    names.update(unit_names(sorted(found - set(names) - {ELSEWHERE})))
    rows = {
        unit: BudgetLine(unit, name, drillable=scope.below is not None and length < 12)
        for unit, name in sorted(names.items())
    }
    if ELSEWHERE in found:
        rows[ELSEWHERE] = BudgetLine(ELSEWHERE, _("现居住地已不在本县（区）的儿童"))
    return rows


def months_of_year(year: int) -> list[dt.date]:
    start = dt.date(year, 1, 1)
    return [add_months(start, n) for n in range(12)]
