"""What a plan holds: goals and items as plain data, their labels and their validation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hehu.accounts.models import Department, Organisation
from hehu.cases.models import (
    Assessment,
    Case,
    PlanGoal,
    PlanItem,
    ServicePlan,
    WorkItem,
)
from hehu.cases.services.plans.reads import responsible_choices

P = ServicePlan.Status
K = WorkItem.Kind
# A case has at most one plan on its way to approval.
IN_PROGRESS = (P.DRAFT, P.SUBMITTED, P.REVIEWED, P.RETURNED)
EDITABLE = (P.DRAFT, P.RETURNED)
OBJECT = "plan"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_QUANTITY = Decimal("99999999.99")

# Needs-assessment domains (DOMAIN.md §6; the codes of policies/instruments/needs-cn-2026.yaml)
# as the plan shows them; a domain code a later instrument adds is shown as written.
NEED_LABELS: dict[str, Any] = {
    "basic_living": gettext_lazy("基本生活"),
    "health_medical": gettext_lazy("医疗健康"),
    "rehabilitation": gettext_lazy("康复"),
    "education": gettext_lazy("教育"),
    "psychological": gettext_lazy("心理健康"),
    "family_guardianship": gettext_lazy("家庭功能与监护"),
    "safety": pgettext_lazy("need area", "安全"),
    "social_integration": gettext_lazy("社会融入"),
}
# Common supports of each kind, offered as suggestions; any code may be written.
SUPPORT_LABELS: dict[str, dict[str, Any]] = {
    PlanItem.Kind.CASH: {
        "orphan_allowance": gettext_lazy("孤儿基本生活费"),
        "unattended_allowance": gettext_lazy("事实无人抚养儿童基本生活补贴"),
        "dibao": gettext_lazy("最低生活保障"),
        "temporary_assistance": gettext_lazy("临时救助"),
        "education_aid": gettext_lazy("教育资助"),
        "medical_aid": gettext_lazy("医疗救助"),
        "disability_allowance": gettext_lazy("残疾儿童生活补贴"),
    },
    PlanItem.Kind.IN_KIND: {
        "rehabilitation_aid": gettext_lazy("康复辅具"),
        "nutrition": gettext_lazy("营养品"),
        "school_supplies": gettext_lazy("学习用品"),
        "clothing": gettext_lazy("衣物被褥"),
    },
    PlanItem.Kind.SERVICE: {
        "counselling": gettext_lazy("心理辅导"),
        "rehabilitation": gettext_lazy("康复训练"),
        "family_education": gettext_lazy("家庭教育指导"),
        "care": gettext_lazy("照料服务"),
        "tutoring": gettext_lazy("学业辅导"),
        "legal_aid": gettext_lazy("法律援助"),
    },
}


def need_label(code: str) -> str:
    return str(NEED_LABELS.get(code, code))


def support_label(kind: str, code: str) -> str:
    return str(SUPPORT_LABELS.get(kind, {}).get(code, code))


# -- plain input shapes -----------------------------------------------------------------------
@dataclass
class GoalData:
    need: str
    description: str


@dataclass
class ItemData:
    """One item; `goal` is the index of its goal in the plan's goal list (None: none)."""

    kind: str
    support: str
    frequency: str
    starts_on: dt.date | None
    goal: int | None = None
    description: str = ""
    provider_department: str = ""
    provider_organisation_id: int | None = None
    quantity: Decimal | None = None
    unit: str = ""
    amount: Decimal | None = None
    ends_on: dt.date | None = None
    responsible_id: int | None = None
    responsible_name: str = ""


# -- reading ----------------------------------------------------------------------------------


def _decimal_problems(value: Decimal | None, *, limit: Decimal, what: Any) -> list[str]:
    if value is None or value <= 0:
        return [str(_("请填写%(what)s，须大于 0。") % {"what": what})]
    if value != value.quantize(CENT):
        return [str(_("%(what)s最多保留两位小数。") % {"what": what})]
    if value > limit:
        return [str(_("%(what)s过大，请核对。") % {"what": what})]
    return []


def _responsible_ok(case: Case, user_id: int) -> bool:
    return responsible_choices(case=case).filter(pk=user_id).exists()


def _item_problems(case: Case, item: ItemData, goals: int) -> dict[str, list[str]]:
    """Every problem of one item, by field name."""
    found: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        found.setdefault(field, []).append(message)

    if item.kind not in PlanItem.Kind.values:
        add("kind", _("请选择类型：资金、实物或服务。"))
    if not item.support.strip():
        add("support", _("请填写支持项目，例如“孤儿基本生活费”或“心理辅导”。"))
    elif len(item.support.strip()) > 60:
        add("support", _("支持项目不能超过 60 个字。"))
    if len(item.description) > 200:
        add("description", _("说明不能超过 200 个字。"))
    has_department = bool(item.provider_department)
    has_organisation = item.provider_organisation_id is not None
    if has_department == has_organisation:
        message = (
            _("提供方只能填一个：部门或社会组织，不能两个都填。")
            if has_department
            else _("请选择提供方：一个部门或一个社会组织。")
        )
        add("provider", message)
    elif has_department and item.provider_department not in Department.values:
        add("provider", _("提供部门不在可选范围内。"))
    elif (
        item.provider_organisation_id is not None
        and not Organisation.objects.filter(pk=item.provider_organisation_id).exists()
    ):
        add("provider", _("提供机构不存在。"))
    if item.kind == PlanItem.Kind.CASH:
        for message in _decimal_problems(item.amount, limit=MAX_AMOUNT, what=_("金额（元）")):
            add("amount", message)
    if item.kind == PlanItem.Kind.IN_KIND:
        for message in _decimal_problems(item.quantity, limit=MAX_QUANTITY, what=_("数量")):
            add("quantity", message)
        if not item.unit.strip():
            add("unit", _("请填写数量的单位，例如“件”“套”“箱”。"))
    if item.kind == PlanItem.Kind.SERVICE and item.quantity is not None:
        for message in _decimal_problems(item.quantity, limit=MAX_QUANTITY, what=_("数量")):
            add("quantity", message)
    if len(item.unit) > 20:
        add("unit", _("单位不能超过 20 个字。"))
    if item.frequency not in PlanItem.Frequency.values:
        add("frequency", _("请选择频次。"))
    if item.starts_on is None:
        add("starts_on", _("请填写开始日期。"))
    elif item.ends_on is not None and item.ends_on < item.starts_on:
        add("ends_on", _("结束日期不能早于开始日期。"))
    if item.goal is not None and not 0 <= item.goal < goals:
        add("goal", _("对应的目标不存在，请重新选择。"))
    if item.responsible_id is not None:
        if not _responsible_ok(case, item.responsible_id):
            add("responsible", _("责任人须是本辖区的工作人员，或转介机构的社工。"))
    elif not item.responsible_name.strip():
        add("responsible", _("请选择或填写责任人。"))
    elif len(item.responsible_name.strip()) > 100:
        add("responsible", _("责任人姓名不能超过 100 个字。"))
    return found


def plan_problems(
    *, case: Case, summary: str, goals: list[GoalData], items: list[ItemData]
) -> dict[str, list[str]]:
    """Every problem of a plan's content, by path ("goals[0].need", "items[2].amount")."""
    problems: dict[str, list[str]] = {}
    for i, goal in enumerate(goals):
        if not goal.need.strip():
            problems[f"goals[{i}].need"] = [_("请填写需求领域。")]
        elif len(goal.need.strip()) > 40:
            problems[f"goals[{i}].need"] = [_("需求领域不能超过 40 个字。")]
        if not goal.description.strip():
            problems[f"goals[{i}].description"] = [_("请填写这一需求要达到的目标。")]
    for i, item in enumerate(items):
        for field, messages in _item_problems(case, item, len(goals)).items():
            problems[f"items[{i}].{field}"] = messages
    return problems


# -- writing ----------------------------------------------------------------------------------
def _validated(day: dt.date | None) -> dt.date:
    if day is None:  # plan_problems refused it before anything is written
        raise ValueError("an item without a start date")
    return day


def _write_content(plan: ServicePlan, goals: list[GoalData], items: list[ItemData]) -> None:
    """Replace the plan's goals and items as a whole."""
    PlanItem.objects.filter(plan=plan).delete()
    PlanGoal.objects.filter(plan=plan).delete()
    stored = [
        PlanGoal.objects.create(
            plan=plan, need=g.need.strip(), description=g.description.strip(), order=i
        )
        for i, g in enumerate(goals)
    ]
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=plan,
                goal=stored[item.goal] if item.goal is not None else None,
                kind=item.kind,
                support=item.support.strip(),
                description=item.description.strip(),
                provider_department=item.provider_department,
                provider_organisation_id=item.provider_organisation_id,
                quantity=item.quantity if item.kind != PlanItem.Kind.CASH else None,
                unit=item.unit.strip() if item.kind != PlanItem.Kind.CASH else "",
                amount=item.amount if item.kind == PlanItem.Kind.CASH else None,
                frequency=item.frequency,
                starts_on=_validated(item.starts_on),
                ends_on=item.ends_on,
                responsible_id=item.responsible_id,
                responsible_name="" if item.responsible_id else item.responsible_name.strip(),
            )
            for item in items
        ]
    )


def _content_of(plan: ServicePlan) -> tuple[list[GoalData], list[ItemData]]:
    goals = list(PlanGoal.objects.filter(plan=plan))
    index = {goal.pk: i for i, goal in enumerate(goals)}
    items = [
        ItemData(
            kind=item.kind,
            support=item.support,
            frequency=item.frequency,
            starts_on=item.starts_on,
            goal=index.get(item.goal_id) if item.goal_id else None,
            description=item.description,
            provider_department=item.provider_department,
            provider_organisation_id=item.provider_organisation_id,
            quantity=item.quantity,
            unit=item.unit,
            amount=item.amount,
            ends_on=item.ends_on,
            responsible_id=item.responsible_id,
            responsible_name=item.responsible_name,
        )
        for item in PlanItem.objects.filter(plan=plan)
    ]
    return [GoalData(g.need, g.description) for g in goals], items


def plan_data_of(plan: ServicePlan) -> tuple[list[GoalData], list[ItemData]]:
    """The stored goals and items as plain data (what an editor starts from)."""
    return _content_of(plan)


def _goals_from_needs(case: Case) -> list[GoalData]:
    """One goal per high or medium need of the case's latest submitted needs assessment."""
    assessment = (
        Assessment.objects.filter(
            case=case, kind=Assessment.Kind.NEEDS, status=Assessment.Status.SUBMITTED
        )
        .order_by("-submitted_at", "-id")
        .first()
    )
    if assessment is None:
        return []
    goals = []
    for need in assessment.needs or []:
        if not isinstance(need, dict) or need.get("level") not in ("high", "medium"):
            continue
        domain = str(need.get("domain", ""))[:40]
        if domain:
            goals.append(
                GoalData(
                    need=domain,
                    description=str(
                        _("满足%(need)s需求（评估为%(level)s）")
                        % {
                            "need": need_label(domain),
                            "level": _("高") if need["level"] == "high" else _("中"),
                        }
                    ),
                )
            )
    return goals
