"""The monthly disbursement statement: figures against sums worked out by hand, the rows of
each level adding up to the level above, the counties' rolls with their status, and one
end-to-end month from generated rolls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from hehu.benefits.models import PaymentCycle
from hehu.benefits.months import month_of
from hehu.benefits.reports.figures import Figures
from hehu.benefits.reports.scope import ELSEWHERE, report_scope
from hehu.benefits.reports.statement import (
    NO_CYCLE,
    Statement,
    disbursement_statement,
    statement_levels,
)
from hehu.benefits.services.cycles import generate_cycle
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory
from hehu.benefits.tests.reports_factories import (
    CHANGNING,
    MARCH,
    STREET,
    TOWN,
    analyst,
    child_in,
    march_rolls,
    officer,
)
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
D = Decimal


def statement_for(user, region: str, month: dt.date = MARCH) -> Statement:
    return disbursement_statement(scope=report_scope(user, region), month=month)


def money(figures: Figures) -> tuple[Decimal, ...]:
    return (
        figures.due,
        figures.paid,
        figures.failed,
        figures.held,
        figures.pending,
        figures.back_pay,
        figures.carried,
        figures.one_off,
        figures.recovery,
    )


def test_the_county_statement_matches_the_sums_worked_out_by_hand() -> None:
    march_rolls()
    statement = statement_for(officer(), "511502")
    total = statement.total.total
    assert total.children == 4
    assert money(total) == (
        D("10355.00"),  # 5 × 1651 + 1500 + 800 − 200
        D("3102.00"),  # A: 1651 + 1651 − 200
        D("1500.00"),  # B
        D("2451.00"),  # C: 1651 + 800
        D("3302.00"),  # D: 1651 + 1651 carried
        D("1651.00"),  # A's February (D's carried January is not back pay)
        D("1651.00"),
        D("800.00"),
        D("-200.00"),
    )
    by_programme = statement.total.programmes
    assert statement.programmes == ["orphan_scattered", "de_facto_unattended", "education_aid"]
    de_facto = by_programme["de_facto_unattended"]
    assert de_facto.children == 3
    assert (de_facto.due, de_facto.paid, de_facto.pending) == (
        D("8055.00"),
        D("3102.00"),
        D("3302.00"),
    )
    assert (by_programme["orphan_scattered"].children, by_programme["orphan_scattered"].failed) == (
        1,
        D("1500.00"),
    )
    assert by_programme["education_aid"].one_off == D("800.00")
    assert statement.total.cycle is not None
    assert statement.total.cycle.status == PaymentCycle.Status.RECONCILED


def test_within_a_county_rows_are_townships_of_the_childs_region_and_those_who_moved_away() -> None:
    march_rolls()
    statement = statement_for(officer(), "511502")
    rows = {row.prefix: row for row in statement.rows}
    assert set(rows) == {STREET[:9], TOWN[:9], ELSEWHERE}
    assert (rows[STREET[:9]].total.children, rows[STREET[:9]].total.due) == (1, D("3102.00"))
    assert (rows[TOWN[:9]].total.children, rows[TOWN[:9]].total.due) == (2, D("3951.00"))
    assert (rows[ELSEWHERE].total.children, rows[ELSEWHERE].total.due) == (1, D("3302.00"))
    assert not rows[ELSEWHERE].drillable
    assert rows[TOWN[:9]].drillable


def test_a_city_statement_lists_each_county_with_the_status_of_its_roll() -> None:
    march_rolls()
    statement = statement_for(analyst(), "5115")
    rows = {row.prefix: row for row in statement.rows}
    assert set(rows) == {"511502", "511503", "511524"}
    assert rows["511502"].cycle.status == "reconciled"
    assert rows["511524"].cycle.status == "generated"
    assert rows["511503"].cycle.status == NO_CYCLE
    assert rows["511503"].cycle.status_label == "未生成名册"
    assert rows["511503"].total == Figures()
    assert statement.cycles == {"reconciled": 1, "generated": 1, NO_CYCLE: 1}
    assert (statement.total.total.children, statement.total.total.due) == (5, D("11755.00"))


def _adds_up(user, region: str, seen: list[str]) -> None:
    statement = statement_for(user, region)
    seen.append(region)
    if not statement.rows:
        return
    rows = statement.rows
    total = statement.total.total
    summed = Figures()
    for row in rows:
        summed = summed + row.total
    assert money(summed) == money(total), region
    assert summed.children == total.children, region
    for code in statement.programmes:
        parts = [r.programmes[code] for r in rows if code in r.programmes]
        assert sum((p.due for p in parts), D(0)) == statement.total.programmes[code].due
    for row in rows:
        if row.drillable and row.total.children:
            _adds_up(user, row.prefix, seen)


def test_the_roll_up_adds_up_at_every_level_from_the_nation_to_the_village() -> None:
    march_rolls()
    national = analyst("")
    seen: list[str] = []
    _adds_up(national, "", seen)
    assert {"", "51", "5115", "511502", "511502100", "511502001"} <= set(seen)
    village = statement_for(national, TOWN)
    assert (village.total.total.children, village.total.total.due) == (2, D("3951.00"))
    assert village.rows == []


def test_the_workbook_levels_add_up_to_each_level_above() -> None:
    march_rolls()
    statement = statement_for(analyst(""), "")
    levels = statement_levels(statement)
    outside = [r for r in levels if r.elsewhere]
    for length in (2, 4, 6, 9, 12):
        rows = [r for r in levels if r.length == length]
        if length == 12:  # the children living outside their county have no village
            rows += outside
        assert sum((r.figures.due for r in rows), D(0)) == D("11755.00"), length
    counties = {r.prefix: r for r in levels if r.length == 6}
    assert counties["511503"].cycle.status == NO_CYCLE
    assert [(r.prefix, r.figures.due) for r in outside] == [("511502", D("3302.00"))]
    villages = {r.prefix: r.figures.due for r in levels if r.length == 12}
    assert villages == {
        STREET: D("3102.00"),
        TOWN: D("3951.00"),
        CHANGNING: D("1400.00"),  # E, paid by 长宁县 where E lives; D is on 翠屏区's row
    }


def test_other_months_do_not_count() -> None:
    march_rolls()
    february = statement_for(officer(), "511502", dt.date(2026, 2, 1))
    assert (february.total.total.children, february.total.total.due) == (1, D("1651.00"))
    april = statement_for(officer(), "511502", dt.date(2026, 4, 1))
    assert april.total.total == Figures()
    assert april.total.cycle.status == NO_CYCLE


def test_a_generated_month_reads_as_its_roll_end_to_end() -> None:
    month = month_of(timezone.localdate())
    maker = officer()
    for village in (STREET, TOWN, TOWN):
        child = ChildFactory(**child_in(village))
        EnrolmentFactory(child=child)
        PayeeAccountFactory(child=child)
    cycle = generate_cycle(actor=maker, county_code="511502", month=month)
    statement = statement_for(maker, "511502", month)
    total = statement.total.total
    assert total.children == cycle.children == 3
    assert total.due == cycle.total_amount
    assert total.pending == cycle.total_amount  # nothing held, nothing sent yet
    assert statement.total.cycle.status == "generated"
    rows = {row.prefix: row.total for row in statement.rows}
    assert rows[STREET[:9]].due * 2 == rows[TOWN[:9]].due
    assert rows[STREET[:9]].due + rows[TOWN[:9]].due == cycle.total_amount
