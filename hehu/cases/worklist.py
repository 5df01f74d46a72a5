"""Work lists: what each person must do, due and overdue, in their jurisdiction.

Every read is a range scan on one of WorkItem's partial indexes on open items
((origin_level | level), region_code, due_on): the jurisdiction is a region-code range, the
level an equality, and ordering by due date puts the overdue items first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, F, Q, QuerySet

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.levels import level_of
from hehu.cases.models import CaseReferral, Level, WorkItem
from hehu.cases.models.workitem import LEVEL_ORDER
from hehu.registry.selectors import region_scope_q

View = Literal["mine", "escalated", "all"]
VIEWS: tuple[View, ...] = ("mine", "escalated", "all")
HORIZON_DAYS = 14


def _levels_from(level: Level) -> list[str]:
    return [str(lv) for lv in LEVEL_ORDER[LEVEL_ORDER.index(level) :]]


def _levels_up_to(level: Level) -> list[str]:
    return [str(lv) for lv in LEVEL_ORDER[: LEVEL_ORDER.index(level) + 1]]


def worklist_for(
    *,
    user: Any,
    as_of: dt.date,
    view: View | str = "mine",
    kind: str | None = None,
    horizon_days: int = HORIZON_DAYS,
) -> QuerySet[WorkItem]:
    """Open items due by `as_of + horizon_days` (overdue ones included), overdue first.

    mine: the user's level must act (its own items, and items escalated to it);
    escalated: items raised to the user's level or beyond; all: every level up to the
    user's, within the jurisdiction.
    """
    if not has_perm(user, Perm.VIEW_WORKLIST):
        return WorkItem.objects.none()
    items = WorkItem.objects.filter(
        status=WorkItem.Status.OPEN, due_on__lte=as_of + dt.timedelta(days=horizon_days)
    )
    if kind:
        items = items.filter(kind=kind)
    if user.role == Role.SOCIAL_WORKER:
        if user.organisation_id is None:
            return WorkItem.objects.none()
        referred = CaseReferral.objects.filter(
            organisation_id=user.organisation_id, status=CaseReferral.Status.ACTIVE
        ).values("case_id")
        return items.filter(case_id__in=referred).order_by("due_on", "id")
    level = level_of(user)
    if level is None:
        return WorkItem.objects.none()
    items = items.filter(region_scope_q(user.prefixes, field="region_code"))
    if view == "escalated":
        items = items.filter(level__in=_levels_from(level)).exclude(level=F("origin_level"))
    elif view == "all":
        items = items.filter(origin_level__in=_levels_up_to(level))
    else:
        items = items.filter(Q(origin_level=level) | Q(level=level))
    return items.order_by("due_on", "id")


@dataclass(frozen=True)
class WorklistCounts:
    total: int
    overdue: int
    due_this_week: int
    by_kind: dict[str, int]


def worklist_counts(*, items: QuerySet[WorkItem], as_of: dt.date) -> WorklistCounts:
    """Counts for a work list's header, in one aggregate query."""
    week = as_of + dt.timedelta(days=7)
    aggregates: dict[str, Any] = {
        "total": Count("id"),
        "overdue": Count("id", filter=Q(due_on__lt=as_of)),
        "week": Count("id", filter=Q(due_on__gte=as_of, due_on__lte=week)),
    }
    for value in WorkItem.Kind.values:
        aggregates[f"kind_{value}"] = Count("id", filter=Q(kind=value))
    row = items.order_by().aggregate(**aggregates)
    by_kind = {v: row[f"kind_{v}"] for v in WorkItem.Kind.values if row[f"kind_{v}"]}
    return WorklistCounts(row["total"], row["overdue"], row["week"], by_kind)
