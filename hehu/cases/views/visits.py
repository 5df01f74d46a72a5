"""Pages of home visits, phone first: a director's due visits, recording one, a case's
history, and the photos (served only to those who may open the case, audited)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.access import access_case_by_id
from hehu.cases.models import Case, Visit, VisitPhoto
from hehu.cases.services.visits import (
    MAX_PHOTOS,
    visit_due,
    visit_record,
    visit_requires_report,
    visits_scheduled_visible_to,
)
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed

VISITS_PER_PAGE = 50


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (every view here is behind login_required)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this (least privilege)."""
    if not has_perm(user, perm):
        raise PermissionDenied


YES_NO = [("yes", gettext_lazy("见到了")), ("no", gettext_lazy("没有见到"))]


# -- the form --------------------------------------------------------------------------------
class VisitForm(forms.Form):
    """The page's shape only: the service decides what is required and allowed, so the web
    and the API refuse the same things with the same words."""

    marked_required = frozenset(
        {"visited_on", "child_seen", "living_conditions", "safety", "schooling", "health"}
    )

    visited_on = forms.DateField(
        label=gettext_lazy("走访日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写走访日期，例如 2026-03-05。")},
    )
    child_seen = forms.ChoiceField(
        label=gettext_lazy("见到儿童本人了吗？"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    not_seen_reason = forms.CharField(
        label=gettext_lazy("没有见到的原因"),
        help_text=gettext_lazy("没有见到儿童本人时必填，例如：上学未归、随父母外出。"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "200"}),
    )
    living_conditions = forms.ChoiceField(
        label=gettext_lazy("生活状况"),
        choices=Visit.Conditions.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    safety = forms.ChoiceField(
        label=gettext_lazy("安全状况"),
        choices=Visit.Safety.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    schooling = forms.ChoiceField(
        label=gettext_lazy("就学状况"),
        choices=Visit.Schooling.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    health = forms.ChoiceField(
        label=gettext_lazy("健康状况"),
        choices=Visit.Health.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    support_reached = forms.ChoiceField(
        label=gettext_lazy("儿童领取的资金和物资到达儿童了吗？"),
        help_text=gettext_lazy("儿童领取补贴或实物时请核实；不领取或未核实可不选。"),
        choices=[("", gettext_lazy("未核实 / 不适用")), *Visit.Support.choices],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    support_note = forms.CharField(
        label=gettext_lazy("核实情况"),
        help_text=gettext_lazy("没有全部到达时必填，例如：监护人挪作他用。"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "300"}),
    )
    notes = forms.CharField(
        label=gettext_lazy("走访记录"),
        help_text=gettext_lazy("看到和听到的情况、儿童本人的想法、需要的帮助（不超过 5000 字）。"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 5, "maxlength": "5000"}),
    )
    client_token = forms.CharField(required=False, widget=forms.HiddenInput)

    # A refused choice (a tampered value) is reported by the service in its own words.
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in (
            "child_seen",
            "living_conditions",
            "safety",
            "schooling",
            "health",
            "support_reached",
        ):
            if name in self.errors:
                del self.errors[name]
                cleaned[name] = ""
        return cleaned

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The photo input is written in the template (a Django field cannot re-show files).
        self.photo_errors: list[str] = []

    def add_refusal(self, exc: ApplicationError) -> None:
        problems = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
        for name, messages_ in problems.items():
            for problem in messages_:
                if name == "photos":
                    self.photo_errors.append(str(problem))
                else:
                    shown = name in self.fields and name != "client_token"
                    self.add_error(name if shown else None, str(problem))

    def error_summary(self) -> list[dict[str, str]]:
        """Each error with the id of its field (the summary at the top links to them)."""
        summary: list[dict[str, str]] = []
        for name, problems in self.errors.items():
            if name == NON_FIELD_ERRORS:
                anchor = "hh-visit-form"
            elif isinstance(self.fields[name].widget, forms.RadioSelect):
                anchor = f"id_{name}_0"
            else:
                anchor = f"id_{name}"
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        summary.extend({"anchor": "id_photos", "message": p} for p in self.photo_errors)
        return summary


def _seen(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# -- pages -----------------------------------------------------------------------------------
def _case_viewed(request: AuthedRequest, case: Case, part: str, **more: Any) -> None:
    audit_record(
        actor=request.user,
        verb=Verb.CASE_VIEWED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"part": part, **more},
    )


@login_required
@require_GET
def my_visits(request: AuthedRequest) -> HttpResponse:
    """The visits due in the director's village(s): what a director opens on the phone."""
    require(request.user, Perm.VIEW_CASE)
    today = timezone.localdate()
    queryset = visits_scheduled_visible_to(user=request.user)
    page = Paginator(queryset, VISITS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [visit_due(v, first=getattr(v, "first", False), today=today) for v in page]
    context = {
        "page": page,
        "rows": rows,
        "overdue": queryset.filter(due_on__lt=today).count(),
        "may_record": has_perm(request.user, Perm.WORK_CASE),
    }
    return render(request, "cases/visit_mine.html", context)


@login_required
@require_GET
def visit_history(request: AuthedRequest, case_id: int) -> HttpResponse:
    """A case's visits: the next one due with its rule, and every visit made."""
    case = access_case_by_id(request.user, case_id)
    today = timezone.localdate()
    visits = list(
        Visit.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related("photos")
        .order_by("-due_on", "-id")
    )
    done = [v for v in visits if v.status == Visit.Status.DONE]
    done.sort(key=lambda v: (v.visited_on or v.due_on, v.pk), reverse=True)
    scheduled = next((v for v in visits if v.status == Visit.Status.SCHEDULED), None)
    nxt = visit_due(scheduled, first=not done, today=today) if scheduled else None
    _case_viewed(request, case, "visits")
    context = {
        "case": case,
        "next": nxt,
        "done": done,
        "may_record": has_perm(request.user, Perm.WORK_CASE) and case.is_open,
    }
    return render(request, "cases/visit_history.html", context)


def _form_page(
    request: AuthedRequest,
    case: Case,
    form: VisitForm,
    *,
    status: int = 200,
    photos_lost: bool = False,
) -> HttpResponse:
    today = timezone.localdate()
    # The date picker offers only possible dates: from the opening of the case to today.
    form.fields["visited_on"].widget.attrs.update(
        {"min": timezone.localdate(case.opened_at).isoformat(), "max": today.isoformat()}
    )
    scheduled = Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).first()
    first = not Visit.objects.filter(case=case, status=Visit.Status.DONE).exists()
    context = {
        "case": case,
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "next": visit_due(scheduled, first=first, today=today) if scheduled else None,
        "photos_lost": photos_lost,
        "max_photos": MAX_PHOTOS,
    }
    return render(request, "cases/visit_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def visit_record_page(request: AuthedRequest, case_id: int) -> HttpResponse:
    """Record a visit: one short page of groups, every answer kept when one is refused."""
    case = access_case_by_id(request.user, case_id)
    require(request.user, Perm.WORK_CASE)
    if request.method != "POST":
        if not case.is_open:
            messages.error(request, _("个案已结案，不能再记录走访。"))
            return redirect("cases:visits", case_id=case.pk)
        # A token made now, sent back with the form: a submit retried on a weak
        # connection is recognised and not recorded twice.
        initial = {"visited_on": timezone.localdate(), "client_token": secrets.token_urlsafe(24)}
        return _form_page(request, case, VisitForm(initial=initial))
    form = VisitForm(request.POST)
    photos = request.FILES.getlist("photos")
    if not form.is_valid():
        return _form_page(request, case, form, status=400, photos_lost=bool(photos))
    data = form.cleaned_data
    try:
        visit = visit_record(
            actor=request.user,
            case=case,
            visited_on=data["visited_on"],
            child_seen=_seen(data["child_seen"]),
            not_seen_reason=data["not_seen_reason"],
            living_conditions=data["living_conditions"],
            safety=data["safety"],
            schooling=data["schooling"],
            health=data["health"],
            notes=data["notes"],
            photos=photos,
            client_token=data["client_token"] or None,
            support_reached=data["support_reached"] or "",
            support_note=data["support_note"],
        )
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        form.add_refusal(exc)
        status = exc.status if exc.status != 403 else 400
        return _form_page(request, case, form, status=status, photos_lost=bool(photos))
    return redirect("cases:visit_detail", case_id=case.pk, visit_id=visit.pk)


@login_required
@require_GET
def visit_detail(request: AuthedRequest, case_id: int, visit_id: int) -> HttpResponse:
    """One recorded visit: what was found, the next visit due and what to do now."""
    case = access_case_by_id(request.user, case_id)
    visit = (
        Visit.objects.filter(case=case, pk=visit_id)
        .select_related("recorded_by")
        .prefetch_related("photos")
        .first()
    )
    if visit is None:
        raise Http404
    scheduled = Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).first()
    _case_viewed(request, case, "visit", visit=visit.pk)
    context = {
        "case": case,
        "visit": visit,
        "next": visit_due(scheduled, first=False, today=timezone.localdate())
        if scheduled
        else None,
        "report": visit_requires_report(visit),
        "danger": visit.safety == Visit.Safety.DANGER,
        "just_recorded": visit.recorded_by_id == request.user.pk
        and visit.recorded_at is not None
        and timezone.now() - visit.recorded_at < dt.timedelta(minutes=30),
    }
    return render(request, "cases/visit_detail.html", context)


@login_required
@require_GET
def visit_photo(request: AuthedRequest, case_id: int, visit_id: int, photo_id: int) -> FileResponse:
    """A visit photo, only to those who may open the case; every view is audited."""
    case = access_case_by_id(request.user, case_id)
    photo = VisitPhoto.objects.filter(pk=photo_id, visit_id=visit_id, visit__case=case).first()
    if photo is None:
        raise Http404
    _case_viewed(request, case, "visit_photo", visit=visit_id, photo=photo.pk)
    response = FileResponse(
        photo.file.open("rb"), content_type=photo.content_type or "application/octet-stream"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("visits/", my_visits, name="my_visits"),
    path("cases/<int:case_id>/visits/", visit_history, name="visits"),
    path("cases/<int:case_id>/visits/record/", visit_record_page, name="visit_record"),
    path("cases/<int:case_id>/visits/<int:visit_id>/", visit_detail, name="visit_detail"),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/photos/<int:photo_id>/",
        visit_photo,
        name="visit_photo",
    ),
]
