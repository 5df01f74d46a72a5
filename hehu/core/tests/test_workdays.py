"""Working days and deadlines from the State Council holiday notices (DOMAIN.md §1)."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from hehu.core import workdays
from hehu.core.workdays import CalendarError, WorkdayCalendar, YearNotCovered

D = dt.date


def _week(first: dt.date, days: int) -> list[bool]:
    return [workdays.is_working_day(first + dt.timedelta(days=i)) for i in range(days)]


def test_it_covers_2024_to_2026_from_the_shipped_file():
    assert workdays.covered_years() == [2024, 2025, 2026]
    sources = workdays.default_calendar().sources
    assert "2025年部分节假日安排" in sources[2025]
    assert "国办发明电〔2024〕12号" in sources[2025]


def test_national_day_and_mid_autumn_2025_with_its_make_up_days():
    # Sun 28 Sep worked; 1–8 Oct off; Sat 11 Oct worked; Sun 12 Oct rest.
    assert _week(D(2025, 9, 27), 17) == [
        False,  # Sat 27 Sep
        True,  # Sun 28 Sep, make-up
        True,  # Mon 29
        True,  # Tue 30
        *[False] * 8,  # 1–8 Oct
        True,  # Thu 9
        True,  # Fri 10
        True,  # Sat 11, make-up
        False,  # Sun 12
        True,  # Mon 13
    ]


def test_spring_festival_2025_and_2026():
    assert workdays.is_working_day(D(2025, 1, 26))  # Sunday, make-up
    assert workdays.is_working_day(D(2025, 1, 27))
    assert not any(_week(D(2025, 1, 28), 8))  # 除夕 to 初七
    assert workdays.is_working_day(D(2025, 2, 5))
    assert workdays.is_working_day(D(2025, 2, 8))  # Saturday, make-up
    assert workdays.is_working_day(D(2026, 2, 14))  # Saturday, make-up
    assert not any(_week(D(2026, 2, 15), 9))  # 15–23 Feb 2026, nine days
    assert workdays.is_working_day(D(2026, 2, 24))
    assert workdays.is_working_day(D(2026, 2, 28))  # Saturday, make-up


def test_labour_day():
    assert workdays.is_working_day(D(2024, 4, 28))  # Sunday, make-up
    assert not any(_week(D(2024, 5, 1), 5))
    assert workdays.is_working_day(D(2024, 5, 11))  # Saturday, make-up
    assert not any(_week(D(2025, 5, 1), 5))
    assert workdays.is_working_day(D(2025, 4, 27))
    assert workdays.is_working_day(D(2026, 5, 9))


def test_ordinary_weekends_rest_and_weekdays_work():
    assert _week(D(2025, 3, 10), 7) == [True] * 5 + [False] * 2


def test_a_15_working_day_deadline_counts_from_the_next_day_across_a_holiday():
    # Accepted Mon 22 Sep 2025: 23–26 (4), Sun 28 (5), 29–30 (7), 9–11 Oct (10), 13–17 (15).
    assert workdays.working_days_after(D(2025, 9, 22), 15) == D(2025, 10, 17)
    # Accepted during the Spring Festival 2026: the holiday days do not count.
    assert workdays.working_days_after(D(2026, 2, 16), 15) == D(2026, 3, 13)
    assert workdays.working_days_after(D(2025, 3, 10), 1) == D(2025, 3, 11)
    assert workdays.working_days_after(D(2025, 3, 14), 1) == D(2025, 3, 17)


def test_working_days_between_is_the_inverse_of_working_days_after():
    start = D(2025, 9, 22)
    assert workdays.working_days_between(start, D(2025, 10, 17)) == 15
    assert workdays.working_days_between(D(2025, 10, 17), start) == -15
    assert workdays.working_days_between(start, start) == 0
    assert workdays.working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0
    for n in (1, 3, 15, 60):
        assert workdays.working_days_between(start, workdays.working_days_after(start, n)) == n


def test_a_calendar_day_deadline_ending_on_a_rest_day_moves_to_the_next_working_day():
    # CC art. 203: 30 days after 2 Sep 2025 is 2 Oct, a holiday → Thu 9 Oct.
    assert workdays.calendar_deadline(D(2025, 9, 2), 30) == D(2025, 10, 9)
    # Ending on an ordinary Sunday → Monday.
    assert workdays.calendar_deadline(D(2025, 3, 9), 7) == D(2025, 3, 17)
    # Ending on a make-up Saturday: a working day, no move.
    assert workdays.calendar_deadline(D(2025, 10, 4), 7) == D(2025, 10, 11)
    assert workdays.calendar_deadline(D(2025, 3, 10), 3) == D(2025, 3, 13)


def test_deadlines_cross_year_boundaries():
    # Accepted 24 Dec 2025; New Year 2026 is 1–3 Jan with Sun 4 Jan worked.
    assert workdays.working_days_after(D(2025, 12, 24), 15) == D(2026, 1, 15)
    assert workdays.working_days_after(D(2024, 12, 20), 15) == D(2025, 1, 13)
    # 1 Jan 2026 is a holiday, 2–3 Jan too; Sun 4 Jan is a make-up working day.
    assert workdays.calendar_deadline(D(2025, 12, 2), 30) == D(2026, 1, 4)
    assert workdays.working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == 2  # 4 and 5 Jan


def test_it_refuses_dates_outside_the_covered_years():
    with pytest.raises(YearNotCovered, match="does not cover 2027"):
        workdays.is_working_day(D(2027, 1, 4))
    with pytest.raises(YearNotCovered, match="does not cover 2023"):
        workdays.working_days_after(D(2023, 12, 29), 2)
    # A deadline that runs into an unknown year is refused, not guessed.
    with pytest.raises(YearNotCovered, match="does not cover 2027"):
        workdays.working_days_after(D(2026, 12, 20), 15)
    with pytest.raises(YearNotCovered):
        workdays.calendar_deadline(D(2026, 12, 20), 30)
    with pytest.raises(YearNotCovered):
        workdays.working_days_between(D(2026, 12, 1), D(2027, 1, 10))


def test_it_refuses_a_count_below_one():
    with pytest.raises(ValueError, match="at least one"):
        workdays.working_days_after(D(2025, 3, 10), 0)
    with pytest.raises(ValueError, match="at least one"):
        workdays.calendar_deadline(D(2025, 3, 10), -1)


# ---- the file's checks ---------------------------------------------------------------------

GOOD = """
calendar: test
years:
  2025:
    source: 国务院办公厅关于2025年部分节假日安排的通知
    published: 2024-11-12
    festivals:
      - festival: 劳动节
        days_off: {from: 2025-05-01, to: 2025-05-05}
        make_up: [2025-04-27]
"""


def _parse(text: str) -> WorkdayCalendar:
    return WorkdayCalendar.from_yaml(textwrap.dedent(text))


def test_a_well_formed_file_parses():
    calendar = _parse(GOOD)
    assert calendar.covered_years() == [2025]
    assert calendar.is_working_day(D(2025, 4, 27))
    assert not calendar.is_working_day(D(2025, 5, 2))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("calendar: test", "calendar: [", "not valid YAML"),
        ("calendar: test\n", "", "exactly the keys"),
        ("  2025:\n", "  next:\n", "not a year number"),
        ("    source: 国务院办公厅关于2025年部分节假日安排的通知\n", "", "'source'"),
        ("    published: 2024-11-12\n", "    published: soon\n", "'published'"),
        ("    published:", "    notes: x\n    published:", "unknown keys"),
        ("to: 2025-05-05", "to: 2026-05-05", "2026-05-05 is outside the year 2025"),
        ("from: 2025-05-01", "from: 2024-12-31", "outside the year 2025"),
        ("to: 2025-05-05", "to: 2025-04-30", "ends before it starts"),
        ("[2025-04-27]", "[2025-04-28]", "2025-04-28 is a Monday, not a weekend day"),
        ("[2025-04-27]", "[2025-05-03]", "2025-05-03 is both a holiday and a make-up"),
        ("[2025-04-27]", "[2025-04-27, 2025-04-27]", "listed twice"),
        ("[2025-04-27]", "[27 April]", "is not a date"),
        ("days_off:", "off:", "exactly festival, days_off and make_up"),
        ("{from: 2025-05-01, to: 2025-05-05}", "2025-05-01", "'days_off' must be"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_message(old, new, message):
    assert old in GOOD
    with pytest.raises(CalendarError, match=message):
        _parse(GOOD.replace(old, new, 1))


def test_overlapping_holidays_are_refused():
    text = GOOD + (
        "      - festival: again\n"
        "        days_off: {from: 2025-05-05, to: 2025-05-06}\n"
        "        make_up: []\n"
    )
    with pytest.raises(CalendarError, match="2025-05-05 is already a holiday"):
        _parse(text)
