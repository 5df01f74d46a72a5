"""The compiled roll of a month (hehu.benefits.roll.compute), on the shipped standards:
who is paid which programme, the age rules and the top-up, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from hehu.benefits.catalogue import DEFAULT_DIR
from hehu.benefits.roll.compute import ENROLMENT_SCHEMA, RECEIVING_SCHEMA, month_lines
from hehu.benefits.standards import Standards, load_standards

COUNTY = "511502"
MARCH = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def shipped() -> Standards:
    return load_standards(DEFAULT_DIR, policy_file=DEFAULT_DIR.parent / "cn-national.yaml")


def enrolment(
    child: int,
    category: str,
    *,
    starts: dt.date = dt.date(2025, 6, 1),
    stops: dt.date | None = None,
    birth: dt.date = dt.date(2015, 3, 2),
    living: str = "with_relatives",
    education: str = "primary",
    county: str = COUNTY,
) -> tuple:
    return (
        child * 10 + len(category),
        child,
        category,
        county,
        starts,
        stops,
        birth,
        living,
        education,
    )


def roll(
    standards: Standards,
    rows: list[tuple],
    month: dt.date = MARCH,
    receiving: list[tuple] = (),  # type: ignore[assignment]
    student_age: dict[str, int] | None = None,
) -> dict[int, dict[str, Decimal]]:
    lines = month_lines(
        standards=standards,
        enrolments=pl.DataFrame(rows, schema=ENROLMENT_SCHEMA, orient="row"),
        receiving=pl.DataFrame(list(receiving), schema=RECEIVING_SCHEMA, orient="row"),
        month=month,
        student_age=student_age or {},
    )
    out: dict[int, dict[str, Decimal]] = {}
    for child, programme, _month, amount, _standard, _reasons, _county in lines.iter_rows():
        out.setdefault(child, {})[programme] = amount
    return out


def test_scenario_4_de_facto_unattended_child_in_a_dibao_household_is_paid_1251(shipped) -> None:
    paid = roll(shipped, [enrolment(1, "de_facto_unattended")], receiving=[(1, "dibao", 400.0)])
    assert paid == {1: {"de_facto_unattended": Decimal("1251.00")}}


def test_orphans_are_paid_the_institutional_or_scattered_standard_by_where_they_live(
    shipped,
) -> None:
    paid = roll(
        shipped,
        [enrolment(1, "orphan", living="institution"), enrolment(2, "orphan")],
    )
    assert paid == {
        1: {"orphan_institutional": Decimal("1851.00")},
        2: {"orphan_scattered": Decimal("1651.00")},
    }


def test_only_the_highest_child_allowance_is_paid_and_independent_ones_on_top(shipped) -> None:
    # An orphan who is also a disabled child: the orphan allowance (highest), not the living
    # subsidy; the nursing subsidy is independent (Yibin demo: living 100, nursing 90).
    paid = roll(shipped, [enrolment(1, "orphan"), enrolment(1, "disabled_child")])
    assert paid == {
        1: {"orphan_scattered": Decimal("1651.00"), "disabled_nursing": Decimal("90.00")}
    }


def test_a_disabled_child_alone_gets_the_living_and_nursing_subsidies(shipped) -> None:
    paid = roll(shipped, [enrolment(1, "disabled_child")])
    assert paid == {1: {"disabled_living": Decimal("100.00"), "disabled_nursing": Decimal("90.00")}}


def test_payment_starts_with_the_start_month_and_stops_with_the_stop_month(shipped) -> None:
    rows = [
        enrolment(1, "orphan", starts=dt.date(2026, 4, 1)),
        enrolment(2, "orphan", stops=MARCH),
        enrolment(3, "orphan", stops=dt.date(2026, 4, 1)),
    ]
    assert set(roll(shipped, rows)) == {3}


def test_payment_stops_from_the_month_after_the_18th_birthday(shipped) -> None:
    # Born 2008-03-15: 18 in March 2026 → paid for March, not April.
    rows = [enrolment(1, "orphan", birth=dt.date(2008, 3, 15))]
    assert set(roll(shipped, rows, MARCH)) == {1}
    assert roll(shipped, rows, dt.date(2026, 4, 1)) == {}


def test_a_full_time_student_is_paid_on_where_the_region_continues_it(shipped) -> None:
    rows = [enrolment(1, "orphan", birth=dt.date(2007, 3, 15), education="higher")]
    assert roll(shipped, rows, MARCH) == {}
    assert set(roll(shipped, rows, MARCH, student_age={COUNTY: 22})) == {1}
    not_student = [enrolment(2, "orphan", birth=dt.date(2007, 3, 15), education="none")]
    assert roll(shipped, not_student, MARCH, student_age={COUNTY: 22}) == {}


def test_tekun_support_continues_after_18(shipped) -> None:
    rows = [enrolment(1, "tekun_minor", birth=dt.date(2006, 1, 1))]
    assert set(roll(shipped, rows, MARCH)) == {1}


def test_a_top_up_never_goes_below_zero(shipped) -> None:
    paid = roll(shipped, [enrolment(1, "de_facto_unattended")], receiving=[(1, "dibao", 2000.0)])
    assert paid == {1: {"de_facto_unattended": Decimal("0.00")}}


def test_what_the_child_receives_from_the_paid_programme_itself_is_not_deducted(shipped) -> None:
    paid = roll(
        shipped,
        [enrolment(1, "de_facto_unattended")],
        receiving=[(1, "de_facto_unattended", 1651.0), (1, "dibao", 300.0)],
    )
    assert paid == {1: {"de_facto_unattended": Decimal("1351.00")}}
