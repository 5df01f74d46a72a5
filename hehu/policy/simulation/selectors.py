"""Reading simulations for one viewer: which ones, their counts within the viewer's
jurisdiction only, and the children who would move (the registry's scoping).

A simulation is seen by whoever may read policies and whose jurisdiction overlaps its
scope. Its counts are read at the viewer's own regions and below, never above: a county
officer looking at a national simulation sees the county's numbers, not the nation's.
The children who would enter or leave a category are listed only to roles that open
files, and only those `children_visible_to` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ValidationFailed
from hehu.policy.models import PolicyVersion
from hehu.policy.selectors import policy_versions
from hehu.policy.simulation.models import LEVELS, Simulation, SimulationChange
from hehu.regions.models import Region
from hehu.registry.selectors import children_visible_to, region_scope_q

NEXT_LEVEL = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
REGIONS_PER_PAGE = 100


def reach_of(user: Any) -> list[str]:
    """The user's prefixes without those inside another of them (nothing counted twice)."""
    prefixes: list[str] = sorted(set(user.prefixes), key=lambda p: (len(p), p))
    kept: list[str] = []
    for prefix in prefixes:
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return sorted(kept)


def within_reach(prefix: str, reach: list[str]) -> bool:
    return any(prefix.startswith(p) for p in reach)


def simulations_visible_to(*, user: Any) -> QuerySet[Simulation]:
    """Simulations whose scope overlaps the user's jurisdiction (policy readers only)."""
    reach = reach_of(user)
    if not has_perm(user, Perm.VIEW_POLICY) or not reach:
        return Simulation.objects.none()
    conditions = []
    for prefix in reach:
        covering = [prefix[:n] for n in LEVELS if n <= len(prefix)]
        conditions.append(Q(scope__startswith=prefix) | Q(scope__in=covering))
    overlap = reduce(or_, conditions)
    return Simulation.objects.filter(overlap).select_related("draft", "baseline", "requested_by")


def simulation_drafts() -> QuerySet[PolicyVersion]:
    """The versions one may simulate: drafts and reviewed versions first, then approved."""
    return policy_versions().filter(
        status__in=[
            PolicyVersion.Status.DRAFT,
            PolicyVersion.Status.REVIEWED,
            PolicyVersion.Status.APPROVED,
        ]
    )


# -- the summary within the viewer's jurisdiction --------------------------------------------


@dataclass(frozen=True)
class Cell:
    code: str
    name: str
    current: int
    draft: int
    entered: int
    left: int

    @property
    def delta(self) -> int:
        return self.draft - self.current


@dataclass(frozen=True)
class RegionRow:
    prefix: str
    name: str
    children: int
    cells: list[Cell]
    drillable: bool = False


@dataclass
class SummaryView:
    region: str  # the selected prefix ("" with several prefixes: the viewer's whole reach)
    name: str
    total: RegionRow
    rows: list[RegionRow]  # one level below, within reach
    crumbs: list[tuple[str, str]] = field(default_factory=list)  # (prefix, name) to go up
    page: int = 1
    pages: int = 1


def prefix_names(prefixes: list[str]) -> dict[str, str]:
    codes = {p: p.ljust(12, "0") for p in prefixes if p}
    found = dict(Region.objects.filter(code__in=codes.values()).values_list("code", "name"))
    names = {p: found.get(code, p) for p, code in codes.items()}
    names[""] = _("全国")
    return names


def category_name(category: dict[str, str]) -> str:
    english = (translation.get_language() or "").startswith("en")
    name = category.get("en") if english else None
    return name or category["zh"]


def _row(simulation: Simulation, prefixes: list[str], name: str, prefix: str = "") -> RegionRow:
    levels: dict[str, dict[str, Any]] = simulation.summary.get("levels", {})
    found = [levels.get(str(len(p)), {}).get(p, {}) for p in prefixes]
    cells = []
    for category in simulation.categories:
        code = category["code"]
        sums = [sum(f.get(code, [0, 0, 0, 0])[i] for f in found) for i in range(4)]
        cells.append(Cell(code, category_name(category), *sums))
    return RegionRow(
        prefix=prefix,
        name=name,
        children=sum(f.get("_n", 0) for f in found),
        cells=cells,
        drillable=bool(prefix) and len(prefix) in NEXT_LEVEL,
    )


def simulation_summary(
    *, simulation: Simulation, user: Any, region: str = "", page: int = 1
) -> SummaryView:
    """The counts of a finished simulation for `region` (default: the viewer's reach) and
    for each region one level below it, within the viewer's jurisdiction only."""
    reach = reach_of(user)
    if region and (not region.isdigit() or len(region) not in NEXT_LEVEL | {12: 0}):
        raise ValidationFailed({"region": [_("区划代码前缀应为2、4、6、9或12位数字")]})
    if region and not within_reach(region, reach):
        raise ValidationFailed({"region": [_("该区域不在您的管辖范围之内")]})
    if not region and len(reach) == 1:
        region = reach[0]
    if not region and "" not in reach:  # several prefixes: each is a row of its own
        names = prefix_names(reach)
        rows = [_row(simulation, [p], names[p], p) for p in reach]
        total = _row(simulation, reach, _("我的辖区"))
        return SummaryView("", total.name, total, rows)

    levels: dict[str, dict[str, Any]] = simulation.summary.get("levels", {})
    below = NEXT_LEVEL.get(len(region))
    children = (
        [] if below is None else [p for p in levels.get(str(below), {}) if p.startswith(region)]
    )
    pages = max(1, math.ceil(len(children) / REGIONS_PER_PAGE))
    page = min(max(1, page), pages)
    shown = children[(page - 1) * REGIONS_PER_PAGE : page * REGIONS_PER_PAGE]
    top = next(p for p in reach if region.startswith(p))
    crumbs = [region[:n] for n in LEVELS if len(top) <= n < len(region)]
    names = prefix_names([region, *shown, *crumbs])
    return SummaryView(
        region=region,
        name=names[region],
        total=_row(simulation, [region], names[region], region),
        rows=[_row(simulation, [p], names[p], p) for p in shown],
        crumbs=[(p, names[p]) for p in crumbs],
        page=page,
        pages=pages,
    )


# -- the children who would move -------------------------------------------------------------


def simulation_changes_visible_to(
    *,
    simulation: Simulation,
    user: Any,
    category: str = "",
    direction: str = "",
    region: str = "",
) -> QuerySet[SimulationChange]:
    """The children of the simulation who would enter or leave a category, among those the
    user may open (none for roles that work with aggregates only)."""
    if not has_perm(user, Perm.VIEW_CHILD):
        return SimulationChange.objects.none()
    reach = reach_of(user)
    changes = SimulationChange.objects.filter(
        region_scope_q(reach, field="region_code"),
        simulation=simulation,
        child__in=children_visible_to(user=user),
    )
    if region:
        if not region.isdigit() or len(region) > 12:
            raise ValidationFailed({"region": [_("区划代码前缀应为不超过12位的数字")]})
        changes = changes.filter(region_scope_q([region], field="region_code"))
    if category:
        changes = changes.filter(category=category)
    if direction:
        if direction not in SimulationChange.Direction.values:
            raise ValidationFailed({"direction": [_("变化应为 entered 或 left")]})
        changes = changes.filter(direction=direction)
    return changes.select_related("child").order_by("region_code", "child_id", "category", "pk")
