"""Every change to the region tables: the shipped national table and imported townships."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.regions.codes import Level
from hehu.regions.errors import RegionTableInvalid
from hehu.regions.models import Region, RegionChange
from hehu.regions.national import NATIONAL_TABLE, NATIONAL_YEAR, read_national_csv
from hehu.regions.table import RowProblem, check_table

BATCH = 1000
# The SQLite build may be old enough to allow only 999 query parameters.
IN_CHUNK = 900
MIN_YEAR, MAX_YEAR = 1980, 2100


def _chunks(items: list[str], size: int = IN_CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_UPDATED_FIELDS = ["name", "urban_rural", "active", "is_demo", "source_year"]


class _Existing(NamedTuple):
    code: str
    name: str
    urban_rural: str
    active: bool
    is_demo: bool
    source_year: int


def _existing_rows(codes: Iterable[str]) -> dict[str, _Existing]:
    """What the database holds for these codes, as plain tuples (tables run to 10^5 rows)."""
    found: dict[str, _Existing] = {}
    for chunk in _chunks(sorted(set(codes))):
        rows = Region.objects.filter(code__in=chunk).values_list("code", *_UPDATED_FIELDS)
        found.update((row[0], _Existing(*row)) for row in rows)
    return found


_NATIONAL_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY)


def _change(code: str, name: str, old: str, new: str, year: int) -> RegionChange:
    return RegionChange(code=code, field=name, old=old, new=new, source_year=year)


@dataclass(frozen=True)
class NationalLoadReport:
    created: int
    renamed: int
    reactivated: int
    deactivated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.renamed or self.reactivated or self.deactivated)


@transaction.atomic
def regions_load_national(
    *, actor: Any = None, path: Path = NATIONAL_TABLE, source_year: int = NATIONAL_YEAR
) -> NationalLoadReport:
    """Load the shipped province/city/county table; running it again changes nothing."""
    rows = read_national_csv(path)
    existing = {r.code: r for r in Region.objects.filter(level__in=_NATIONAL_LEVELS)}
    new: list[Region] = []
    changed: list[Region] = []
    history: list[RegionChange] = []
    renamed = reactivated = unchanged = 0
    for row in rows:  # sorted by code, so every parent comes before its children
        region = existing.pop(row.code, None)
        if region is None:
            parent = row.parent_code or None
            new.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=parent,
                    source_year=source_year,
                )
            )
            continue
        touched = False
        if region.name != row.name:
            history.append(_change(region.code, "name", region.name, row.name, source_year))
            region.name, renamed, touched = row.name, renamed + 1, True
        if not region.active:
            history.append(_change(region.code, "active", "0", "1", source_year))
            region.active, reactivated, touched = True, reactivated + 1, True
        unchanged += not touched
        if touched or region.source_year != source_year:
            region.source_year = source_year
            changed.append(region)
    # Codes no longer in the table were abolished or merged: keep them (children and
    # history point at them) but mark them no longer current. Demo rows are left alone.
    gone = [r for r in existing.values() if r.active and not r.is_demo]
    for region in gone:
        history.append(_change(region.code, "active", "1", "0", source_year))
        region.active = False
        changed.append(region)
    Region.objects.bulk_create(new, batch_size=BATCH)
    Region.objects.bulk_update(changed, ["name", "active", "source_year"], batch_size=BATCH)
    RegionChange.objects.bulk_create(history, batch_size=BATCH)
    report = NationalLoadReport(
        created=len(new),
        renamed=renamed,
        reactivated=reactivated,
        deactivated=len(gone),
        unchanged=unchanged,
    )
    if report.changed:
        audit_record(
            actor=actor,
            verb=Verb.REGIONS_IMPORTED,
            object_type="region_table",
            object_id=f"national-{source_year}",
            changes={"table": path.name, **asdict(report)},
        )
    return report


@dataclass
class ImportReport:
    """What a township/village import did: counts, and each rejected row with its reason."""

    source_year: int
    encoding: str
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def counts(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "encoding": self.encoding,
            "source_year": self.source_year,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "warnings": len(self.warnings),
        }


def _read_bytes(file: IO[bytes] | str | Path) -> tuple[bytes, str]:
    if isinstance(file, str | Path):
        path = Path(file)
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise RegionTableInvalid(
                _("无法读取区划表文件 %(name)s") % {"name": path.name}
            ) from exc
    data = file.read()
    return data, str(getattr(file, "name", "") or "")


def _current_parents(codes: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(codes)):
        found.update(
            Region.objects.filter(code__in=chunk, active=True).values_list("code", flat=True)
        )
    return found


@transaction.atomic
def regions_import(*, actor: Any, file: IO[bytes] | str | Path, source_year: int) -> ImportReport:
    """Load an official township/village table: valid rows in one transaction, the others
    reported with their line and reason; a file that is not a table is refused whole."""
    if not MIN_YEAR <= source_year <= MAX_YEAR:
        raise RegionTableInvalid(
            _("数据年份必须在%(min)d–%(max)d之间") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field="source_year",
        )
    data, filename = _read_bytes(file)
    table = check_table(data, parent_exists=_current_parents)
    report = ImportReport(
        source_year=source_year,
        encoding=table.encoding,
        filename=Path(filename).name,
        rows=table.rows,
        rejected=table.rejected,
        warnings=table.warnings,
    )
    existing = _existing_rows(row.code for row in table.accepted)
    new: list[Region] = []
    changed: list[Region] = []
    confirmed: list[str] = []
    history: list[RegionChange] = []
    for row in table.accepted:
        current = existing.get(row.code)
        if current is None:
            new.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=row.parent_code,
                    urban_rural=row.urban_rural,
                    source_year=source_year,
                )
            )
            continue
        if not current.is_demo and current.source_year > source_year:
            # An older table must not undo a newer one.
            report.warnings.append(
                RowProblem(
                    row.line,
                    row.code,
                    _("数据库中已有%(year)d年的数据，未用较早年份的数据覆盖")
                    % {"year": current.source_year},
                )
            )
            report.unchanged += 1
            continue
        region = _apply_row(current, row.name, row.urban_rural, source_year, history)
        if region is not None:
            report.updated += 1
            changed.append(region)
        else:
            report.unchanged += 1
            if current.is_demo or current.source_year != source_year:
                confirmed.append(row.code)
    Region.objects.bulk_create(new, batch_size=BATCH)
    Region.objects.bulk_update(changed, _UPDATED_FIELDS, batch_size=BATCH)
    # Rows the new table confirms unchanged: stamp its year; real data replaces demo data
    # that used the same code.
    for chunk in _chunks(confirmed):
        Region.objects.filter(code__in=chunk).update(source_year=source_year, is_demo=False)
    RegionChange.objects.bulk_create(history, batch_size=BATCH)
    report.created = len(new)
    report.warnings.sort(key=lambda problem: problem.line)
    audit_record(
        actor=actor,
        verb=Verb.REGIONS_IMPORTED,
        object_type="region_table",
        object_id=f"{source_year}:{report.filename}"[:64],
        changes=report.counts(),
    )
    return report


def _apply_row(
    current: _Existing, name: str, urban_rural: str, year: int, history: list[RegionChange]
) -> Region | None:
    """The region brought in line with the table, each changed field noted in `history`;
    None when the table changes nothing."""
    before = len(history)
    if current.name != name:
        history.append(_change(current.code, "name", current.name, name, year))
    # A township row may leave the class empty: that keeps the one we have.
    urban_rural = urban_rural or current.urban_rural
    if current.urban_rural != urban_rural:
        history.append(_change(current.code, "urban_rural", current.urban_rural, urban_rural, year))
    if not current.active:
        history.append(_change(current.code, "active", "0", "1", year))
    if len(history) == before:
        return None
    return Region(
        code=current.code,
        name=name,
        urban_rural=urban_rural,
        active=True,
        is_demo=False,
        source_year=year,
    )
