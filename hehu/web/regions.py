"""Region names and full paths for pages, fetched in one query per page (no N+1).

Region names are public reference data, not children's data: reading them here does not
cross anyone's jurisdiction.
"""

from __future__ import annotations

from collections.abc import Iterable

from hehu.regions.codes import CODE_RE, ancestor_codes, full_code
from hehu.regions.models import Region


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of the given 12-digit codes and of all their ancestors, in one query."""
    wanted: set[str] = set()
    for code in codes:
        if code and CODE_RE.match(code):
            wanted.add(code)
            wanted.update(ancestor_codes(code))
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def region_paths(codes: Iterable[str]) -> dict[str, str]:
    """'四川省 / 宜宾市 / 翠屏区 / …' for each code: the hover title of a region name."""
    codes = [c for c in set(codes) if c and CODE_RE.match(c)]
    names = region_names(codes)
    paths = {}
    for code in codes:
        chain = [*reversed(ancestor_codes(code)), code]
        paths[code] = " / ".join(names.get(c, c) for c in chain)
    return paths


def prefix_label(prefix: str, names: dict[str, str]) -> str:
    if not prefix:
        return ""
    code = full_code(prefix)
    return names.get(code, code)
