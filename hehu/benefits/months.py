"""Months as their first day: benefits are paid per calendar month (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_after(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s month."""
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_from(start: dt.date, stop: dt.date) -> Iterator[dt.date]:
    """The months from `start` up to, not including, `stop` (both first days)."""
    month = month_of(start)
    while month < stop:
        yield month
        month = month_after(month)


def parse_month(text: str) -> dt.date:
    """'2026-03' or '2026-03-01' → 2026-03-01; ValueError otherwise."""
    text = text.strip()
    if len(text) == 7:
        text += "-01"
    day = dt.date.fromisoformat(text)
    if day.day != 1:
        raise ValueError(text)
    return day


def label(month: dt.date) -> str:
    return f"{month:%Y-%m}"
