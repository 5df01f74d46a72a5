"""Pages for reading the audit log: one child's trail, and the administrator's search."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.display import EntryRow, entry_row
from hehu.audit.forms import AuditSearchForm
from hehu.audit.models import AuditEntry
from hehu.audit.selectors import AuditFilters, audit_search, audit_trail_for_child
from hehu.audit.services import audit_log_viewed

PAGE_SIZE = 50


def _page(entries: Any, number: str | None) -> tuple[Page[AuditEntry], list[EntryRow]]:
    page = Paginator(entries, PAGE_SIZE).get_page(number)
    return page, [entry_row(e) for e in page]


@login_required
@require_GET
def child_trail(request: HttpRequest, child_id: int) -> HttpResponse:
    """Who did what to one child's file, and when; Http404 if the trail is not theirs."""
    entries = audit_trail_for_child(user=request.user, child_id=child_id)
    page, rows = _page(entries, request.GET.get("page"))
    audit_log_viewed(actor=request.user, child_id=child_id)
    context = {
        "child_id": child_id,
        "page": page,
        "rows": rows,
        "complete": has_perm(request.user, Perm.VIEW_AUDIT),
    }
    return render(request, "audit/child_trail.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The administrator's search over the audit log of their jurisdiction."""
    if not has_perm(request.user, Perm.VIEW_AUDIT):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None, "rows": []}
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else AuditFilters()
        entries = audit_search(user=request.user, filters=filters)
        context["page"], context["rows"] = _page(entries, request.GET.get("page"))
        # The child searched for stays in the filters, not in child_id: the entry must not
        # join the trail of a child outside the administrator's jurisdiction.
        audit_log_viewed(actor=request.user, filters=filters.as_dict())
    return render(request, "audit/search.html", context)
