"""The bank file controls of a cycle's page: export the approved roll in the bank's layout
(CSV or XLSX, downloaded), import the bank's results (回盘, whole file or nothing), and
reconcile once every transfer sent has its result.

Thin: the services of hehu.benefits.services.bank and .reconcile decide; a refusal is shown
on the cycle's page next to the control, every problem of a refused file listed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hehu.benefits.forms import CycleActionForm
from hehu.benefits.models import PaymentCycle
from hehu.benefits.selectors import access_cycle_by_id
from hehu.benefits.services.bank import export_bank_file, import_bank_results
from hehu.benefits.services.reconcile import reconcile_cycle
from hehu.benefits.views.common import AuthedRequest
from hehu.benefits.views.cycle_forms import BankExportForm, BankResultsForm
from hehu.benefits.views.cycle_page import layout_choices, render_cycle
from hehu.core.errors import ApplicationError


def _refused(
    request: AuthedRequest, cycle: PaymentCycle, form: CycleActionForm, exc: ApplicationError
) -> HttpResponse:
    form.add_refusal(exc)
    return render_cycle(request, cycle, form=form, status=exc.status)


@login_required
@require_POST
def bank_file(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Download the bank file of the approved roll (held transfers are not sent)."""
    cycle = access_cycle_by_id(request.user, cycle_id)
    form = BankExportForm(request.POST, layouts=layout_choices())
    if not form.is_valid():
        return render_cycle(request, cycle, form=form, status=400)
    try:
        exported = export_bank_file(
            actor=request.user,
            cycle=cycle,
            layout=form.cleaned_data["layout"],
            file_format=form.cleaned_data["file_format"],
        )
    except ApplicationError as exc:
        return _refused(request, cycle, form, exc)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bank_results(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Import the bank's result file: every line applied, or none with every problem."""
    cycle = access_cycle_by_id(request.user, cycle_id)
    form = BankResultsForm(request.POST, request.FILES, layouts=layout_choices())
    if not form.is_valid():
        return render_cycle(request, cycle, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        outcome = import_bank_results(
            actor=request.user,
            cycle=cycle,
            filename=upload.name or "",
            content=upload.read(),
            layout=form.cleaned_data["layout"],
        )
    except ApplicationError as exc:
        return _refused(request, cycle, form, exc)
    messages.success(
        request,
        _(
            "回盘结果已导入：%(rows)d 行，成功 %(paid)d 笔，失败 %(failed)d 笔，"
            "此前已导入 %(already)d 笔。"
        )
        % {
            "rows": outcome.rows,
            "paid": outcome.paid,
            "failed": outcome.failed,
            "already": outcome.already_recorded,
        },
    )
    return redirect("benefits:cycle", cycle_id=cycle.pk)


@login_required
@require_POST
def reconcile(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Close the cycle: held and failed transfers are carried to the next roll."""
    cycle = access_cycle_by_id(request.user, cycle_id)
    form = CycleActionForm(request.POST)
    form.is_valid()
    try:
        reconcile_cycle(actor=request.user, cycle=cycle)
    except ApplicationError as exc:
        return _refused(request, cycle, form, exc)
    messages.success(request, _("名册已对账。未发放成功的款项将在下期名册中续发。"))
    return redirect("benefits:cycle", cycle_id=cycle.pk)


urlpatterns: list[URLPattern] = [
    path("benefits/cycles/<int:cycle_id>/bank-file/", bank_file, name="bank_file"),
    path("benefits/cycles/<int:cycle_id>/bank-results/", bank_results, name="bank_results"),
    path("benefits/cycles/<int:cycle_id>/reconcile/", reconcile, name="reconcile"),
]
