"""Pages of service plans: a case's plans, one plan (goals with their items, who reviewed
and approved, the clock of the step it waits for, the buttons of the reader's role), and
the editor (goals and items as rows; every error at the top linking to its field; nothing
typed lost; a second editor's save refused rather than overwritten)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm, formset_factory
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hehu.accounts.models import Department, Organisation
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.access import access_case_by_id
from hehu.cases.clocks import working_days_between
from hehu.cases.models import Case, PlanItem, ServicePlan, WorkItem
from hehu.cases.services import plans as services
from hehu.cases.services.plans import EDITABLE, NEED_LABELS, SUPPORT_LABELS, GoalData, ItemData
from hehu.core.errors import ApplicationError, ConcurrentEdit, PermissionRefused, ValidationFailed

P = ServicePlan.Status
GOAL_ROWS_EXTRA = 1
ITEM_ROWS_EXTRA = 1
GOAL_CHOICES_SPARE = 3  # item rows may point at goal rows added after the page was drawn
_PATH = re.compile(r"^(?P<name>goals|items)\[(?P<index>\d+)\]\.(?P<field>\w+)$")


# -- forms ------------------------------------------------------------------------------------
def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form: BaseForm) -> None:
    """Bootstrap classes on every field (the delete box is a check box)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class GoalForm(forms.Form):
    need = forms.ChoiceField(label=gettext_lazy("需求领域"), required=False)
    description = forms.CharField(
        label=gettext_lazy("目标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("这一需求要达到什么，例如“按时足额领取生活补贴”"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("请选择")), *NEED_LABELS.items()]
        current = self.data.get(self.add_prefix("need")) if self.is_bound else None
        current = current or self.initial.get("need")
        if current and current not in NEED_LABELS:
            choices.append((current, current))
        self.fields["need"].choices = choices  # type: ignore[attr-defined]
        _style(self)


def _support_choices() -> list[tuple[Any, Any]]:
    groups: list[tuple[Any, Any]] = [("", _("请选择"))]
    for kind, supports in SUPPORT_LABELS.items():
        groups.append((PlanItem.Kind(kind).label, list(supports.items())))
    return groups


def _provider_choices() -> list[tuple[Any, Any]]:
    organisations = [
        (f"org:{pk}", name) for pk, name in Organisation.objects.values_list("pk", "name")
    ]
    return [
        ("", _("请选择")),
        (_("部门"), [(f"dept:{code}", label) for code, label in Department.choices]),
        (_("社会组织"), organisations),
    ]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        required=False,
        choices=[("", gettext_lazy("请选择")), *PlanItem.Kind.choices],
    )
    support = forms.ChoiceField(label=gettext_lazy("支持项目"), required=False)
    goal = forms.ChoiceField(label=gettext_lazy("对应目标"), required=False)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)
    provider = forms.ChoiceField(
        label=gettext_lazy("提供方"),
        required=False,
        help_text=gettext_lazy("一个部门或一个社会组织"),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("金额（元）"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=gettext_lazy("资金类填写，保留两位小数"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("数量"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=gettext_lazy("实物类必填；服务可填次数"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit = forms.CharField(label=gettext_lazy("单位"), required=False, max_length=20)
    frequency = forms.ChoiceField(
        label=gettext_lazy("频次"),
        required=False,
        choices=[("", gettext_lazy("请选择")), *PlanItem.Frequency.choices],
    )
    starts_on = forms.DateField(
        label=gettext_lazy("开始日期"), required=False, widget=_date_input()
    )
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), required=False, widget=_date_input())
    responsible = forms.ChoiceField(label=gettext_lazy("责任人"), required=False)
    responsible_name = forms.CharField(
        label=gettext_lazy("责任人姓名"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("责任人没有账号时填写姓名"),
    )

    def __init__(self, *args: Any, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            self.fields[name].choices = options  # type: ignore[attr-defined]
        current = self.data.get(self.add_prefix("support")) if self.is_bound else None
        current = current or self.initial.get("support")
        known = {code for supports in SUPPORT_LABELS.values() for code in supports}
        if current and current not in known:
            self.fields["support"].choices = [  # type: ignore[attr-defined]
                *choices["support"],
                (current, current),
            ]
        _style(self)


@dataclass(frozen=True)
class SummaryError:
    message: str
    anchor: str


class PlanEditor:
    """The editor's forms: summary and version, the goal rows and the item rows."""

    def __init__(self, case: Case, data: QueryDict | None = None, *, plan: ServicePlan) -> None:
        self.plan = plan
        goals, items = services.plan_data_of(plan) if data is None else ([], [])
        goal_factory = formset_factory(GoalForm, extra=GOAL_ROWS_EXTRA, can_delete=True)
        item_factory = formset_factory(ItemForm, extra=ITEM_ROWS_EXTRA, can_delete=True)
        self.goals = goal_factory(
            data,
            prefix="goals",
            initial=[{"need": g.need, "description": g.description} for g in goals],
        )
        goal_rows = max(self.goals.total_form_count(), 1) + GOAL_CHOICES_SPARE
        responsible = [
            (str(u.pk), f"{u.full_name or u.username}（{u.get_role_display()}）")
            for u in services.responsible_choices(case=case)
        ]
        self.choices = {
            "support": _support_choices(),
            "provider": _provider_choices(),
            "goal": [("", _("不对应具体目标"))]
            + [(str(n), _("目标 %(n)s") % {"n": n}) for n in range(1, goal_rows + 1)],
            "responsible": [("", _("没有账号，填写姓名"))] + responsible,
        }
        self.items = item_factory(
            data,
            prefix="items",
            initial=[_item_initial(i) for i in items],
            form_kwargs={"choices": self.choices},
        )
        self.summary = data.get("summary", "") if data is not None else plan.summary
        version = data.get("version", "") if data is not None else str(plan.version)
        self.version: int | None = int(version) if str(version).isdigit() else None
        self.non_field_errors: list[str] = []
        self.summary_errors: list[str] = []
        self._goal_rows: list[int] = []
        self._item_rows: list[int] = []

    def is_valid(self) -> bool:
        return all([self.goals.is_valid(), self.items.is_valid()])

    def to_data(self) -> tuple[list[GoalData], list[ItemData]]:
        goal_rows = _filled(self.goals)
        self._goal_rows = [index for index, _row in goal_rows]
        position = {index: n for n, index in enumerate(self._goal_rows)}
        item_rows = _filled(self.items)
        self._item_rows = [index for index, _row in item_rows]
        goals = [
            GoalData(need=row["need"], description=row["description"]) for _i, row in goal_rows
        ]
        items = [_item_data(row, position) for _i, row in item_rows]
        return goals, items

    def add_errors(self, errors: dict[str, list[Any]]) -> None:
        for where, messages_ in errors.items():
            match = _PATH.match(where)
            form = field = None
            if match:
                formset, rows = (
                    (self.goals, self._goal_rows)
                    if match["name"] == "goals"
                    else (self.items, self._item_rows)
                )
                index = int(match["index"])
                if index < len(rows):
                    form = formset.forms[rows[index]]
                    field = match["field"] if match["field"] in form.fields else None
            for message in messages_:
                if form is not None:
                    form.add_error(field, str(message))
                elif where == "summary":
                    self.summary_errors.append(str(message))
                else:
                    self.non_field_errors.append(str(message))

    def error_summary(self) -> list[SummaryError]:
        summary = [SummaryError(m, "hh-form-top") for m in self.non_field_errors]
        summary += [SummaryError(m, "id_summary") for m in self.summary_errors]
        for title, formset in ((_("目标"), self.goals), (_("帮扶措施"), self.items)):
            for number, form in enumerate(formset.forms, start=1):
                if not form.is_bound:
                    continue
                for name, errors in form.errors.items():
                    anchor = form[name].auto_id if name in form.fields else "hh-form-top"
                    label = str(form.fields[name].label) if name in form.fields else ""
                    for message in errors:
                        text = (
                            f"{title} {number} · {label}：{message}"
                            if label
                            else f"{title} {number} · {message}"
                        )
                        summary.append(SummaryError(text, str(anchor)))
        return summary


def _item_initial(item: ItemData) -> dict[str, Any]:
    provider = (
        f"org:{item.provider_organisation_id}"
        if item.provider_organisation_id
        else f"dept:{item.provider_department}"
        if item.provider_department
        else ""
    )
    return {
        "kind": item.kind,
        "support": item.support,
        "goal": str(item.goal + 1) if item.goal is not None else "",
        "description": item.description,
        "provider": provider,
        "amount": item.amount,
        "quantity": item.quantity,
        "unit": item.unit,
        "frequency": item.frequency,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "responsible": str(item.responsible_id) if item.responsible_id else "",
        "responsible_name": item.responsible_name,
    }


def _filled(formset: forms.BaseFormSet[Any]) -> list[tuple[int, dict[str, Any]]]:
    """(row index, data) of each row filled in and not deleted."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        if all(value in (None, "", False) for key, value in data.items() if key != "DELETE"):
            continue
        rows.append((index, data))
    return rows


def _item_data(row: dict[str, Any], goal_position: dict[int, int]) -> ItemData:
    provider = row["provider"] or ""
    goal: int | None = None
    if row["goal"]:
        # The row number on the page → the goal's place among the filled goal rows; a row
        # left empty or deleted is no goal (the service says so on this item).
        goal = goal_position.get(int(row["goal"]) - 1, -1)
    responsible = row["responsible"]
    return ItemData(
        kind=row["kind"],
        support=row["support"],
        frequency=row["frequency"],
        starts_on=row["starts_on"],
        goal=goal,
        description=row["description"],
        provider_department=provider[5:] if provider.startswith("dept:") else "",
        provider_organisation_id=int(provider[4:]) if provider.startswith("org:") else None,
        quantity=row["quantity"],
        unit=row["unit"],
        amount=row["amount"],
        ends_on=row["ends_on"],
        responsible_id=int(responsible) if responsible else None,
        responsible_name=row["responsible_name"],
    )


# -- helpers ----------------------------------------------------------------------------------
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
