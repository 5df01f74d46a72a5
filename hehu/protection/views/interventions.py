"""Protection pages: recording a step of the guardianship intervention ladder, and the
"needs revocation" action (CC art. 36). The ladder itself is shown on the child's
protection page (section protection/_interventions.html).

Thin: the child through `access_protection_child_by_id` (404 whether hidden, missing or not
for this role), then hehu.protection.services.interventions decides what is required and
allowed; a refusal is shown in the form with every answer kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.protection.models import InterventionStep
from hehu.protection.selectors import access_protection_child_by_id
from hehu.protection.services.intervention_rules import StepInput, date_text, steps_for, when_text
from hehu.protection.services.interventions import (
    intervention_record,
    intervention_revocation_needed,
    open_application,
    order_in_force,
)
from hehu.registry.models import Child

Step = InterventionStep.Step
Body = InterventionStep.Body


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (every view here is behind login_required)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this (least privilege)."""
    if not has_perm(user, perm):
        raise PermissionDenied


GUARDIAN_ROLES = [
    ("", gettext_lazy("未指定")),
    ("father", gettext_lazy("父亲")),
    ("mother", gettext_lazy("母亲")),
    ("other", gettext_lazy("其他监护人")),
]
# The service names the application's moment `applied_at`; the page asks for its time.
FIELD_OF = {"applied_at": "applied_time"}


class _Form(forms.Form):
    def add_refusal(self, exc: ApplicationError) -> None:
        problems = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
        for name, messages_ in problems.items():
            field = FIELD_OF.get(str(name), name)
            for problem in messages_:
                self.add_error(field if field in self.fields else None, str(problem))

    def error_summary(self) -> list[dict[str, str]]:
        """Each error with the id of its field (the summary at the top links to them)."""
        summary: list[dict[str, str]] = []
        for name, problems in self.errors.items():
            anchor = "hh-intervention-form" if name == NON_FIELD_ERRORS else f"id_{name}"
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        return summary


def _date_field(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写日期，例如 2026-03-05。")},
    )


class InterventionForm(_Form):
    """The page's shape only: the service decides what each step needs."""

    marked_required = frozenset({"step", "on", "evidence", "responsible"})

    step = forms.ChoiceField(
        label=gettext_lazy("措施"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    on = _date_field(gettext_lazy("日期"), gettext_lazy("措施作出的日期，不能晚于今天。"))
    applied_time = forms.TimeField(
        label=gettext_lazy("申请时间（几点几分）"),
        help_text=gettext_lazy(
            "申请人身安全保护令时填写：法院须在申请后 72 小时内裁定，情况紧急的 24 小时内。"
        ),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        error_messages={"invalid": gettext_lazy("请按 时:分 填写时间，例如 14:30。")},
    )
    urgent = forms.BooleanField(
        label=gettext_lazy("情况紧急（法院须在 24 小时内裁定）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    body = forms.ChoiceField(
        label=gettext_lazy("实施机关"),
        help_text=gettext_lazy(
            "不选时按您所在的单位；民政部门登记收到的法院裁定、判决时选“人民法院”。"
        ),
        required=False,
        choices=[("", gettext_lazy("按我的单位")), *Body.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    guardian_role = forms.ChoiceField(
        label=gettext_lazy("针对的监护人"),
        help_text=gettext_lazy("撤销或恢复监护人资格时必须选择父亲或母亲。"),
        required=False,
        choices=GUARDIAN_ROLES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reference = forms.CharField(
        label=gettext_lazy("文书编号"),
        help_text=gettext_lazy("训诫书、家庭教育指导令、保护令裁定、判决等法律文书的编号。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "100"}),
    )
    expires_on = _date_field(
        gettext_lazy("保护令有效期至"),
        gettext_lazy("作出或延长人身安全保护令时填写，最长 6 个月。"),
    )
    intentional_crime = forms.BooleanField(
        label=gettext_lazy("因对被监护人实施故意犯罪被撤销（今后不得恢复监护人资格）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    responsible = forms.CharField(
        label=gettext_lazy("承办人"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "100"}),
    )
    evidence = forms.CharField(
        label=gettext_lazy("证据与事实"),
        help_text=gettext_lazy("依据的材料和查明的情况（不超过 5000 字）。"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4, "maxlength": "5000"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(steps_for(user))
        step = self.fields["step"]
        assert isinstance(step, forms.ChoiceField)  # noqa: S101 (declared above)
        step.choices = [
            ("", _("请选择")),
            *[(v, label) for v, label in Step.choices if v in allowed],
        ]


class RevocationNeededForm(_Form):
    reason = forms.CharField(
        label=gettext_lazy("说明（可选）"),
        help_text=gettext_lazy("只写事项编号或文书编号，不写儿童受侵害的具体情节。"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "maxlength": "500"}),
    )


def _applied_at(data: dict[str, Any]) -> dt.datetime | None:
    if data["step"] != Step.ORDER_APPLIED or not data["on"] or not data["applied_time"]:
        return None
    naive = dt.datetime.combine(data["on"], data["applied_time"])
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _form_page(
    request: AuthedRequest, child: Child, form: InterventionForm, *, status: int = 200
) -> HttpResponse:
    form.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()
    context = {
        "child": child,
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "pending": open_application(child),
        "order": order_in_force(child),
    }
    response = render(request, "protection/intervention_form.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def intervention_record_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Record a step: one short page; the fields a step does not use are left empty."""
    child = access_protection_child_by_id(request.user, child_id)
    require(request.user, Perm.RECORD_INTERVENTION)
    if not steps_for(request.user):
        # A department that takes no step of the ladder (education, health…).
        raise PermissionDenied(_("您所在的部门不实施监护干预措施，不能登记。"))
    if request.method != "POST":
        wanted = request.GET.get("step", "")
        initial = {
            "on": timezone.localdate(),
            "responsible": request.user.full_name,
            "step": wanted if wanted in Step.values else "",
        }
        return _form_page(request, child, InterventionForm(initial=initial, user=request.user))
    form = InterventionForm(request.POST, user=request.user)
    if not form.is_valid():
        return _form_page(request, child, form, status=400)
    data = form.cleaned_data
    try:
        step = intervention_record(
            actor=request.user,
            child=child,
            data=StepInput(
                step=data["step"],
                on=data["on"],
                evidence=data["evidence"],
                responsible=data["responsible"],
                body=data["body"],
                reference=data["reference"],
                guardian_role=data["guardian_role"],
                urgent=data["urgent"],
                applied_at=_applied_at(data),
                expires_on=data["expires_on"],
                intentional_crime=data["intentional_crime"],
            ),
        )
    except PermissionRefused as exc:
        if exc.field != "body":
            raise PermissionDenied(str(exc.message)) from exc
        form.add_refusal(exc)
        return _form_page(request, child, form, status=403)
    except ApplicationError as exc:
        form.add_refusal(exc)
        return _form_page(request, child, form, status=exc.status)
    messages.success(request, _("已登记：%(step)s。") % {"step": step.get_step_display()})
    if step.decision_due_at:
        messages.info(
            request,
            _("法院须在 %(when)s 前裁定。") % {"when": when_text(step.decision_due_at)},
        )
    if step.answered_by.filter(step=Step.LONG_TERM_GUARDIANSHIP).exists():
        messages.info(
            request,
            _("儿童没有其他能够监护的父母或监护人：已同时登记由民政部门长期监护。"),
        )
    return redirect("protection:child_protection", child_id=child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def intervention_revocation_needed_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """ "需要撤销监护资格": a task for county civil affairs to petition the court (CC art. 36)."""
    child = access_protection_child_by_id(request.user, child_id)
    require(request.user, Perm.RECORD_INTERVENTION)
    status = 200
    form = RevocationNeededForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item, opened = intervention_revocation_needed(
                actor=request.user, child=child, reason=form.cleaned_data["reason"]
            )
        except PermissionRefused as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ApplicationError as exc:
            form.add_refusal(exc)
            status = exc.status
        else:
            due = date_text(item.due_on)
            if opened:
                messages.success(
                    request,
                    _(
                        "已交县级民政部门办理：无人申请的，"
                        "须在 %(date)s 前向人民法院申请撤销监护人资格。"
                    )
                    % {"date": due},
                )
            else:
                messages.info(
                    request,
                    _("县级民政部门已在办理，须在 %(date)s 前申请。") % {"date": due},
                )
            return redirect("protection:child_protection", child_id=child.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "child": child,
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
    }
    return render(request, "protection/intervention_revocation_needed.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path(
        "children/<int:child_id>/interventions/record/",
        intervention_record_page,
        name="intervention_record",
    ),
    path(
        "children/<int:child_id>/interventions/revocation-needed/",
        intervention_revocation_needed_page,
        name="intervention_revocation_needed",
    ),
]
