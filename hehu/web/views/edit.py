"""Registering a child and editing a file: one page of sections, every error at the top
and beside its field, nothing typed lost, duplicates shown before saving, and a second
editor's save refused rather than overwritten."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hehu.accounts.permissions import Perm
from hehu.core.errors import (
    ApplicationError,
    ConcurrentEdit,
    PermissionRefused,
    ValidationFailed,
)
from hehu.registry import services
from hehu.registry.access import access_child_by_id
from hehu.registry.errors import DuplicateIdNumber, LikelyDuplicates
from hehu.registry.models import Child
from hehu.web.forms.childfile import ChildFile
from hehu.web.regions import region_names
from hehu.web.views._common import (
    RELATIONS,
    AuthedRequest,
    home_village,
    require,
    villages_in_reach,
    with_file,
)


def _render(
    request: AuthedRequest,
    file: ChildFile,
    *,
    child: Child | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "file": file,
        "child": child,
        "errors": file.error_summary(),
        "villages": villages_in_reach(request.user),
        "relations": RELATIONS,
        **extra,
    }
    return render(request, "web/child_form.html", context, status=status)


def _refusal(file: ChildFile, exc: ApplicationError) -> dict[str, Any]:
    """Put a refusal of the services on the page; returns what else the page must show."""
    if isinstance(exc, ValidationFailed):
        file.add_errors(exc.errors)
        return {}
    if isinstance(exc, DuplicateIdNumber):
        file.add_error("id_number", exc.message)
        return {"existing_child_id": exc.existing_child_id}
    if isinstance(exc, LikelyDuplicates):
        names = region_names(c.get("region_code", "") for c in exc.candidates)
        candidates = [
            {**c, "region_name": names.get(c.get("region_code", ""), "")} for c in exc.candidates
        ]
        return {"likely_duplicates": candidates, "likely_message": str(exc.message)}
    if isinstance(exc, PermissionRefused) and not exc.field:
        raise PermissionDenied(str(exc.message))
    file.add_error(exc.field or "", exc.message)
    return {}


@login_required
@require_http_methods(["GET", "POST"])
def child_register(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.REGISTER_CHILD)
    if request.method != "POST":
        return _render(request, ChildFile(initial_regions=home_village(request.user)))
    file = ChildFile(request.POST)
    if not file.is_valid():
        return _render(request, file, status=400)
    try:
        child = services.child_register(
            actor=request.user,
            data=file.to_data(),
            confirm_not_duplicate=request.POST.get("confirm_not_duplicate") == "1",
        )
    except (ValidationFailed, DuplicateIdNumber, PermissionRefused) as exc:
        return _render(request, file, status=400, **_refusal(file, exc))
    except LikelyDuplicates as exc:
        return _render(request, file, status=409, **_refusal(file, exc))
    except ApplicationError as exc:
        return _render(request, file, status=exc.status, **_refusal(file, exc))
    messages.success(request, _("已登记儿童 %(name)s。") % {"name": child.name})
    return redirect("web:child", pk=child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    child = access_child_by_id(request.user, pk)
    require(request.user, Perm.EDIT_CHILD)
    with_file(child)
    if request.method != "POST":
        return _render(request, ChildFile(child=child), child=child)
    file = ChildFile(request.POST, child=child)
    if not file.is_valid():
        return _render(request, file, child=child, status=400)
    if file.version is None:
        file.non_field_errors.append(_("页面缺少版本信息，请重新打开修改页面。"))
        return _render(request, file, child=child, status=400)
    try:
        child = services.child_update(
            actor=request.user,
            child=child,
            data=file.to_data(),
            expected_version=file.version,
            reason=file.reason,
        )
    except ConcurrentEdit as exc:
        # Nothing was saved; the page keeps everything this user typed.
        return _render(request, file, child=child, status=409, conflict=str(exc.message))
    except ApplicationError as exc:
        status = 400 if exc.status == 403 else exc.status
        return _render(request, file, child=child, status=status, **_refusal(file, exc))
    messages.success(request, _("档案已保存。"))
    return redirect("web:child", pk=child.pk)
