"""Pages of a policy version's lifecycle: drafts awaiting a decision, a new draft (pasted or
uploaded), a version's page (status, who did what, diff, decisions) and editing a draft.

A draft that does not load is shown back with the text kept in the form and each problem
as "file:line:column — message" in the page's language, with the line it points at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError
from hehu.policy.engine.errors import PolicyProblem
from hehu.policy.forms import ApproveForm, CommentForm, DraftForm, RetireForm, ReturnForm
from hehu.policy.models import PolicyVersion
from hehu.policy.services.lifecycle import (
    PolicyDraftInvalid,
    drafts_awaiting,
    jurisdiction_covers,
    may,
    policies_stored,
    policy_approve,
    policy_draft_create,
    policy_draft_update,
    policy_retire,
    policy_return_to_draft,
    policy_review,
    version_diff,
    version_history,
    version_replaced,
)

SIMULATION = "policy:simulation_start"


def _managing(user: Any) -> bool:
    return has_perm(user, Perm.DRAFT_POLICY) or has_perm(user, Perm.APPROVE_POLICY)


def _version_or_404(user: Any, policy_id: str, version: str) -> PolicyVersion:
    """A version the user may read: approved ones for every reader of policies; drafts only
    for the policy officers of their jurisdiction (hidden and missing look alike)."""
    if not has_perm(user, Perm.VIEW_POLICY):
        raise PermissionDenied
    policies_stored()
    found = (
        PolicyVersion.objects.select_related("created_by", "reviewed_by", "approved_by")
        .filter(policy_id=policy_id, version=version)
        .first()
    )
    if found is None:
        raise Http404
    pending = found.status in (PolicyVersion.Status.DRAFT, PolicyVersion.Status.REVIEWED)
    if pending and not (_managing(user) and jurisdiction_covers(user, found.jurisdiction)):
        raise Http404
    return found


def _page(version: PolicyVersion) -> str:
    return reverse("policy:lifecycle:version", args=[version.policy_id, version.version])


def _lang_en() -> bool:
    return (translation.get_language() or "").startswith("en")


def problem_rows(problems: list[PolicyProblem], source: str) -> list[dict[str, Any]]:
    """Each problem as the page lists it: where, the message, the line with a caret."""
    lines = source.splitlines()
    rows = []
    for problem in problems:
        text = ""
        if problem.line is not None and 0 < problem.line <= len(lines):
            text = lines[problem.line - 1]
        caret = " " * max((problem.column or 1) - 1, 0) + "^" if text else ""
        rows.append(
            {
                "where": problem.where(),
                "message": problem.message_en if _lang_en() else problem.message_zh,
                "line": text,
                "caret": caret,
            }
        )
    return rows


def diff_rows(lines: list[str]) -> list[dict[str, str]]:
    """Unified diff lines tagged for display: added, removed, a hunk header, or context."""
    rows = []
    for line in lines:
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        rows.append({"kind": kind, "text": line})
    return rows


def _simulation_url(version: PolicyVersion) -> str:
    """The simulation page (hehu.policy.simulation), with this version proposed as the draft."""
    try:
        return reverse(SIMULATION) + f"?draft={version.pk}"
    except NoReverseMatch:
        return ""


# -- pages ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def drafts(request: HttpRequest) -> HttpResponse:
    if not _managing(request.user):
        raise PermissionDenied
    pending = list(drafts_awaiting(user=request.user))
    return render(
        request,
        "policy/lifecycle_drafts.html",
        {"drafts": pending, "may_draft": has_perm(request.user, Perm.DRAFT_POLICY)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_new(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.DRAFT_POLICY):
        raise PermissionDenied
    form = DraftForm(request.POST or None, request.FILES or None)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            version = policy_draft_create(
                actor=request.user, source=source, file_name=form.cleaned_data["file_name"]
            )
        except PolicyDraftInvalid as exc:
            problems = problem_rows(exc.problems, source)
            form = _kept(source)
        except ApplicationError as exc:
            form = _kept(source)
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("草稿已保存：%(ref)s") % {"ref": version.ref})
            return redirect(_page(version))
    return render(
        request,
        "policy/lifecycle_draft_form.html",
        {"form": form, "problems": problems, "version": None},
    )


def _kept(source: str, expected_sha: str = "") -> DraftForm:
    """The form again with what was sent (an uploaded file's text lands in the text box)."""
    form = DraftForm({"source": source, "expected_sha": expected_sha})
    form.is_valid()
    return form


@login_required
@require_http_methods(["GET"])
def version_page(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    found = _version_or_404(request.user, policy_id, version)
    replaced = version_replaced(found)
    user = request.user
    status = PolicyVersion.Status
    context = {
        "version": found,
        "title": found.title_en if _lang_en() and found.title_en else found.title_zh,
        "history": list(version_history(found)),
        "replaced": replaced,
        "diff": diff_rows(version_diff(replaced, found)),
        "may_edit": found.status == status.DRAFT and may(user, Perm.DRAFT_POLICY, found),
        "may_review": found.status == status.DRAFT and may(user, Perm.DRAFT_POLICY, found),
        "may_approve": found.status == status.REVIEWED and may(user, Perm.APPROVE_POLICY, found),
        "may_return": found.status in (status.DRAFT, status.REVIEWED)
        and (may(user, Perm.DRAFT_POLICY, found) or may(user, Perm.APPROVE_POLICY, found)),
        "may_retire": found.status == status.APPROVED and may(user, Perm.APPROVE_POLICY, found),
        "review_form": CommentForm(),
        "approve_form": ApproveForm(initial={"effective_from": found.effective_from}),
        "retire_form": RetireForm(initial={"effective_to": timezone.localdate()}),
        "return_form": ReturnForm(),
        "simulation_url": _simulation_url(found) if has_perm(user, Perm.SIMULATE_POLICY) else "",
    }
    return render(request, "policy/lifecycle_version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    found = _version_or_404(request.user, policy_id, version)
    if not may(request.user, Perm.DRAFT_POLICY, found):
        raise PermissionDenied
    if found.status != PolicyVersion.Status.DRAFT:
        messages.error(request, _("只有草稿可以修改；已批准的版本不能修改，请新建版本"))
        return redirect(_page(found))
    problems: list[dict[str, Any]] = []
    conflict = ""
    if request.method == "POST":
        form = DraftForm(request.POST, request.FILES)
        if form.is_valid():
            source, sha = form.cleaned_data["source"], form.cleaned_data["expected_sha"]
            try:
                policy_draft_update(
                    actor=request.user,
                    version=found,
                    source=source,
                    expected_sha=sha,
                    file_name=form.cleaned_data["file_name"],
                )
            except PolicyDraftInvalid as exc:
                problems = problem_rows(exc.problems, source)
                form = _kept(source, sha)
            except ApplicationError as exc:
                conflict = str(exc.message)
                form = _kept(source, sha)
            else:
                messages.success(request, _("草稿已更新。"))
                return redirect(_page(found))
    else:
        form = DraftForm(initial={"source": found.source, "expected_sha": found.sha256})
    context = {"form": form, "problems": problems, "version": found, "conflict": conflict}
    return render(request, "policy/lifecycle_draft_form.html", context)


# -- decisions --------------------------------------------------------------------------------
def _decide(
    request: HttpRequest,
    policy_id: str,
    version: str,
    form_class: type[forms.Form],
    step: Callable[..., PolicyVersion],
    *fields: str,
) -> HttpResponse:
    """One lifecycle step from its form: `step(actor=…, version=…, <field>=…)` with the
    form's `fields`; the outcome (or what was wrong) as a message on the version's page."""
    found = _version_or_404(request.user, policy_id, version)
    if not _managing(request.user):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_page(found))
    arguments = {name: form.cleaned_data[name] for name in fields}
    try:
        done = step(actor=request.user, version=found, **arguments)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(ref)s 现为“%(status)s”。")
            % {"ref": done.ref, "status": done.get_status_display()},
        )
    return redirect(_page(found))


@login_required
@require_POST
def review(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    return _decide(request, policy_id, version, CommentForm, policy_review, "comment")


@login_required
@require_POST
def approve(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    return _decide(
        request, policy_id, version, ApproveForm, policy_approve, "effective_from", "comment"
    )


@login_required
@require_POST
def retire(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    return _decide(
        request, policy_id, version, RetireForm, policy_retire, "effective_to", "comment"
    )


@login_required
@require_POST
def return_to_draft(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    return _decide(request, policy_id, version, ReturnForm, policy_return_to_draft, "reason")
