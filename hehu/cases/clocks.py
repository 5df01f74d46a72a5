"""Deadlines for casework: working days over the statutory calendar, months by the Civil Code.

A deadline counted over a year the working-day calendar does not yet cover (its State
Council notice is published each November/December) is computed over weekdays only and
marked provisional, rather than refused: casework cannot stop on 1 January. The work list
shows it as provisional; docs/operations.md says how to add the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hehu.core.workdays import default_calendar
from hehu.policy.engine.functions import add_months

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Due:
    on: dt.date
    provisional: bool = False


def _working(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, was judged without the calendar)."""
    calendar = default_calendar()
    if day.year in calendar.years:
        return calendar.is_working_day(day), False
    return day.weekday() < 5, True


def working_days_after(start: dt.date, n: int) -> Due:
    """The nth working day after `start` (counting starts the next day, CC art. 201)."""
    if n < 1:
        raise ValueError(f"a deadline counts at least one working day, not {n}")
    day, provisional = start, False
    while n:
        day += ONE_DAY
        working, guessed = _working(day)
        provisional |= guessed
        n -= working
    return Due(day, provisional)


def working_days_before(end: dt.date, n: int) -> dt.date:
    """The date n working days before `end` (the inverse of working_days_after)."""
    day = end
    while n:
        day -= ONE_DAY
        n -= _working(day)[0]
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after `a` up to and including `b` (negative when b < a)."""
    if b < a:
        return -working_days_between(b, a)
    count, day = 0, a
    while day < b:
        day += ONE_DAY
        count += _working(day)[0]
    return count


def months_after(start: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day, CC 202)."""
    return add_months(start, months)


def months_deadline(start: dt.date, months: int) -> Due:
    """A period of months counted from `start` (CC art. 202), moved off a rest day to the
    next working day (CC art. 203): the next visit, a plan's review date."""
    day = months_after(start, months)
    provisional = False
    while True:
        working, guessed = _working(day)
        provisional |= guessed
        if working:
            return Due(day, provisional)
        day += ONE_DAY
