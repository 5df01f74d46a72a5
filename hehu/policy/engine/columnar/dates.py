"""The date helpers, column-wise (functions.py is the reference, and the tests hold them to it).

`age_on`, `add_months`, `months_elapsed` and `in_force` as Polars expressions, with the
civil-code rules of the reference: a day past the end of a month is its last day (CC art.
202), and a 29 February birthday falls on 28 February in a common year. `date_threshold` turns
`age_on(d, D) >= k` with constant `D` and `k` into one comparison of `d` with a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from hehu.policy.engine import functions


def _leap(year: pl.Expr) -> pl.Expr:
    return ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)


def _days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    return (
        pl.when(month == 2)
        .then(pl.when(_leap(year)).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )


def _clamped_day(day: pl.Expr, year: pl.Expr, month: pl.Expr) -> pl.Expr:
    """`day`, or the last day of year-month when it has no such day (CC art. 202)."""
    last = _days_in_month(year, month)
    return pl.when(day > last).then(last).otherwise(day)


def add_months_expr(date: pl.Expr, months: pl.Expr) -> pl.Expr:
    """functions.add_months, column-wise."""
    index = date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64) - 1 + months
    year = index // 12
    month = index % 12 + 1  # floor modulo: right for negative indexes too
    return pl.date(year, month, _clamped_day(date.dt.day().cast(pl.Int64), year, month))


def age_on_expr(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """functions.age_on, column-wise: the Nth birthday of a 29 February child in a common
    year is 28 February."""
    on_year = on.dt.year().cast(pl.Int64)
    b_month, b_day = birth.dt.month().cast(pl.Int64), birth.dt.day().cast(pl.Int64)
    o_month, o_day = on.dt.month().cast(pl.Int64), on.dt.day().cast(pl.Int64)
    day = pl.when((b_month == 2) & (b_day == 29) & ~_leap(on_year)).then(28).otherwise(b_day)
    later = (b_month > o_month) | ((b_month == o_month) & (day > o_day))
    return on_year - birth.dt.year().cast(pl.Int64) - later.cast(pl.Int64)


def months_elapsed_expr(since: pl.Expr, on: pl.Expr) -> pl.Expr:
    """functions.months_elapsed, column-wise."""
    on_year, on_month = on.dt.year().cast(pl.Int64), on.dt.month().cast(pl.Int64)
    months = (on_year - since.dt.year().cast(pl.Int64)) * 12 + (
        on_month - since.dt.month().cast(pl.Int64)
    )
    # add_months(since, months) falls in on's month: comparing the days settles it.
    corresponding = _clamped_day(since.dt.day().cast(pl.Int64), on_year, on_month)
    months = months - (on.dt.day().cast(pl.Int64) <= corresponding).cast(pl.Int64)
    return pl.when(months < 0).then(0).otherwise(months)


def _month_index(date: pl.Expr) -> pl.Expr:
    """Months since year 0 (year * 12 + month - 1): the month arithmetic of add_months."""
    return date.dt.year().cast(pl.Int32) * 12 + date.dt.month().cast(pl.Int32) - 1


def before_term_end(since: pl.Expr, months: pl.Expr, on: pl.Expr) -> pl.Expr:
    """`on < add_months(since, months)`, without building a date.

    The corresponding day falls in month `m = index(since) + months`; `on` is before it when
    `on`'s month is earlier, or when it is that month and `on`'s day is before both `since`'s
    day and the month's last day (a day past the month's end is its last day, CC art. 202).
    """
    on_index = _month_index(on)
    term_index = _month_index(since) + months.cast(pl.Int32)
    on_day = on.dt.day().cast(pl.Int32)
    last = _days_in_month(on.dt.year().cast(pl.Int32), on.dt.month().cast(pl.Int32))
    same_month = (on_index == term_index) & (on_day < since.dt.day().cast(pl.Int32))
    return (on_index < term_index) | (same_month & (on_day < last))


def in_force_expr(column: Callable[[str], pl.Expr], on: pl.Expr) -> pl.Expr:
    """functions.in_force, column-wise; `column(field)` reads a field of the condition.

    The end is `until` (inclusive), else the day before `add_months(since, term_months)`,
    else open. Null when `on` is null (the evaluator's null argument → null result).
    """
    since, term, until = column("since"), column("term_months"), column("until")
    start = pl.coalesce(since, column("on"), column("police_accepted_on"))
    not_ended = (
        pl.when(until.is_not_null())
        .then(on <= until)
        .when(since.is_not_null() & term.is_not_null())
        .then(before_term_end(since, term, on))
        .otherwise(True)
    )
    return (
        pl.when(on.is_null())
        .then(pl.lit(None, pl.Boolean))
        .when(start.is_null())
        .then(False)
        .otherwise((start <= on) & not_ended)
    )


MONOTONE_HELPERS: dict[str, Callable[[dt.date, dt.date], int]] = {
    "age_on": functions.age_on,
    "months_elapsed": functions.months_elapsed,
}


def date_threshold(helper: str, on: dt.date, k: int) -> dt.date | bool | None:
    """The last date `d` with `helper(d, on) >= k` — both helpers fall as `d` grows, so
    `helper(d, on) >= k` exactly when `d <= threshold`. True when every date qualifies,
    None when the threshold lies outside the dates Python can represent (then the caller
    computes the helper instead). Found with the reference functions themselves."""
    function = MONOTONE_HELPERS[helper]
    if helper == "months_elapsed" and k <= 0:
        return True  # never negative
    day = dt.timedelta(days=1)
    try:
        if helper == "age_on":
            guess = dt.date(on.year - k, on.month, min(on.day, 28))
        else:
            guess = functions.add_months(on, -k)
        for _ in range(100):
            if function(guess, on) >= k:
                break
            guess -= day
        else:
            return None
        for _ in range(100):
            if function(guess + day, on) < k:
                return guess
            guess += day
    except (ValueError, OverflowError):
        return None
    return None
