"""Every read of cases that crosses a user's jurisdiction goes through here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.models import Case, CaseReferral
from hehu.registry.selectors import region_scope_q


def cases_visible_to(*, user: Any) -> QuerySet[Case]:
    """The cases a user may open: by jurisdiction, or — a social worker — by referral."""
    if not has_perm(user, Perm.VIEW_CASE):
        return Case.objects.none()
    if user.role == Role.SOCIAL_WORKER:
        if user.organisation_id is None:
            return Case.objects.none()
        referred = CaseReferral.objects.filter(
            organisation_id=user.organisation_id, status=CaseReferral.Status.ACTIVE
        ).values("case_id")
        return Case.objects.filter(pk__in=referred)
    return Case.objects.filter(region_scope_q(user.prefixes, field="region_code"))


def may_see_case_notes(user: Any) -> bool:
    """Assessments and case records: only the roles that work the case (and audited)."""
    return has_perm(user, Perm.VIEW_CASE_NOTES)


def open_case_of_child(*, user: Any, child_id: int) -> Case | None:
    """The child's open case, when this user may see it (for the child's page)."""
    return (
        cases_visible_to(user=user)
        .filter(child_id=child_id)
        .exclude(status=Case.Status.CLOSED)
        .only("id", "status")
        .first()
    )


def next_visits_of_children(*, user: Any, child_ids: list[int]) -> dict[int, dt.date]:
    """The due date of each child's next home visit (open cases this user sees), one query."""
    from hehu.cases.models import Visit

    rows = Visit.objects.filter(
        case__in=cases_visible_to(user=user).exclude(status=Case.Status.CLOSED),
        case__child_id__in=child_ids,
        status=Visit.Status.SCHEDULED,
    ).values_list("case__child_id", "due_on")
    return dict(rows)
