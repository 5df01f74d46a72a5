"""Supervision of fund use: the open anomalies of one's county (by kind, with counts), an
anomaly's page with its evidence in the reader's language, the child (linked to the file
where the reader may open it), the roll and the payment, and the form to resolve it.

Only county civil affairs who handle benefits see anomalies (they name children); one
outside their counties answers 404. The service decides: a note too short, an anomaly
resolved already, or one changed since the page was read (409) is said on the page with
the answers kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hehu.accounts.permissions import Perm
from hehu.benefits.anomalies.service import NOTE_MIN, resolve_anomaly
from hehu.benefits.models import Anomaly
from hehu.benefits.reports.supervision import (
    ALL,
    access_anomaly_by_id,
    anomaly_detail,
    anomaly_kind_counts,
    anomaly_list,
)
from hehu.benefits.selectors import county_names
from hehu.benefits.views.common import AuthedRequest, in_language, paged, refused, require
from hehu.core.errors import ApplicationError, ConcurrentEdit, ValidationFailed
from hehu.core.forms import RefusalForm

PER_PAGE = 25


class ResolveForm(RefusalForm):
    anchor = "hh-resolve"
    marked_required = frozenset({"outcome", "note"})

    outcome = forms.ChoiceField(
        label=gettext_lazy("核查结论"),
        choices=[
            (Anomaly.Status.EXPLAINED, gettext_lazy("核实无误：情况属实、发放正确")),
            (Anomaly.Status.CONFIRMED, gettext_lazy("确认异常，已处理（停发、追回或更正账户）")),
        ],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=gettext_lazy("核查情况和处理结果"),
        help_text=gettext_lazy(
            "写明核查了什么、结论和已采取的措施，例如：入户核实儿童在家，"
            "账户为祖母所有（至少 5 个字）。"
        ),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4, "maxlength": "1000"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


@login_required
@require_GET
def anomaly_list_page(request: AuthedRequest) -> HttpResponse:
    """The anomalies of one's counties, open ones first, filtered by kind."""
    require(request.user, Perm.MANAGE_BENEFITS)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", Anomaly.Status.OPEN) or Anomaly.Status.OPEN
    try:
        anomalies = anomaly_list(user=request.user, kind=kind, status=status)
        counts = anomaly_kind_counts(user=request.user, status=status)
    except ValidationFailed:
        messages.error(request, _("筛选条件无效，已显示全部待核查的异常。"))
        kind, status = "", Anomaly.Status.OPEN
        anomalies = anomaly_list(user=request.user)
        counts = anomaly_kind_counts(user=request.user)
    page = paged(request, anomalies, PER_PAGE)
    names = county_names(sorted({a.county_code for a in page}))
    rows = [
        {
            "anomaly": a,
            "evidence": in_language(a.evidence),
            "county": names.get(a.county_code, a.county_code),
        }
        for a in page
    ]
    return render(
        request,
        "benefit_reports/anomaly_list.html",
        {
            "rows": rows,
            "page": page,
            "counts": counts,
            "total": sum(c.count for c in counts),
            "kind": kind,
            "status": status,
            "statuses": [*Anomaly.Status.choices, (ALL, _("全部"))],
        },
    )


def _detail(
    request: AuthedRequest,
    anomaly: Anomaly,
    *,
    form: ResolveForm | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    detail = anomaly_detail(user=request.user, anomaly=anomaly)
    if form is None:
        form = ResolveForm(initial={"version": anomaly.version})
    context: dict[str, Any] = {
        "anomaly": anomaly,
        "detail": detail,
        "evidence": in_language(anomaly.evidence),
        "county": county_names([anomaly.county_code]).get(anomaly.county_code, ""),
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "conflict": conflict,
        "note_min": NOTE_MIN,
        "action": reverse("supervision:resolve", args=[anomaly.pk]),
    }
    response = render(request, "benefit_reports/anomaly_detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def anomaly_page(request: AuthedRequest, anomaly_id: int) -> HttpResponse:
    """An anomaly: what was found, about whom, in which roll; the form to resolve it."""
    return _detail(request, access_anomaly_by_id(request.user, anomaly_id))


@login_required
@require_POST
def anomaly_resolve(request: AuthedRequest, anomaly_id: int) -> HttpResponse:
    """Explain the anomaly (nothing wrong) or confirm it (and say what was done)."""
    anomaly = access_anomaly_by_id(request.user, anomaly_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _detail(request, anomaly, form=form, status=400)
    try:
        resolve_anomaly(
            actor=request.user,
            anomaly=anomaly,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except ConcurrentEdit as exc:
        fresh = access_anomaly_by_id(request.user, anomaly_id)
        return _detail(request, fresh, form=form, status=409, conflict=str(exc.message))
    except ApplicationError as exc:
        code = refused(form, exc)
        fresh = access_anomaly_by_id(request.user, anomaly_id)
        return _detail(request, fresh, form=form, status=code)
    messages.success(request, _("已保存核查结论，待办事项已完成。"))
    return redirect("supervision:anomaly", anomaly_id=anomaly.pk)
