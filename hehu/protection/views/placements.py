"""Protection pages: a child's protection record (where the child is today, removals,
placements and return assessments, the intervention ladder), and the pages to record a
removal, a placement, a return assessment and the end of a placement. The forms are in
placement_forms; the county placement register's pages in facilities.

Thin: access helpers (404 whether hidden or missing), then the services of
hehu.protection.services.placements decide what is required and allowed; refusals are shown
in the form with every answer kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.models import Role, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ApplicationError, PermissionRefused
from hehu.protection.models import CareFacility, Placement
from hehu.protection.models.placement import RemovingBody
from hehu.protection.selectors import (
    access_placement_by_id,
    access_protection_child_by_id,
    facilities_for_placement,
    protection_record_of,
)
from hehu.protection.services.placements import (
    placement_end,
    placement_start,
    removal_record,
    return_assessment_record,
)
from hehu.protection.views.placement_forms import (
    AssessmentForm,
    EndForm,
    PlacementFields,
    RefusalForm,
    RemovalForm,
)
from hehu.registry.models import Child


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (every view here is behind login_required)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this (least privilege)."""
    if not has_perm(user, perm):
        raise PermissionDenied


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
]
