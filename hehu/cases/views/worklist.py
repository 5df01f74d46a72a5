"""The work list page (待办): due and overdue items of one's jurisdiction, overdue first."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.models import WorkItem
from hehu.cases.worklist import (
    VIEWS,
    worklist_counts,
    worklist_for,
    worklist_page_items,
    worklist_rows,
)

PAGE_SIZE = 25
TABS = (("mine", _("我的待办")), ("escalated", _("逾期升级")), ("all", _("辖区全部")))


def _choice(value: str | None, allowed: Any, default: str | None) -> str | None:
    return value if value in allowed else default


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Tabs mine / escalated / all; a filter by kind; 25 rows a page."""
    user: Any = request.user
    if not has_perm(user, Perm.VIEW_WORKLIST):
        raise PermissionDenied
    today = timezone.localdate()
    view = _choice(request.GET.get("view"), VIEWS, "mine") or "mine"
    kind = _choice(request.GET.get("kind"), WorkItem.Kind.values, None)
    items = worklist_for(user=user, as_of=today, view=view)
    counts = worklist_counts(items=items, as_of=today)
    if kind:
        items = items.filter(kind=kind)
    paginator = Paginator(worklist_page_items(items), PAGE_SIZE)
    # The header's aggregate already counted the rows: no second COUNT for the paginator.
    paginator.__dict__["count"] = counts.by_kind.get(kind, 0) if kind else counts.total
    page = paginator.get_page(request.GET.get("page"))
    rows = worklist_rows(items=list(page.object_list), user=user, as_of=today)
    kinds = [(value, label, counts.by_kind.get(value, 0)) for value, label in WorkItem.Kind.choices]
    context = {
        "page": page,
        "rows": rows,
        "counts": counts,
        "view": view,
        "kind": kind or "",
        "tabs": TABS,
        "kinds": [k for k in kinds if k[2] or k[0] == kind],
        "today": today,
    }
    return render(request, "cases/worklist.html", context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("worklist/", worklist, name="worklist"),
]
