"""Protection pages of the county placement register (county civil affairs): each place
with its capacity, occupancy and free places; adding a place and changing one.

Thin: the register through the access helpers (404 whether outside the county or missing),
then hehu.protection.services.facilities decides; a refusal is shown in the form with every
answer kept, and a concurrent edit is refused with nothing lost.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm
from hehu.core.errors import ApplicationError, ConcurrentEdit
from hehu.protection.selectors import access_facility_by_id, facilities_visible_to
from hehu.protection.services.facilities import facility_create, facility_update
from hehu.protection.views.placement_forms import FacilityForm
from hehu.protection.views.placements import AuthedRequest, _form, _refused, require


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
    path("facilities/", facilities, name="facilities"),
    path("facilities/new/", facility_new, name="facility_new"),
    path("facilities/<int:facility_id>/edit/", facility_edit, name="facility_edit"),
]
