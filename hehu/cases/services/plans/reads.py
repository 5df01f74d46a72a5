"""Reading plans: one plan by id (404 when hidden), a case's plans, who may be responsible."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from hehu.accounts.models import Jurisdiction, User
from hehu.cases.models import (
    Case,
    CaseReferral,
    PlanGoal,
    PlanItem,
    ServicePlan,
)
from hehu.cases.procedures import procedure_value
from hehu.cases.selectors import cases_visible_to


def access_plan_by_id(user: Any, plan_id: int | str, *, case_id: int | None = None) -> ServicePlan:
    """A plan of a case the user may open; 404 whether hidden or missing."""
    try:
        pk = int(plan_id)
    except (TypeError, ValueError):
        raise Http404 from None
    visible = cases_visible_to(user=user).values("pk")
    queryset = ServicePlan.objects.select_related(
        "case", "case__child", "created_by", "reviewed_by", "approved_by"
    ).filter(pk=pk, case_id__in=visible)
    if case_id is not None:
        queryset = queryset.filter(case_id=case_id)
    plan = queryset.first()
    if plan is None:
        raise Http404
    return plan


def plans_of_case(*, case: Case) -> QuerySet[ServicePlan]:
    return ServicePlan.objects.filter(case=case).select_related("reviewed_by", "approved_by")


def plan_goals_and_items(*, plan: ServicePlan) -> list[PlanGoal]:
    """The goals in order, each with `plan_items` (its items, by kind); items without a
    goal are gathered under a goal-less entry (pk None) at the end."""
    goals = list(PlanGoal.objects.filter(plan=plan))
    items = list(
        PlanItem.objects.filter(plan=plan).select_related("provider_organisation", "responsible")
    )
    order = {kind: i for i, kind in enumerate(PlanItem.Kind.values)}
    items.sort(key=lambda item: (order.get(item.kind, 9), item.pk))
    by_goal: dict[int | None, list[PlanItem]] = {}
    for item in items:
        by_goal.setdefault(item.goal_id, []).append(item)
    for goal in goals:
        goal.plan_items = by_goal.get(goal.pk, [])  # type: ignore[attr-defined]
    loose = by_goal.get(None, [])
    if loose:
        other = PlanGoal(plan=plan, need="", description="")
        other.plan_items = loose  # type: ignore[attr-defined]
        goals.append(other)
    return goals


def approver_level(*, case: Case, on: dt.date | None = None) -> str:
    """ "county" (default) or "township": who approves this case's plans."""
    value = procedure_value("plan_approver_level", case.region_code, on or timezone.localdate())
    return str(value)


def responsible_choices(*, case: Case) -> QuerySet[User]:
    """Active people who may answer for an item: those whose jurisdiction covers the case,
    and social workers of organisations the case is referred to."""
    code = case.region_code
    prefixes = {code[:n] for n in (0, 2, 4, 6, 9, 12)}
    covering = Jurisdiction.objects.filter(prefix__in=prefixes).values("user_id")
    referred = CaseReferral.objects.filter(case=case, status=CaseReferral.Status.ACTIVE).values(
        "organisation_id"
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=covering) | Q(organisation_id__in=referred))
        .exclude(role__in=["admin", "city_analyst", "province_analyst", "national_analyst"])
        .order_by("role", "full_name", "username")
    )


# -- checks -----------------------------------------------------------------------------------
