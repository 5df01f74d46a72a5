"""A payment cycle's page, drawn for its own view and for every action that is refused on
it: head figures, who did what when, what changed since the roll was generated, the
actions this user may take at this status, the lines (paged, filtered, each with its
reasons), the transfers held and failed and why, and the bank file controls."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.forms import CycleActionForm, ReturnForm
from hehu.benefits.models import PaymentCycle, PaymentLine, Transfer
from hehu.benefits.selectors import (
    county_names,
    cycle_actions_for,
    cycle_lines,
    cycle_transfers,
    programme_labels,
)
from hehu.benefits.services.bank import bank_layouts
from hehu.benefits.services.cycles import changes_since_generation
from hehu.benefits.views.common import AuthedRequest, in_language, labelled, paged
from hehu.benefits.views.cycle_forms import BankExportForm, BankResultsForm, LineFilter

S = PaymentCycle.Status
LINES_PER_PAGE = 50
TRANSFERS_PER_PAGE = 25


def _people(cycle: PaymentCycle) -> list[dict[str, Any]]:
    steps = [
        (_("生成"), cycle.generated_by, cycle.generated_at),
        (_("复核并提交审批"), cycle.submitted_by, cycle.submitted_at),
        (_("审批"), cycle.approved_by, cycle.approved_at),
        (_("导出银行文件"), cycle.exported_by, cycle.exported_at),
        (_("对账"), cycle.reconciled_by, cycle.reconciled_at),
    ]
    return [{"step": step, "who": who, "at": at} for step, who, at in steps if at is not None]


def _line_rows(lines: Any, cycle: PaymentCycle) -> list[dict[str, Any]]:
    labels = programme_labels()
    return [
        {
            "line": line,
            "programme": labelled(line.programme, labels),
            "back_pay": line.service_month < cycle.month,
            "reasons": [in_language(r) for r in line.reasons or []],
        }
        for line in lines
    ]


def render_cycle(
    request: AuthedRequest,
    cycle: PaymentCycle,
    *,
    form: CycleActionForm | None = None,
    status: int = 200,
    conflict: str = "",
    **more: Any,
) -> HttpResponse:
    user = request.user
    filters = LineFilter(request.GET or None)
    lines = paged(request, cycle_lines(cycle=cycle, **filters.filters()), LINES_PER_PAGE)
    held = paged(request, cycle_transfers(cycle=cycle, statuses=[Transfer.Status.HELD]), 25, "h")
    failed = paged(
        request, cycle_transfers(cycle=cycle, statuses=[Transfer.Status.FAILED]), 25, "f"
    )
    return_form = form if isinstance(form, ReturnForm) else ReturnForm(initial={})
    context: dict[str, Any] = {
        "cycle": cycle,
        "county": county_names([cycle.county_code]).get(cycle.county_code, cycle.county_code),
        "people": _people(cycle),
        "warnings": changes_since_generation(cycle) if cycle.editable else [],
        "lines": _line_rows(lines, cycle),
        "lines_page": lines,
        "filters": filters,
        "held": held,
        "failed": failed,
        "return_form": return_form,
        "errors": form.error_summary() if form is not None and form.is_bound else [],
        "action_errors": form.non_field_errors() if form is not None else [],
        "conflict": conflict,
        "kinds": PaymentLine.Kind,
        **cycle_actions_for(user, cycle),
        **bank_context(
            user,
            cycle,
            export=form if isinstance(form, BankExportForm) else None,
            results=form if isinstance(form, BankResultsForm) else None,
        ),
        **more,
    }
    response = render(request, "benefits/cycle.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def layout_choices() -> list[tuple[str, str]]:
    return [(code, in_language(layout.label)) for code, layout in bank_layouts().items()]


def bank_context(
    user: Any,
    cycle: PaymentCycle,
    *,
    export: BankExportForm | None = None,
    results: BankResultsForm | None = None,
) -> dict[str, Any]:
    """The bank controls this user may use on the cycle at its status."""
    manage = has_perm(user, Perm.MANAGE_BENEFITS)
    may_export = manage and cycle.status in (S.APPROVED, S.EXPORTED)
    may_import = manage and cycle.status == S.EXPORTED
    if not (may_export or may_import):
        return {"may_export": False, "may_import": False, "may_reconcile": False}
    layouts = layout_choices()
    return {
        "may_export": may_export,
        "may_import": may_import,
        "may_reconcile": may_import,
        "export_form": export or BankExportForm(initial={"file_format": "xlsx"}, layouts=layouts),
        "results_form": results or BankResultsForm(layouts=layouts),
    }
