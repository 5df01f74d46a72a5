import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hehu.registry.idnumber import (
    PROVINCE_CODES,
    InvalidIdNumber,
    check_character,
    parse_id_number,
)

TODAY = dt.date(2026, 6, 1)


def test_it_accepts_the_standard_example_and_reads_birth_date_and_sex():
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "female"
    assert parsed.province_code == "11"
    assert parsed.last4 == "002X"


def test_it_upper_cases_a_lower_case_x_and_folds_full_width_digits_and_spaces():
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert parse_id_number("１１０１０５ 19491231002X", today=TODAY).number == "11010519491231002X"


def test_it_rejects_a_wrong_check_character_with_the_message_users_see():
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number("110105194912310021", today=TODAY)
    assert exc.value.reason == "check"
    assert str(exc.value.message) == "身份证号码校验位不正确，请核对最后一位"
    assert exc.value.field == "id_number"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "format"),
        ("1101051949123100211", "format"),
        ("1101051949123100X1", "format"),
        ("A1010519491231002X", "format"),
        ("", "format"),
        ("991051194912310021", "province"),
        ("191051194912310021", "province"),
        ("110105194902300021", "date"),
        ("110105201502290021", "date"),
        ("110105203001010021", "future_date"),
    ],
)
def test_it_names_what_is_wrong_with_an_invalid_number(value, reason):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(value, today=TODAY)
    assert exc.value.reason == reason


def test_it_never_rejects_a_number_whose_county_code_was_abolished():
    # 513101 was the code of 雅安市 before it became a prefecture-level city; numbers issued
    # there are still valid for life.
    first17 = "51310119800101001"
    parsed = parse_id_number(first17 + check_character(first17), today=TODAY)
    assert parsed.birth_date == dt.date(1980, 1, 1)
    assert parsed.sex == "male"


def test_it_accepts_a_child_born_today_but_not_tomorrow():
    first17 = f"511502{TODAY:%Y%m%d}002"
    assert parse_id_number(first17 + check_character(first17), today=TODAY).sex == "female"
    tomorrow = TODAY + dt.timedelta(days=1)
    first17 = f"511502{tomorrow:%Y%m%d}002"
    with pytest.raises(InvalidIdNumber):
        parse_id_number(first17 + check_character(first17), today=TODAY)


@st.composite
def valid_numbers(draw):
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest_of_address = draw(st.integers(min_value=0, max_value=9999))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{province:02d}{rest_of_address:04d}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17), birth, sequence


@given(valid_numbers())
def test_it_round_trips_every_valid_number(generated):
    number, birth, sequence = generated
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == ("male" if sequence % 2 else "female")
    assert parse_id_number(number.lower(), today=TODAY) == parsed


@given(
    valid_numbers(),
    st.integers(min_value=0, max_value=17),
    st.sampled_from("0123456789X"),
)
def test_it_rejects_any_single_character_change(generated, position, replacement):
    number = generated[0]
    if number[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed, today=TODAY)
