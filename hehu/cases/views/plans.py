"""Pages of service plans: a case's plans, one plan (goals with their items, who reviewed
and approved, the clock of the step it waits for, the buttons of the reader's role), and
the editor (goals and items as rows; every error at the top linking to its field; nothing
typed lost; a second editor's save refused rather than overwritten)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.access import access_case_by_id
from hehu.cases.clocks import working_days_between
from hehu.cases.models import Case, ServicePlan, WorkItem
from hehu.cases.services import plans as services
from hehu.cases.services.plans import EDITABLE
from hehu.cases.views.plan_editor import PlanEditor
from hehu.core.errors import ApplicationError, ConcurrentEdit, PermissionRefused, ValidationFailed

P = ServicePlan.Status


# -- forms ------------------------------------------------------------------------------------
def _viewed(request: HttpRequest, case: Case, object_type: str, object_id: int) -> None:
    audit_record(
        actor=request.user,
        verb=Verb.CASE_VIEWED,
        object_type=object_type,
        object_id=object_id,
        child_id=case.child_id,
        changes={"case": case.pk, "part": "plans"},
    )


def _clock(item: WorkItem) -> dict[str, Any]:
    today = timezone.localdate()
    # The renewal date is counted in months (calendar days left); the others in working days.
    working = item.kind != WorkItem.Kind.PLAN_RENEWAL
    days = working_days_between(today, item.due_on) if working else (item.due_on - today).days
    return {
        "item": item,
        "working": working,
        "rule": item.rule.get("zh" if _chinese() else "en", "") if item.rule else "",
        "days_left": max(days, 0),
        "days_overdue": max(-days, 0),
    }


def _chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").startswith("zh")


def _yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(Decimal('0.01')):,}"


# -- pages ------------------------------------------------------------------------------------
@login_required
@require_GET
def plan_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _viewed(request, case, "case", case.pk)
    plans = list(services.plans_of_case(case=case))
    in_progress = any(p.status in services.IN_PROGRESS for p in plans)
    context = {
        "case": case,
        "plans": plans,
        "may_draft": has_perm(request.user, Perm.WORK_CASE) and case.is_open and not in_progress,
        "has_approved": any(p.status == P.APPROVED for p in plans),
    }
    return render(request, "cases/plan_list.html", context)


@login_required
@require_POST
def plan_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    try:
        plan = services.plan_draft(
            actor=request.user, case=case, copy_last=request.POST.get("copy_last", "1") == "1"
        )
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("cases:plans", case_id=case.pk)
    messages.success(request, _("已新建第 %(n)s 号服务计划草稿。") % {"n": plan.number})
    return redirect("cases:plan_edit", case_id=case.pk, plan_id=plan.pk)


@login_required
@require_GET
def plan_detail(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    plan = services.access_plan_by_id(request.user, plan_id, case_id=case.pk)
    _viewed(request, case, "plan", plan.pk)
    user = request.user
    goals = services.plan_goals_and_items(plan=plan)
    for goal in goals:
        goal.need_label = services.need_label(goal.need) if goal.need else ""  # type: ignore[attr-defined]
        for item in goal.plan_items:  # type: ignore[attr-defined]
            item.support_label = services.support_label(item.kind, item.support)
            item.amount_yuan = _yuan(item.amount)
    clocks = [
        _clock(item)
        for item in WorkItem.objects.filter(
            object_type="plan", object_id=plan.pk, status=WorkItem.Status.OPEN
        )
    ]
    township_approves = services.approver_level(case=case) == "township"
    open_case = case.is_open
    context = {
        "case": case,
        "plan": plan,
        "goals": goals,
        "clocks": clocks,
        "township_approves": township_approves,
        "may_edit": open_case and plan.status in EDITABLE and has_perm(user, Perm.WORK_CASE),
        "may_submit": open_case and plan.status in EDITABLE and has_perm(user, Perm.WORK_CASE),
        "may_review": open_case and plan.status == P.SUBMITTED and has_perm(user, Perm.REVIEW_PLAN),
        "may_approve": open_case
        and plan.status == P.REVIEWED
        and has_perm(user, Perm.APPROVE_PLAN),
        "may_return": open_case and services.may_return(user, plan),
    }
    return render(request, "cases/plan_detail.html", context)


def _render_editor(
    request: HttpRequest, case: Case, editor: PlanEditor, *, status: int = 200, conflict: str = ""
) -> HttpResponse:
    context = {
        "case": case,
        "plan": editor.plan,
        "editor": editor,
        "errors": editor.error_summary(),
        "conflict": conflict,
    }
    return render(request, "cases/plan_edit.html", context, status=status)


def _with_another_row(data: QueryDict, prefix: str) -> QueryDict:
    """The plain "add another" submit (no scripts): the same data with one more row."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    total = data.get(key, "0")
    data[key] = str(int(total) + 1 if total.isdigit() else 1)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    plan = services.access_plan_by_id(request.user, plan_id, case_id=case.pk)
    if not has_perm(request.user, Perm.WORK_CASE):
        raise PermissionDenied
    if plan.status not in EDITABLE and request.method == "GET":
        messages.error(request, _("只有草稿或已退回的服务计划可以修改。"))
        return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)
    if request.method != "POST":
        return _render_editor(request, case, PlanEditor(case, plan=plan))
    adding = request.POST.get("add")
    if adding in ("goals", "items"):
        return _render_editor(
            request, case, PlanEditor(case, _with_another_row(request.POST, adding), plan=plan)
        )
    editor = PlanEditor(case, request.POST, plan=plan)
    if not editor.is_valid():
        return _render_editor(request, case, editor, status=400)
    goals, items = editor.to_data()
    if editor.version is None:
        editor.non_field_errors.append(_("页面缺少版本信息，请重新打开修改页面。"))
        return _render_editor(request, case, editor, status=400)
    try:
        services.plan_update(
            actor=request.user,
            plan=plan,
            summary=editor.summary,
            goals=goals,
            items=items,
            expected_version=editor.version,
        )
    except ConcurrentEdit as exc:
        # Nothing was saved; the page keeps everything this user typed.
        return _render_editor(request, case, editor, status=409, conflict=str(exc.message))
    except ValidationFailed as exc:
        editor.add_errors(exc.errors)
        return _render_editor(request, case, editor, status=400)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        editor.non_field_errors.append(str(exc.message))
        return _render_editor(request, case, editor, status=exc.status)
    messages.success(request, _("服务计划已保存。"))
    return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)


STEPS: dict[str, Callable[..., ServicePlan]] = {
    "submit": services.plan_submit,
    "review": services.plan_review,
    "approve": services.plan_approve,
    "return": services.plan_return,
}


@login_required
@require_POST
def plan_action(request: HttpRequest, case_id: int, plan_id: int, action: str) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    plan = services.access_plan_by_id(request.user, plan_id, case_id=case.pk)
    step = STEPS.get(action)
    if step is None:
        raise PermissionDenied
    version = request.POST.get("version", "")
    extra = {"reason": request.POST.get("reason", "")} if action == "return" else {}
    try:
        done = step(
            actor=request.user,
            plan=plan,
            expected_version=int(version) if version.isdigit() else None,
            **extra,
        )
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ValidationFailed as exc:
        for problems in exc.errors.values():
            for message in problems:
                messages.error(request, str(message))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("第 %(n)s 号服务计划现为“%(status)s”。")
            % {"n": done.number, "status": done.get_status_display()},
        )
    return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)


urlpatterns = [
    path("cases/<int:case_id>/plans/", plan_list, name="plans"),
    path("cases/<int:case_id>/plans/new/", plan_new, name="plan_new"),
    path("cases/<int:case_id>/plans/<int:plan_id>/", plan_detail, name="plan_detail"),
    path("cases/<int:case_id>/plans/<int:plan_id>/edit/", plan_edit, name="plan_edit"),
    path(
        "cases/<int:case_id>/plans/<int:plan_id>/<str:action>/",
        plan_action,
        name="plan_action",
    ),
]
