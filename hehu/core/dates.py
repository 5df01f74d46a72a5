"""Calendar rules shared by the registry and the policy engine (DOMAIN.md §1).

Age in full years (周岁) for categories and benefits is reached *on* the birthday; a child
born on 29 February reaches an age on 28 February in a common year (Civil Code art. 202,
the same calendar rule as for periods of months).
"""

from __future__ import annotations

import calendar
import datetime as dt


def birthday_in(birth_date: dt.date, year: int) -> dt.date:
    """The date in `year` on which a person born on `birth_date` has a birthday."""
    last_day = calendar.monthrange(year, birth_date.month)[1]
    return dt.date(year, birth_date.month, min(birth_date.day, last_day))


def age_on(birth_date: dt.date, on_date: dt.date) -> int:
    """Age in full years on `on_date`; age N is reached on the Nth birthday."""
    years = on_date.year - birth_date.year
    if on_date < birthday_in(birth_date, on_date.year):
        years -= 1
    return years


def latest_birth_date_for_age(age: int, on_date: dt.date) -> dt.date:
    """The latest birth date of a person who is at least `age` on `on_date`.

    Everyone born on or before it is `age` or older on that date; everyone born after it
    is younger. Used to turn an age band into an indexed birth-date range.
    """
    year = on_date.year - age
    candidate = birthday_in(on_date, year)
    one_day = dt.timedelta(days=1)
    # 29 February births make the boundary move by a day or two; step to the exact one.
    while age_on(candidate + one_day, on_date) >= age:
        candidate += one_day
    while age_on(candidate, on_date) < age:
        candidate -= one_day
    return candidate
