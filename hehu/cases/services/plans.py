"""Service plans: drafted by the village, reviewed by the township, approved by the county
(or by the township's review, when the procedure parameter `plan_approver_level` says so).

A plan has goals (one per assessed need) and items of three kinds — cash (a benefit
programme), in-kind (aids, nutrition, school supplies) and services (counselling,
rehabilitation, family-education guidance, care) — each with one provider, an amount or a
quantity, a frequency, dates and the person responsible (DOMAIN.md §6). An approved plan
is reviewed again after `plan_review_interval_months`; a newer approved plan supersedes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hehu.accounts.models import Department, Jurisdiction, Organisation, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, months_deadline, working_days_after
from hehu.cases.errors import CaseClosed, PlanNotEditable, PlanStepNotAllowed
from hehu.cases.models import (
    Assessment,
    Case,
    CaseReferral,
    Level,
    PlanGoal,
    PlanItem,
    ServicePlan,
    WorkItem,
)
from hehu.cases.procedures import procedure_value
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed

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
def _require(actor: Any, perm: Perm) -> None:
    if not has_perm(actor, perm):
        raise PermissionRefused(_("您的账号不能办理这一步：没有相应权限。"))


def _in_reach(actor: Any, case_id: int) -> None:
    """A case outside the actor's jurisdiction is treated as missing (404), never 403."""
    if not cases_visible_to(user=actor).filter(pk=case_id).exists():
        raise Http404


def _check_version(plan: ServicePlan, expected_version: int | None) -> None:
    if expected_version is not None and plan.version != expected_version:
        raise ConcurrentEdit(
            _(
                "这份服务计划已被其他人修改（现为第 %(now)s 版），没有保存您的操作。"
                "请刷新页面查看最新内容后再试。"
            )
            % {"now": plan.version}
        )


def _locked(plan: ServicePlan) -> ServicePlan:
    return ServicePlan.objects.select_for_update().select_related("case").get(pk=plan.pk)


def _open_case(case: Case) -> None:
    if not case.is_open:
        raise CaseClosed(_("个案已结案，不能再办理服务计划。"))


def _step(plan: ServicePlan, allowed: tuple[str, ...], doing: str) -> None:
    if plan.status not in allowed:
        raise PlanStepNotAllowed(
            _("服务计划现为“%(status)s”，不能%(doing)s。")
            % {"status": P(plan.status).label, "doing": doing}
        )


def _audit(
    actor: Any, verb: Verb, plan: ServicePlan, changes: dict[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type=OBJECT,
        object_id=plan.pk,
        child_id=plan.case.child_id,
        changes={"case": plan.case_id, "number": plan.number, **changes},
        reason=reason,
    )


def _save(plan: ServicePlan, *fields: str) -> None:
    plan.version += 1
    plan.save(update_fields=[*fields, "version"])


def _open_item(plan: ServicePlan, kind: str, level: Level, due: Due, why: dict[str, str]) -> None:
    case = plan.case
    work_item_open(
        kind=kind,
        child_id=case.child_id,
        region_code=case.region_code,
        level=level,
        due=due,
        rule=why,
        object_type=OBJECT,
        object_id=plan.pk,
        case_id=case.pk,
    )


# -- validation -------------------------------------------------------------------------------
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


@transaction.atomic
def plan_draft(*, actor: Any, case: Case, copy_last: bool = True) -> ServicePlan:
    """A new draft plan of an open case: a copy of the last approved plan (when asked and
    there is one), else one goal per high or medium need of the needs assessment."""
    _require(actor, Perm.WORK_CASE)
    _in_reach(actor, case.pk)
    # Lock the case: two drafts started at once would race for the next number.
    case = Case.objects.select_for_update().get(pk=case.pk)
    _open_case(case)
    pending = ServicePlan.objects.filter(case=case, status__in=IN_PROGRESS).first()
    if pending is not None:
        raise PlanStepNotAllowed(
            _("这个个案已有一份未批准的服务计划（第 %(n)s 号，%(status)s），请继续办理那一份。")
            % {"n": pending.number, "status": P(pending.status).label}
        )
    last = ServicePlan.objects.filter(case=case, status=P.APPROVED).order_by("-number").first()
    number = (ServicePlan.objects.filter(case=case).aggregate(n=Max("number"))["n"] or 0) + 1
    plan = ServicePlan.objects.create(
        case=case,
        number=number,
        created_by=actor,
        created_at=timezone.now(),
        summary=last.summary if last is not None and copy_last else "",
    )
    if last is not None and copy_last:
        goals, items = _content_of(last)
        source = {"copied_from": last.pk}
    else:
        goals, items = _goals_from_needs(case), []
        source = {"goals_from_needs": len(goals)}
    _write_content(plan, goals, items)
    _audit(actor, Verb.PLAN_DRAFTED, plan, source)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: Any,
    plan: ServicePlan,
    summary: str,
    goals: list[GoalData],
    items: list[ItemData],
    expected_version: int | None,
) -> ServicePlan:
    """Replace a draft or returned plan's summary, goals and items; every problem at once."""
    _require(actor, Perm.WORK_CASE)
    _in_reach(actor, plan.case_id)
    plan = _locked(plan)
    _open_case(plan.case)
    _check_version(plan, expected_version)
    if plan.status not in EDITABLE:
        raise PlanNotEditable(
            _("服务计划现为“%(status)s”，只有草稿或已退回的计划可以修改。")
            % {"status": P(plan.status).label}
        )
    problems = plan_problems(case=plan.case, summary=summary, goals=goals, items=items)
    if problems:
        raise ValidationFailed(problems)
    _write_content(plan, goals, items)
    plan.summary = summary.strip()
    _save(plan, "summary")
    _audit(actor, Verb.PLAN_UPDATED, plan, {"goals": len(goals), "items": len(items)})
    return plan


@transaction.atomic
def plan_submit(
    *, actor: Any, plan: ServicePlan, expected_version: int | None = None
) -> ServicePlan:
    """Send a draft (or a returned plan) to the township for review."""
    _require(actor, Perm.WORK_CASE)
    _in_reach(actor, plan.case_id)
    plan = _locked(plan)
    _open_case(plan.case)
    _check_version(plan, expected_version)
    _step(plan, EDITABLE, _("提交"))
    goals, items = _content_of(plan)
    problems: dict[str, list[Any]] = {}
    if not goals:
        problems["goals"] = [_("提交前请至少写一个目标。")]
    if not items:
        problems["items"] = [_("提交前请至少写一项帮扶措施（资金、实物或服务）。")]
    problems.update(plan_problems(case=plan.case, summary=plan.summary, goals=goals, items=items))
    if problems:
        raise ValidationFailed(problems)
    today = timezone.localdate()
    before = plan.status
    plan.status, plan.submitted_at = P.SUBMITTED, timezone.now()
    _save(plan, "status", "submitted_at")
    # The village's clock to make a plan stops; the township's clock to review it starts.
    work_items_done(object_type="case", object_id=plan.case_id, kinds=[K.PLAN])
    work_items_done(object_type=OBJECT, object_id=plan.pk, kinds=[K.PLAN])
    days = procedure_value("plan_review_working_days", plan.case.region_code, today)
    _open_item(
        plan,
        K.PLAN_REVIEW,
        Level.TOWNSHIP,
        working_days_after(today, days),
        rule(f"提交后 {days} 个工作日内审核服务计划", f"review within {days} working days"),
    )
    _audit(actor, Verb.PLAN_SUBMITTED, plan, {"status": [before, plan.status]})
    return plan


def _approve(actor: Any, plan: ServicePlan, today: dt.date) -> list[int]:
    """Approve a locked plan: it supersedes the last approved one and is reviewed again
    after the interval; a case still being planned moves into service."""
    case = plan.case
    superseded = list(
        ServicePlan.objects.select_for_update()
        .filter(case=case, status=P.APPROVED)
        .exclude(pk=plan.pk)
    )
    for old in superseded:
        old.status = P.SUPERSEDED
        _save(old, "status")
        work_items_done(object_type=OBJECT, object_id=old.pk, kinds=[K.PLAN_RENEWAL])
    months = procedure_value("plan_review_interval_months", case.region_code, today)
    plan.status = P.APPROVED
    plan.approved_by, plan.approved_at = actor, timezone.now()
    review = months_deadline(today, months)
    plan.review_on = review.on
    plan.return_reason = ""
    _save(plan, "status", "approved_by", "approved_at", "review_on", "return_reason")
    _open_item(
        plan,
        K.PLAN_RENEWAL,
        Level.VILLAGE,
        review,
        rule(
            f"批准后 {months} 个月复核服务计划", f"review the plan {months} months after approval"
        ),
    )
    if case.status == Case.Status.PLANNING:
        from hehu.cases.services.cases import case_transition

        case_transition(
            actor=actor, case=case, to_status=Case.Status.IN_SERVICE, reason=_("服务计划已批准")
        )
    return [old.pk for old in superseded]


@transaction.atomic
def plan_review(
    *, actor: Any, plan: ServicePlan, expected_version: int | None = None
) -> ServicePlan:
    """The township's review: passed on for approval, or — where the township approves
    (`plan_approver_level` "township") — approved by this review."""
    _require(actor, Perm.REVIEW_PLAN)
    _in_reach(actor, plan.case_id)
    plan = _locked(plan)
    _open_case(plan.case)
    _check_version(plan, expected_version)
    _step(plan, (P.SUBMITTED,), _("审核"))
    today = timezone.localdate()
    work_items_done(object_type=OBJECT, object_id=plan.pk, kinds=[K.PLAN_REVIEW])
    plan.reviewed_by, plan.reviewed_at = actor, timezone.now()
    if approver_level(case=plan.case, on=today) == Level.TOWNSHIP:
        plan.status = P.REVIEWED
        _save(plan, "status", "reviewed_by", "reviewed_at")
        _audit(actor, Verb.PLAN_REVIEWED, plan, {"status": [P.SUBMITTED, P.REVIEWED]})
        superseded = _approve(actor, plan, today)
        _audit(
            actor,
            Verb.PLAN_APPROVED,
            plan,
            {
                "status": [P.REVIEWED, P.APPROVED],
                "approver_level": "township",
                "review_on": plan.review_on.isoformat() if plan.review_on else None,
                "superseded": superseded,
            },
        )
        return plan
    plan.status = P.REVIEWED
    _save(plan, "status", "reviewed_by", "reviewed_at")
    days = procedure_value("plan_approval_working_days", plan.case.region_code, today)
    _open_item(
        plan,
        K.PLAN_APPROVAL,
        Level.COUNTY,
        working_days_after(today, days),
        rule(f"审核后 {days} 个工作日内审批服务计划", f"approve within {days} working days"),
    )
    _audit(actor, Verb.PLAN_REVIEWED, plan, {"status": [P.SUBMITTED, P.REVIEWED]})
    return plan


@transaction.atomic
def plan_approve(
    *, actor: Any, plan: ServicePlan, expected_version: int | None = None
) -> ServicePlan:
    """County civil affairs approves a reviewed plan; it is reviewed again after the interval."""
    _require(actor, Perm.APPROVE_PLAN)
    _in_reach(actor, plan.case_id)
    plan = _locked(plan)
    _open_case(plan.case)
    _check_version(plan, expected_version)
    _step(plan, (P.REVIEWED,), _("批准"))
    if plan.reviewed_by_id is not None and plan.reviewed_by_id == actor.pk:
        # Four eyes: the approval checks the review, so the reviewer cannot approve it.
        raise PlanStepNotAllowed(_("审核这份计划的人不能再批准它，请由另一位审批人批准。"))
    today = timezone.localdate()
    work_items_done(object_type=OBJECT, object_id=plan.pk, kinds=[K.PLAN_APPROVAL])
    superseded = _approve(actor, plan, today)
    _audit(
        actor,
        Verb.PLAN_APPROVED,
        plan,
        {
            "status": [P.REVIEWED, P.APPROVED],
            "review_on": plan.review_on.isoformat() if plan.review_on else None,
            "superseded": superseded,
        },
    )
    return plan


def may_return(user: Any, plan: ServicePlan) -> bool:
    """The township returns a plan it is reviewing; the approver one awaiting approval."""
    if plan.status == P.SUBMITTED:
        return has_perm(user, Perm.REVIEW_PLAN)
    if plan.status == P.REVIEWED:
        return has_perm(user, Perm.APPROVE_PLAN)
    return False


@transaction.atomic
def plan_return(
    *, actor: Any, plan: ServicePlan, reason: str, expected_version: int | None = None
) -> ServicePlan:
    """Send a plan back to the village with the reason; its clock to plan starts again."""
    if not (has_perm(actor, Perm.REVIEW_PLAN) or has_perm(actor, Perm.APPROVE_PLAN)):
        raise PermissionRefused(_("您的账号不能退回服务计划：没有审核或审批权限。"))
    _in_reach(actor, plan.case_id)
    plan = _locked(plan)
    _open_case(plan.case)
    _check_version(plan, expected_version)
    _step(plan, (P.SUBMITTED, P.REVIEWED), _("退回"))
    if not may_return(actor, plan):
        raise PermissionRefused(_("待审批的服务计划只能由审批人退回。"))
    if not reason.strip():
        raise ValidationFailed({"reason": [_("请写明退回理由，让儿童主任知道要改什么。")]})
    today = timezone.localdate()
    before = plan.status
    work_items_done(object_type=OBJECT, object_id=plan.pk, kinds=[K.PLAN_REVIEW, K.PLAN_APPROVAL])
    plan.status, plan.return_reason = P.RETURNED, reason.strip()
    _save(plan, "status", "return_reason")
    days = procedure_value("plan_working_days", plan.case.region_code, today)
    _open_item(
        plan,
        K.PLAN,
        Level.VILLAGE,
        working_days_after(today, days),
        rule(
            f"退回后 {days} 个工作日内修改并重新提交服务计划",
            f"revise and resubmit within {days} working days",
        ),
    )
    _audit(actor, Verb.PLAN_RETURNED, plan, {"status": [before, P.RETURNED]}, reason.strip())
    return plan
