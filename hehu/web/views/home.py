"""The home page: each person's front door (UX.md) — a director's children, a supervisor's
or county officer's area at a glance, an analyst's counts, an administrator's tools."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.selectors import next_visits_of_children
from hehu.cases.worklist import worklist_counts, worklist_for
from hehu.policy.gaps.selectors import coverage_gap_count
from hehu.registry.selectors import children_visible_to
from hehu.web.regions import region_paths
from hehu.web.stats import child_counts_by_region
from hehu.web.views._common import AuthedRequest

MY_CHILDREN = 30
RECENT = 10


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"is_director": user.role == Role.VILLAGE_DIRECTOR}
    if has_perm(user, Perm.VIEW_CHILD):
        visible = children_visible_to(user=user)
        newest = list(
            visible.select_related("region").order_by("-created_at", "-pk")[
                : MY_CHILDREN if context["is_director"] else RECENT
            ]
        )
        context["children"] = newest
        if context["is_director"]:
            # A director's children show their next home visit (UX.md: my children).
            context["next_visits"] = next_visits_of_children(
                user=user, child_ids=[c.pk for c in newest]
            )
            context["today"] = timezone.localdate()
        context["children_total"] = visible.count()
        context["paths"] = region_paths(c.region_id for c in newest)
        # Children with a sign of need whom no category covers: the ones to look at first.
        context["gaps_total"] = coverage_gap_count(user=user)
    if not context["is_director"] and (
        has_perm(user, Perm.VIEW_STATISTICS) or has_perm(user, Perm.VIEW_CHILD)
    ):
        # Aggregates only: an analyst sees how many, never who.
        counts = child_counts_by_region(user=user)
        context["counts"] = counts
        context["counts_total"] = sum(c.total for c in counts)
        context["counts_paths"] = region_paths(c.code for c in counts)
        context["chart"] = {
            "labels": [c.name for c in counts],
            "values": [c.total for c in counts],
            "series": str(_("在册儿童")),
        }
    if has_perm(user, Perm.VIEW_WORKLIST):
        # What is overdue or due this week comes first on every caseworker's front door.
        today = timezone.localdate()
        context["worklist"] = worklist_counts(
            items=worklist_for(user=user, as_of=today), as_of=today
        )
    context["is_admin"] = has_perm(user, Perm.MANAGE_ACCOUNTS)
    return render(request, "web/home.html", context)
