"""The coverage gaps page: children a director or supervisor should look at again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from hehu.core.errors import ValidationFailed
from hehu.policy.gaps.selectors import (
    coverage_gaps_visible_to,
    may_see_gaps,
    need_signal_labels,
    stored_classification,
)
from hehu.registry.models import Child

GAPS_PER_PAGE = 50


def _language() -> str:
    return translation.get_language() or "zh-hans"


@login_required
@require_GET
def gaps_list(request: HttpRequest) -> HttpResponse:
    if not may_see_gaps(request.user):
        raise PermissionDenied
    filters = {"signal": request.GET.get("signal", ""), "region": request.GET.get("region", "")}
    errors: dict[str, Any] = {}
    try:
        children = coverage_gaps_visible_to(user=request.user, **filters)
    except ValidationFailed as exc:
        errors = exc.errors
        children = Child.objects.none()
    page = Paginator(children, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    language = _language()
    children_shown = list(page.object_list)
    labels = need_signal_labels([stored_classification(c).policy_version for c in children_shown])
    in_force = need_signal_labels()
    options = sorted((code, text.get(language)) for code, text in in_force.items())
    rows = [
        {
            "child": child,
            "signals": [
                labels[code].get(language) if code in labels else code
                for code in stored_classification(child).signals
            ],
        }
        for child in children_shown
    ]
    return render(
        request,
        "policy/gaps_list.html",
        {"page": page, "rows": rows, "filters": filters, "signals": options, "errors": errors},
    )
