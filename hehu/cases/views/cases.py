"""Pages of a case: the list, opening a case from a child's file (开案), the case itself with
its next steps, clocks, history, records and referrals, and the forms that act on it.

A refusal (a move the flow does not allow, someone else's change since the page was
opened, a closed case) shows the case again with an error summary at the top and what was
typed kept in its field; nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hehu.accounts.models import Department, Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.access import access_case_by_id
from hehu.cases.casefile import (
    DueRow,
    case_assessments,
    case_notes,
    case_open_work,
    case_other_of_child,
    case_plans,
    case_referrals,
    case_transitions,
    case_visits,
    cases_search,
)
from hehu.cases.errors import TransitionNotAllowed
from hehu.cases.models import Case, CaseReferral
from hehu.cases.selectors import cases_visible_to, may_see_case_notes
from hehu.cases.services.case_actions import (
    case_close_by_person,
    case_open_by_person,
    case_record_view,
    case_reopen_by_person,
    case_transition_by_person,
    open_case_of,
)
from hehu.cases.services.cases import allowed_transitions
from hehu.cases.services.notes import (
    case_note_add,
    case_refer,
    case_referral_end,
    organisations_for_case,
)
from hehu.cases.services.subscriptions import category_name
from hehu.cases.views.case_forms import (
    CaseFilterForm,
    CaseOpenForm,
    CloseForm,
    NoteForm,
    ReferForm,
    ReopenForm,
    TransitionForm,
)
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.registry.access import access_child_by_id

PAGE_SIZE = 25
S = Case.Status


def _require(user: Any, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


@dataclass(frozen=True, slots=True)
class CaseRow:
    case: Case
    url: str
    status_label: str
    risk_label: str


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases of the user's jurisdiction (a social worker: those referred to them)."""
    _require(request.user, Perm.VIEW_CASE)
    form = CaseFilterForm(request.GET or None)
    queryset = Case.objects.none()
    filters: dict[str, Any] = {}
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else {}
        try:
            queryset = cases_search(user=request.user, **filters)
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, str(message))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    status_labels, risk_labels = dict(S.choices), dict(Case.Risk.choices)
    rows = [
        CaseRow(
            case=c,
            url=reverse("cases:detail", args=[c.pk]),
            status_label=str(status_labels[c.status]),
            risk_label=str(risk_labels[c.risk]),
        )
        for c in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": any(v not in (None, "") for v in filters.values()),
    }
    return render(request, "cases/case_list.html", context)


# -- opening ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, child_id: int) -> HttpResponse:
    """开案 from a child's file: the reason, whether it is an emergency, and where it came
    from (a department officer: their department's referral)."""
    user: Any = request.user
    _require(user, Perm.OPEN_CASE)
    child = access_child_by_id(user, child_id)
    officer = user.role == Role.DEPARTMENT_OFFICER
    existing = open_case_of(child=child)
    visible_existing = (
        existing
        if existing is not None and cases_visible_to(user=user).filter(pk=existing.pk).exists()
        else None
    )
    form = CaseOpenForm(request.POST or None, officer=officer)
    if request.method == "POST" and existing is None and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_open_by_person(
                actor=user,
                child=child,
                reason=data["reason"],
                emergency=data["emergency"],
                source=Case.Source.REFERRAL if officer else data["source"],
                department=data.get("department") or "",
            )
        except PermissionRefused as exc:
            if exc.field is None:
                raise PermissionDenied from exc
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, str(message))
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已开案：%(number)s") % {"number": case.number})
            return redirect("cases:detail", case.pk)
    context = {
        "child": child,
        "form": form,
        "errors": _form_errors(form),
        "existing": visible_existing,
        "existing_hidden": existing is not None and visible_existing is None,
        "officer": officer,
        "officer_department": Department(user.department).label
        if officer and user.department
        else "",
    }
    status = 400 if form.errors else 200
    return render(request, "cases/case_open.html", context, status=status)


def _form_errors(form: forms.Form) -> list[dict[str, str]]:
    """The error summary: each message with the field it links to."""
    rows: list[dict[str, str]] = []
    for field, errors in form.errors.items():
        anchor = form[field].auto_id if field in form.fields else "hh-form-top"
        rows.extend({"anchor": str(anchor), "message": str(m)} for m in errors)
    return rows


# -- one case -----------------------------------------------------------------------------------
def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def _step_rows(case: Case) -> list[dict[str, Any]]:
    labels = dict(S.choices)
    return [
        {
            "from_label": str(labels.get(t.from_status, "")) if t.from_status else "",
            "to_label": str(labels.get(t.to_status, t.to_status)),
            "actor": t.actor,
            "at": t.at,
            "reason": t.reason,
        }
        for t in case_transitions(case)
    ]


def _due_rows(case: Case) -> list[dict[str, Any]]:
    rows: list[DueRow] = case_open_work(case, timezone.localdate())
    chinese = _chinese()
    return [
        {
            "row": row,
            "rule": row.rule_zh if chinese or not row.rule_en else row.rule_en,
        }
        for row in rows
    ]


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    errors: list[dict[str, str]] | None = None,
    forms_kept: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    case = (
        Case.objects.select_related("child", "region", "opened_by", "worker", "reopened_from")
        .filter(pk=case.pk)
        .get()
    )
    case_record_view(actor=user, case=case)
    kept = forms_kept or {}
    is_open = case.is_open
    may_work = has_perm(user, Perm.WORK_CASE)
    may_notes = may_see_case_notes(user)
    labels = dict(S.choices)
    context = {
        "case": case,
        "child": case.child,
        "errors": errors or [],
        "steps": [{"status": s, "label": labels[s]} for s in allowed_transitions(case)]
        if is_open and may_work
        else [],
        "transition_reason": kept["transition"]["reason"].value() if "transition" in kept else "",
        "history": _step_rows(case),
        "due": _due_rows(case),
        "visits": list(case_visits(case)),
        "plans": list(case_plans(case)),
        "assessments": list(case_assessments(case)) if may_notes else [],
        "may_notes": may_notes,
        "notes": list(case_notes(case)) if may_notes else [],
        "note_form": kept.get("note") or NoteForm(),
        "may_add_note": is_open and has_perm(user, Perm.ADD_CASE_NOTE),
        "referrals": list(case_referrals(case)),
        "may_refer": is_open and has_perm(user, Perm.REFER_CASE),
        "refer_form": kept.get("refer") or ReferForm(case=case),
        "may_close": is_open and may_work,
        "close_form": kept.get("close") or CloseForm(initial={"version": case.version}),
        "may_reopen": not is_open and may_work and has_perm(user, Perm.OPEN_CASE),
        "reopen_form": kept.get("reopen") or ReopenForm(),
        "other_cases": list(case_other_of_child(case, user).order_by("-opened_at")),
        "source_category_name": category_name(
            child=case.child, code=case.source_category, on=case.opened_at.date()
        )
        if case.source_category
        else "",
        "source_department": Department(case.referred_by_department).label
        if case.referred_by_department
        else "",
        "may_see_child": has_perm(user, Perm.VIEW_CHILD) and user.role != Role.SOCIAL_WORKER,
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case; every opening of it is recorded (Minors' Online Protection Regs art. 36)."""
    case = access_case_by_id(request.user, case_id)
    return _render_case(request, case)


def _refused(
    request: HttpRequest,
    case: Case,
    exc: ApplicationError,
    anchor: str,
    kept: dict[str, forms.Form],
) -> HttpResponse:
    """The case again with the refusal at the top and what was typed kept."""
    if isinstance(exc, PermissionRefused) and exc.field is None:
        raise PermissionDenied from exc
    form = next(iter(kept.values()), None)
    found = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
    errors = []
    for field, messages_ in found.items():
        for message in messages_:
            target = anchor
            if form is not None and field and field in form.fields:
                # The message also goes next to its field, which the summary links to.
                form.add_error(field, str(message))
                target = str(form[field].auto_id or anchor)
            errors.append({"anchor": target, "message": str(message)})
    # A missing reason or note is the form's to fix, not a conflict with the case's state.
    status = 400 if isinstance(exc, TransitionNotAllowed) and exc.field else exc.status
    return _render_case(request, case, errors=errors, forms_kept=kept, status=status)


def _invalid(
    request: HttpRequest, case: Case, form: forms.Form, anchor: str, key: str
) -> HttpResponse:
    errors = [{"anchor": anchor, "message": e["message"]} for e in _form_errors(form)]
    return _render_case(request, case, errors=errors, forms_kept={key: form}, status=400)


@login_required
@require_POST
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.WORK_CASE)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form, "hh-steps", "transition")
    data = form.cleaned_data
    try:
        moved = case_transition_by_person(
            actor=request.user,
            case=case,
            to_status=data["to_status"],
            reason=data["reason"],
            expected_version=data["version"],
        )
    except ApplicationError as exc:
        return _refused(request, case, exc, "hh-steps", {"transition": form})
    messages.success(
        request, _("个案已转到“%(status)s”。") % {"status": moved.get_status_display()}
    )
    return redirect("cases:detail", case.pk)


@login_required
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.WORK_CASE)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form, "close-reason", "close")
    data = form.cleaned_data
    try:
        case_close_by_person(
            actor=request.user,
            case=case,
            reason=data["reason"],
            note=data["note"],
            expected_version=data["version"],
        )
    except ApplicationError as exc:
        return _refused(request, case, exc, "close-reason", {"close": form})
    messages.success(request, _("个案已结案。"))
    return redirect("cases:detail", case.pk)


@login_required
@require_POST
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.WORK_CASE)
    _require(request.user, Perm.OPEN_CASE)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form, "reopen-reason", "reopen")
    try:
        new = case_reopen_by_person(
            actor=request.user, case=case, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        return _refused(request, case, exc, "reopen-reason", {"reopen": form})
    messages.success(request, _("已重新开案：%(number)s") % {"number": new.number})
    return redirect("cases:detail", new.pk)


@login_required
@require_POST
def case_note_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.ADD_CASE_NOTE)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form, "note-text", "note")
    try:
        case_note_add(actor=request.user, case=case, text=form.cleaned_data["text"])
    except ApplicationError as exc:
        return _refused(request, case, exc, "note-text", {"note": form})
    messages.success(request, _("个案记录已保存。"))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#notes")


@login_required
@require_POST
def case_refer_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.REFER_CASE)
    form = ReferForm(request.POST, case=case)
    if not form.is_valid():
        return _invalid(request, case, form, "refer-organisation", "refer")
    organisation = organisations_for_case(case).get(pk=form.cleaned_data["organisation"])
    try:
        case_refer(
            actor=request.user, case=case, organisation=organisation, note=form.cleaned_data["note"]
        )
    except ApplicationError as exc:
        return _refused(request, case, exc, "refer-organisation", {"refer": form})
    messages.success(request, _("已转介给“%(org)s”。") % {"org": organisation.name})
    return redirect(reverse("cases:detail", args=[case.pk]) + "#referrals")


@login_required
@require_POST
def case_referral_end_view(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.REFER_CASE)
    referral = CaseReferral.objects.filter(pk=referral_id, case=case).first()
    if referral is None:
        raise Http404
    try:
        case_referral_end(actor=request.user, referral=referral)
    except ApplicationError as exc:
        return _refused(request, case, exc, "referrals", {})
    messages.success(request, _("转介已结束。"))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#referrals")


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", case_list, name="list"),
    path("children/<int:child_id>/cases/open/", case_open, name="open"),
    path("cases/<int:case_id>/", case_detail, name="detail"),
    path("cases/<int:case_id>/transition/", case_transition, name="transition"),
    path("cases/<int:case_id>/close/", case_close, name="close"),
    path("cases/<int:case_id>/reopen/", case_reopen, name="reopen"),
    path("cases/<int:case_id>/notes/", case_note_add_view, name="note_add"),
    path("cases/<int:case_id>/referrals/", case_refer_view, name="refer"),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/end/",
        case_referral_end_view,
        name="referral_end",
    ),
]
