from __future__ import annotations

from collections import Counter
from io import BytesIO

import pytest

from hehu.regions.codes import Level, TownshipKind, VillageKind, parse
from hehu.regions.demo import DEMO_COUNTIES, DEMO_PREFIX, demo_region_rows, demo_regions_create
from hehu.regions.models import Region
from hehu.regions.services import regions_import


def test_every_demo_county_has_the_codes_examples_rely_on() -> None:
    rows = {row.code: row for row in demo_region_rows()}
    for county in DEMO_COUNTIES:
        assert rows[f"{county}001001"].urban_rural == "111"  # street 001, community 001
        assert rows[f"{county}100201"].urban_rural == "220"  # town 100, village 201
        assert rows[f"{county}200201"].urban_rural == "220"  # township 200, village 201
        for township in ("001", "100", "200"):
            assert rows[f"{county}{township}000"].level == Level.TOWNSHIP


def test_demo_codes_follow_the_digit_ranges_and_are_labelled() -> None:
    rows = demo_region_rows()
    for row in rows:
        parsed = parse(row.code)
        assert parsed.level == row.level
        assert parsed.township_kind in {
            TownshipKind.STREET,
            TownshipKind.TOWN,
            TownshipKind.TOWNSHIP,
        }
        assert row.name.startswith(DEMO_PREFIX)
        if parsed.village_kind == VillageKind.RESIDENTS:
            assert row.urban_rural.startswith("1")
        elif parsed.village_kind == VillageKind.VILLAGERS:
            assert row.urban_rural.startswith("2")
    per_county = Counter(row.code[:6] for row in rows if row.level == Level.VILLAGE)
    assert set(per_county) == set(DEMO_COUNTIES)
    assert all(35 <= n <= 45 for n in per_county.values())
    townships = Counter(row.code[:6] for row in rows if row.level == Level.TOWNSHIP)
    assert min(townships.values()) >= 6


def test_demo_rows_are_the_same_on_every_call() -> None:
    assert demo_region_rows() == demo_region_rows()


@pytest.mark.django_db
def test_it_creates_the_demo_regions_once_loading_the_counties_first() -> None:
    created = demo_regions_create()
    assert created == len(demo_region_rows())
    assert demo_regions_create() == 0
    village = Region.objects.get(code="511524100201")
    assert village.is_demo
    assert village.parent.parent.name == "长宁县"
    assert Region.objects.filter(code="511502001001", urban_rural="111", is_demo=True).exists()
    assert Region.objects.filter(code="511526200201", urban_rural="220").exists()
    assert not Region.objects.filter(level="county", is_demo=True).exists()


@pytest.mark.django_db
def test_demo_regions_pass_the_importers_checks(admin_user) -> None:
    demo_regions_create()
    lines = ["code,name,level,urban_rural"]
    lines += [f"{r.code},{r.name},{r.level},{r.urban_rural}" for r in demo_region_rows()]
    report = regions_import(
        actor=admin_user, file=BytesIO("\n".join(lines).encode()), source_year=2024
    )
    assert (report.rejected, report.warnings, report.updated) == ([], [], 0)
