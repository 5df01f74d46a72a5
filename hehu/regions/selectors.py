"""Reading regions: validation of codes from users, paths for display, children for pickers.

Regions are public statistical codes: no jurisdiction applies to reading them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from hehu.regions.codes import CODE_RE, ancestor_codes
from hehu.regions.errors import InvalidRegionCodeError, UnknownRegion
from hehu.regions.models import Region

# City-level groupings that add nothing to a region's label (NBS names).
_SILENT_IN_LABEL = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def region_get_or_error(code: str, *, field: str, include_inactive: bool = False) -> Region:
    """The region with this 12-digit code; a domain error naming `field` otherwise.

    Abolished regions (no longer in the current table) are refused unless asked for, so
    that new records use current codes while old records still resolve.
    """
    value = (code or "").strip()
    if not CODE_RE.match(value):
        raise InvalidRegionCodeError(value, field=field)
    region = Region.objects.filter(code=value).first()
    if region is None:
        raise UnknownRegion(value, field=field)
    if not region.active and not include_inactive:
        raise UnknownRegion(value, field=field, abolished=True)
    return region


def region_path(code: str) -> list[Region]:
    """Province → … → the region itself (those that exist), in one query; [] if unknown.

    Raises InvalidRegionCodeError (field "code") when `code` is not 12 digits.
    """
    if not CODE_RE.match(code or ""):
        raise InvalidRegionCodeError(code, field="code")
    path = list(Region.objects.filter(code__in=[*ancestor_codes(code), code]).order_by("code"))
    return path if path and path[-1].code == code else []


def _label(path: list[Region]) -> str:
    names = [r.name for r in path if r.level != Region.Level.CITY or r.name not in _SILENT_IN_LABEL]
    return " ".join(names)


def region_label(code: str) -> str:
    """The full name, e.g. "四川省 宜宾市 翠屏区 （演示）示范街道一"; the code if unknown.

    The municipalities' 市辖区/县 and the 省直辖县级行政区划 groupings are left out.
    """
    if not CODE_RE.match(code or ""):
        return code
    return _label(region_path(code)) or code


def region_labels(codes: Iterable[str]) -> dict[str, str]:
    """Labels for many codes in one query (for lists); unknown codes map to themselves,
    malformed ones are left out."""
    wanted = {c for c in codes if c and CODE_RE.match(c)}
    needed = set(wanted)
    for code in wanted:
        needed.update(ancestor_codes(code))
    by_code = {r.code: r for r in Region.objects.filter(code__in=sorted(needed))}
    labels: dict[str, str] = {}
    for code in wanted:
        if code not in by_code:
            labels[code] = code
            continue
        path = [by_code[c] for c in sorted([*ancestor_codes(code), code]) if c in by_code]
        labels[code] = _label(path)
    return labels


def regions_children(*, parent_code: str | None) -> QuerySet[Region]:
    """The current regions directly under `parent_code` (provinces when None), by code."""
    queryset = Region.objects.filter(active=True)
    if parent_code is None:
        return queryset.filter(parent__isnull=True, level=Region.Level.PROVINCE)
    return queryset.filter(parent_id=parent_code)


def regions_list(*, parent_code: str | None = None, level: str | None = None) -> QuerySet[Region]:
    """Current regions filtered by parent and/or level; provinces when neither is given."""
    if parent_code is None and not level:
        return regions_children(parent_code=None)
    queryset = Region.objects.filter(active=True)
    if parent_code is not None:
        queryset = queryset.filter(parent_id=parent_code)
    if level:
        queryset = queryset.filter(level=level)
    return queryset
