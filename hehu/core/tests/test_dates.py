import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hehu.core.dates import age_on, latest_birth_date_for_age

D = dt.date


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (D(2010, 5, 20), D(2028, 5, 19), 17),
        (D(2010, 5, 20), D(2028, 5, 20), 18),  # reached on the birthday
        (D(2010, 5, 20), D(2010, 5, 20), 0),
        (D(2012, 2, 29), D(2030, 2, 27), 17),
        (D(2012, 2, 29), D(2030, 2, 28), 18),  # common year: 28 February
        (D(2012, 2, 29), D(2028, 2, 28), 15),  # leap year: wait for 29 February
        (D(2012, 2, 29), D(2028, 2, 29), 16),
        (D(2011, 3, 1), D(2029, 2, 28), 17),
        (D(2011, 3, 1), D(2029, 3, 1), 18),
        (D(2009, 12, 31), D(2010, 1, 1), 0),
    ],
)
def test_it_counts_full_years_reached_on_the_birthday(birth, on, age):
    assert age_on(birth, on) == age


@given(
    st.integers(min_value=0, max_value=120),
    st.dates(min_value=D(1950, 1, 1), max_value=D(2100, 12, 31)),
)
def test_it_finds_the_exact_birth_date_boundary_for_an_age(age, on):
    boundary = latest_birth_date_for_age(age, on)
    assert age_on(boundary, on) >= age
    assert age_on(boundary + dt.timedelta(days=1), on) < age
