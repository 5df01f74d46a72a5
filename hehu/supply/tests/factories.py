"""Factories for in-kind supply tests: catalogue items with stock, distributions and a
child's approved service plan, all made through the services (their side effects are those
of the real flow)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from hehu.accounts.models import Department, User
from hehu.cases.models import Case, PlanItem, ServicePlan
from hehu.cases.services.cases import case_transition
from hehu.cases.services.plans import (
    GoalData,
    ItemData,
    plan_approve,
    plan_draft,
    plan_review,
    plan_submit,
    plan_update,
)
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    county_officer,
    director,
    make_case,
    make_child,
    supervisor,
)
from hehu.registry.models import Child
from hehu.supply.models import Distribution, SupplyItem
from hehu.supply.services import distribute, item_create, stock_receive

__all__ = [
    "OTHER_COUNTY_VILLAGE",
    "VILLAGE",
    "approved_plan",
    "county_officer",
    "director",
    "in_kind",
    "make_child",
    "make_distribution",
    "make_item",
    "supervisor",
]

_numbers = itertools.count(1)


def make_item(
    *,
    actor: User | None = None,
    stock: int = 0,
    name: str = "",
    kind: str = SupplyItem.Kind.NUTRITION,
    unit: str = "盒",
    village: str = VILLAGE,
    unit_value: Decimal | None = Decimal("35.00"),
    **kw: Any,
) -> SupplyItem:
    """An item of the village's county, with `stock` received."""
    actor = actor or county_officer(village)
    item = item_create(
        actor=actor,
        name=name or f"营养包{next(_numbers)}",
        kind=kind,
        unit=unit,
        county_code=village[:6],
        unit_value=unit_value,
        **kw,
    )
    if stock:
        stock_receive(actor=actor, item=item, quantity=stock, source="2026年政府采购合同 CG-01")
        item.refresh_from_db()
    return item


def make_distribution(
    child: Child,
    item: SupplyItem,
    *,
    actor: User | None = None,
    quantity: int = 1,
    **kw: Any,
) -> Distribution:
    return distribute(
        actor=actor or director(child.region_id),
        child=child,
        item=item,
        quantity=quantity,
        distributed_on=kw.pop("distributed_on", timezone.localdate()),
        received_by_name=kw.pop("received_by_name", "王桂兰（祖母）"),
        **kw,
    )


def in_kind(
    support: str = "nutrition",
    *,
    quantity: str = "2",
    frequency: str = PlanItem.Frequency.MONTHLY,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    kind: str = PlanItem.Kind.IN_KIND,
) -> ItemData:
    return ItemData(
        kind=kind,
        support=support,
        frequency=frequency,
        starts_on=starts_on or timezone.localdate().replace(day=1),
        ends_on=ends_on,
        goal=0,
        provider_department=Department.CIVIL_AFFAIRS,
        quantity=Decimal(quantity) if kind != PlanItem.Kind.CASH else None,
        amount=Decimal("100.00") if kind == PlanItem.Kind.CASH else None,
        unit="盒" if kind != PlanItem.Kind.CASH else "",
        responsible_name="李春梅",
    )


def approved_plan(
    child: Child, *items: ItemData, approve: bool = True, case: Case | None = None
) -> ServicePlan:
    """A plan of a case of the child with these items, reviewed and (by default) approved
    by the county, through the case services."""
    me = director(child.region_id)
    if case is None:
        case = make_case(child, actor=me)
        case = case_transition(actor=me, case=case, to_status=Case.Status.ASSESSMENT)
        case = case_transition(actor=me, case=case, to_status=Case.Status.PLANNING)
    plan = plan_draft(actor=me, case=case, copy_last=False)
    plan = plan_update(
        actor=me,
        plan=plan,
        summary="保障营养和学习用品",
        goals=[GoalData(need="basic_living", description="吃得饱、穿得暖")],
        items=list(items) or [in_kind()],
        expected_version=plan.version,
    )
    plan = plan_submit(actor=me, plan=plan, expected_version=plan.version)
    if not approve:
        return plan
    plan = plan_review(actor=supervisor(child.region_id), plan=plan, expected_version=plan.version)
    return plan_approve(
        actor=county_officer(child.region_id), plan=plan, expected_version=plan.version
    )
