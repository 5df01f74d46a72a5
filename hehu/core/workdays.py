"""Working days and deadlines (DOMAIN.md §1).

A working day (工作日) is a Monday to Friday that is not a statutory holiday, or a weekend
day the State Council declares a make-up working day (调休上班). The holidays and make-up
days of each year are policy data, not code: policies/calendar/cn-workdays.yaml, loaded
and checked once. A deadline is never computed from a calendar that does not know the
year: any date outside the covered years raises `YearNotCovered`.

Periods counted from an event start the next day (Civil Code art. 201): "15 working days
after acceptance" is the 15th working day after the acceptance date. A calendar-day
period whose last day is a rest day ends on the next working day (Civil Code art. 203).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CALENDAR_FILE = Path(__file__).resolve().parents[2] / "policies" / "calendar" / "cn-workdays.yaml"

ONE_DAY = dt.timedelta(days=1)
SATURDAY = 5


class CalendarError(ValueError):
    """The working-day calendar file is malformed or inconsistent."""


class YearNotCovered(LookupError):
    """A date falls in a year the working-day calendar does not cover."""

    def __init__(self, day: dt.date, covered: Iterable[int]) -> None:
        years = sorted(covered)
        known = f"{years[0]}–{years[-1]}" if years else "none"
        super().__init__(
            f"The working-day calendar does not cover {day.year} (needed for {day.isoformat()}; "
            f"covered years: {known}). Add that year's State Council holiday notice to "
            f"policies/calendar/cn-workdays.yaml before computing this deadline."
        )
        self.day = day


@dataclass(frozen=True)
class WorkdayCalendar:
    """Statutory holidays and make-up working days for a set of whole years."""

    years: frozenset[int]
    holidays: frozenset[dt.date]
    make_up_days: frozenset[dt.date]
    sources: Mapping[int, str]

    # ---- building ----------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, text: str, *, name: str = "calendar") -> WorkdayCalendar:
        """Parse and check a calendar file's text; `CalendarError` says what is wrong."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CalendarError(f"{name}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict) or set(data) != {"calendar", "years"}:
            raise CalendarError(f"{name}: expected exactly the keys 'calendar' and 'years'")
        years = data["years"]
        if not isinstance(years, dict) or not years:
            raise CalendarError(f"{name}: 'years' must map each year to its notice")
        holidays: set[dt.date] = set()
        make_up: set[dt.date] = set()
        sources: dict[int, str] = {}
        for year, entry in years.items():
            if not isinstance(year, int) or isinstance(year, bool):
                raise CalendarError(f"{name}: year {year!r} is not a year number")
            off, work, source = _year(entry, year, f"{name}: {year}")
            holidays |= off
            make_up |= work
            sources[year] = source
        return cls(frozenset(years), frozenset(holidays), frozenset(make_up), sources)

    @classmethod
    def from_file(cls, path: Path) -> WorkdayCalendar:
        return cls.from_yaml(path.read_text(encoding="utf-8"), name=path.name)

    # ---- questions ---------------------------------------------------------------------

    def covered_years(self) -> list[int]:
        return sorted(self.years)

    def _check(self, day: dt.date) -> None:
        if day.year not in self.years:
            raise YearNotCovered(day, self.years)

    def is_working_day(self, day: dt.date) -> bool:
        self._check(day)
        if day in self.make_up_days:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays

    def working_days_after(self, start: dt.date, n: int) -> dt.date:
        """The nth working day after `start` (counting starts the next day, CC art. 201)."""
        if n < 1:
            raise ValueError(f"a deadline counts at least one working day, not {n}")
        self._check(start)
        day = start
        while n:
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def calendar_deadline(self, start: dt.date, n_days: int) -> dt.date:
        """`n_days` calendar days after `start`; a rest day moves to the next working day."""
        if n_days < 1:
            raise ValueError(f"a deadline counts at least one day, not {n_days}")
        self._check(start)
        day = start + dt.timedelta(days=n_days)
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`.

        The inverse of `working_days_after`: between(a, working_days_after(a, n)) == n.
        """
        if b < a:
            return -self.working_days_between(b, a)
        self._check(a)
        count = 0
        day = a
        while day < b:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def _date(value: Any, year: int, where: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise CalendarError(f"{where}: {value!r} is not a date (write YYYY-MM-DD)")
    if value.year != year:
        raise CalendarError(f"{where}: {value.isoformat()} is outside the year {year}")
    return value


def _year(entry: Any, year: int, where: str) -> tuple[set[dt.date], set[dt.date], str]:
    """One year's holidays, make-up working days and source, checked."""
    if not isinstance(entry, dict):
        raise CalendarError(f"{where}: expected source, published and festivals")
    unknown = set(entry) - {"source", "number", "published", "festivals"}
    if unknown:
        raise CalendarError(f"{where}: unknown keys {sorted(unknown)}")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CalendarError(f"{where}: 'source' must name the State Council notice")
    number = entry.get("number")
    if number is not None and not isinstance(number, str):
        raise CalendarError(f"{where}: 'number' must be the notice's document number")
    published = entry.get("published")
    if not isinstance(published, dt.date):
        raise CalendarError(f"{where}: 'published' must be the notice's date")
    festivals = entry.get("festivals")
    if not isinstance(festivals, list) or not festivals:
        raise CalendarError(f"{where}: 'festivals' must list the notice's holidays")
    holidays: dict[dt.date, str] = {}
    make_up: dict[dt.date, str] = {}
    for festival in festivals:
        if not isinstance(festival, dict) or set(festival) != {"festival", "days_off", "make_up"}:
            raise CalendarError(
                f"{where}: each festival has exactly festival, days_off and make_up"
            )
        label = str(festival["festival"])
        here = f"{where} {label}"
        off = festival["days_off"]
        if not isinstance(off, dict) or set(off) != {"from", "to"}:
            raise CalendarError(f"{here}: 'days_off' must be {{from: date, to: date}}")
        first, last = _date(off["from"], year, here), _date(off["to"], year, here)
        if last < first:
            raise CalendarError(f"{here}: the holiday ends before it starts")
        day = first
        while day <= last:
            if day in holidays:
                raise CalendarError(f"{here}: {day.isoformat()} is already a holiday")
            holidays[day] = label
            day += ONE_DAY
        days = festival["make_up"]
        if not isinstance(days, list):
            raise CalendarError(f"{here}: 'make_up' must be a list of dates")
        for value in days:
            day = _date(value, year, here)
            if day.weekday() < SATURDAY:
                raise CalendarError(
                    f"{here}: make-up day {day.isoformat()} is a "
                    f"{day.strftime('%A')}, not a weekend day"
                )
            if day in make_up:
                raise CalendarError(f"{here}: make-up day {day.isoformat()} is listed twice")
            make_up[day] = label
    both = sorted(set(holidays) & set(make_up))
    if both:
        raise CalendarError(
            f"{where}: {both[0].isoformat()} is both a holiday and a make-up working day"
        )
    text = source.strip() + (f"（{number}）" if number else "")
    return set(holidays), set(make_up), text


@functools.cache
def default_calendar() -> WorkdayCalendar:
    """The shipped calendar, loaded and checked once per process."""
    return WorkdayCalendar.from_file(CALENDAR_FILE)


def covered_years() -> list[int]:
    """The years whose holidays and make-up working days Hehu knows."""
    return default_calendar().covered_years()


def is_working_day(day: dt.date) -> bool:
    return default_calendar().is_working_day(day)


def working_days_after(start: dt.date, n: int) -> dt.date:
    """The date a deadline of `n` working days counted from `start` falls on."""
    return default_calendar().working_days_after(start, n)


def calendar_deadline(start: dt.date, n_days: int) -> dt.date:
    """`n_days` calendar days after `start`, moved off a rest day (CC art. 203)."""
    return default_calendar().calendar_deadline(start, n_days)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after `a` up to and including `b` (negative when `b` < `a`)."""
    return default_calendar().working_days_between(a, b)
