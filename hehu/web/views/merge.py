"""Merging two files of the same child (supervisors and county officers): find the
duplicate within the jurisdiction, compare both side by side, check the answers, merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.permissions import Perm
from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.registry.access import access_child_by_id
from hehu.registry.models import Child
from hehu.registry.selectors import children_search
from hehu.registry.services import children_merge
from hehu.web.forms.files import MergeForm, MergeSearchForm
from hehu.web.regions import region_paths
from hehu.web.views._common import AuthedRequest, require, with_file

CANDIDATES_MAX = 20
FILE_NUMBER_DIGITS = 11  # file numbers are shorter than any region code or ID number


@login_required
@require_GET
def child_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    """Step 1: choose the other file — by name, ID number or file number."""
    survivor = access_child_by_id(request.user, pk)
    require(request.user, Perm.MERGE_CHILDREN)
    form = MergeSearchForm(request.GET or None, initial={"q": survivor.name})
    query = survivor.name
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
    candidates: list[Child] = []
    if query.isdigit() and len(query) <= FILE_NUMBER_DIGITS:
        try:
            candidates = [access_child_by_id(request.user, int(query))]
        except Http404:
            candidates = []
    elif query:
        try:
            found = children_search(user=request.user, q=query).select_related("region")
        except ValidationFailed:
            found = Child.objects.none()
        candidates = list(found.exclude(pk=survivor.pk)[:CANDIDATES_MAX])
    candidates = [c for c in candidates if c.pk != survivor.pk]
    context = {
        "survivor": survivor,
        "form": form,
        "query": query,
        "candidates": candidates,
        "paths": region_paths([survivor.region_id, *(c.region_id for c in candidates)]),
    }
    return render(request, "web/merge_pick.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def child_merge_confirm(request: AuthedRequest, pk: int, duplicate_pk: int) -> HttpResponse:
    """Step 2: both files side by side, what will happen, a reason; then merge."""
    survivor = access_child_by_id(request.user, pk)
    duplicate = access_child_by_id(request.user, duplicate_pk)
    require(request.user, Perm.MERGE_CHILDREN)
    if survivor.pk == duplicate.pk:
        raise Http404
    form = MergeForm(request.POST if request.method == "POST" else None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            kept = children_merge(
                actor=request.user,
                survivor=survivor,
                duplicate=duplicate,
                reason=form.cleaned_data["reason"],
            )
        except ValidationFailed as exc:
            for field, field_errors in exc.errors.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, str(message))
        except ApplicationError as exc:
            refusal = str(exc.message)
        else:
            messages.success(
                request,
                _("已将档案 %(dup)s 合并到本档案。") % {"dup": duplicate.pk},
            )
            return redirect("web:child", pk=kept.pk)
    with_file(survivor)
    with_file(duplicate)
    context: dict[str, Any] = {
        "survivor": survivor,
        "duplicate": duplicate,
        "form": form,
        "refusal": refusal,
        "rows": comparison(survivor, duplicate),
        "paths": region_paths([survivor.region_id, duplicate.region_id]),
    }
    status = 200 if request.method == "GET" else (409 if refusal else 400)
    return render(request, "web/merge_confirm.html", context, status=status)


def _show(child: Child, attr: str) -> str:
    display = getattr(child, f"get_{attr}_display", None)
    value = display() if callable(display) else getattr(child, attr)
    if value in (None, ""):
        return ""
    return str(value)


def comparison(a: Child, b: Child) -> list[dict[str, Any]]:
    """The facts of two files side by side, marking where they differ."""
    rows = []
    fields = [
        (_("姓名"), "name"),
        (_("性别"), "sex"),
        (_("出生日期"), "birth_date"),
        (_("身份证号码"), "id_number_masked"),
        (_("无身份证号原因"), "no_id_reason"),
        (_("现居住地"), "region"),
        (_("户籍所在地"), "hukou_region"),
        (_("户口性质"), "hukou_type"),
        (_("居住情况"), "living_arrangement"),
        (_("就学情况"), "education"),
        (_("残疾类别"), "disability_category"),
        (_("残疾等级"), "disability_grade"),
        (_("监护人姓名"), "guardian_name"),
        (_("监护人关系"), "guardian_relation"),
    ]
    for label, attr in fields:
        left, right = _show(a, attr), _show(b, attr)
        rows.append({"label": label, "left": left, "right": right, "differs": left != right})
    left_counts, right_counts = _counts(a), _counts(b)
    for label, left_n, right_n in zip(_count_labels(), left_counts, right_counts, strict=True):
        left, right = str(left_n), str(right_n)
        rows.append({"label": label, "left": left, "right": right, "differs": left != right})
    return rows


def _count_labels() -> list[str]:
    return [
        pgettext("child file section", "父母"),
        _("父母情形"),
        _("保护关切"),
        _("已享受待遇"),
        _("附件"),
    ]


def _counts(child: Child) -> list[int]:
    """How many of each repeated part the (prefetched) file has."""
    parents = list(child.parents.all())
    return [
        len(parents),
        sum(len(p.conditions.all()) for p in parents),
        len(child.concerns.all()),
        len(child.receiving.all()),
        len(child.attachments.all()),
    ]
