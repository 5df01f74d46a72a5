"""The actions on a payment cycle: the maker submits the roll, the checker returns it with
a reason or approves it (never their own roll). The page itself is drawn by cycle_page;
the bank file controls are in bank.py.

Thin: access (404 whether outside the user's counties or missing), then the services of
hehu.benefits.services.cycles decide; a refusal is shown on the cycle's page (a maker
approving their own roll is told why), a concurrent action is refused with 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hehu.benefits.forms import CycleActionForm, ReturnForm
from hehu.benefits.models import PaymentCycle
from hehu.benefits.selectors import access_cycle_by_id
from hehu.benefits.services.cycles import approve_cycle, return_cycle, submit_cycle
from hehu.benefits.views.common import AuthedRequest
from hehu.benefits.views.cycle_page import render_cycle
from hehu.core.errors import ApplicationError, ConcurrentEdit


@login_required
@require_GET
def cycle_page(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    return render_cycle(request, access_cycle_by_id(request.user, cycle_id))


def _act(
    request: AuthedRequest,
    cycle_id: int,
    form: CycleActionForm,
    act: Callable[[PaymentCycle, dict[str, Any]], None],
) -> HttpResponse:
    cycle = access_cycle_by_id(request.user, cycle_id)
    if not form.is_valid():
        return render_cycle(request, cycle, form=form, status=400)
    try:
        act(cycle, form.cleaned_data)
    except ConcurrentEdit as exc:
        cycle = access_cycle_by_id(request.user, cycle_id)
        return render_cycle(request, cycle, form=form, status=409, conflict=str(exc.message))
    except ApplicationError as exc:
        # A permission refusal too (a maker approving their own roll): said on the page.
        form.add_refusal(exc)
        cycle = access_cycle_by_id(request.user, cycle_id)
        return render_cycle(request, cycle, form=form, status=exc.status)
    return redirect("benefits:cycle", cycle_id=cycle.pk)


@login_required
@require_POST
def cycle_submit(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """The maker has checked the roll and submits it for approval."""

    def act(cycle: PaymentCycle, data: dict[str, Any]) -> None:
        submit_cycle(actor=request.user, cycle=cycle, expected_version=data["version"])
        messages.success(request, _("名册已提交审批，请另一位有审批权限的同事审批。"))

    return _act(request, cycle_id, CycleActionForm(request.POST), act)


@login_required
@require_POST
def cycle_return(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """The checker sends the roll back with a reason."""

    def act(cycle: PaymentCycle, data: dict[str, Any]) -> None:
        return_cycle(
            actor=request.user,
            cycle=cycle,
            reason=data["reason"],
            expected_version=data["version"],
        )
        messages.success(request, _("名册已退回经办人。"))

    return _act(request, cycle_id, ReturnForm(request.POST), act)


@login_required
@require_POST
def cycle_approve(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """The checker approves: the roll is frozen from here."""

    def act(cycle: PaymentCycle, data: dict[str, Any]) -> None:
        approve_cycle(actor=request.user, cycle=cycle, expected_version=data["version"])
        messages.success(request, _("名册已审批，可以导出银行代发文件。"))

    return _act(request, cycle_id, CycleActionForm(request.POST), act)


urlpatterns: list[URLPattern] = [
    path("benefits/cycles/<int:cycle_id>/", cycle_page, name="cycle"),
    path("benefits/cycles/<int:cycle_id>/submit/", cycle_submit, name="cycle_submit"),
    path("benefits/cycles/<int:cycle_id>/return/", cycle_return, name="cycle_return"),
    path("benefits/cycles/<int:cycle_id>/approve/", cycle_approve, name="cycle_approve"),
]
