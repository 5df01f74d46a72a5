"""The 12-digit statistical division code: parsing, levels and jurisdiction prefixes.

Province 2 digits, city 4, county 6 (GB/T 2260), township 9, village 12 (DOMAIN.md §2).
Pure functions, no database: used by validation, the policy engine and scoping alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

CODE_RE = re.compile(r"^\d{12}$")
PREFIX_LENGTHS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class InvalidRegionCode(ValueError):
    pass


def level_of(code: str) -> Level:
    """The level a full 12-digit code denotes, from its trailing zeros."""
    if not CODE_RE.match(code):
        raise InvalidRegionCode(code)
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def prefix_of(code: str) -> str:
    """The jurisdiction prefix a region covers: '511502' for county 511502000000."""
    return code[: PREFIX_LENGTHS[level_of(code)]]


def full_code(prefix: str) -> str:
    """Pad a 2/4/6/9/12-digit prefix to the 12-digit code of that region."""
    if len(prefix) not in PREFIX_LENGTHS.values() or not prefix.isdigit():
        raise InvalidRegionCode(prefix)
    return prefix.ljust(12, "0")


def parent_code(code: str) -> str | None:
    level = level_of(code)
    order = list(Level)
    index = order.index(level)
    if index == 0:
        return None
    parent_level = order[index - 1]
    return full_code(code[: PREFIX_LENGTHS[parent_level]])


def ancestor_codes(code: str) -> list[str]:
    """Codes of every region above this one, nearest first."""
    result = []
    current = parent_code(code)
    while current is not None:
        result.append(current)
        current = parent_code(current)
    return result


class TownshipKind(StrEnum):
    STREET = "street"  # 街道 001–099
    TOWN = "town"  # 镇 100–199
    TOWNSHIP = "township"  # 乡 200–399
    SPECIAL = "special"  # farms, development zones 400–599


class VillageKind(StrEnum):
    RESIDENTS = "residents"  # 居委会 001–199, urban
    VILLAGERS = "villagers"  # 村委会 200–399, rural


def township_kind(code: str) -> TownshipKind | None:
    n = int(code[6:9])
    if 1 <= n <= 99:
        return TownshipKind.STREET
    if 100 <= n <= 199:
        return TownshipKind.TOWN
    if 200 <= n <= 399:
        return TownshipKind.TOWNSHIP
    if 400 <= n <= 599:
        return TownshipKind.SPECIAL
    return None


def village_kind(code: str) -> VillageKind | None:
    n = int(code[9:12])
    if 1 <= n <= 199:
        return VillageKind.RESIDENTS
    if 200 <= n <= 399:
        return VillageKind.VILLAGERS
    return None


@dataclass(frozen=True)
class ParsedCode:
    code: str
    level: Level
    province: str
    city: str | None
    county: str | None
    township: str | None
    village: str | None
    township_kind: TownshipKind | None
    village_kind: VillageKind | None


def parse(code: str) -> ParsedCode:
    """Split a code into its parts: '130111200201' → province 13, city 1301, county 130111…"""
    level = level_of(code)
    depth = list(Level).index(level)
    return ParsedCode(
        code=code,
        level=level,
        province=code[:2],
        city=code[:4] if depth >= 1 else None,
        county=code[:6] if depth >= 2 else None,
        township=code[6:9] if depth >= 3 else None,
        village=code[9:12] if depth >= 4 else None,
        township_kind=township_kind(code) if depth >= 3 else None,
        village_kind=village_kind(code) if depth >= 4 else None,
    )
