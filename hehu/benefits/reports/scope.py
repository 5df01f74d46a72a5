"""Who may read benefit aggregates, and for which region prefix (the six levels).

Statements and budgets are aggregates (no child is named): they are open to those who read
statistics and to county civil affairs who pay, for a prefix within their jurisdiction
only. A prefix outside it answers as a missing page (404), like the simulation pages.
The reach and the region names are the simulation's helpers (one statement of the rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.simulation.models import LEVELS
from hehu.policy.simulation.selectors import NEXT_LEVEL, prefix_names, reach_of, within_reach
from hehu.regions.models import Region

# A county's prefix: above it, figures are counted by the paying county (the cycle's);
# below it, by the child's own region.
COUNTY = 6
LEVEL_OF_LENGTH = {
    2: Region.Level.PROVINCE,
    4: Region.Level.CITY,
    6: Region.Level.COUNTY,
    9: Region.Level.TOWNSHIP,
    12: Region.Level.VILLAGE,
}
# The unit of a row for children whose region lies outside the paying county (they moved
# and the county still pays them this month): their figures stay in the county's total.
ELSEWHERE = "elsewhere"


class OutsideReach(Exception):
    """The prefix is outside the reader's jurisdiction: answered as 404."""


def may_read_reports(user: Any) -> bool:
    return has_perm(user, Perm.VIEW_STATISTICS) or has_perm(user, Perm.MANAGE_BENEFITS)


def report_reach(user: Any) -> list[str]:
    """The prefixes whose aggregates the user may read (none without the permission)."""
    if not may_read_reports(user):
        return []
    return reach_of(user)


@dataclass(frozen=True)
class Scope:
    """A region prefix the reader may read, with its name and the way up to their reach."""

    region: str
    name: str
    crumbs: list[tuple[str, str]]  # (prefix, name) from the reader's widest region down
    reach: list[str]

    @property
    def below(self) -> int | None:
        """The length of the next level's prefixes (None for a village)."""
        return NEXT_LEVEL.get(len(self.region))

    @property
    def county(self) -> str:
        return self.region[:COUNTY]


def report_scope(user: Any, region: str | None) -> Scope:
    """The scope asked for (default: the first region of the reader's reach).

    PermissionRefused without the permission; ValidationFailed for a malformed prefix;
    OutsideReach for a prefix outside the reader's jurisdiction.
    """
    if not may_read_reports(user):
        raise PermissionRefused(_("资金报表供统计分析人员和县级民政部门查看"))
    reach = report_reach(user)
    if not reach:
        raise OutsideReach(region)
    region = (region or "").strip()
    if region and (not region.isdigit() or len(region) not in LEVELS):
        raise ValidationFailed({"region": [_("区划代码前缀应为2、4、6、9或12位数字")]})
    if not region:
        region = reach[0]
    if not within_reach(region, reach):
        raise OutsideReach(region)
    top = next(p for p in reach if region.startswith(p))
    ups = [region[:n] for n in LEVELS if len(top) <= n < len(region)]
    names = prefix_names([region, *ups, *reach])
    return Scope(
        region=region,
        name=names.get(region, region),
        crumbs=[(p, names.get(p, p)) for p in ups],
        reach=reach,
    )


def reach_choices(scope: Scope) -> list[tuple[str, str]]:
    """The reader's own regions, for the region picker (prefix, name)."""
    names = prefix_names(scope.reach)
    return [(p, names.get(p, p)) for p in scope.reach]


def sub_regions(region: str, length: int) -> dict[str, str]:
    """The regions one level below `region` (prefix of `length` digits → name), from the
    region table: rows with nothing paid are shown too."""
    level = LEVEL_OF_LENGTH.get(length)
    if level is None:
        return {}
    rows = Region.objects.filter(level=level, active=True)
    if region:
        rows = rows.filter(code__startswith=region)
    return {code[:length]: name for code, name in rows.values_list("code", "name").order_by()}


def unit_names(units: list[str]) -> dict[str, str]:
    """Names of the given prefixes (the prefix itself where the region table has none)."""
    codes = [u.ljust(12, "0") for u in units if u and u.isdigit() and len(u) in LEVEL_OF_LENGTH]
    found = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {u: found.get(u.ljust(12, "0"), u) for u in units}
