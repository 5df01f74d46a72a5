"""Aggregate counts of children for home pages, within the reader's jurisdiction.

Analysts hold Perm.VIEW_STATISTICS but not Perm.VIEW_CHILD: they see counts by region and
never an individual child. Counts are computed over the same region-prefix scope that
`children_visible_to` uses, so nobody ever counts a child outside their reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from hehu.accounts.permissions import Perm, has_perm
from hehu.regions.codes import PREFIX_LENGTHS, full_code
from hehu.registry.models import Child, LivingArrangement
from hehu.registry.selectors import children_visible_to, region_scope_q
from hehu.web.regions import region_names

# The next level down from a prefix of this length: the unit a home page counts by.
_NEXT_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}
_LENGTHS = frozenset(PREFIX_LENGTHS.values())


@dataclass(frozen=True)
class RegionCount:
    prefix: str
    name: str
    total: int
    living_alone: int
    with_disability: int

    @property
    def code(self) -> str:
        return full_code(self.prefix)


def unit_length(prefixes: list[str]) -> int:
    """How many code digits the breakdown groups by: one level below the widest reach."""
    shortest = min((len(p) for p in prefixes), default=12)
    return _NEXT_LENGTH[shortest]


def _countable(user: Any) -> QuerySet[Child]:
    # Whoever may open files counts exactly the files they may open; an analyst counts the
    # active files under their prefixes without being able to open any of them.
    if has_perm(user, Perm.VIEW_CHILD):
        return children_visible_to(user=user)
    if has_perm(user, Perm.VIEW_STATISTICS):
        return Child.objects.filter(
            region_scope_q(user.prefixes, field="region_id"), status=Child.Status.ACTIVE
        )
    return Child.objects.none()


def child_counts_by_region(*, user: Any) -> list[RegionCount]:
    """Active children per region one level below the user's jurisdiction (aggregates only)."""
    prefixes: list[str] = user.prefixes
    if not prefixes:
        return []
    length = unit_length(prefixes)
    rows = list(
        _countable(user)
        .annotate(unit=Substr("region_id", 1, length))
        .values("unit")
        .annotate(
            total=Count("id"),
            living_alone=Count("id", filter=Q(living_arrangement=LivingArrangement.ALONE)),
            with_disability=Count("id", filter=~Q(disability_category="")),
        )
        .order_by("unit")
    )
    names = region_names(full_code(r["unit"]) for r in rows if len(r["unit"]) in _LENGTHS)
    return [
        RegionCount(
            prefix=r["unit"],
            name=names.get(full_code(r["unit"]), r["unit"]),
            total=r["total"],
            living_alone=r["living_alone"],
            with_disability=r["with_disability"],
        )
        for r in rows
    ]
