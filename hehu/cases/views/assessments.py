"""Pages: a case's assessments — list, start, fill in (phone first), and the scored result.

Only roles that may read assessments (Perm.VIEW_CASE_NOTES) see them; a case outside the
user's jurisdiction is 404, a role without the permission 403. Every page that shows an
assessment is audited. A refused save or submit shows the page again with everything the
user typed; "提交" saves the answers as a draft first, so a refusal loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.access import access_case_by_id
from hehu.cases.errors import AssessmentIncomplete
from hehu.cases.instruments import (
    GRADE_LABELS,
    NEED_LEVEL_LABELS,
    SUPPORT_LABELS,
    Instrument,
)
from hehu.cases.models import Assessment, Case
from hehu.cases.services import assessments as services
from hehu.core.errors import ApplicationError, ConcurrentEdit, PermissionRefused


class AuthedRequest(HttpRequest):
    user: User


def _require(user: Any, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


def _case(request: AuthedRequest, case_id: int) -> Case:
    """The case (404 when hidden or missing), then the right to read assessments (403)."""
    case = access_case_by_id(request.user, case_id)
    _require(request.user, Perm.VIEW_CASE_NOTES)
    return case


def _assessment(request: AuthedRequest, case: Case, assessment_id: int) -> Assessment:
    assessment = services.access_assessment_by_id(request.user, assessment_id)
    if assessment.case_id != case.pk:
        raise Http404
    assessment.case = case
    return assessment


# -- the form as shown --------------------------------------------------------------------------
@dataclass
class OptionRow:
    code: str
    label: str
    checked: bool
    input_id: str


@dataclass
class ItemRow:
    code: str
    label: str
    hint: str
    anchor: str
    options: list[OptionRow]
    error: str = ""


@dataclass
class PartRow:
    code: str
    label: str
    anchor: str
    items: list[ItemRow]
    answered: int = 0


@dataclass
class FormState:
    """What the page shows: the answers (stored, or as just posted) and the errors."""

    answers: dict[str, str]
    child_views: str
    absent_reason: str
    version: int
    errors: list[dict[str, str]] = field(default_factory=list)
    item_errors: dict[str, str] = field(default_factory=dict)
    views_error: str = ""


def _parts(instrument: Instrument, state: FormState) -> list[PartRow]:
    parts = []
    for part in instrument.parts:
        items = []
        for item in part.items:
            chosen = state.answers.get(item.code, "")
            items.append(
                ItemRow(
                    code=item.code,
                    label=services.label(item.label),
                    hint=services.label(item.hint) if item.hint else "",
                    anchor=f"item-{item.code}",
                    options=[
                        OptionRow(
                            o.code,
                            services.label(o.label),
                            o.code == chosen,
                            f"item-{item.code}-{o.code}",
                        )
                        for o in item.options
                    ],
                    error=state.item_errors.get(item.code, ""),
                )
            )
        answered = sum(1 for i in part.items if state.answers.get(i.code))
        parts.append(
            PartRow(part.code, services.label(part.label), f"part-{part.code}", items, answered)
        )
    return parts


def _state_of(assessment: Assessment) -> FormState:
    return FormState(
        answers=dict(assessment.answers),
        child_views=assessment.child_views,
        absent_reason=str(assessment.scores.get(services.ABSENT_REASON, "")),
        version=assessment.version,
    )


def _posted(request: AuthedRequest, instrument: Instrument) -> FormState:
    answers = {
        item.code: request.POST.get(f"item-{item.code}", "")
        for item in instrument.items()
        if request.POST.get(f"item-{item.code}")
    }
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    return FormState(
        answers=answers,
        child_views=request.POST.get("child_views", ""),
        absent_reason=request.POST.get("child_views_absent_reason", ""),
        version=version,
    )


def _result(assessment: Assessment) -> dict[str, Any]:
    """The scored assessment in the page language: parts, grade, needs, red flags."""
    scores = assessment.scores
    parts = []
    for part in scores.get("parts", []):
        parts.append(
            {
                **part,
                "label": services.label(part["label"]),
                "level_label": _level(part.get("level")),
                "support_label": _support(part.get("support")),
                "items": [
                    {
                        **item,
                        "label": services.label(item["label"]),
                        "option_label": services.label(item["option_label"]),
                    }
                    for item in part["items"]
                ],
            }
        )
    triggered = [
        {
            **t,
            "label": services.label(t["label"]),
            "item_label": services.label(t["item_label"]),
            "option_label": services.label(t["option_label"]),
        }
        for t in scores.get("triggered", [])
    ]
    labels = {p["code"]: p["label"] for p in parts}
    needs = [
        {
            **need,
            "label": labels.get(need["domain"], need["domain"]),
            "level_label": _level(need["level"]),
            "support_label": _support(need["support"]),
        }
        for need in assessment.needs
    ]
    grade = assessment.grade
    return {
        "parts": parts,
        "triggered": triggered,
        "needs": needs,
        "total": scores.get("total"),
        "grade_label": services.label(GRADE_LABELS[grade]) if grade in GRADE_LABELS else "",
        "grade_by_score_label": (
            services.label(GRADE_LABELS[scores["grade_by_score"]])
            if scores.get("grade_by_score") in GRADE_LABELS
            else ""
        ),
        "absent_reason": scores.get(services.ABSENT_REASON, ""),
    }


def _needs_summary(assessment: Assessment) -> list[tuple[str, str]]:
    """(domain, level) of each need of a submitted needs assessment, in the page language."""
    labels = {p["code"]: p["label"] for p in assessment.scores.get("parts", [])}
    return [
        (services.label(labels.get(n["domain"], {"zh": n["domain"]})), _level(n["level"]))
        for n in assessment.needs
    ]


def _level(code: str | None) -> str:
    return services.label(NEED_LEVEL_LABELS[code]) if code in NEED_LEVEL_LABELS else ""


def _support(code: str | None) -> str:
    return services.label(SUPPORT_LABELS[code]) if code in SUPPORT_LABELS else ""


def _render(
    request: AuthedRequest,
    case: Case,
    assessment: Assessment,
    state: FormState | None = None,
    *,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    instrument = services.instrument_of(assessment)
    context: dict[str, Any] = {
        "case": case,
        "assessment": assessment,
        "instrument": instrument,
        "instrument_title": services.label(instrument.title),
        "sources": [services.label(s) for s in instrument.sources],
        "may_edit": has_perm(request.user, Perm.WORK_CASE) and case.is_open,
        "conflict": conflict,
    }
    if assessment.status == Assessment.Status.SUBMITTED:
        context["result"] = _result(assessment)
    else:
        state = state or _state_of(assessment)
        parts = _parts(instrument, state)
        context.update(
            state=state,
            parts=parts,
            answered=sum(p.answered for p in parts),
            total_items=len(instrument.items()),
            errors=state.errors,
        )
    return render(request, "cases/assessment_detail.html", context, status=status)


# -- pages --------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def assessments(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    found = list(services.assessments_of_case(case=case))
    services.assessments_record_list_view(actor=request.user, case=case)
    rows = [
        {
            "assessment": row,
            "grade_label": services.label(GRADE_LABELS[row.grade]) if row.grade else "",
            "needs": _needs_summary(row),
        }
        for row in found
    ]
    drafts = {row.kind for row in found if row.status == Assessment.Status.DRAFT}
    context = {
        "case": case,
        "rows": rows,
        "may_start": has_perm(request.user, Perm.WORK_CASE) and case.is_open,
        "kinds": [(k, label, k in drafts) for k, label in Assessment.Kind.choices],
    }
    return render(request, "cases/assessment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_start(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _require(request.user, Perm.WORK_CASE)
    kind = request.POST.get("kind") if request.method == "POST" else request.GET.get("kind")
    if kind not in Assessment.Kind.values:
        raise Http404
    if request.method != "POST":
        instrument = services.instruments().in_force(kind, timezone.localdate())
        context = {
            "case": case,
            "kind": kind,
            "kind_label": Assessment.Kind(kind).label,
            "instrument_title": services.label(instrument.title) if instrument else "",
            "instrument": instrument,
        }
        return render(request, "cases/assessment_start.html", context)
    try:
        assessment = services.assessment_start(actor=request.user, case=case, kind=kind)
    except services.AssessmentAlreadyStarted as exc:
        messages.info(request, str(exc.message))
        return redirect("cases:assessment_detail", case_id=case.pk, pk=exc.extra["assessment_id"])
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("cases:assessments", case_id=case.pk)
    return redirect("cases:assessment_detail", case_id=case.pk, pk=assessment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_detail(request: AuthedRequest, case_id: int, pk: int) -> HttpResponse:
    case = _case(request, case_id)
    assessment = _assessment(request, case, pk)
    if request.method != "POST":
        services.assessment_record_view(actor=request.user, assessment=assessment)
        return _render(request, case, assessment)
    _require(request.user, Perm.WORK_CASE)
    if assessment.status != Assessment.Status.DRAFT:
        messages.error(request, _("评估已提交，不能再修改。"))
        return redirect("cases:assessment_detail", case_id=case.pk, pk=assessment.pk)
    instrument = services.instrument_of(assessment)
    state = _posted(request, instrument)
    submitting = request.POST.get("action") == "submit"
    # Radios cannot be unticked: an item absent from the post keeps its stored answer.
    try:
        saved = services.assessment_save(
            actor=request.user,
            assessment=assessment,
            answers=state.answers,
            child_views=state.child_views,
            child_views_absent_reason=state.absent_reason,
            expected_version=state.version,
        )
    except ConcurrentEdit as exc:
        return _render(request, case, assessment, state, status=409, conflict=str(exc.message))
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        _refusal(state, exc)
        return _render(request, case, assessment, state, status=exc.status)
    if not submitting:
        messages.success(request, _("已保存。"))
        return redirect("cases:assessment_detail", case_id=case.pk, pk=saved.pk)
    try:
        with transaction.atomic():
            services.assessment_submit(
                actor=request.user, assessment=saved, expected_version=saved.version
            )
    except AssessmentIncomplete as exc:
        state = _state_of(saved)
        _refusal(state, exc)
        messages.info(request, _("您填写的内容已保存为草稿。"))
        return _render(request, case, saved, state, status=400)
    except ApplicationError as exc:
        state = _state_of(saved)
        _refusal(state, exc)
        return _render(request, case, saved, state, status=exc.status)
    messages.success(request, _("评估已提交。"))
    return redirect("cases:assessment_detail", case_id=case.pk, pk=saved.pk)


def _refusal(state: FormState, exc: ApplicationError) -> None:
    """Put a refusal on the page: each missing answer linked to its question."""
    if isinstance(exc, AssessmentIncomplete):
        for missing in exc.extra.get("missing", []):
            if missing["item"] == services.CHILD_VIEWS:
                message = _("请记录儿童本人的意见，或说明未能听取的原因")
                state.views_error = message
                state.errors.append({"anchor": "child_views", "message": message})
            else:
                message = _("请回答：%(label)s") % {"label": missing["label"]}
                state.item_errors[missing["item"]] = message
                state.errors.append({"anchor": f"item-{missing['item']}", "message": message})
        return
    if isinstance(exc, services.AssessmentAnswerInvalid):
        for problem in exc.extra.get("problems", []):
            state.item_errors[problem["item"]] = problem["message"]
            state.errors.append(
                {"anchor": f"item-{problem['item']}", "message": problem["message"]}
            )
        return
    state.errors.append({"anchor": "assessment-form", "message": str(exc.message)})


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/assessments/", assessments, name="assessments"),
    path("cases/<int:case_id>/assessments/new/", assessment_start, name="assessment_start"),
    path("cases/<int:case_id>/assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
]
