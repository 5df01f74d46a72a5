"""Synthetic townships and villages for the Yibin demo (DOMAIN.md §2).

The ten counties of Yibin are real (from the national table); everything below them is
made up, flagged `is_demo`, and named with the prefix （演示） so nobody mistakes it for
real data. Codes follow the digit ranges: streets 001–099, towns 100–199, townships
200–399; residents' committees 001–199 (urban classes), villagers' committees 200–399
(rural classes). Every county has at least street 001 with community 001 (class 111),
town 100 with village 201 (220) and township 200 with village 201 (220), so examples,
docs and tests can rely on codes like 511502001001, 511524100201 and 511526200201.

Deterministic: the same codes and names on every machine, no randomness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.regions.codes import Level
from hehu.regions.models import Region
from hehu.regions.national import NATIONAL_YEAR
from hehu.regions.services import regions_load_national

DEMO_CITY = "511500000000"
DEMO_COUNTIES = {
    "511502": "翠屏区",
    "511503": "南溪区",
    "511504": "叙州区",
    "511523": "江安县",
    "511524": "长宁县",
    "511525": "高县",
    "511526": "珙县",
    "511527": "筠连县",
    "511528": "兴文县",
    "511529": "屏山县",
}
DEMO_PREFIX = "（演示）"


def _words(text: str) -> list[str]:
    return text.split()


_TOWNS = _words("青山 白溪 龙泉 石门 金沙 柏树 双龙 红桥 观音 大塘 复兴 永安 古楼 梅硐 落润")
_TOWNSHIPS = _words("松林 竹园 高坪 回龙 板栗 三桥 麻柳 石碾 新场 桃坪 黄坡 岩湾 花秋 铜鼓 清平")
_STREETS = _words("文星 南岸 西城 东城 江北 临港")
_COMMUNITIES = _words("建设路 人民路 滨江 东风 新街 桂园 北城 西郊 翠柏 合江门 金坪 书院")
_VILLAGES = _words(
    "红岩 石桥 新华 团结 和平 龙井 桂花 金竹 荷花 双河 太平 长春 凤凰 白果 青杠 "
    "新民 高峰 杨柳 黄桷 龙头 永兴 金星 光明 柳湾 天池 碾盘 桐梓 大坪 茶园 鹿鸣"
)


@dataclass(frozen=True)
class DemoRegion:
    code: str
    name: str
    level: str
    urban_rural: str

    @property
    def parent_code(self) -> str:
        return (
            self.code[:6].ljust(12, "0") if self.level == Level.TOWNSHIP else self.code[:9] + "000"
        )


def _pick(words: list[str], index: int) -> str:
    return words[index % len(words)]


def _county_rows(county: str, n: int) -> list[DemoRegion]:
    """One county's townships and villages; `n` (its position) varies names and sizes."""
    rows: list[DemoRegion] = []

    def township(digits: str, name: str, villages: list[tuple[str, str, str]]) -> None:
        rows.append(DemoRegion(f"{county}{digits}000", DEMO_PREFIX + name, Level.TOWNSHIP, ""))
        for village, village_name, urban_rural in villages:
            code = f"{county}{digits}{village}"
            rows.append(DemoRegion(code, DEMO_PREFIX + village_name, Level.VILLAGE, urban_rural))

    def communities(start: int, count: int, urban_rural: str) -> list[tuple[str, str, str]]:
        return [
            (f"{k + 1:03d}", _pick(_COMMUNITIES, start + k) + "社区", urban_rural)
            for k in range(count)
        ]

    def villages(start: int, count: int, centre: str = "220") -> list[tuple[str, str, str]]:
        # Villagers' committees from 201; `centre` is the class of the first one.
        return [
            (f"{201 + k:03d}", _pick(_VILLAGES, start + k) + "村", centre if k == 0 else "220")
            for k in range(count)
        ]

    streets = 4 if county == "511502" else 2  # 翠屏区 is the city's urban core
    for s in range(streets):
        urban = "111" if s == 0 or streets > 2 else "112"
        members = communities(n + 3 * s, 5 + n % 3 if s == 0 else 3 + n % 2, urban)
        if s == 1:
            members.append((f"{201:03d}", _pick(_VILLAGES, n + 17) + "村", "220"))
        township(f"{s + 1:03d}", _pick(_STREETS, n + s) + "街道", members)
    township(
        "100",
        _pick(_TOWNS, 2 * n) + "镇",
        [("001", "镇中心社区", "121"), ("002", "镇郊社区", "122"), *villages(n, 7 + n % 3)],
    )
    township(
        "101",
        _pick(_TOWNS, 2 * n + 1) + "镇",
        [("001", "场镇社区", "121"), *villages(n + 10, 6)],
    )
    township("200", _pick(_TOWNSHIPS, 2 * n) + "乡", villages(n + 5, 6))
    township("201", _pick(_TOWNSHIPS, 2 * n + 1) + "乡", villages(n + 20, 5, centre="210"))
    return rows


def demo_region_rows() -> list[DemoRegion]:
    """Every demo township and village, sorted by code (parents first)."""
    rows: list[DemoRegion] = []
    for n, county in enumerate(DEMO_COUNTIES):
        rows.extend(_county_rows(county, n))
    return sorted(rows, key=lambda row: row.code)


@transaction.atomic
def demo_regions_create() -> int:
    """Create the demo townships and villages that do not exist yet; returns how many."""
    county_codes = [c.ljust(12, "0") for c in DEMO_COUNTIES]
    if Region.objects.filter(code__in=county_codes).count() < len(county_codes):
        regions_load_national()
    created = demo_regions_ensure(demo_region_rows())
    if created:
        audit_record(
            actor=None,
            verb=Verb.REGIONS_IMPORTED,
            object_type="region_table",
            object_id="demo-yibin",
            changes={"created": created, "demo": True},
        )
    return created


class DemoRegionLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def parent_code(self) -> str: ...
    @property
    def urban_rural(self) -> str: ...


def demo_regions_ensure(rows: Sequence[DemoRegionLike]) -> int:
    """Create the synthetic regions among `rows` that do not exist yet (parents first);
    existing rows are left alone. Shared by the Yibin demo and the population generator."""
    codes = [row.code for row in rows]
    existing: set[str] = set()
    # Chunked: SQLite limits the number of parameters in one query.
    for start in range(0, len(codes), 900):
        chunk = codes[start : start + 900]
        existing.update(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
    new = [
        Region(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_id=row.parent_code,
            urban_rural=row.urban_rural,
            source_year=NATIONAL_YEAR,
            is_demo=True,
        )
        for row in rows
        if row.code not in existing
    ]
    Region.objects.bulk_create(new, batch_size=1000)
    return len(new)
