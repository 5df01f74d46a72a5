"""Reads for the case pages and the case API: the list with its filters, and the parts of
one case (its steps, its open work with days left, its visits, notes and referrals).

Every read starts from `cases_visible_to` (or a case already opened through
`access_case_by_id`), so nobody sees a case outside their jurisdiction or referrals.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from hehu.cases.clocks import working_days_between
from hehu.cases.models import (
    Assessment,
    Case,
    CaseNote,
    CaseReferral,
    CaseTransition,
    ServicePlan,
    Visit,
    WorkItem,
)
from hehu.cases.selectors import cases_visible_to
from hehu.core.errors import ValidationFailed

_PREFIX_RE = re.compile(r"^\d{0,12}$")
LIST_FIELDS = (
    "id",
    "child__id",
    "child__name",
    "region__code",
    "region__name",
    "region_code",
    "status",
    "risk",
    "emergency",
    "source",
    "opened_at",
    "closed_at",
    "version",
)


def cases_search(
    *,
    user: Any,
    status: str = "",
    risk: str = "",
    emergency: bool | None = None,
    region_prefix: str = "",
) -> QuerySet[Case]:
    """The user's cases matching the filters, newest first, each with its next visit date
    (`next_visit_on`). "open" as status means every status but closed."""
    queryset = cases_visible_to(user=user)
    if status == "open":
        queryset = queryset.exclude(status=Case.Status.CLOSED)
    elif status:
        if status not in Case.Status.values:
            raise ValidationFailed({"status": [_("未知的个案状态。")]})
        queryset = queryset.filter(status=status)
    if risk:
        if risk not in Case.Risk.values:
            raise ValidationFailed({"risk": [_("未知的风险等级。")]})
        queryset = queryset.filter(risk=risk)
    if emergency is not None:
        queryset = queryset.filter(emergency=emergency)
    if region_prefix:
        if not _PREFIX_RE.match(region_prefix):
            raise ValidationFailed({"region": [_("区划代码前缀只能是最多 12 位数字。")]})
        queryset = queryset.filter(
            region_code__gte=region_prefix.ljust(12, "0"),
            region_code__lte=region_prefix.ljust(12, "9"),
        )
    next_visit = (
        Visit.objects.filter(case=OuterRef("pk"), status=Visit.Status.SCHEDULED)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return (
        queryset.select_related("child", "region")
        .only(*LIST_FIELDS)
        .annotate(next_visit_on=Subquery(next_visit))
        .order_by("-opened_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class DueRow:
    """An open work item as a case shows it: what, by when, the rule, and days left."""

    item: WorkItem
    kind_label: str
    rule_zh: str
    rule_en: str
    days_left: int
    working_days: bool

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def days_left(item: WorkItem, today: dt.date) -> tuple[int, bool]:
    """Days left to the due date: working days where the rule counts working days (a
    deadline in 工作日), calendar days otherwise (a visit every few months)."""
    zh = str((item.rule or {}).get("zh", ""))
    if "工作日" in zh:
        return working_days_between(today, item.due_on), True
    return (item.due_on - today).days, False


def case_open_work(case: Case, today: dt.date) -> list[DueRow]:
    items = WorkItem.objects.filter(case_id=case.pk, status=WorkItem.Status.OPEN).order_by(
        "due_on", "id"
    )
    rows = []
    for item in items:
        left, working = days_left(item, today)
        rule = item.rule or {}
        rows.append(
            DueRow(
                item=item,
                kind_label=str(WorkItem.Kind(item.kind).label),
                rule_zh=str(rule.get("zh", "")),
                rule_en=str(rule.get("en", "")),
                days_left=left,
                working_days=working,
            )
        )
    return rows


def case_transitions(case: Case) -> QuerySet[CaseTransition]:
    return CaseTransition.objects.filter(case=case).select_related("actor").order_by("at", "id")


def case_visits(case: Case) -> QuerySet[Visit]:
    return Visit.objects.filter(case=case).select_related("recorded_by").order_by("-due_on", "-id")


def case_notes(case: Case) -> QuerySet[CaseNote]:
    """The case records; callers show them only to roles that may see them."""
    return CaseNote.objects.filter(case=case).select_related("author").order_by("-at", "-id")


def case_referrals(case: Case) -> QuerySet[CaseReferral]:
    return (
        CaseReferral.objects.filter(case=case)
        .select_related("organisation", "referred_by")
        .order_by("-referred_at", "-id")
    )


def case_assessments(case: Case) -> QuerySet[Assessment]:
    return Assessment.objects.filter(case=case).order_by("-started_at", "-id")


def case_plans(case: Case) -> QuerySet[ServicePlan]:
    return ServicePlan.objects.filter(case=case).order_by("-number")


def case_other_of_child(case: Case, user: Any) -> QuerySet[Case]:
    """The child's other cases the user may see (a reopened case points back to one)."""
    return cases_visible_to(user=user).filter(child_id=case.child_id).exclude(pk=case.pk)
