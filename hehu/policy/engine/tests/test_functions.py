"""The date helpers at their boundaries (DOMAIN.md §1)."""

from __future__ import annotations

import datetime as dt

import pytest

from hehu.policy.engine.functions import (
    add_months,
    age_on,
    condition_end,
    condition_start,
    in_force,
    months_elapsed,
)

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 1, 10), 6, D(2025, 7, 10)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 2, D(2025, 3, 31)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 11, 15), 2, D(2026, 1, 15)),
        (D(2025, 12, 31), 1, D(2026, 1, 31)),
        (D(2025, 1, 15), 0, D(2025, 1, 15)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2026, 1, 31), -2, D(2025, 11, 30)),
        (D(2024, 3, 1), 36, D(2027, 3, 1)),
    ],
)
def test_it_adds_months_to_the_corresponding_day_or_the_last_of_the_month(
    start: dt.date, n: int, expected: dt.date
) -> None:
    assert add_months(start, n) == expected


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        # the day before, of and after the 18th birthday
        (D(2007, 6, 15), D(2025, 6, 14), 17),
        (D(2007, 6, 15), D(2025, 6, 15), 18),
        (D(2007, 6, 15), D(2025, 6, 16), 18),
        # born 29 February: the birthday is 28 February in a common year
        (D(2008, 2, 29), D(2026, 2, 27), 17),
        (D(2008, 2, 29), D(2026, 2, 28), 18),
        (D(2008, 2, 29), D(2026, 3, 1), 18),
        # … and 29 February in a leap year
        (D(2008, 2, 29), D(2028, 2, 28), 19),
        (D(2008, 2, 29), D(2028, 2, 29), 20),
        (D(2008, 2, 29), D(2028, 3, 1), 20),
        # born 28 February or 1 March: unaffected by leap years
        (D(2008, 2, 28), D(2026, 2, 27), 17),
        (D(2008, 2, 28), D(2026, 2, 28), 18),
        (D(2008, 3, 1), D(2026, 2, 28), 17),
        (D(2008, 3, 1), D(2026, 3, 1), 18),
        (D(2012, 3, 1), D(2028, 2, 29), 15),
        # year end
        (D(2010, 12, 31), D(2025, 12, 30), 14),
        (D(2010, 12, 31), D(2025, 12, 31), 15),
        (D(2010, 1, 1), D(2025, 12, 31), 15),
        # the day of birth, and before it
        (D(2025, 5, 5), D(2025, 5, 5), 0),
        (D(2025, 5, 5), D(2026, 5, 4), 0),
        (D(2025, 5, 5), D(2026, 5, 5), 1),
        (D(2025, 5, 5), D(2025, 5, 4), -1),
    ],
)
def test_it_counts_age_in_full_years_reached_on_the_birthday(
    birth: dt.date, on: dt.date, expected: int
) -> None:
    assert age_on(birth, on) == expected


@pytest.mark.parametrize(
    ("since", "on", "expected"),
    [
        # DOMAIN.md §1: police accepted 2025-01-10 → 6 months from 2025-07-11
        (D(2025, 1, 10), D(2025, 7, 9), 5),
        (D(2025, 1, 10), D(2025, 7, 10), 5),
        (D(2025, 1, 10), D(2025, 7, 11), 6),
        # month ends: 31 January + 1 month ends on 28 February
        (D(2025, 1, 31), D(2025, 2, 28), 0),
        (D(2025, 1, 31), D(2025, 3, 1), 1),
        (D(2024, 1, 31), D(2024, 2, 29), 0),
        (D(2024, 1, 31), D(2024, 3, 1), 1),
        (D(2025, 1, 31), D(2025, 3, 31), 1),
        (D(2025, 1, 31), D(2025, 4, 1), 2),
        (D(2025, 8, 31), D(2025, 9, 30), 0),
        (D(2025, 8, 31), D(2025, 10, 1), 1),
        # 29 February events
        (D(2024, 2, 29), D(2025, 2, 28), 11),
        (D(2024, 2, 29), D(2025, 3, 1), 12),
        # across a year
        (D(2024, 12, 15), D(2025, 6, 15), 5),
        (D(2024, 12, 15), D(2025, 6, 16), 6),
        # the event's day and the days around it
        (D(2025, 1, 10), D(2025, 1, 9), 0),
        (D(2025, 1, 10), D(2025, 1, 10), 0),
        (D(2025, 1, 10), D(2025, 1, 11), 0),
        (D(2025, 1, 10), D(2025, 2, 10), 0),
        (D(2025, 1, 10), D(2025, 2, 11), 1),
        (D(2020, 1, 10), D(2025, 1, 11), 60),
    ],
)
def test_it_counts_months_elapsed_from_the_day_after_the_period_ends(
    since: dt.date, on: dt.date, expected: int
) -> None:
    assert months_elapsed(since, on) == expected


def test_it_agrees_months_elapsed_with_add_months_every_day_for_two_years() -> None:
    since = D(2024, 1, 31)
    on = since
    while on < D(2026, 2, 1):
        n = months_elapsed(since, on)
        assert on > add_months(since, n) or n == 0
        assert not on > add_months(since, n + 1)
        on += dt.timedelta(days=1)


def test_it_starts_a_condition_on_since_then_on_then_police_accepted_on() -> None:
    assert condition_start({"since": D(2025, 1, 1), "on": D(2025, 2, 1)}) == D(2025, 1, 1)
    assert condition_start({"on": D(2025, 2, 1), "police_accepted_on": D(2025, 3, 1)}) == D(
        2025, 2, 1
    )
    assert condition_start({"police_accepted_on": D(2025, 3, 1)}) == D(2025, 3, 1)
    assert condition_start({"type": "imprisoned", "since": None}) is None


def test_it_ends_a_condition_on_until_else_the_day_before_its_term_is_up() -> None:
    # 自2024年3月1日起至2027年2月28日止
    assert condition_end({"since": D(2024, 3, 1), "term_months": 36}) == D(2027, 2, 28)
    assert condition_end({"since": D(2023, 3, 1), "term_months": 12}) == D(2024, 2, 29)
    assert condition_end({"since": D(2025, 1, 1), "term_months": 6}) == D(2025, 6, 30)
    assert condition_end({"since": D(2025, 12, 15), "term_months": 1}) == D(2026, 1, 14)
    assert condition_end({"since": D(2025, 3, 1), "term_months": 0}) == D(2025, 2, 28)
    until = {"since": D(2024, 3, 1), "term_months": 36, "until": D(2025, 1, 1)}
    assert condition_end(until) == D(2025, 1, 1)
    assert condition_end({"since": D(2024, 3, 1)}) is None
    assert condition_end({"term_months": 36}) is None


@pytest.mark.parametrize(
    ("condition", "on", "expected"),
    [
        # a 36-month term from 2024-03-01 runs to 2027-02-28 inclusive (the day before the
        # corresponding day): 自2024年3月1日起至2027年2月28日止
        ({"since": D(2024, 3, 1), "term_months": 36}, D(2024, 2, 29), False),
        ({"since": D(2024, 3, 1), "term_months": 36}, D(2024, 3, 1), True),
        ({"since": D(2024, 3, 1), "term_months": 36}, D(2027, 2, 28), True),
        ({"since": D(2024, 3, 1), "term_months": 36}, D(2027, 3, 1), False),
        # ending in a leap February: the 29th is its last day
        ({"since": D(2023, 3, 1), "term_months": 12}, D(2024, 2, 29), True),
        ({"since": D(2023, 3, 1), "term_months": 12}, D(2024, 3, 1), False),
        # from the 15th: the 14th of the last month is the last day
        ({"since": D(2025, 1, 15), "term_months": 6}, D(2025, 7, 14), True),
        ({"since": D(2025, 1, 15), "term_months": 6}, D(2025, 7, 15), False),
        # a term from 31 August: the corresponding day is the month's last (28 February),
        # so the term's last day is the day before it
        ({"since": D(2024, 8, 31), "term_months": 6}, D(2025, 2, 27), True),
        ({"since": D(2024, 8, 31), "term_months": 6}, D(2025, 2, 28), False),
        # a term of 0 months is never in force
        ({"since": D(2025, 3, 1), "term_months": 0}, D(2025, 3, 1), False),
        # `until` is inclusive and wins over the term
        ({"since": D(2024, 3, 1), "until": D(2025, 1, 1), "term_months": 36}, D(2025, 1, 1), True),
        ({"since": D(2024, 3, 1), "until": D(2025, 1, 1), "term_months": 36}, D(2025, 1, 2), False),
        # open-ended without until or term
        ({"since": D(2024, 3, 1)}, D(2024, 2, 29), False),
        ({"since": D(2024, 3, 1)}, D(2099, 1, 1), True),
        ({"on": D(2025, 4, 1)}, D(2025, 3, 31), False),
        ({"on": D(2025, 4, 1)}, D(2025, 4, 1), True),
        ({"police_accepted_on": D(2025, 1, 10)}, D(2025, 1, 9), False),
        ({"police_accepted_on": D(2025, 1, 10)}, D(2025, 1, 10), True),
        # a term without a start, or nothing at all: not in force
        ({"term_months": 36}, D(2025, 1, 1), False),
        ({"until": D(2030, 1, 1)}, D(2025, 1, 1), False),
        ({}, D(2025, 1, 1), False),
    ],
)
def test_it_holds_a_condition_in_force_between_its_start_and_end_inclusive(
    condition: dict[str, object], on: dt.date, expected: bool
) -> None:
    assert in_force(condition, on) is expected
