"""The monthly disbursement statement (发放情况月报表) for a region prefix and a month.

For the national level, a province, a city or a county, and within a county for a township
or a village: per programme, the children with a line and the amounts due, paid, failed,
held and pending, of which back pay, carried failures, one-off aid and recoveries; the same
figures for each region one level down (to drill down level by level); and the status of
each county's cycle of the month (a county without one is shown as such).

From the cycles of the month, whatever their status. Down to the county, lines are counted
by the paying county (the cycle's); within a county, by the child's region (a join on the
child's `region_id`): a child the county pays who now lives outside it is counted on a row
of its own, so the rows always add up to the county's total. Four GROUP BY queries over the
lines, one over the cycles, and the region names: never a loop per line.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from hehu.benefits.catalogue import standards
from hehu.benefits.models import PaymentCycle, PaymentLine
from hehu.benefits.months import month_of
from hehu.benefits.reports.figures import Figures, line_sums
from hehu.benefits.reports.scope import (
    COUNTY,
    ELSEWHERE,
    Scope,
    sub_regions,
    unit_names,
)
from hehu.registry.selectors import region_scope_q

NO_CYCLE = "none"


@dataclass(frozen=True)
class CountyCycle:
    """A county of the scope and its cycle of the month (None: no roll generated)."""

    county: str
    name: str
    cycle_id: int | None
    status: str  # a PaymentCycle.Status, or NO_CYCLE

    @property
    def status_label(self) -> str:
        return status_label(self.status)


def status_label(status: str) -> str:
    if status == NO_CYCLE:
        return _("未生成名册")
    return str(PaymentCycle.Status(status).label)


@dataclass
class StatementRow:
    prefix: str  # ELSEWHERE: the children paid here who live outside the county
    name: str
    total: Figures = field(default_factory=Figures)
    programmes: dict[str, Figures] = field(default_factory=dict)
    drillable: bool = False
    # Rows of a county and above: how many of its counties have a cycle in each status.
    cycles: dict[str, int] = field(default_factory=dict)
    # A row that is one county: that county's cycle.
    cycle: CountyCycle | None = None


@dataclass
class Statement:
    month: dt.date
    scope: Scope
    programmes: list[str]  # programme codes with a line in the scope, standards order first
    total: StatementRow
    rows: list[StatementRow]
    counties: list[CountyCycle]

    @property
    def cycles(self) -> dict[str, int]:
        return self.total.cycles


def region_lines(region: str) -> QuerySet[PaymentLine]:
    """The lines of cycles within the region: by the paying county, or inside a county by
    the child's region."""
    lines = PaymentLine.objects.all()
    if len(region) <= COUNTY:
        if region:
            lines = lines.filter(cycle__county_code__startswith=region)
    else:
        lines = lines.filter(
            region_scope_q([region], field="child__region__code"),
            cycle__county_code=region[:COUNTY],
        )
    return lines.order_by()


def unit_of(length: int) -> Substr:
    """The row a line falls on: the paying county's prefix, or the child's region's."""
    if length <= COUNTY:
        return Substr("cycle__county_code", 1, length)
    return Substr("child__region_id", 1, length)


def programme_order(codes: set[str]) -> list[str]:
    known = [code for code in standards().programmes if code in codes]
    return known + sorted(codes - set(known))


def _counties(month: dt.date, region: str) -> list[CountyCycle]:
    wide = len(region) < COUNTY
    names = sub_regions(region, COUNTY) if wide else unit_names([region[:COUNTY]])
    cycles = {
        county: (pk, status)
        for pk, county, status in PaymentCycle.objects.filter(
            month=month, county_code__startswith=region[:COUNTY]
        ).values_list("pk", "county_code", "status")
    }
    missing = sorted(set(cycles) - set(names))
    names.update(unit_names(missing))
    out = []
    for county in sorted(names):
        pk, status = cycles.get(county, (None, NO_CYCLE))
        out.append(CountyCycle(county, names[county], pk, status))
    return out


def _unit_key(unit: str, region: str) -> str:
    return unit if unit.startswith(region) else ELSEWHERE


def disbursement_statement(*, scope: Scope, month: dt.date) -> Statement:
    """The statement of `month` for the scope's region, with the next level's rows."""
    month = month_of(month)
    region = scope.region
    lines = region_lines(region).filter(cycle__month=month)
    sums = line_sums(month)
    total = StatementRow(region, scope.name, Figures.of(lines.aggregate(**sums)))
    for row in lines.values("programme").annotate(**sums):
        total.programmes[row["programme"]] = Figures.of(row)
    counties = _counties(month, region)
    total.cycles = dict(Counter(c.status for c in counties))
    if len(region) == COUNTY and counties:
        total.cycle = counties[0]

    rows: dict[str, StatementRow] = {}
    below = scope.below
    if below is not None:
        rows = _rows(lines, month, region, below, counties)
    return Statement(
        month=month,
        scope=scope,
        programmes=programme_order(set(total.programmes)),
        total=total,
        rows=list(rows.values()),
        counties=counties,
    )


def _rows(
    lines: QuerySet[PaymentLine],
    month: dt.date,
    region: str,
    below: int,
    counties: list[CountyCycle],
) -> dict[str, StatementRow]:
    sums = line_sums(month)
    names = sub_regions(region, below)
    by_unit = lines.annotate(unit=unit_of(below))
    per_unit = list(by_unit.values("unit").annotate(**sums))
    per_programme = list(by_unit.values("unit", "programme").annotate(**sums))
    found = {_unit_key(r["unit"], region) for r in per_unit}
    names.update(unit_names(sorted(found - set(names) - {ELSEWHERE})))
    rows = {
        unit: StatementRow(unit, name, drillable=below < 12) for unit, name in sorted(names.items())
    }
    if ELSEWHERE in found:
        rows[ELSEWHERE] = StatementRow(ELSEWHERE, _("现居住地已不在本县（区）的儿童"))
    for r in per_unit:
        row = rows[_unit_key(r["unit"], region)]
        row.total = row.total + Figures.of(r)
    for r in per_programme:
        row = rows[_unit_key(r["unit"], region)]
        before = row.programmes.get(r["programme"], Figures())
        row.programmes[r["programme"]] = before + Figures.of(r)
    if below <= COUNTY:
        for county in counties:
            holder = rows.get(county.county[:below])
            if holder is None:
                continue
            holder.cycles[county.status] = holder.cycles.get(county.status, 0) + 1
            if below == COUNTY:
                holder.cycle = county
    return rows


# -- every level below, for the workbook ---------------------------------------------------------
@dataclass(frozen=True)
class LevelRow:
    """One region of the roll-up at any level below the statement's region."""

    length: int  # the prefix length: 2, 4, 6, 9 or 12
    prefix: str  # for children living outside their paying county: that county's code
    name: str
    figures: Figures
    elsewhere: bool = False
    cycle: CountyCycle | None = None


def statement_levels(statement: Statement) -> list[LevelRow]:
    """Every region from one level below the statement's region down to the village, in
    code order (a region before the regions inside it). Down to the county every region of
    the table is listed (a county without a roll too); below, those with a line. Children
    living outside their paying county are on a township-level row of that county, so each
    level adds up to the one above. One GROUP BY per level."""
    region = statement.scope.region
    month = statement.month
    lines = region_lines(region).filter(cycle__month=month)
    sums = line_sums(month)
    by_county = {c.county: c for c in statement.counties}
    out: list[LevelRow] = []
    for length in (n for n in (2, 4, 6, 9, 12) if n > len(region)):
        if length <= COUNTY:
            names = sub_regions(region, length)
            found = {
                r["unit"]: Figures.of(r)
                for r in lines.annotate(unit=unit_of(length)).values("unit").annotate(**sums)
            }
            names.update(unit_names(sorted(set(found) - set(names))))
            for unit, name in names.items():
                cycle = by_county.get(unit) if length == COUNTY else None
                out.append(LevelRow(length, unit, name, found.get(unit, Figures()), cycle=cycle))
            continue
        grouped = (
            lines.annotate(unit=unit_of(length))
            .values("cycle__county_code", "unit")
            .annotate(**sums)
        )
        inside: dict[str, Figures] = {}
        outside: dict[str, Figures] = {}
        for r in grouped:
            county, unit = r["cycle__county_code"], r["unit"]
            if unit.startswith(county):
                inside[unit] = inside.get(unit, Figures()) + Figures.of(r)
            elif length == 9:  # counted once, at the first level below the county
                outside[county] = outside.get(county, Figures()) + Figures.of(r)
        names = unit_names(sorted(inside))
        out.extend(LevelRow(length, u, names[u], f) for u, f in inside.items())
        county_names = unit_names(sorted(outside))
        out.extend(
            LevelRow(
                length,
                county,
                _("%s：现居住地已不在本县（区）的儿童") % county_names[county],
                figures,
                elsewhere=True,
            )
            for county, figures in outside.items()
        )
    out.sort(key=lambda row: (row.prefix.ljust(12, "0"), row.length, row.elsewhere))
    return out
