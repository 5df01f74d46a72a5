"""The date helpers of the policy language, as plain Python: the reference implementation.

Each follows DOMAIN.md §1 and docs/policy-language.md ("Helpers"). The columnar evaluator
has vectorised versions of the same functions and is tested against these, so these stay
simple and obviously right rather than fast. All dates are `datetime.date`; none of these
accept null — the evaluator turns a null argument into a null result before calling them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any


def add_months(d: dt.date, n: int) -> dt.date:
    """The corresponding day `n` months after `d`, or that month's last day (CC art. 202)."""
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(d.day, last_day))


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in full years on `on`: age N is reached on the Nth birthday.

    The Nth birthday is `add_months(birth_date, 12 * N)`, so a child born on 29 February
    reaches an age on 28 February in a common year. Before the birth the age is negative
    (-1 on the eve of the birth): the number is the largest N whose birthday is on or
    before `on`.
    """
    years = on.year - birth_date.year
    if add_months(birth_date, 12 * years) > on:
        years -= 1
    return years


def months_elapsed(since: dt.date, on: dt.date) -> int:
    """Full months elapsed on `on` since the event on `since`: 0 until the first has.

    A period of months starts the day after the event and ends on the corresponding day
    (CC arts. 201-202), so n months have elapsed on `on` when `on` is *after*
    `add_months(since, n)`: reported on 2025-01-10, 5 months on 2025-07-10, 6 on 2025-07-11.
    """
    months = (on.year - since.year) * 12 + (on.month - since.month)
    # `add_months(since, months)` falls in the month of `on`: one comparison settles it.
    if on <= add_months(since, months):
        months -= 1
    return max(months, 0)


def condition_start(condition: Mapping[str, Any]) -> dt.date | None:
    """When a parent's condition began: `since`, else `on`, else `police_accepted_on`."""
    for key in ("since", "on", "police_accepted_on"):
        start = condition.get(key)
        if start is not None:
            return start
    return None


def condition_end(condition: Mapping[str, Any]) -> dt.date | None:
    """The last day a condition is in force, or None when it is open-ended.

    `until` when given; else, when both `since` and `term_months` are given, the day before
    `add_months(since, term_months)`: a term ends the day before its corresponding day, as
    Chinese judgments write it — 36 months from 2024-03-01 runs 自2024年3月1日起至2027年2月28日止
    (the last day is in force); else open.
    """
    until = condition.get("until")
    if until is not None:
        return until
    since, term = condition.get("since"), condition.get("term_months")
    if since is not None and term is not None:
        return add_months(since, term) - dt.timedelta(days=1)
    return None


def in_force(condition: Mapping[str, Any], on: dt.date) -> bool:
    """The condition has started on or before `on` and has not ended before `on`.

    A condition with no start date (`since`, `on`, `police_accepted_on`) is not in force:
    a rule never holds because of a date nobody recorded.
    """
    start = condition_start(condition)
    if start is None or start > on:
        return False
    end = condition_end(condition)
    return end is None or on <= end
