"""The steps of a plan: draft, edit, submit, review, approve, return — each audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, months_deadline, working_days_after
from hehu.cases.errors import CaseClosed, PlanNotEditable, PlanStepNotAllowed
from hehu.cases.models import (
    Case,
    Level,
    ServicePlan,
)
from hehu.cases.procedures import procedure_value
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.plans.content import (
    EDITABLE,
    IN_PROGRESS,
    OBJECT,
    GoalData,
    ItemData,
    K,
    P,
    _content_of,
    _goals_from_needs,
    _write_content,
    plan_problems,
)
from hehu.cases.services.plans.reads import approver_level
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed


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
