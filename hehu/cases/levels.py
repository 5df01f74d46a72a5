"""Which level of the six a person works at, and the region code a level's work sits at."""

from __future__ import annotations

from typing import Any

from hehu.accounts.models import Role
from hehu.cases.models.workitem import LEVEL_DIGITS, LEVEL_ORDER, Level

ROLE_LEVEL: dict[str, Level] = {
    Role.VILLAGE_DIRECTOR: Level.VILLAGE,
    Role.TOWNSHIP_SUPERVISOR: Level.TOWNSHIP,
    Role.COUNTY_CIVIL_AFFAIRS: Level.COUNTY,
    Role.DEPARTMENT_OFFICER: Level.COUNTY,
    Role.CITY_ANALYST: Level.CITY,
    Role.PROVINCE_ANALYST: Level.PROVINCE,
}


def level_of(user: Any) -> Level | None:
    """The level whose work a user does (None for roles without a work list)."""
    return ROLE_LEVEL.get(str(getattr(user, "role", "")))


def level_code(level: Level | str, region_code: str) -> str:
    """The 12-digit code of the body at `level` above a village: '511502001001' at the
    township level is '511502001000' (padded with zeros: inside the township's range,
    outside every village's)."""
    digits = LEVEL_DIGITS[Level(level)]
    return region_code[:digits].ljust(12, "0")


def level_above(level: Level | str) -> Level | None:
    index = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None
