"""The budget of a year: actual months from approved rolls, the rest of the year projected
from the enrolments running now (one compiled roll per month), by programme and region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hehu.benefits.catalogue import standard_amount
from hehu.benefits.models import PaymentCycle, Transfer
from hehu.benefits.reports.budget import ACTUAL, PARTLY, PROJECTED, Budget, budget
from hehu.benefits.reports.scope import ELSEWHERE, report_scope
from hehu.benefits.tests.factories import EnrolmentFactory, PaymentCycleFactory, make_transfer
from hehu.benefits.tests.reports_factories import (
    CHANGNING,
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
TODAY = dt.date(2026, 11, 15)
NOVEMBER = dt.date(2026, 11, 1)


def budget_for(user, region: str, year: int = 2026, today: dt.date = TODAY) -> Budget:
    return budget(scope=report_scope(user, region), year=year, today=today)


def enrolled(village: str, county: str = "511502") -> None:
    EnrolmentFactory(child=ChildFactory(**child_in(village)), county_code=county)


def standard(county: str, month: dt.date = NOVEMBER) -> Decimal:
    amount = standard_amount("de_facto_unattended", county, month)
    assert amount is not None
    return amount


def test_a_county_budget_is_approved_rolls_then_the_running_enrolments_projected() -> None:
    march_rolls()
    enrolled(STREET)
    enrolled(TOWN)
    result = budget_for(officer(), "511502")
    per_month = standard("511502")
    # Actual: March (10,355.00 due, 3,102.00 paid) and February (1,651.00 failed).
    assert result.total.total.actual_due == D("12006.00")
    assert result.total.total.actual_paid == D("3102.00")
    # Projected: two children, November and December.
    assert result.total.total.projected == 4 * per_month
    assert result.total.total.total == D("12006.00") + 4 * per_month
    assert result.first_projected == NOVEMBER
    months = {m.key: m for m in result.months}
    assert len(months) == 12
    assert [months[f"2026-{n:02d}"].basis for n in (1, 3, 10, 11, 12)] == [
        ACTUAL,
        ACTUAL,
        ACTUAL,
        PROJECTED,
        PROJECTED,
    ]
    assert months["2026-03"].total.actual_due == D("10355.00")
    assert months["2026-11"].total.projected == 2 * per_month
    assert months["2026-04"].total.total == D("0.00")


def test_by_programme_and_by_region_the_budget_adds_up() -> None:
    march_rolls()
    enrolled(STREET)
    enrolled(TOWN)
    result = budget_for(officer(), "511502")
    per_month = standard("511502")
    programmes = result.total.programmes
    assert set(result.programmes) == {"orphan_scattered", "de_facto_unattended", "education_aid"}
    assert programmes["education_aid"].actual_due == D("800.00")
    assert programmes["de_facto_unattended"].projected == 4 * per_month
    assert sum((c.total for c in programmes.values()), D(0)) == result.total.total.total
    rows = {row.key: row.total for row in result.rows}
    assert rows[STREET[:9]].actual_due == D("4753.00")  # A in March, February's failure
    assert rows[STREET[:9]].projected == 2 * per_month
    assert rows[TOWN[:9]].actual_due == D("3951.00")
    assert rows[ELSEWHERE].actual_due == D("3302.00")
    assert sum((r.total for r in rows.values()), D(0)) == result.total.total.total
    assert sum((m.total.total for m in result.months), D(0)) == result.total.total.total


def test_a_county_with_an_approved_roll_this_month_is_not_projected_for_it() -> None:
    march_rolls()
    enrolled(STREET)
    enrolled(CHANGNING, county="511524")
    november = PaymentCycleFactory(
        county_code="511524", month=NOVEMBER, status=PaymentCycle.Status.APPROVED
    )
    make_transfer(november, amount=D("1400.00"), status=Transfer.Status.PENDING)
    result = budget_for(analyst(), "5115")
    months = {m.key: m for m in result.months}
    assert months["2026-11"].basis == PARTLY
    assert months["2026-11"].total.actual_due == D("1400.00")
    assert months["2026-11"].total.projected == standard("511502")  # 翠屏区 only
    assert months["2026-12"].total.projected == standard("511502") + standard("511524")
    rows = {row.key: row.total for row in result.rows}
    # 长宁县's March roll is only generated: not counted as actual.
    assert rows["511524"].actual_due == D("1400.00")
    assert rows["511503"].total == D("0.00")
    assert sum((r.total for r in rows.values()), D(0)) == result.total.total.total


def test_a_past_year_is_all_actual_and_a_coming_year_all_projected() -> None:
    march_rolls()
    enrolled(STREET)
    past = budget_for(officer(), "511502", year=2025)
    assert past.first_projected is None
    assert {m.basis for m in past.months} == {ACTUAL}
    assert past.total.total.total == D("0.00")
    coming = budget_for(officer(), "511502", year=2027)
    assert {m.basis for m in coming.months} == {PROJECTED}
    assert coming.total.total.actual_due == D("0.00")
    expected = sum((standard("511502", dt.date(2027, n, 1)) for n in range(1, 13)), D("0.00"))
    assert coming.total.total.projected == expected


def test_a_stopped_enrolment_is_projected_until_it_stops() -> None:
    child = ChildFactory(**child_in(STREET))
    EnrolmentFactory(child=child, stops_month=dt.date(2026, 12, 1), stop_reason="moved_out")
    result = budget_for(officer(), "511502")
    assert result.total.total.projected == standard("511502")  # November only
