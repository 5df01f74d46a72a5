from __future__ import annotations

import pytest

from hehu.regions.codes import (
    InvalidRegionCode,
    Level,
    TownshipKind,
    VillageKind,
    ancestor_codes,
    level_of,
    parent_code,
    parse,
    prefix_of,
)


def test_it_parses_scenario_6_village_code() -> None:
    # DOMAIN.md §10 scenario 6: 130111200201.
    parsed = parse("130111200201")
    assert parsed.level == Level.VILLAGE
    assert parsed.province == "13"
    assert parsed.city == "1301"
    assert parsed.county == "130111"
    assert parsed.township == "200"
    assert parsed.township_kind == TownshipKind.TOWNSHIP  # 乡
    assert parsed.village == "201"
    assert parsed.village_kind == VillageKind.VILLAGERS  # villagers' committee, rural


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("510000000000", Level.PROVINCE, "51"),
        ("511500000000", Level.CITY, "5115"),
        ("511502000000", Level.COUNTY, "511502"),
        ("511502001000", Level.TOWNSHIP, "511502001"),
        ("511502001001", Level.VILLAGE, "511502001001"),
    ],
)
def test_it_reads_the_level_and_prefix_from_trailing_zeros(code: str, level: Level, prefix: str):
    assert level_of(code) == level
    assert prefix_of(code) == prefix


def test_it_walks_up_to_the_province() -> None:
    assert ancestor_codes("511524100201") == [
        "511524100000",
        "511524000000",
        "511500000000",
        "510000000000",
    ]
    assert parent_code("510000000000") is None


@pytest.mark.parametrize("code", ["51150200100", "5115020010011", "51150200100X", ""])
def test_it_refuses_codes_that_are_not_12_digits(code: str) -> None:
    with pytest.raises(InvalidRegionCode):
        level_of(code)
