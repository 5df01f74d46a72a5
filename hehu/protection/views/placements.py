"""Protection pages: a child's protection record (where the child is today, removals,
placements and return assessments, the intervention ladder), the forms to record a removal,
a placement, a return assessment and the end of a placement, and the county placement
register.

Thin: access helpers (404 whether hidden or missing), then the services of
hehu.protection.services.placements decide what is required and allowed; refusals are shown
in the form with every answer kept.
"""

from __future__ import annotations

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
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.models import Role, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ApplicationError, ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.protection.models import CareFacility, Placement
from hehu.protection.models.placement import Ground, RemovingBody
from hehu.protection.selectors import (
    access_facility_by_id,
    access_placement_by_id,
    access_protection_child_by_id,
    facilities_for_placement,
    facilities_visible_to,
    protection_record_of,
)
from hehu.protection.services.placements import (
    PlacementInput,
    facility_create,
    facility_update,
    placement_end,
    placement_start,
    removal_record,
    return_assessment_record,
)
from hehu.registry.models import Child, GuardianRelation, LivingArrangement


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (every view here is behind login_required)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this (least privilege)."""
    if not has_perm(user, perm):
        raise PermissionDenied


DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


def _radios() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": "form-check-input"})


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DATE,
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写日期，例如 2026-03-05。")},
    )


# -- forms: the pages' shape only; the services decide ----------------------------------------
class RefusalForm(forms.Form):
    """A form that shows a service's refusal next to each field and in the summary."""

    anchor = "hh-form"
    prefix_of_service: str = ""  # "placement." for the placement part of a removal

    def add_refusal(self, exc: ApplicationError) -> None:
        problems = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
        for name, found in problems.items():
            field = (name or "").removeprefix("placement.")
            field = {"report_id": "report", "facility_id": "facility"}.get(field, field)
            for problem in found:
                self.add_error(field if field in self.fields else None, str(problem))

    def clean(self) -> dict[str, Any]:
        # A tampered choice is reported by the service in its own words.
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and name in self.errors:
                del self.errors[name]
                cleaned[name] = ""
        return cleaned

    def error_summary(self) -> list[dict[str, str]]:
        summary: list[dict[str, str]] = []
        for name, problems in self.errors.items():
            if name == NON_FIELD_ERRORS:
                anchor = self.anchor
            elif isinstance(self.fields[name].widget, forms.RadioSelect):
                anchor = f"id_{name}_0"
            else:
                anchor = f"id_{name}"
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        return summary


class PlacementFields(RefusalForm):
    marked_required = frozenset({"kind", "guardianship", "started_on"})

    kind = forms.ChoiceField(
        label=gettext_lazy("安置方式"),
        choices=Placement.Kind.choices,
        required=False,
        widget=_radios(),
    )
    guardianship = forms.ChoiceField(
        label=gettext_lazy("监护类型"),
        choices=Placement.Guardianship.choices,
        required=False,
        initial=Placement.Guardianship.TEMPORARY,
        widget=_radios(),
        help_text=gettext_lazy("民政部门临时监护（第九十二条）或长期监护（第九十四条）。"),
    )
    started_on = _date(gettext_lazy("安置日期"))
    facility = forms.ChoiceField(
        label=gettext_lazy("安置场所"),
        required=False,
        help_text=gettext_lazy("家庭寄养或机构收留抚养时必选，括号内为现安置人数和床位。"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    carer_name = forms.CharField(
        label=gettext_lazy("照料人"),
        help_text=gettext_lazy("委托亲属抚养时必填：受委托亲属的姓名。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    carer_relation = forms.CharField(
        label=gettext_lazy("与儿童关系"),
        help_text=gettext_lazy("例如：外祖母、姨妈。"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "40"}),
    )
    over_capacity_reason = forms.CharField(
        label=gettext_lazy("超员安置的理由"),
        help_text=gettext_lazy("只在所选场所已满时填写，不少于 10 个字，会记入审计记录。"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2, "maxlength": "500"}),
    )

    def __init__(self, *args: Any, facilities: list[CareFacility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("（不选：委托亲属抚养）"))]
        for f in facilities:
            occupied = getattr(f, "occupied", 0)
            full = _("，已满") if occupied >= f.capacity else ""
            choices.append(
                (
                    str(f.pk),
                    _("%(name)s · %(kind)s（%(occupied)d/%(capacity)d%(full)s）")
                    % {
                        "name": f.name,
                        "kind": f.get_kind_display(),
                        "occupied": occupied,
                        "capacity": f.capacity,
                        "full": full,
                    },
                )
            )
        self.fields["facility"].choices = choices  # type: ignore[attr-defined]

    def placement_input(self) -> PlacementInput:
        data = self.cleaned_data
        facility = str(data.get("facility") or "")
        return PlacementInput(
            kind=data.get("kind") or "",
            guardianship=data.get("guardianship") or "",
            started_on=data.get("started_on"),
            facility_id=int(facility) if facility.isdigit() else None,
            carer_name=data.get("carer_name") or "",
            carer_relation=data.get("carer_relation") or "",
            over_capacity_reason=data.get("over_capacity_reason") or "",
        )


class RemovalForm(PlacementFields):
    marked_required = frozenset(
        {"removed_at", "removed_by_body", "removed_by_name", "ground", "circumstances"}
    )

    removed_at = forms.DateTimeField(
        label=gettext_lazy("带离时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"invalid": gettext_lazy("请按 年-月-日 时:分 填写带离时间。")},
    )
    removed_by_body = forms.ChoiceField(
        label=gettext_lazy("带离单位"),
        choices=RemovingBody.choices,
        required=False,
        widget=_radios(),
    )
    removed_by_name = forms.CharField(
        label=gettext_lazy("带离人员"),
        help_text=gettext_lazy("姓名和职务，例如：李明（派出所民警）。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    ground = forms.ChoiceField(
        label=gettext_lazy("临时监护的情形（未成年人保护法第九十二条）"),
        choices=Ground.choices,
        required=False,
        widget=_radios(),
    )
    circumstances = forms.CharField(
        label=gettext_lazy("情况说明"),
        help_text=gettext_lazy("带离的经过和儿童的状况（不超过 5000 字）。只有保护人员能看到。"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4, "maxlength": "5000"}),
    )
    report = forms.CharField(
        label=gettext_lazy("强制报告编号（可选）"),
        help_text=gettext_lazy("由强制报告引起的，填写报告编号，例如 P000123。"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "12"}),
    )
    place_now = forms.BooleanField(
        label=gettext_lazy("同时登记安置"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, may_place: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_place = may_place
        if not may_place:
            for name in (*PlacementFields.base_fields, "place_now"):
                del self.fields[name]

    def report_id(self) -> int | None:
        text = (self.cleaned_data.get("report") or "").strip().upper().removeprefix("P")
        if not text:
            return None
        return int(text) if text.isdigit() else 0  # 0: no such report (the service says so)


class AssessmentForm(RefusalForm):
    marked_required = frozenset({"assessed_on", "guardian_can_care", "findings"})

    assessed_on = _date(gettext_lazy("评估日期"))
    guardian_can_care = forms.ChoiceField(
        label=gettext_lazy("评估结论"),
        choices=[
            ("yes", gettext_lazy("监护人能够重新履行监护职责")),
            ("no", gettext_lazy("监护人尚不能重新履行监护职责")),
        ],
        required=False,
        widget=_radios(),
    )
    findings = forms.CharField(
        label=gettext_lazy("评估意见"),
        help_text=gettext_lazy("监护人的状况、家庭环境、儿童本人的意愿（不超过 5000 字）。"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 5, "maxlength": "5000"}),
    )


class EndForm(RefusalForm):
    marked_required = frozenset({"ended_on", "end_reason"})

    ended_on = _date(gettext_lazy("结束日期"))
    end_reason = forms.ChoiceField(
        label=gettext_lazy("结束原因"),
        choices=Placement.EndReason.choices,
        required=False,
        widget=_radios(),
    )
    living_arrangement = forms.ChoiceField(
        label=gettext_lazy("儿童现在的居住情况"),
        help_text=gettext_lazy("返还监护人时必填。"),
        choices=[("", "—"), *LivingArrangement.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    guardian_relation = forms.ChoiceField(
        label=gettext_lazy("监护人与儿童的关系"),
        help_text=gettext_lazy("返还监护人时必填。"),
        choices=[("", "—"), *GuardianRelation.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    guardian_name = forms.CharField(
        label=gettext_lazy("监护人姓名"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FacilityForm(RefusalForm):
    marked_required = frozenset({"name", "kind", "capacity"})

    name = forms.CharField(
        label=gettext_lazy("名称"),
        help_text=gettext_lazy("寄养家庭写户主姓名，例如：王建国家庭。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=CareFacility.Kind.choices,
        required=False,
        widget=_radios(),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("床位（可安置人数）"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric", "min": "1"}),
        error_messages={"invalid": gettext_lazy("床位数请填写整数。")},
    )
    region_code = forms.CharField(
        label=gettext_lazy("所在县（区）区划代码"),
        help_text=gettext_lazy("6 位县级代码，例如 511502。"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "maxlength": "12"}),
    )
    active = forms.BooleanField(
        label=gettext_lazy("在用（停用后不能再安置儿童）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "capacity" in self.errors:
            del self.errors["capacity"]
            cleaned["capacity"] = None
        return cleaned


def _refused(request: AuthedRequest, form: RefusalForm, exc: ApplicationError) -> int:
    if isinstance(exc, PermissionRefused):
        raise PermissionDenied(str(exc.message)) from exc
    form.add_refusal(exc)
    return exc.status


def _form(
    request: AuthedRequest, template: str, form: RefusalForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    context.update({"form": form, "errors": form.error_summary() if form.is_bound else []})
    return render(request, f"protection/{template}", context, status=status)


# -- the child's protection record ------------------------------------------------------------
@login_required
@require_GET
def child_protection(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Where the child is today, removals, placements with their assessments; audited."""
    child = access_protection_child_by_id(request.user, child_id)
    record = protection_record_of(child)
    audit_record(
        actor=request.user,
        verb=Verb.PROTECTION_VIEWED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        changes={"part": "protection"},
    )
    user = request.user
    context = {
        "child": child,
        "record": record,
        "current": record.current,
        "days_in_care": (timezone.localdate() - record.current.started_on).days
        if record.current
        else 0,
        "may_remove": has_perm(user, Perm.RECORD_REMOVAL),
        "may_place": has_perm(user, Perm.MANAGE_PLACEMENTS),
    }
    response = render(request, "protection/child_protection.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _facilities(user: User, child: Child) -> list[CareFacility]:
    return list(facilities_for_placement(user, child.region_id[:6].ljust(12, "0")))


@login_required
@require_http_methods(["GET", "POST"])
def removal_record_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Record an emergency removal; civil affairs may place the child in the same form."""
    child = access_protection_child_by_id(request.user, child_id)
    require(request.user, Perm.RECORD_REMOVAL)
    may_place = has_perm(request.user, Perm.MANAGE_PLACEMENTS)
    facilities = _facilities(request.user, child) if may_place else []
    page: dict[str, Any] = {"child": child, "may_place": may_place}
    if request.method != "POST":
        body = (
            RemovingBody.CIVIL_AFFAIRS
            if request.user.role == Role.COUNTY_CIVIL_AFFAIRS
            else RemovingBody.PUBLIC_SECURITY
        )
        initial = {
            "removed_at": timezone.localtime().replace(second=0, microsecond=0),
            "removed_by_body": body,
            "started_on": timezone.localdate(),
            "guardianship": Placement.Guardianship.TEMPORARY,
        }
        form = RemovalForm(initial=initial, may_place=may_place, facilities=facilities)
        return _form(request, "removal_form.html", form, **page)
    form = RemovalForm(request.POST, may_place=may_place, facilities=facilities)
    if not form.is_valid():
        return _form(request, "removal_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        removal_record(
            actor=request.user,
            child=child,
            removed_at=data["removed_at"],
            removed_by_body=data["removed_by_body"],
            removed_by_name=data["removed_by_name"],
            ground=data["ground"],
            circumstances=data["circumstances"],
            report_id=form.report_id(),
            placement=form.placement_input() if may_place and data.get("place_now") else None,
        )
    except ApplicationError as exc:
        status = _refused(request, form, exc)
        return _form(request, "removal_form.html", form, status=status, **page)
    if may_place and data.get("place_now"):
        messages.success(request, _("紧急带离和安置已登记。"))
    else:
        messages.success(request, _("紧急带离已登记，县级民政部门将安排安置。"))
    return redirect("protection:child_protection", child_id=child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def placement_start_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Place the child (county civil affairs)."""
    child = access_protection_child_by_id(request.user, child_id)
    require(request.user, Perm.MANAGE_PLACEMENTS)
    facilities = _facilities(request.user, child)
    record = protection_record_of(child)
    page: dict[str, Any] = {"child": child, "current": record.current}
    if request.method != "POST":
        initial = {
            "started_on": timezone.localdate(),
            "guardianship": Placement.Guardianship.TEMPORARY,
        }
        form = PlacementFields(initial=initial, facilities=facilities)
        return _form(request, "placement_form.html", form, **page)
    form = PlacementFields(request.POST, facilities=facilities)
    if not form.is_valid():
        return _form(request, "placement_form.html", form, status=400, **page)
    try:
        placement_start(actor=request.user, child=child, data=form.placement_input())
    except ApplicationError as exc:
        status = _refused(request, form, exc)
        return _form(request, "placement_form.html", form, status=status, **page)
    messages.success(request, _("安置已登记。"))
    return redirect("protection:child_protection", child_id=child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def return_assessment_page(request: AuthedRequest, placement_id: int) -> HttpResponse:
    """Record civil affairs' assessment of whether the guardian can care again."""
    placement = access_placement_by_id(request.user, placement_id)
    require(request.user, Perm.MANAGE_PLACEMENTS)
    page: dict[str, Any] = {"child": placement.child, "placement": placement}
    if request.method != "POST":
        form = AssessmentForm(initial={"assessed_on": timezone.localdate()})
        return _form(request, "assessment_form.html", form, **page)
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        return _form(request, "assessment_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        return_assessment_record(
            actor=request.user,
            placement=placement,
            assessed_on=data["assessed_on"],
            guardian_can_care={"yes": True, "no": False}.get(data["guardian_can_care"]),
            findings=data["findings"],
        )
    except ApplicationError as exc:
        status = _refused(request, form, exc)
        return _form(request, "assessment_form.html", form, status=status, **page)
    messages.success(request, _("返还监护评估已登记。"))
    return redirect("protection:child_protection", child_id=placement.child_id)


@login_required
@require_http_methods(["GET", "POST"])
def placement_end_page(request: AuthedRequest, placement_id: int) -> HttpResponse:
    """End a placement: return to the guardian (after a positive assessment) or another end."""
    placement = access_placement_by_id(request.user, placement_id)
    require(request.user, Perm.MANAGE_PLACEMENTS)
    latest = placement.return_assessments.order_by("-assessed_on", "-id").first()
    page: dict[str, Any] = {"child": placement.child, "placement": placement, "assessment": latest}
    if request.method != "POST":
        if placement.ended_on is not None:
            messages.error(request, _("这次安置已经结束。"))
            return redirect("protection:child_protection", child_id=placement.child_id)
        form = EndForm(initial={"ended_on": timezone.localdate(), "version": placement.version})
        return _form(request, "placement_end_form.html", form, **page)
    form = EndForm(request.POST)
    if not form.is_valid():
        return _form(request, "placement_end_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        placement_end(
            actor=request.user,
            placement=placement,
            ended_on=data["ended_on"],
            end_reason=data["end_reason"],
            living_arrangement=data["living_arrangement"],
            guardian_relation=data["guardian_relation"],
            guardian_name=data["guardian_name"],
            expected_version=data["version"],
        )
    except ApplicationError as exc:
        status = _refused(request, form, exc)
        return _form(request, "placement_end_form.html", form, status=status, **page)
    messages.success(request, _("安置已结束。"))
    return redirect("protection:child_protection", child_id=placement.child_id)


# -- the county placement register --------------------------------------------------------------
@login_required
@require_GET
def facilities(request: AuthedRequest) -> HttpResponse:
    """The county's register: each place with its capacity, occupancy and free places."""
    require(request.user, Perm.MANAGE_PLACEMENTS)
    rows = list(facilities_visible_to(request.user))
    for row in rows:
        row.free = max(row.capacity - row.occupied, 0)  # type: ignore[attr-defined]
    return render(request, "protection/facility_list.html", {"facilities": rows})


def _counties(user: User) -> list[str]:
    return [p for p in user.prefixes if len(p) == 6]


@login_required
@require_http_methods(["GET", "POST"])
def facility_new(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_PLACEMENTS)
    page: dict[str, Any] = {"facility": None, "ask_county": len(_counties(request.user)) != 1}
    if request.method != "POST":
        return _form(request, "facility_form.html", FacilityForm(initial={"active": True}), **page)
    form = FacilityForm(request.POST)
    if not form.is_valid():
        return _form(request, "facility_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        facility_create(
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            capacity=data["capacity"],
            region_code=data["region_code"],
        )
    except ApplicationError as exc:
        status = _refused(request, form, exc)
        return _form(request, "facility_form.html", form, status=status, **page)
    messages.success(request, _("安置场所已登记。"))
    return redirect("protection:facilities")


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request: AuthedRequest, facility_id: int) -> HttpResponse:
    """Change a place of the register; a concurrent edit is refused and nothing is lost."""
    facility = access_facility_by_id(request.user, facility_id)
    require(request.user, Perm.MANAGE_PLACEMENTS)
    page: dict[str, Any] = {"facility": facility, "ask_county": False}
    if request.method != "POST":
        initial = {
            "name": facility.name,
            "kind": facility.kind,
            "capacity": facility.capacity,
            "active": facility.active,
            "version": facility.version,
        }
        return _form(request, "facility_form.html", FacilityForm(initial=initial), **page)
    form = FacilityForm(request.POST)
    if not form.is_valid():
        return _form(request, "facility_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        facility_update(
            actor=request.user,
            facility=facility,
            name=data["name"],
            kind=data["kind"],
            capacity=data["capacity"],
            active=bool(data["active"]),
            expected_version=data["version"],
        )
    except ConcurrentEdit as exc:
        # Nothing was saved; the page keeps what this user typed and shows the latest.
        facility.refresh_from_db()
        page.update(conflict=str(exc.message), facility=facility)
        return _form(request, "facility_form.html", form, status=409, **page)
    except ApplicationError as exc:
        status = _refused(request, form, exc)
        return _form(request, "facility_form.html", form, status=status, **page)
    messages.success(request, _("安置场所已保存。"))
    return redirect("protection:facilities")


urlpatterns: list[URLPattern] = [
    path("children/<int:child_id>/protection/", child_protection, name="child_protection"),
    path(
        "children/<int:child_id>/protection/removal/",
        removal_record_page,
        name="removal_record",
    ),
    path(
        "children/<int:child_id>/protection/placement/",
        placement_start_page,
        name="placement_start",
    ),
    path(
        "placements/<int:placement_id>/assessment/",
        return_assessment_page,
        name="return_assessment",
    ),
    path("placements/<int:placement_id>/end/", placement_end_page, name="placement_end"),
    path("facilities/", facilities, name="facilities"),
    path("facilities/new/", facility_new, name="facility_new"),
    path("facilities/<int:facility_id>/edit/", facility_edit, name="facility_edit"),
]
