"""Who sees which reports (MPL art. 103: only the bodies that must act on them).

A report is seen by the departments it was routed to, in the county it was routed to:
police see only reports routed to them; education only school matters routed to it;
county civil affairs every report of the county, including one whose routing has not
succeeded yet (so that nothing waits unseen).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.protection.models import Report, ReportRoute
from hehu.registry.selectors import region_scope_q


def department_acting(user: Any) -> str:
    """The department a person acts for on a report: their own for a department officer,
    civil affairs otherwise."""
    if getattr(user, "role", "") == Role.DEPARTMENT_OFFICER:
        return str(user.department)
    return "civil_affairs"


def reports_visible_to(*, user: Any) -> QuerySet[Report]:
    if not has_perm(user, Perm.VIEW_REPORTS):
        return Report.objects.none()
    department = department_acting(user)
    routed_here = ReportRoute.objects.filter(
        region_scope_q(user.prefixes, field="region_code"),
        report=OuterRef("pk"),
        department=department,
    )
    visible = Q(Exists(routed_here))
    if department == "civil_affairs":
        visible |= Q(routed_at__isnull=True) & region_scope_q(user.prefixes, field="region_code")
    return Report.objects.filter(visible)


def access_report_by_id(user: Any, report_id: int | str) -> Report:
    """The report if the user may see it; 404 whether hidden or missing."""
    try:
        pk = int(report_id)
    except (TypeError, ValueError):
        raise Http404 from None
    report = reports_visible_to(user=user).select_related("child").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
