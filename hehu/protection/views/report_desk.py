"""Compulsory report pages of the departments (DOMAIN.md §8): the queue of the reports
routed to the user's department, and one report with the steps of the department acting on
it (accept, feedback, finding, the registered child, who reported).

The reporter's identity never appears in the queue or the report page; it is shown once,
for a stated reason that goes into the audit log (MPL art. 103, the reporter's
confidentiality).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hehu.accounts.models import Department, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.protection.models import Report, ReportRoute, Situation
from hehu.protection.report_selectors import (
    access_report_by_id,
    department_acting,
    reports_visible_to,
)
from hehu.protection.services.report_actions import (
    Reporter,
    report_accept,
    report_child_link,
    report_feedback_give,
    report_finding_record,
    report_record_view,
    report_reporter_reveal,
)
from hehu.protection.services.reports import CIVIL_AFFAIRS, POLICE
from hehu.protection.views.report_forms import (
    SEX_CHOICES,
    FeedbackForm,
    FindingForm,
    LinkChildForm,
    ReporterRevealForm,
)
from hehu.regions.selectors import region_labels
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to

REPORTS_PER_PAGE = 50
CHILD_MATCHES_MAX = 20

# Short labels of the nine situations for lists (the form shows the legal wording).
SHORT_SITUATIONS: dict[str, Any] = {
    Situation.GENITAL_INJURY: gettext_lazy("隐私部位损伤"),
    Situation.UNDER_14_SEXUAL: gettext_lazy("不满14岁女童遭性侵害、怀孕、流产"),
    Situation.OVER_14_PREGNANCY: gettext_lazy("14岁以上女童因性侵害怀孕、流产"),
    Situation.SERIOUS_INJURY: gettext_lazy("多处损伤、严重营养不良、意识不清"),
    Situation.SELF_HARM_OR_DEATH: gettext_lazy("非正常原因伤残、死亡"),
    Situation.ABANDONED: gettext_lazy("遗弃、长期无人照料"),
    Situation.MISSING_OR_TRAFFICKED: gettext_lazy("来源不明、失踪、被拐卖"),
    Situation.ORGANISED_BEGGING: gettext_lazy("被组织乞讨"),
    Situation.OTHER_SERIOUS: gettext_lazy("其他严重侵害或危险"),
}


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (the queue and the report page)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this; sign-in first for a visitor."""
    if not has_perm(user, perm):
        raise PermissionDenied


def short_situations(codes: list[str]) -> list[str]:
    return [str(SHORT_SITUATIONS.get(code, code)) for code in codes]


def department_label(code: str) -> str:
    if code == CIVIL_AFFAIRS:
        return _("民政部门")
    return str(dict(Department.choices).get(code, code))


# -- pages: the queue ------------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Where the department stands on a report, in words (never colour alone)."""

    state: str
    text: str
    overdue: bool
    due_at: dt.datetime | None


def hours_between(a: dt.datetime, b: dt.datetime) -> int:
    return max(0, math.ceil((b - a).total_seconds() / 3600))


def route_clock(route: ReportRoute | None, *, now: dt.datetime) -> Clock:
    if route is None:
        return Clock("routing", _("分派中"), False, None)
    if route.accepted_at is None:
        return _police_clock(route, now, state="to_accept", prefix=_("待受理"))
    if route.department == POLICE and route.feedback_at is None:
        return _police_clock(route, now, state="accepted", prefix=_("已受理"))
    if route.department == POLICE:
        return Clock("done", _("已反馈"), False, route.feedback_due_at)
    return Clock("accepted", _("已受理"), False, None)


def _police_clock(route: ReportRoute, now: dt.datetime, *, state: str, prefix: str) -> Clock:
    due = route.feedback_due_at
    if due is None or route.feedback_at is not None:
        return Clock(state, prefix, False, due)
    if now > due:
        text = _("%(state)s · 反馈已逾期 %(n)s 小时") % {
            "state": prefix,
            "n": hours_between(due, now),
        }
        return Clock("overdue", text, True, due)
    text = _("%(state)s · %(n)s 小时内须反馈") % {"state": prefix, "n": hours_between(now, due)}
    return Clock(state, text, False, due)


@dataclass(frozen=True)
class QueueRow:
    report: Report
    situations: list[str]
    county: str
    clock: Clock
    registered: bool


def _my_routes(department: str) -> Prefetch[Any]:
    return Prefetch(
        "routes", queryset=ReportRoute.objects.filter(department=department), to_attr="mine"
    )


def _to_accept(queryset: Any, department: str) -> Any:
    waiting = queryset.filter(routes__department=department, routes__accepted_at__isnull=True)
    if department == CIVIL_AFFAIRS:
        waiting = waiting | queryset.filter(routed_at__isnull=True)
    return waiting.distinct()


@login_required
@require_GET
def report_queue(request: HttpRequest) -> HttpResponse:
    """The reports routed to the user's department in their jurisdiction, newest first."""
    require(request.user, Perm.VIEW_REPORTS)
    department = department_acting(request.user)
    show = request.GET.get("show", "all")
    visible = reports_visible_to(user=request.user)
    queryset = _to_accept(visible, department) if show == "todo" else visible
    queryset = queryset.prefetch_related(_my_routes(department)).order_by("-received_at", "-id")
    page = Paginator(queryset, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    counties = region_labels({r.region_code[:6].ljust(12, "0") for r in page})
    now = timezone.now()
    rows = [
        QueueRow(
            report=r,
            situations=short_situations(r.situations),
            county=counties.get(r.region_code[:6].ljust(12, "0"), r.region_code[:6]),
            clock=route_clock(next(iter(r.mine), None), now=now),
            registered=r.child_id is not None,
        )
        for r in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "show": "todo" if show == "todo" else "all",
        "to_accept": _to_accept(visible, department).count(),
        "department": department_label(department),
    }
    return render(request, "protection/report_queue.html", context)


# -- pages: one report -----------------------------------------------------------------------
@dataclass(frozen=True)
class RouteRow:
    route: ReportRoute
    department: str
    clock: Clock
    mine: bool


def _child_shown(user: Any, report: Report) -> Child | None:
    """The registered child, when the user may open the file (name and link)."""
    if report.child_id is None:
        return None
    return children_visible_to(user=user).filter(pk=report.child_id).first()


def _actions(user: Any, report: Report, mine: ReportRoute | None) -> dict[str, bool]:
    acts = has_perm(user, Perm.ACT_ON_REPORT) and mine is not None
    department = mine.department if mine is not None else ""
    return {
        "accept": acts and mine is not None and mine.accepted_at is None,
        "feedback": acts
        and department == POLICE
        and mine is not None
        and mine.accepted_at is not None
        and mine.feedback_at is None,
        "finding": acts and department in (POLICE, CIVIL_AFFAIRS),
        "link": acts and report.child_id is None,
        "reveal": acts
        and has_perm(user, Perm.REVEAL_REPORTER)
        and department in (POLICE, CIVIL_AFFAIRS),
    }


def _detail(
    request: AuthedRequest,
    report: Report,
    *,
    status: int = 200,
    refusal: str = "",
    reporter: Reporter | None = None,
    **forms_: Any,
) -> HttpResponse:
    user = request.user
    department = department_acting(user)
    now = timezone.now()
    routes = list(report.routes.select_related("accepted_by").order_by("routed_at", "id"))
    mine = next((r for r in routes if r.department == department), None)
    region = region_labels([report.region_code]).get(report.region_code, report.region_code)
    query = str(request.GET.get("child_q") or "").strip()
    matches: list[Child] = []
    actions = _actions(user, report, mine)
    if query and actions["link"]:
        matches = list(
            children_visible_to(user=user)
            .filter(name__icontains=query)
            .select_related("region")
            .order_by("name", "pk")[:CHILD_MATCHES_MAX]
        )
    context = {
        "report": report,
        "region": region,
        "situations": [
            (code, str(Situation(code).label))
            for code in report.situations
            if code in Situation.values
        ],
        "child": _child_shown(user, report),
        "sex": dict(SEX_CHOICES).get(report.child_sex, ""),
        "routes": [
            RouteRow(r, department_label(r.department), route_clock(r, now=now), r is mine)
            for r in routes
        ],
        "mine": mine,
        "actions": actions,
        "refusal": refusal,
        "reporter": reporter,
        "child_q": query,
        "matches": matches,
        "feedback_form": forms_.get("feedback_form") or FeedbackForm(),
        "finding_form": forms_.get("finding_form")
        or FindingForm(initial={"finding": report.finding}),
        "link_form": forms_.get("link_form") or LinkChildForm(),
        "reveal_form": forms_.get("reveal_form") or ReporterRevealForm(),
    }
    return render(request, "protection/report_detail.html", context, status=status)


def _report_for(request: HttpRequest, report_id: int) -> tuple[AuthedRequest, Report]:
    authed: Any = request
    return authed, access_report_by_id(request.user, report_id)


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report: what was seen, where and when, its routes and deadlines (audited)."""
    authed, report = _report_for(request, report_id)
    report_record_view(actor=authed.user, report=report)
    return _detail(authed, report)


def _acted(request: HttpRequest, report: Report, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("protection:report_detail", report_id=report.pk)


def _refused(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(str(m) for problems in exc.errors.values() for m in problems)
    return str(exc.message)


@login_required
@require_POST
def report_accept_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    try:
        route = report_accept(actor=authed.user, report=report)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        return _detail(authed, report, status=exc.status, refusal=_refused(exc))
    return _acted(
        request,
        report,
        _("%(dept)s已受理报告 %(number)s。")
        % {"dept": department_label(route.department), "number": report.number},
    )


@login_required
@require_POST
def report_feedback_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    form = FeedbackForm(request.POST)
    form.is_valid()
    try:
        report_feedback_give(
            actor=authed.user, report=report, feedback=str(form.cleaned_data.get("feedback") or "")
        )
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        for message in exc.errors.get("feedback", []) if isinstance(exc, ValidationFailed) else []:
            form.add_error("feedback", str(message))
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), feedback_form=form)
    return _acted(request, report, _("已记录向报告单位的反馈。"))


@login_required
@require_POST
def report_finding_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    form = FindingForm(request.POST)
    form.is_valid()
    finding = str(request.POST.get("finding") or "")
    try:
        report_finding_record(actor=authed.user, report=report, finding=finding)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), finding_form=form)
    return _acted(request, report, _("已记录核查结论。"))


@login_required
@require_POST
def report_link_child_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    form = LinkChildForm(request.POST)
    child_id = form.cleaned_data.get("child_id") if form.is_valid() else None
    child = (
        children_visible_to(user=authed.user).filter(pk=child_id).first()
        if child_id is not None
        else None
    )
    if child is None:
        message = _("找不到该儿童档案，或它不在您的管辖范围内")
        form.add_error("child_id", message)
        return _detail(authed, report, status=400, refusal=message, link_form=form)
    try:
        report_child_link(actor=authed.user, report=report, child=child)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), link_form=form)
    return _acted(request, report, _("报告已关联到儿童档案。"))


@login_required
@require_POST
def report_reveal_page(request: HttpRequest, report_id: int) -> HttpResponse:
    """Who reported, shown once for a reason that goes into the audit log."""
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.REVEAL_REPORTER)
    form = ReporterRevealForm(request.POST)
    reason = str(form.cleaned_data.get("reason") or "") if form.is_valid() else ""
    if not form.is_valid():
        return _detail(authed, report, status=400, reveal_form=form)
    try:
        reporter = report_reporter_reveal(actor=authed.user, report=report, reason=reason)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        for message in exc.errors.get("reason", []) if isinstance(exc, ValidationFailed) else []:
            form.add_error("reason", str(message))
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), reveal_form=form)
    response = _detail(authed, report, reporter=reporter)
    # The identity is shown once: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("reports/", report_queue, name="reports"),
    path("reports/<int:report_id>/", report_detail, name="report_detail"),
    path("reports/<int:report_id>/accept/", report_accept_page, name="report_accept"),
    path("reports/<int:report_id>/feedback/", report_feedback_page, name="report_feedback"),
    path("reports/<int:report_id>/finding/", report_finding_page, name="report_finding"),
    path("reports/<int:report_id>/link-child/", report_link_child_page, name="report_link_child"),
    path("reports/<int:report_id>/reveal-reporter/", report_reveal_page, name="report_reveal"),
]
