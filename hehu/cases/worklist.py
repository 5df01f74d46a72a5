"""Work lists: what each person must do, due and overdue, in their jurisdiction.

Every read is a range scan on one of WorkItem's partial indexes on open items
((origin_level | level), region_code, due_on): the jurisdiction is a region-code range, the
level an equality, and ordering by due date puts the overdue items first.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.clocks import working_days_between
from hehu.cases.levels import level_of
from hehu.cases.models import CaseReferral, Level, WorkItem
from hehu.cases.models.workitem import LEVEL_ORDER
from hehu.regions.codes import CODE_RE, ancestor_codes
from hehu.regions.models import Region
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
    department = department_of(user)
    if department is not None:
        items = items.filter(department=department)
    if view == "escalated":
        items = items.filter(level__in=_levels_from(level)).exclude(level=F("origin_level"))
    elif view == "all":
        items = items.filter(origin_level__in=_levels_up_to(level))
    else:
        items = items.filter(Q(origin_level=level) | Q(level=level))
    return items.order_by("due_on", "id")


def department_of(user: Any) -> str | None:
    """The department whose items a person works: their own for a department officer,
    civil affairs for the casework roles; None (every department) for analysts, who see
    escalated items by number only."""
    if user.role == Role.DEPARTMENT_OFFICER:
        return str(user.department)
    if user.role in (Role.CITY_ANALYST, Role.PROVINCE_ANALYST, Role.NATIONAL_ANALYST):
        return None
    return "civil_affairs"


@dataclass(frozen=True)
class WorklistCounts:
    total: int
    overdue: int
    due_this_week: int
    by_kind: dict[str, int]


def worklist_counts(*, items: QuerySet[WorkItem], as_of: dt.date) -> WorklistCounts:
    """Counts for a work list's header, in one aggregate query (a row per kind)."""
    week = as_of + dt.timedelta(days=7)
    rows = (
        items.order_by()
        .values("kind")
        .annotate(
            # Counting due_on (never null), not id: the covering indexes hold the kind and
            # the dates, not the ids, so the counts need no table row (index-only scan).
            n=Count("due_on"),
            overdue=Count("due_on", filter=Q(due_on__lt=as_of)),
            week=Count("due_on", filter=Q(due_on__gte=as_of, due_on__lte=week)),
        )
    )
    by_kind, overdue, this_week = {}, 0, 0
    for row in rows:
        by_kind[row["kind"]] = row["n"]
        overdue += row["overdue"]
        this_week += row["week"]
    order = {value: i for i, value in enumerate(WorkItem.Kind.values)}
    by_kind = dict(sorted(by_kind.items(), key=lambda kv: order.get(kv[0], len(order))))
    return WorklistCounts(sum(by_kind.values()), overdue, this_week, by_kind)


# Short names of the level an item was raised to, for the badge "已升级至乡镇".
LEVEL_SHORT = {
    Level.VILLAGE: _("村（社区）"),
    Level.TOWNSHIP: _("乡镇"),
    Level.COUNTY: _("县级"),
    Level.CITY: _("市级"),
    Level.PROVINCE: _("省级"),
}
# Kinds whose very name tells a protection matter: roles that do not work cases (they do
# not see assessments and case records) see a neutral label and no rule text.
SENSITIVE_KINDS = frozenset(
    {
        WorkItem.Kind.GUARDIANSHIP_ABSENT,
        WorkItem.Kind.REPORT_POLICE,
        WorkItem.Kind.REPORT_CIVIL,
        WorkItem.Kind.REPORT_EDUCATION,
        WorkItem.Kind.REPORT_ROUTING,
        WorkItem.Kind.PLACEMENT_FOLLOWUP,
        WorkItem.Kind.ORDER_DECISION,
        WorkItem.Kind.ORDER_EXPIRY,
        WorkItem.Kind.REVOCATION_PETITION,
    }
)
ROW_FIELDS = (
    "id",
    "kind",
    "region_code",
    "origin_level",
    "level",
    "due_on",
    "due_at",
    "provisional",
    "rule",
    "case_id",
    "application_id",
    "object_type",
    "object_id",
    "escalated_at",
    "child__id",
    "child__name",
)


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """A row of a work list with every text ready (labels translated once per page)."""

    item: WorkItem
    kind_label: str
    child_id: int | None  # None for roles that may not know who the child is
    child_name: str
    url: str
    region_name: str
    region_path: str
    due_on: dt.date
    overdue: bool
    days: int  # days left (negative: overdue), in working days when `working_days`
    working_days: bool
    days_text: str
    rule: str
    escalated: bool
    escalated_text: str
    origin_level: str
    level: str
    provisional: bool


_MARK = 987_654_321_000  # stands for an id while a route's path is read once


@functools.cache
def _path_template(name: str, arity: int) -> str:
    """The route's path with {0}, {1}… for its ids: reversing once, not once per row
    (a page of 25 rows spent more time in `reverse` than in its queries)."""
    marks = [str(_MARK + i) for i in range(arity)]
    path = reverse(name, args=marks)
    for i, mark in enumerate(marks):
        path = path.replace(mark, "{" + str(i) + "}")
    return path


def _url(name: str, *args: int) -> str:
    return _path_template(name, len(args)).format(*args)


def item_url(item: WorkItem) -> str:
    """Where to act on an item: the application, the visit form, the plan, the assessment
    or the case."""
    if item.application_id is not None:
        return _url("cases:application_detail", item.application_id)
    if item.case_id is not None and item.kind == WorkItem.Kind.VISIT:
        return _url("cases:visit_record", item.case_id)
    if item.case_id is not None and item.object_type == "plan":
        return _url("cases:plan_detail", item.case_id, item.object_id)
    if item.case_id is not None and item.object_type == "assessment":
        return _url("cases:assessment_detail", item.case_id, item.object_id)
    if item.case_id is not None:
        return _url("cases:detail", item.case_id)
    if item.object_type == "report":
        return _url("protection:report_detail", item.object_id)
    if item.object_type in ("placement", "removal", "intervention") and item.child_id is not None:
        return _url("protection:child_protection", item.child_id)
    if item.object_type == "benefit_anomaly":
        return _url("supervision:anomaly", item.object_id)
    return ""


def _region_names(codes: set[str]) -> dict[str, str]:
    wanted = set(codes)
    for code in codes:
        if CODE_RE.match(code):
            wanted.update(ancestor_codes(code))
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def _reference(item: WorkItem) -> str:
    """A number that says which case or application, without saying which child."""
    if item.application_id is not None:
        return gettext("认定申请 R%(n)06d") % {"n": item.application_id}
    if item.case_id is not None:
        return gettext("个案 C%(n)06d") % {"n": item.case_id}
    if item.object_type == "report":
        return gettext("强制报告 P%(n)06d") % {"n": item.object_id}
    if item.object_type == "benefit_anomaly":
        return gettext("资金异常 A%(n)06d") % {"n": item.object_id}
    return gettext("待办事项 %(n)d") % {"n": item.pk}


def _days_text(days: int, working: bool) -> str:
    if days < 0:
        if working:
            return ngettext("已逾期 %(n)d 个工作日", "已逾期 %(n)d 个工作日", -days) % {"n": -days}
        return ngettext("已逾期 %(n)d 天", "已逾期 %(n)d 天", -days) % {"n": -days}
    if days == 0:
        return gettext("今天到期")
    if working:
        return ngettext("还剩 %(n)d 个工作日", "还剩 %(n)d 个工作日", days) % {"n": days}
    return ngettext("还剩 %(n)d 天", "还剩 %(n)d 天", days) % {"n": days}


def worklist_rows(*, items: list[WorkItem], user: Any, as_of: dt.date) -> list[WorklistRow]:
    """Rows of a page of items (fetched with ROW_FIELDS and the child): one more query for
    the region names, none per row."""
    chinese = (get_language() or "zh-hans").startswith("zh")
    sensitive_ok = has_perm(user, Perm.VIEW_CASE_NOTES)
    # A department's own protection items are its work: it sees what they are.
    own_department = department_of(user) if user.role == Role.DEPARTMENT_OFFICER else None
    # Analysts of the city receive escalations to follow up with the county; they never
    # see who a child is (aggregates only): the row names the case or application number.
    identifying = has_perm(user, Perm.VIEW_CASE)
    kinds = {value: str(label) for value, label in WorkItem.Kind.choices}
    neutral = gettext("个案处置事项")
    levels = {
        str(level): gettext("已升级至%(level)s") % {"level": s} for level, s in LEVEL_SHORT.items()
    }
    names = _region_names({item.region_code for item in items})
    chains: dict[str, list[str]] = {}
    rows = []
    for item in items:
        hidden = (
            item.kind in SENSITIVE_KINDS
            and not sensitive_ok
            and (own_department is None or item.department != own_department)
        )
        rule = item.rule or {}
        rule_text = "" if hidden else str(rule.get("zh" if chinese else "en") or rule.get("zh", ""))
        working = "工作日" in str(rule.get("zh", ""))
        days = working_days_between(as_of, item.due_on) if working else (item.due_on - as_of).days
        chain = chains.get(item.region_code)
        if chain is None:
            chain = chains[item.region_code] = [
                *reversed(ancestor_codes(item.region_code)),
                item.region_code,
            ]
        rows.append(
            WorklistRow(
                item=item,
                kind_label=neutral if hidden else kinds.get(item.kind, item.kind),
                child_id=item.child.id if identifying and item.child else None,
                child_name=item.child.name if identifying and item.child else _reference(item),
                url=item_url(item) if identifying else "",
                region_name=names.get(item.region_code, item.region_code),
                region_path=" / ".join(names.get(c, c) for c in chain if c in names),
                due_on=item.due_on,
                overdue=item.due_on < as_of,
                days=days,
                working_days=working,
                days_text=_days_text(days, working),
                rule=rule_text,
                escalated=item.level != item.origin_level,
                escalated_text=levels.get(item.level, "")
                if item.level != item.origin_level
                else "",
                origin_level=item.origin_level,
                level=item.level,
                provisional=item.provisional,
            )
        )
    return rows


def worklist_page_items(items: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    """The fields a row needs, the child's name with it (one query per page)."""
    return items.select_related("child").only(*ROW_FIELDS)
