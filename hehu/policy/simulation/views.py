"""Pages of simulations: start one, follow it, read its counts down the six levels within
one's jurisdiction, list the children who would move, export to Excel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.policy.simulation.export import simulation_export
from hehu.policy.simulation.models import Simulation, SimulationChange
from hehu.policy.simulation.selectors import (
    SummaryView,
    category_name,
    reach_of,
    simulation_changes_visible_to,
    simulation_drafts,
    simulation_summary,
    simulations_visible_to,
    within_reach,
)
from hehu.policy.simulation.services import simulation_request

CHANGES_PER_PAGE = 50
CHART_MAX_REGIONS = 30


def _require(user: Any, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


def _visible(request: HttpRequest, pk: int) -> Simulation:
    """The simulation if the viewer may read it: 404 whether hidden or missing."""
    _require(request.user, Perm.VIEW_POLICY)
    simulation = simulations_visible_to(user=request.user).filter(pk=pk).first()
    if simulation is None:
        raise Http404
    return simulation


class SimulationForm(forms.Form):
    draft = forms.ModelChoiceField(queryset=simulation_drafts(), label=gettext_lazy("政策版本"))
    as_of = forms.DateField(
        label=gettext_lazy("认定日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    scope = forms.CharField(
        label=gettext_lazy("范围（区划代码前缀）"),
        required=False,
        max_length=12,
        help_text=gettext_lazy("默认为您的管辖范围；可填写其中的市、县、乡镇或村代码前缀"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draft = self.fields["draft"]
        assert isinstance(draft, forms.ModelChoiceField)  # noqa: S101 - declared above
        draft.queryset = simulation_drafts().order_by("status", "policy_id", "-id")


@login_required
@require_GET
def simulation_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, Perm.VIEW_POLICY)
    simulations = simulations_visible_to(user=request.user).defer("summary")[:50]
    return render(
        request,
        "policy/simulation_list.html",
        {"simulations": simulations, "can_start": has_perm(request.user, Perm.SIMULATE_POLICY)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def simulation_start(request: HttpRequest) -> HttpResponse:
    _require(request.user, Perm.SIMULATE_POLICY)
    reach = reach_of(request.user)
    initial = {"as_of": timezone.localdate(), "scope": reach[0] if len(reach) == 1 else ""}
    form = SimulationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            simulation = simulation_request(
                actor=request.user,
                draft=form.cleaned_data["draft"],
                as_of=form.cleaned_data["as_of"],
                scope=form.cleaned_data["scope"] if form.cleaned_data["scope"] else None,
            )
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, str(message))
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("policy:simulation", pk=simulation.pk)
    return render(request, "policy/simulation_start.html", {"form": form, "reach": reach})


def _chart(summary: SummaryView) -> dict[str, Any]:
    """Current and draft side by side per category (grouped bars)."""
    cells = summary.total.cells
    return {
        "labels": [cell.name for cell in cells],
        "series": [
            {"name": _("现行"), "values": [cell.current for cell in cells]},
            {"name": _("草案"), "values": [cell.draft for cell in cells]},
        ],
    }


def _region_chart(summary: SummaryView, code: str) -> dict[str, Any] | None:
    if not summary.rows or len(summary.rows) > CHART_MAX_REGIONS:
        return None
    labels: list[str] = []
    current: list[int] = []
    draft: list[int] = []
    for row in summary.rows:
        cell = next((c for c in row.cells if c.code == code), None)
        if cell is None:
            return None
        labels.append(row.name)
        current.append(cell.current)
        draft.append(cell.draft)
    return {
        "labels": labels,
        "series": [{"name": _("现行"), "values": current}, {"name": _("草案"), "values": draft}],
    }


def _int(value: str | None, default: int = 1) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _cost_rows(simulation: Simulation) -> list[dict[str, Any]]:
    from hehu.benefits.catalogue import standards
    from hehu.benefits.roll.cost import programme_rows

    if not simulation.cost:
        return []
    return programme_rows(simulation.cost, standards(), get_language() or "zh-hans")


@login_required
@require_GET
def simulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    simulation = _visible(request, pk)
    context: dict[str, Any] = {
        "simulation": simulation,
        "lists_children": has_perm(request.user, Perm.VIEW_CHILD),
    }
    if request.headers.get("HX-Request") and not simulation.finished:
        return render(request, "policy/simulation_status.html", context)
    if simulation.status == Simulation.Status.DONE:
        try:
            summary = simulation_summary(
                simulation=simulation,
                user=request.user,
                region=request.GET.get("region", ""),
                page=_int(request.GET.get("page")),
            )
        except ValidationFailed as exc:
            raise Http404(str(exc)) from exc
        codes = [c.code for c in summary.total.cells]
        category = request.GET.get("category", "")
        if category not in codes:
            changed = [c.code for c in summary.total.cells if c.entered or c.left]
            category = (changed or codes or [""])[0]
        context.update(
            summary=summary,
            category=category,
            chart=_chart(summary) if summary.total.cells else None,
            region_chart=_region_chart(summary, category),
            # The cost is of the whole scope: shown to those whose reach covers it.
            cost=simulation.cost
            if within_reach(simulation.scope, reach_of(request.user))
            else None,
            cost_programmes=_cost_rows(simulation),
        )
    response = render(request, "policy/simulation_detail.html", context)
    if request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def simulation_changes(request: HttpRequest, pk: int) -> HttpResponse:
    simulation = _visible(request, pk)
    _require(request.user, Perm.VIEW_CHILD)
    filters = {
        "category": request.GET.get("category", ""),
        "direction": request.GET.get("direction", ""),
        "region": request.GET.get("region", ""),
    }
    try:
        changes = simulation_changes_visible_to(simulation=simulation, user=request.user, **filters)
    except ValidationFailed:
        changes = SimulationChange.objects.none()
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    names = {c["code"]: c for c in simulation.categories}
    return render(
        request,
        "policy/simulation_changes.html",
        {
            "simulation": simulation,
            "page": page,
            "filters": filters,
            "categories": [(code, _name(c)) for code, c in names.items()],
            "names": {code: _name(c) for code, c in names.items()},
            "directions": SimulationChange.Direction.choices,
        },
    )


def _name(category: dict[str, str]) -> str:
    return category_name(category)


@login_required
@require_GET
def simulation_download(request: HttpRequest, pk: int) -> HttpResponse:
    simulation = _visible(request, pk)
    if simulation.status != Simulation.Status.DONE:
        raise Http404
    content = simulation_export(actor=request.user, simulation=simulation)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="hehu-simulation-{simulation.pk}-{stamp}.xlsx"'
    )
    return response
