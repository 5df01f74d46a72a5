"""Region factories: `region("511502001001")` creates the region and all its ancestors."""

from __future__ import annotations

from hehu.regions.codes import ancestor_codes, level_of
from hehu.regions.models import Region

_NAMES = {
    "510000000000": "四川省",
    "511500000000": "宜宾市",
    "511502000000": "翠屏区",
    "511524000000": "长宁县",
}


def region(code: str, *, name: str | None = None, urban_rural: str = "") -> Region:
    parent = None
    for ancestor in reversed(ancestor_codes(code)):
        parent, _ = Region.objects.get_or_create(
            code=ancestor,
            defaults={
                "name": _NAMES.get(ancestor, f"区划{ancestor}"),
                "level": level_of(ancestor),
                "parent": parent,
                "source_year": 2024,
            },
        )
    level = level_of(code)
    if not urban_rural and level == "village":
        urban_rural = "111" if int(code[9:]) < 200 else "220"
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name or _NAMES.get(code, f"区划{code}"),
            "level": level,
            "parent": parent,
            "source_year": 2024,
            "urban_rural": urban_rural,
        },
    )
    return obj
