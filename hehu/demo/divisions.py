"""Synthetic townships and villages for any county, following the digit ranges of DOMAIN.md §2.

Real township/village tables come from the official import; demo and benchmark data need
plausible ones for counties that have none. Every county gets street 001 with community
001 (urban), town 100 with village 201 (rural) and township 200 with village 201 (rural),
as the demo regions do, so examples work in any generated county. Rows are labelled
`is_demo`, named with the demo prefix （演示）, and never overwrite a region that already exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hehu.regions.demo import DEMO_PREFIX, demo_regions_ensure
from hehu.regions.models import Region

_FIRST = "龙石白高新金安大长双凤清观桃柳竹松青红太平永兴和福宝天民合东南西北中上下"
_SECOND = "泉桥坪山河溪坝湾岩林田沟台场关口池岭塘园江滩峰坡寺庙井湖"

URBAN_RURAL_STREET_COMMUNITY = Region.UrbanRural.MAIN_URBAN.value  # 111
URBAN_RURAL_TOWN_RESIDENTS = Region.UrbanRural.TOWN_CENTRE.value  # 121
URBAN_RURAL_TOWNSHIP_RESIDENTS = Region.UrbanRural.TOWNSHIP_CENTRE.value  # 210
URBAN_RURAL_VILLAGE = Region.UrbanRural.VILLAGE.value  # 220


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str
    urban_rural: str

    @property
    def rural(self) -> bool:
        """A villagers' committee (village digits 200–399) is rural (DOMAIN.md §2)."""
        return self.level == Region.Level.VILLAGE and 200 <= int(self.code[9:]) <= 399


class _Namer:
    """Two-character place names, unique among the children of one parent."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def names(self, n: int) -> list[str]:
        combos = [a + b for a in _FIRST for b in _SECOND]
        return self._rng.sample(combos, n)


def _township_plan(rng: random.Random, *, district: bool) -> list[tuple[int, str]]:
    """(township digits, suffix) for one county: streets 001–, towns 100–, townships 200–."""
    streets = rng.randint(4, 8) if district else rng.randint(1, 2)
    towns = rng.randint(6, 12) if district else rng.randint(8, 14)
    townships = rng.randint(1, 3) if district else rng.randint(3, 8)
    return (
        [(1 + i, "街道") for i in range(streets)]
        + [(100 + i, "镇") for i in range(towns)]
        + [(200 + i, "乡") for i in range(townships)]
    )


def _villages_of(rng: random.Random, township: int) -> list[tuple[int, str]]:
    """(village digits, urban-rural class) of one township."""
    if township < 100:  # street: communities only
        return [(1 + i, URBAN_RURAL_STREET_COMMUNITY) for i in range(rng.randint(3, 8))]
    if township < 200:  # town: a residents' committee or two at the centre, then villages
        residents = [(1 + i, URBAN_RURAL_TOWN_RESIDENTS) for i in range(rng.randint(1, 2))]
    else:  # township: one residents' committee at the centre
        residents = [(1, URBAN_RURAL_TOWNSHIP_RESIDENTS)]
    villages = [(201 + i, URBAN_RURAL_VILLAGE) for i in range(rng.randint(6, 14))]
    return residents + villages


def county_divisions(county_code: str, county_name: str, *, seed: int = 0) -> list[Division]:
    """The synthetic townships and villages of one county (6-digit code), parents first."""
    rng = random.Random(f"divisions:{seed}:{county_code}")  # noqa: S311 - synthetic data
    namer = _Namer(rng)
    county_full = county_code.ljust(12, "0")
    plan = _township_plan(rng, district=county_name.endswith("区"))
    result: list[Division] = []
    for (digits, suffix), name in zip(plan, namer.names(len(plan)), strict=True):
        township_code = f"{county_code}{digits:03d}000"
        result.append(
            Division(
                township_code, DEMO_PREFIX + name + suffix, Region.Level.TOWNSHIP, county_full, ""
            )
        )
        villages = _villages_of(rng, digits)
        for (v_digits, urban_rural), v_name in zip(
            villages, namer.names(len(villages)), strict=True
        ):
            v_suffix = "村" if v_digits >= 200 else "社区"
            result.append(
                Division(
                    f"{county_code}{digits:03d}{v_digits:03d}",
                    DEMO_PREFIX + v_name + v_suffix,
                    Region.Level.VILLAGE,
                    township_code,
                    urban_rural,
                )
            )
    return result


def divisions_ensure(divisions: list[Division]) -> int:
    """Create the divisions that do not exist yet (existing rows are left alone)."""
    return demo_regions_ensure(divisions)
