"""Pages of recognition applications (orphan / de facto unattended, 民发〔2019〕62号).

The work queue by role with each deadline's days left, receiving an application (at the
household-registration township, or cross-province by the child's ID number), one
application's page (its steps with dates and deadlines and the next step for the user's
role), and the printable decision letter. Every page is audited; none is public: 62号
forbids announcing the result, so there is no publicity page at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import AuditEntry, Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import working_days_between
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.cases.selectors_recognition import (
    PENDING,
    access_application_by_id,
    application_queue,
    applications_visible_to,
    child_for_application,
    covers,
    may_see_applications,
    with_open_items,
)
from hehu.cases.services import recognition as svc
from hehu.cases.views.recognition_forms import (
    CrossProvinceForm,
    DecideForm,
    ForwardForm,
    NotifyForm,
    PurposeForm,
    ReceiveForm,
    StepForm,
    VerifyForm,
    WithdrawForm,
)
from hehu.core.errors import ApplicationError
from hehu.registry.duplicates import child_with_id_index, id_number_index
from hehu.registry.idnumber import normalise_id_number
from hehu.registry.models import Child

App = RecognitionApplication

NO_PUBLICITY = gettext_lazy("依据民发〔2019〕62号，认定结果不予公示。")


@dataclass
class Clock:
    """A running deadline as shown beside an application."""

    due_on: dt.date
    provisional: bool
    rule: str
    left: str
    overdue: bool


def clock_of(item: WorkItem, today: dt.date | None = None) -> Clock:
    today = today or timezone.localdate()
    n = working_days_between(today, item.due_on)
    if n > 0:
        left = ngettext("还剩 %(n)d 个工作日", "还剩 %(n)d 个工作日", n) % {"n": n}
    elif n == 0:
        left = _("今天到期")
    else:
        left = ngettext("已逾期 %(n)d 个工作日", "已逾期 %(n)d 个工作日", -n) % {"n": -n}
    return Clock(item.due_on, item.provisional, _rule_text(item), left, n < 0)


def _rule_text(item: WorkItem) -> str:
    english = (get_language() or "").startswith("en")
    return str(item.rule.get("en" if english else "zh") or item.rule.get("zh", ""))


def current_clock(application: App) -> Clock | None:
    items: list[WorkItem] = getattr(application, "open_items", None) or list(
        application.work_items.filter(status=WorkItem.Status.OPEN)
    )
    return clock_of(items[0]) if items else None


def benefits_from(confirmed: dt.date) -> str:
    """The month benefits start: the month after confirmation (DOMAIN.md §5), as 2025年6月
    in Chinese and 2025-06 in English."""
    month = (confirmed.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if (get_language() or "").startswith("en"):
        return f"{month:%Y-%m}"
    return f"{month.year}年{month.month}月"


def _viewed(request: HttpRequest, application: App) -> None:
    audit_record(
        actor=request.user,
        verb=Verb.APPLICATION_VIEWED,
        object_type=svc.OBJECT,
        object_id=application.pk,
        child_id=application.child_id,
    )


def _errors(*forms_: forms.Form) -> list[dict[str, str]]:
    """The error summary: each message linking to its field (or the form's top)."""
    rows: list[dict[str, str]] = []
    for form in forms_:
        for name, errors in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else "hh-form-top"
            rows.extend({"anchor": str(anchor), "message": str(e)} for e in errors)
    return rows


def _refused(form: forms.Form, exc: ApplicationError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


# -- the queue --------------------------------------------------------------------------------
STATUS_FILTERS = [
    ("", gettext_lazy("待我办理")),
    ("all", gettext_lazy("全部")),
    *App.Status.choices,
]


@login_required
@require_http_methods(["GET"])
def applications(request: HttpRequest) -> HttpResponse:
    if not may_see_applications(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status == "":
        queryset = application_queue(user=request.user)
    else:
        queryset = applications_visible_to(user=request.user)
        if status in App.Status.values:
            queryset = queryset.filter(status=status)
        elif status != "all":
            status = "all"
    rows = [
        (a, current_clock(a)) for a in with_open_items(queryset).order_by("accepted_on", "pk")[:200]
    ]
    audit_record(
        actor=request.user,
        verb=Verb.APPLICATION_VIEWED,
        object_type=svc.OBJECT,
        object_id="list",
        changes={"status": status, "ids": [a.pk for a, _clock in rows]},
    )
    return render(
        request,
        "cases/recognition_list.html",
        {
            "rows": rows,
            "status": status,
            "filters": STATUS_FILTERS,
            "may_receive": has_perm(request.user, Perm.RECEIVE_APPLICATION),
            "no_publicity": NO_PUBLICITY,
        },
    )


# -- receiving --------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest, child_id: int) -> HttpResponse:
    if not has_perm(request.user, Perm.RECEIVE_APPLICATION):
        raise PermissionDenied
    child = child_for_application(request.user, child_id)
    today = timezone.localdate()
    form = ReceiveForm(request.POST or None, initial={"applied_on": today, "accepted_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            application = svc.application_receive(
                actor=request.user, child=child, **form.cleaned_data
            )
        except ApplicationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已受理认定申请。"))
            return redirect("cases:application_detail", application.pk)
    return render(
        request,
        "cases/recognition_new.html",
        {"form": form, "child": child, "errors": _errors(form), "cross_province": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_new_cross_province(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.RECEIVE_APPLICATION):
        raise PermissionDenied
    today = timezone.localdate()
    form = CrossProvinceForm(
        request.POST or None, initial={"applied_on": today, "accepted_on": today}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        child = _child_by_id_number(data.pop("id_number"))
        if child is None:
            form.add_error(
                "id_number",
                _(
                    "没有找到这个身份证号码的在册儿童，请核对；儿童没有身份证号码时，请到户籍地乡镇申请。"
                ),
            )
        else:
            try:
                application = svc.application_receive(
                    actor=request.user,
                    child=child,
                    cross_province=True,
                    receiving_township_code=data.pop("receiving_township_code") or None,
                    **data,
                )
            except ApplicationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已异地受理认定申请，请在期限内转交户籍地乡镇。"))
                return redirect("cases:application_detail", application.pk)
    return render(
        request,
        "cases/recognition_new.html",
        {"form": form, "child": None, "errors": _errors(form), "cross_province": True},
    )


def _child_by_id_number(value: str) -> Child | None:
    number = normalise_id_number(value)
    return child_with_id_index(id_number_index(number)) if number else None


# -- one application --------------------------------------------------------------------------
STEPS: dict[str, tuple[type[StepForm], Callable[..., App]]] = {
    "forward": (ForwardForm, svc.application_forward),
    "verify": (VerifyForm, svc.application_verify),
    "decide": (DecideForm, svc.application_decide),
    "notify": (NotifyForm, svc.application_notify),
    "withdraw": (WithdrawForm, svc.application_withdraw),
}


def next_steps(user: Any, application: App) -> list[str]:
    """The steps this user may take now (the service checks again when they do)."""
    status = application.status
    hukou, receiving = application.hukou_township_code, application.receiving_township_code
    told_by = receiving if application.cross_province else hukou
    decided = status in (App.Status.APPROVED, App.Status.REFUSED)
    receives = has_perm(user, Perm.RECEIVE_APPLICATION)
    may = {
        "forward": status == App.Status.RECEIVED and receives and covers(user, receiving),
        "verify": status == App.Status.TOWNSHIP
        and has_perm(user, Perm.VERIFY_APPLICATION)
        and covers(user, hukou),
        "decide": status == App.Status.COUNTY
        and has_perm(user, Perm.DECIDE_APPLICATION)
        and covers(user, hukou[:6]),
        "notify": decided
        and application.applicant_notified_on is None
        and receives
        and covers(user, told_by),
        "withdraw": status in PENDING
        and (receives or has_perm(user, Perm.VERIFY_APPLICATION))
        and (covers(user, hukou) or covers(user, receiving)),
    }
    return [step for step, allowed in may.items() if allowed]


def _step_forms(application: App, steps: list[str]) -> dict[str, StepForm]:
    today = timezone.localdate()
    initial: dict[str, Any] = {
        "expected_version": application.version,
        "forwarded_on": today,
        "concluded_on": today,
        "decided_on": today,
        "notified_on": today,
    }
    return {step: STEPS[step][0](initial=initial, prefix=step) for step in steps}


@dataclass
class Step:
    title: str
    done_on: dt.date | None
    due: WorkItem | None
    lines: list[str]

    @property
    def rule(self) -> str:
        return _rule_text(self.due) if self.due else ""


def timeline(application: App) -> list[Step]:
    """The steps so far and the one running, each with its date and deadline."""
    items: dict[str, WorkItem] = {}
    for item in WorkItem.objects.filter(application=application).order_by("id"):
        items[item.kind] = item
    kinds = WorkItem.Kind
    who = str(application.received_by)
    steps = [
        Step(
            _("申请与受理"),
            application.accepted_on,
            None,
            [
                _("%(name)s（%(relation)s）申请")
                % {"name": application.applicant_name, "relation": application.applicant_relation},
                _("受理人：%(who)s") % {"who": who},
            ],
        )
    ]
    if application.cross_province:
        steps.append(
            Step(
                _("转交户籍地乡镇（跨省通办）"),
                application.forwarded_on,
                items.get(kinds.RECOGNITION_FORWARD),
                [],
            )
        )
    verify_lines: list[str] = []
    if application.township_opinion:
        verify_lines.append(str(App.Opinion(application.township_opinion).label))
        if application.township_note:
            verify_lines.append(application.township_note)
    steps.append(
        Step(
            _("乡镇核查"),
            application.township_concluded_on,
            items.get(kinds.RECOGNITION_VERIFY),
            verify_lines,
        )
    )
    decide_lines: list[str] = []
    if application.status == App.Status.APPROVED:
        decide_lines.append(_("予以认定"))
    elif application.status == App.Status.REFUSED:
        decide_lines.append(_("不予认定。理由：%(r)s") % {"r": application.refusal_reasons})
    steps.append(
        Step(
            _("县级审核决定"),
            application.decided_on,
            items.get(kinds.RECOGNITION_DECIDE),
            decide_lines,
        )
    )
    if application.cross_province or application.applicant_notified_on:
        steps.append(
            Step(
                _("告知申请人"),
                application.applicant_notified_on,
                items.get(kinds.RECOGNITION_NOTIFY),
                [],
            )
        )
    return steps


def _withdrawal(application: App) -> AuditEntry | None:
    if application.status != App.Status.WITHDRAWN:
        return None
    return (
        AuditEntry.objects.filter(
            object_type=svc.OBJECT,
            object_id=str(application.pk),
            verb=Verb.APPLICATION_WITHDRAWN,
        )
        .select_related("actor")
        .order_by("-id")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_application_by_id(request.user, application_id)
    steps = next_steps(request.user, application)
    forms_ = _step_forms(application, steps)
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in steps:
            raise PermissionDenied
        form_class, service = STEPS[step]
        form = form_class(request.POST, prefix=step)
        forms_[step] = form
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                service(actor=request.user, application=application, **data)
            except ApplicationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已办理：%(step)s") % {"step": STEP_TITLES[step]})
                return redirect("cases:application_detail", application.pk)
    else:
        _viewed(request, application)
    return render(
        request,
        "cases/recognition_detail.html",
        {
            "application": application,
            "child": application.child,
            "clock": current_clock(application),
            "clock_items": [clock_of(i) for i in getattr(application, "open_items", [])],
            "timeline": timeline(application),
            "forms": forms_,
            "step_titles": STEP_TITLES,
            "errors": _errors(*forms_.values()),
            "withdrawal": _withdrawal(application),
            "benefits_from": benefits_from(application.confirmed_from)
            if application.confirmed_from
            else None,
            "no_publicity": NO_PUBLICITY,
            "decided": application.status in (App.Status.APPROVED, App.Status.REFUSED),
        },
    )


STEP_TITLES = {
    "forward": gettext_lazy("转交户籍地乡镇"),
    "verify": gettext_lazy("乡镇核查"),
    "decide": gettext_lazy("县级审核决定"),
    "notify": gettext_lazy("告知申请人"),
    "withdraw": gettext_lazy("申请人撤回申请"),
}


@login_required
@require_http_methods(["GET"])
def application_decision(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_application_by_id(request.user, application_id)
    if application.status not in (App.Status.APPROVED, App.Status.REFUSED):
        raise Http404
    form = PurposeForm(request.GET if "purpose" in request.GET else None)
    if not form.is_valid():
        return render(
            request,
            "cases/recognition_decision.html",
            {"application": application, "form": form, "errors": _errors(form), "letter": False},
        )
    audit_record(
        actor=request.user,
        verb=Verb.APPLICATION_VIEWED,
        object_type=svc.OBJECT,
        object_id=application.pk,
        child_id=application.child_id,
        changes={"printed": True},
        reason=form.cleaned_data["purpose"],
    )
    return render(
        request,
        "cases/recognition_decision.html",
        {
            "application": application,
            "child": application.child,
            "letter": True,
            "approved": application.status == App.Status.APPROVED,
            "benefits_from": benefits_from(application.confirmed_from)
            if application.confirmed_from
            else None,
            "no_publicity": NO_PUBLICITY,
            "back": reverse("cases:application_detail", args=[application.pk]),
        },
    )


urlpatterns = [
    path("applications/", applications, name="applications"),
    path(
        "applications/new/cross-province/",
        application_new_cross_province,
        name="application_new_cross_province",
    ),
    path("children/<int:child_id>/applications/new/", application_new, name="application_new"),
    path("applications/<int:application_id>/", application_detail, name="application_detail"),
    path(
        "applications/<int:application_id>/decision/",
        application_decision,
        name="application_decision",
    ),
]
