"""Reads of in-kind supply across a user's jurisdiction.

- The catalogue and stock of a county: kept by county civil affairs (Perm.MANAGE_SUPPLY);
  those who hand things out in the villages (Perm.WORK_CASE) read the catalogue of the
  county they work in, to choose what they handed out.
- Distributions: of the children in the user's jurisdiction.
- A record outside the user's jurisdiction answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.models import PlanItem, ServicePlan
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to, region_scope_q
from hehu.supply.models import Distribution, SupplyItem
from hehu.supply.promises import Promise, promise_of

COUNTY_DIGITS = 6


def may_record_distributions(user: Any) -> bool:
    """County civil affairs, township supervisors and village directors hand things out."""
    return has_perm(user, Perm.MANAGE_SUPPLY) or has_perm(user, Perm.WORK_CASE)


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _county_q(prefixes: list[str]) -> Q:
    """Items of the counties a jurisdiction lies in or covers: a county officer's county, a
    city's counties, the county of a director's village."""
    if "" in prefixes:
        return Q()
    parts = [
        Q(county_code__startswith=p)
        if len(p) <= COUNTY_DIGITS
        else Q(county_code=p[:COUNTY_DIGITS])
        for p in prefixes
    ]
    return reduce(or_, parts, Q(pk__in=[]))


def _managed_q(prefixes: list[str], field: str = "county_code") -> Q:
    """Counties the jurisdiction covers whole (their stock is the user's to keep)."""
    parts = [Q(**{f"{field}__startswith": p}) for p in prefixes if len(p) <= COUNTY_DIGITS]
    return reduce(or_, parts, Q(pk__in=[]))


# -- the catalogue and stock -------------------------------------------------------------------
def items_visible_to(user: Any) -> QuerySet[SupplyItem]:
    if not (has_perm(user, Perm.MANAGE_SUPPLY) or has_perm(user, Perm.WORK_CASE)):
        return SupplyItem.objects.none()
    return SupplyItem.objects.filter(_county_q(list(user.prefixes)))


def items_managed_by(user: Any) -> QuerySet[SupplyItem]:
    if not has_perm(user, Perm.MANAGE_SUPPLY):
        return SupplyItem.objects.none()
    return SupplyItem.objects.filter(_managed_q(list(user.prefixes)))


def access_item_by_id(user: Any, item_id: int | str, *, manage: bool = False) -> SupplyItem:
    """An item of the user's catalogue: 404 whether outside it or missing."""
    items = items_managed_by(user) if manage else items_visible_to(user)
    item = items.filter(pk=_pk(item_id)).first()
    if item is None:
        raise Http404
    return item


def counties_managed_by(user: Any) -> list[str]:
    """The six-digit counties whose stock the user keeps, in code order."""
    if not has_perm(user, Perm.MANAGE_SUPPLY):
        return []
    own = {p for p in user.prefixes if len(p) == COUNTY_DIGITS}
    if any(len(p) < COUNTY_DIGITS for p in user.prefixes):
        own |= set(items_managed_by(user).values_list("county_code", flat=True).distinct())
    return sorted(own)


@dataclass(frozen=True)
class CountyStock:
    county_code: str
    items: list[SupplyItem]

    @property
    def value(self) -> Decimal:
        """The stock in yuan, items without a unit value left out."""
        return sum((i.stock_value for i in self.items if i.stock_value is not None), Decimal(0))

    @property
    def low(self) -> list[SupplyItem]:
        return [i for i in self.items if i.active and i.is_low]


def county_stock(user: Any, county_code: str) -> CountyStock:
    """The catalogue of one county the user keeps, active items first, with their stock."""
    items = items_managed_by(user).filter(county_code=county_code)
    return CountyStock(county_code, list(items.order_by("-active", "kind", "name", "pk")))


def items_for_child(user: Any, child: Child) -> QuerySet[SupplyItem]:
    """What may be handed to the child: the active items of the child's county."""
    return (
        items_visible_to(user)
        .filter(county_code=child.region_id[:COUNTY_DIGITS], active=True)
        .order_by("kind", "name", "pk")
    )


# -- children and distributions ---------------------------------------------------------------
def access_supply_child_by_id(user: Any, child_id: int | str) -> Child:
    """A child whose in-kind record the user may see and add to: 404 whether the file is
    hidden, missing, or the user's role does not hand things out."""
    pk = _pk(child_id)
    if not may_record_distributions(user):
        raise Http404
    child = children_visible_to(user=user).select_related("region").filter(pk=pk).first()
    if child is None:
        raise Http404
    return child


def distributions_visible_to(user: Any) -> QuerySet[Distribution]:
    """Distributions to the children of the user's jurisdiction. A child who has moved to
    another county is no longer named to the old county (its stock ledger still shows the
    quantity that left)."""
    if not may_record_distributions(user):
        return Distribution.objects.none()
    return Distribution.objects.filter(region_scope_q(list(user.prefixes), field="child__region"))


def access_distribution_by_id(user: Any, distribution_id: int | str) -> Distribution:
    found = (
        distributions_visible_to(user)
        .select_related("item", "child", "plan_item")
        .filter(pk=_pk(distribution_id))
        .first()
    )
    if found is None:
        raise Http404
    return found


def with_details(queryset: QuerySet[Distribution]) -> QuerySet[Distribution]:
    return queryset.select_related(
        "item", "child", "by", "cancelled_by", "plan_item", "plan_item__plan"
    ).order_by("-distributed_on", "-id")


def distributions_of_child(child: Child) -> QuerySet[Distribution]:
    return with_details(Distribution.objects.filter(child=child))


# -- what the plan promised ---------------------------------------------------------------------
def plan_items_in_kind(child: Child) -> QuerySet[PlanItem]:
    """The in-kind items of the child's approved plans (the ones a distribution may meet)."""
    return (
        PlanItem.objects.filter(
            plan__case__child=child,
            plan__status=ServicePlan.Status.APPROVED,
            kind=PlanItem.Kind.IN_KIND,
        )
        .select_related("plan", "plan__case")
        .order_by("plan__case_id", "plan__number", "id")
    )


def plan_promises(child: Child, as_of: dt.date | None = None) -> list[Promise]:
    """Each in-kind item of the child's approved plans: promised so far against what was
    distributed for it (not cancelled). Two queries however many items."""
    as_of = as_of or timezone.localdate()
    items = list(plan_items_in_kind(child))
    given = dict(
        Distribution.objects.filter(plan_item__in=items, cancelled=False)
        .values("plan_item")
        .annotate(total=Sum("quantity"))
        .values_list("plan_item", "total")
    )
    return [promise_of(item, int(given.get(item.pk) or 0), as_of) for item in items]
