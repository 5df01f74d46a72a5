"""Pages of the monthly disbursement statement and the budget, and their Excel downloads.

Thin: the reader's scope is checked (403 for a role without aggregates, 404 for a region
outside their jurisdiction, like the simulation pages), then hehu.benefits.reports
computes; the page draws the figures by programme (a bar chart with the same data in a
table), the next level's rows to drill into, and the breadcrumbs back up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.models import PaymentCycle
from hehu.benefits.months import month_of, parse_month
from hehu.benefits.reports.budget import ACTUAL, PARTLY, PROJECTED, Budget, budget
from hehu.benefits.reports.export import budget_workbook, statement_workbook
from hehu.benefits.reports.figures import Figures
from hehu.benefits.reports.scope import OutsideReach, Scope, reach_choices, report_scope
from hehu.benefits.reports.statement import (
    NO_CYCLE,
    Statement,
    disbursement_statement,
    status_label,
)
from hehu.benefits.selectors import may_handle_payments, programme_labels
from hehu.benefits.views.common import AuthedRequest, labelled
from hehu.core.errors import PermissionRefused, ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR = 2000
CHART_MAX_BARS = 30
CITY = 4
COUNTY_LIST_MAX = 200


def scope_of(request: AuthedRequest) -> Scope:
    """The region asked for, within the reader's reach: 403 without aggregates, 404 for a
    region outside the jurisdiction (or not a region prefix)."""
    try:
        return report_scope(request.user, request.GET.get("region"))
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except (ValidationFailed, OutsideReach) as exc:
        raise Http404 from exc


def month_asked(request: AuthedRequest) -> dt.date:
    """The month asked for (this month by default; a malformed one is said and replaced)."""
    this_month = month_of(timezone.localdate())
    text = request.GET.get("month", "").strip()
    if not text:
        return this_month
    try:
        return parse_month(text)
    except ValueError:
        messages.error(request, _("月份应按 年-月 填写，例如 2026-03；已显示本月。"))
        return this_month


def year_asked(request: AuthedRequest) -> int:
    this_year = timezone.localdate().year
    text = request.GET.get("year", "").strip()
    if not text:
        return this_year
    if text.isdigit() and FIRST_YEAR <= int(text) <= this_year + 1:
        return int(text)
    messages.error(
        request,
        _("年度应为 %(first)d 至 %(last)d 年之间的四位数字；已显示今年。")
        % {"first": FIRST_YEAR, "last": this_year + 1},
    )
    return this_year


def _chart(labels: list[str], values: list[Any], series: str) -> dict[str, Any] | None:
    if not labels or len(labels) > CHART_MAX_BARS:
        return None
    return {"labels": labels, "series": series, "values": [float(v) for v in values]}


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _base(request: AuthedRequest, scope: Scope) -> dict[str, Any]:
    return {
        "scope": scope,
        "reach": reach_choices(scope),
        "reach_codes": scope.reach,
        "manages": has_perm(request.user, Perm.MANAGE_BENEFITS),
    }


# -- the statement -----------------------------------------------------------------------------
def _statement_context(request: AuthedRequest, statement: Statement) -> dict[str, Any]:
    labels = programme_labels()
    programmes: list[dict[str, Any]] = [
        {"code": code, "label": labelled(code, labels), "figures": statement.total.programmes[code]}
        for code in statement.programmes
    ]
    chosen = request.GET.get("programme", "")
    if chosen not in statement.programmes:
        chosen = ""
    rows = [
        {
            "row": row,
            "figures": row.programmes.get(chosen, Figures()) if chosen else row.total,
            "cycles": cycle_counts(row.cycles),
        }
        for row in statement.rows
    ]
    return {
        "statement": statement,
        "total_cycles": cycle_counts(statement.cycles),
        # Above the city the rows are provinces or cities: list the counties themselves.
        "county_list": statement.counties
        if len(statement.scope.region) < CITY and len(statement.counties) <= COUNTY_LIST_MAX
        else [],
        "programmes": programmes,
        "programme": chosen,
        "programme_label": labelled(chosen, labels) if chosen else "",
        "rows": rows,
        "links_cycles": may_handle_payments(request.user),
        "chart": _chart(
            [p["label"] for p in programmes],
            [p["figures"].due for p in programmes],
            _("应发金额（元）"),
        ),
        "month_value": f"{statement.month:%Y-%m}",
    }


def cycle_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """How many counties have their roll in each status, in the order of the work."""
    order = [*PaymentCycle.Status.values, NO_CYCLE]
    return [(status_label(s), counts[s]) for s in order if counts.get(s)]


@login_required
@require_GET
def statement_page(request: AuthedRequest) -> HttpResponse:
    """The monthly disbursement statement of a region, with the next level to drill into."""
    scope = scope_of(request)
    statement = disbursement_statement(scope=scope, month=month_asked(request))
    context = {**_base(request, scope), **_statement_context(request, statement)}
    return render(request, "benefit_reports/statement.html", context)


@login_required
@require_GET
def statement_download(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request)
    statement = disbursement_statement(scope=scope, month=month_asked(request))
    content = statement_workbook(actor=request.user, statement=statement)
    name = f"hehu-statement-{scope.region or 'national'}-{statement.month:%Y-%m}.xlsx"
    return _download(content, name)


# -- the budget --------------------------------------------------------------------------------
def _budget_context(budget_: Budget) -> dict[str, Any]:
    labels = programme_labels()
    programmes: list[dict[str, Any]] = [
        {"code": code, "label": labelled(code, labels), "cost": budget_.total.programmes[code]}
        for code in budget_.programmes
    ]
    basis = {
        ACTUAL: _("实际"),
        PROJECTED: _("预测"),
        PARTLY: _("部分实际、部分预测"),
    }
    return {
        "budget": budget_,
        "programmes": programmes,
        "months": [{"line": m, "basis": basis[m.basis]} for m in budget_.months],
        "rows": budget_.rows,
        "chart": _chart(
            [p["label"] for p in programmes],
            [p["cost"].total for p in programmes],
            _("全年合计（元）"),
        ),
        "years": _years(budget_.year),
    }


def _years(chosen: int) -> list[int]:
    this_year = timezone.localdate().year
    return sorted({*range(this_year - 3, this_year + 2), chosen}, reverse=True)


@login_required
@require_GET
def budget_page(request: AuthedRequest) -> HttpResponse:
    """A year's cost: actual where rolls are approved, projected for the rest of the year."""
    scope = scope_of(request)
    result = budget(scope=scope, year=year_asked(request), today=timezone.localdate())
    context = {**_base(request, scope), **_budget_context(result)}
    return render(request, "benefit_reports/budget.html", context)


@login_required
@require_GET
def budget_download(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request)
    result = budget(scope=scope, year=year_asked(request), today=timezone.localdate())
    content = budget_workbook(actor=request.user, budget=result)
    return _download(content, f"hehu-budget-{scope.region or 'national'}-{result.year}.xlsx")
