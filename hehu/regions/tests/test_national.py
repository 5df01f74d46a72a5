from __future__ import annotations

import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hehu.audit.models import AuditEntry, Verb
from hehu.regions.models import Region, RegionChange
from hehu.regions.national import (
    NationalRow,
    build_national_rows,
    check_national_rows,
    level_counts,
    read_national_csv,
)
from hehu.regions.services import regions_load_national
from hehu.regions.tests.factories import region

YIBIN = {
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

HEADER = (
    "year,province_name,city_name,county_name,province_adcode,city_adcode,county_adcode,"
    "province_id,city_id,county_id,province_short,city_short,county_short,rank\n"
)


def _source(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "location_year.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


MINI = [
    "2024,北京市,,,110000,,,110000,,,北京,,,1",
    "2024,北京市,市辖区,东城区,110000,110100,110101,110000,110100,110101,北京,市辖区,东城,3",
    "2024,湖北省,,,420000,,,420000,,,湖北,,,1",
    "2024,湖北省,直辖县,仙桃市,420000,429000,429004,420000,429000,429004,湖北,直辖县,仙桃,3",
    "2024,新疆维吾尔自治区,,,650000,,,650000,,,新疆,,,1",
    "2024,新疆维吾尔自治区,直辖县,石河子市,650000,659000,659001,650000,659000,659001,新疆,直辖县,石河子,3",
    "2024,四川省,,,510000,,,510000,,,四川,,,1",
    "2024,四川省,宜宾市,,510000,511500,,510000,511500,,四川,宜宾,,2",
    "2024,四川省,宜宾市,翠屏区,510000,511500,511502,510000,511500,511502,四川,宜宾,翠屏,3",
    "2023,四川省,宜宾市,旧县,510000,511500,511599,510000,511500,511599,四川,宜宾,旧,3",
    "2024,台湾省,,,710000,,,710000,,,台湾,,,1",
]


def test_it_ships_a_national_table_that_passes_its_own_checks() -> None:
    rows = read_national_csv()
    assert check_national_rows(rows) == []
    assert level_counts(rows) == {"province": 34, "city": 342, "county": 2846}


def test_it_ships_the_ten_yibin_counties_with_their_names() -> None:
    names = {row.code: row.name for row in read_national_csv()}
    assert names["511500000000"] == "宜宾市"
    for county, name in YIBIN.items():
        assert names[county + "000000"] == name
    assert [c for c in names if c.startswith("5115") and c.endswith("000000")] == [
        "511500000000",
        *sorted(c + "000000" for c in YIBIN),
    ]


def test_it_names_municipal_and_province_administered_groupings_like_the_nbs() -> None:
    names = {row.code: row.name for row in read_national_csv()}
    assert names["110100000000"] == "市辖区"
    assert names["500200000000"] == "县"
    assert names["429000000000"] == "省直辖县级行政区划"
    assert names["659000000000"] == "自治区直辖县级行政区划"
    assert names["710000000000"] == "台湾省"
    assert not [c for c in names if c.startswith("71") and c != "710000000000"]


def test_it_builds_rows_of_one_year_with_the_missing_city_rows(tmp_path: Path) -> None:
    rows = build_national_rows(_source(tmp_path, MINI), year=2024)
    by_code = {row.code: row for row in rows}
    assert by_code["110100000000"] == NationalRow("110100000000", "市辖区", "city", "110000000000")
    assert by_code["110101000000"].parent_code == "110100000000"
    assert by_code["429000000000"].name == "省直辖县级行政区划"
    assert by_code["429004000000"].parent_code == "429000000000"
    assert by_code["659000000000"].name == "自治区直辖县级行政区划"
    assert "511599000000" not in by_code  # a 2023 row
    assert [row.code for row in rows] == sorted(by_code)
    assert check_national_rows(rows) == []


def test_it_finds_every_kind_of_fault_in_a_table() -> None:
    rows = [
        NationalRow("510000000000", "四川省", "province", ""),
        NationalRow("510000000000", "四川省", "province", ""),
        NationalRow("511502000000", "翠屏区", "county", "511500000000"),
        NationalRow("511500000000", "宜宾市", "county", "510000000000"),
        NationalRow("5115030000", "南溪区", "county", "511500000000"),
        NationalRow("511504000000", "", "county", "510000000000"),
    ]
    problems = check_national_rows(rows)
    assert "510000000000: appears 2 times" in problems
    assert "511500000000: level county but the code says city" in problems
    assert "5115030000: not 12 digits" in problems
    assert "511504000000: parent 510000000000 does not match the code" in problems
    assert "511504000000: empty name" in problems
    missing = check_national_rows([NationalRow("511502000000", "翠屏区", "county", "511500000000")])
    assert missing == ["511502000000: parent 511500000000 is missing"]


def test_the_build_command_writes_the_table_and_prints_counts(tmp_path: Path) -> None:
    out = tmp_path / "divisions.csv"
    stdout = StringIO()
    call_command(
        "regions_build_national",
        source=_source(tmp_path, MINI),
        year=2024,
        out=out,
        stdout=stdout,
    )
    assert "province 5, city 4, county 4" in stdout.getvalue()
    assert read_national_csv(out)[0] == NationalRow("110000000000", "北京市", "province", "")


def test_the_build_command_refuses_a_year_without_rows(tmp_path: Path) -> None:
    out = tmp_path / "divisions.csv"
    with pytest.raises(CommandError, match="no rows for year 1990"):
        call_command("regions_build_national", source=_source(tmp_path, MINI), year=1990, out=out)
    assert not out.exists()


@pytest.mark.django_db
def test_it_loads_the_national_table_quickly_and_idempotently() -> None:
    started = time.perf_counter()
    first = regions_load_national()
    elapsed = time.perf_counter() - started
    assert first.created == 3222
    assert elapsed < 2.0
    second = regions_load_national()
    assert (second.created, second.renamed, second.unchanged) == (0, 0, 3222)
    assert Region.objects.count() == 3222
    county = Region.objects.get(code="511524000000")
    assert (county.name, county.level, county.parent_id) == ("长宁县", "county", "511500000000")
    assert county.source_year == 2024
    assert AuditEntry.objects.filter(verb=Verb.REGIONS_IMPORTED).count() == 1


@pytest.mark.django_db
def test_it_renames_with_history_and_retires_codes_missing_from_the_table() -> None:
    region("511502000000", name="旧名")
    region("511599000000", name="已撤销县")
    report = regions_load_national()
    assert (report.renamed, report.deactivated) == (1, 1)
    assert Region.objects.get(code="511502000000").name == "翠屏区"
    assert not Region.objects.get(code="511599000000").active
    changes = {(c.code, c.field, c.old, c.new) for c in RegionChange.objects.all()}
    assert changes == {
        ("511502000000", "name", "旧名", "翠屏区"),
        ("511599000000", "active", "1", "0"),
    }
