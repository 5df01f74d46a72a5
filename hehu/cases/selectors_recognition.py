"""Reads of recognition applications that cross a user's jurisdiction.

An application is visible to the roles that take part in recognition (the village director
who helps the family apply, 34号; the township supervisor; county civil affairs) when its
child is visible to them, or when its household-registration or receiving township lies in
their jurisdiction — so that in the cross-province variant the receiving township, which
cannot see the child's file, still follows the application it received.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to, region_scope_q

App = RecognitionApplication
PENDING = (App.Status.RECEIVED, App.Status.TOWNSHIP, App.Status.COUNTY)
RECOGNITION_PERMS = (
    Perm.RECEIVE_APPLICATION,
    Perm.VERIFY_APPLICATION,
    Perm.DECIDE_APPLICATION,
)


def may_see_applications(user: Any) -> bool:
    """The roles that take part in recognition; other departments and social workers do not."""
    if any(has_perm(user, perm) for perm in RECOGNITION_PERMS):
        return True
    return has_perm(user, Perm.VIEW_CASE) and user.role == Role.VILLAGE_DIRECTOR


def covers(user: Any, code: str) -> bool:
    """Whether one of the user's jurisdictions contains this 12-digit region code."""
    return any(code.startswith(prefix) for prefix in user.prefixes)


def applications_visible_to(*, user: Any) -> QuerySet[RecognitionApplication]:
    """Applications of visible children, or of a township in the user's jurisdiction."""
    if not may_see_applications(user):
        return App.objects.none()
    children = children_visible_to(user=user).values("pk")
    return App.objects.filter(
        Q(child_id__in=children)
        | region_scope_q(user.prefixes, field="hukou_township_code")
        | region_scope_q(user.prefixes, field="receiving_township_code")
    )


def with_open_items(queryset: QuerySet[RecognitionApplication]) -> QuerySet[RecognitionApplication]:
    """Each application with its running clocks in `open_items` (one query for them all)."""
    return queryset.select_related(
        "child", "received_by", "township_by", "decided_by"
    ).prefetch_related(
        Prefetch(
            "work_items",
            queryset=WorkItem.objects.filter(status=WorkItem.Status.OPEN).order_by("due_on", "id"),
            to_attr="open_items",
        )
    )


def access_application_by_id(
    user: Any, application_id: int | str, *, for_update: bool = False
) -> RecognitionApplication:
    """One application: 404 whether it is hidden or missing, never 403."""
    try:
        pk = int(application_id)
    except (TypeError, ValueError):
        raise Http404 from None
    queryset = applications_visible_to(user=user)
    queryset = queryset.select_for_update() if for_update else with_open_items(queryset)
    try:
        return queryset.get(pk=pk)
    except App.DoesNotExist:
        raise Http404 from None


def application_queue(*, user: Any) -> QuerySet[RecognitionApplication]:
    """What awaits this user's action: forwarding or verification at a township, the
    decision at the county, telling the applicant at the receiving township."""
    visible = applications_visible_to(user=user)
    q = Q(pk__in=[])
    if has_perm(user, Perm.RECEIVE_APPLICATION):
        q |= Q(status=App.Status.RECEIVED) & region_scope_q(
            user.prefixes, field="receiving_township_code"
        )
        q |= Q(
            cross_province=True,
            status__in=[App.Status.APPROVED, App.Status.REFUSED],
            applicant_notified_on__isnull=True,
        ) & region_scope_q(user.prefixes, field="receiving_township_code")
    if has_perm(user, Perm.VERIFY_APPLICATION):
        q |= Q(status=App.Status.TOWNSHIP) & region_scope_q(
            user.prefixes, field="hukou_township_code"
        )
    if has_perm(user, Perm.DECIDE_APPLICATION):
        q |= Q(status=App.Status.COUNTY) & region_scope_q(
            user.prefixes, field="hukou_township_code"
        )
    return visible.filter(q)


def child_for_application(user: Any, child_id: int | str) -> Child:
    """The child of a new application at the household-registration township: a child whose
    file the user sees, or whose household registration lies in the user's jurisdiction."""
    try:
        pk = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    visible = children_visible_to(user=user).values("pk")
    found = (
        Child.objects.select_related("region", "hukou_region")
        .filter(status=Child.Status.ACTIVE, pk=pk)
        .filter(Q(pk__in=visible) | region_scope_q(user.prefixes, field="hukou_region__code"))
        .first()
    )
    if found is None or not may_see_applications(user):
        raise Http404
    return found
