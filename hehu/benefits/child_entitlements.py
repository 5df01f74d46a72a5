"""One child's entitlements for a month, from the child's enrolments (the one-child engine).

The roll computes the same for a whole county at once (hehu.benefits.roll.compute); this
is what the child's page shows, what a late change is checked against, and what the
agreement test compares the roll with.
"""

from __future__ import annotations

import datetime as dt

from hehu.benefits.catalogue import standards
from hehu.benefits.models import Enrolment
from hehu.benefits.roll.compute import (
    ADULT_AGE,
    CONTINUES_AFTER_ADULTHOOD,
    FULL_TIME_STUDENT,
    STUDENT_AGE_PARAMETER,
)
from hehu.benefits.standards.entitlements import MonthEntitlements, Received, month_entitlements
from hehu.registry.models import Child


def _years_paid(child: Child, county: str, month: dt.date) -> int:
    if child.education not in FULL_TIME_STUDENT:
        return ADULT_AGE
    parameter = standards().parameters.get(STUDENT_AGE_PARAMETER)
    value = parameter.value_for(county, month) if parameter is not None else None
    return max(ADULT_AGE, int(value)) if value is not None else ADULT_AGE


def _in_age(child: Child, category: str, county: str, month: dt.date) -> bool:
    if category in CONTINUES_AFTER_ADULTHOOD:
        return True
    years = _years_paid(child, county, month)
    birth = child.birth_date.replace(day=1)
    return month <= birth.replace(year=birth.year + years)


def running_categories(
    child: Child, month: dt.date, enrolments: list[Enrolment] | None = None
) -> dict[str, Enrolment]:
    """The child's enrolments that pay in `month`, by category."""
    rows = enrolments if enrolments is not None else list(child.benefit_enrolments.all())
    return {
        e.category: e
        for e in rows
        if e.runs_in(month) and _in_age(child, e.category, e.county_code, month)
    }


def entitlements_of(
    child: Child, month: dt.date, enrolments: list[Enrolment] | None = None
) -> MonthEntitlements:
    running = running_categories(child, month, enrolments)
    county = next(iter(running.values())).county_code if running else child.region_id[:6]
    return month_entitlements(
        standards=standards(),
        region_code=county,
        month=month,
        categories=list(running),
        living_arrangement=child.living_arrangement,
        receiving=[Received(r.programme, r.monthly_amount) for r in child.receiving.all()],
        confirmed_on={c: dt.date(1900, 1, 1) for c in running},
    )
