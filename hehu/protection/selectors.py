"""Reads of protection records across a user's jurisdiction (MPL art. 103: only the roles
that act on them, within their region).

A child's protection record (removals, placements, intervention steps) is seen by roles
holding Perm.VIEW_PROTECTION for the children whose files they may open; every view of it
is audited by the caller (Verb.PROTECTION_VIEWED). The county placement register is kept
by county civil affairs (Perm.MANAGE_PLACEMENTS) for its county.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused
from hehu.protection.models import CareFacility, Placement, Removal, ReturnAssessment
from hehu.regions.models import Region
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to, region_scope_q


# -- children and their protection record ------------------------------------------------------
def children_with_protection_visible_to(user: Any) -> QuerySet[Child]:
    """The children whose protection record this user may open: VIEW_PROTECTION and the
    child's file in reach (a village director their village, an officer their county)."""
    if not has_perm(user, Perm.VIEW_PROTECTION):
        return Child.objects.none()
    return children_visible_to(user=user)


def may_view_protection(user: Any, child: Child) -> bool:
    return children_with_protection_visible_to(user).filter(pk=child.pk).exists()


def require_protection_view(user: Any, child: Child) -> None:
    """Services re-check what the access helper applied: PermissionRefused otherwise."""
    if not has_perm(user, Perm.VIEW_PROTECTION):
        raise PermissionRefused(_("您的账号不能查看儿童保护记录"))
    if not may_view_protection(user, child):
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))


def access_protection_child_by_id(user: Any, child_id: int | str) -> Child:
    """The child whose protection record is asked for: 404 whether the file is hidden,
    missing, or the user's role may not see protection records (nothing is revealed)."""
    try:
        pk = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    child = (
        children_with_protection_visible_to(user)
        .select_related("region", "region__parent")
        .filter(pk=pk)
        .first()
    )
    if child is None:
        raise Http404
    return child


def current_placement(child: Child) -> Placement | None:
    """Where the child is today: the placement not ended (at most one)."""
    return (
        Placement.objects.filter(child=child, ended_on__isnull=True)
        .select_related("facility", "removal")
        .first()
    )


@dataclass(frozen=True)
class ProtectionRecord:
    """A child's removals and placements (newest first), each placement with its return
    assessments (oldest first), and the current placement if any."""

    child: Child
    current: Placement | None
    removals: list[Removal]
    placements: list[Placement]


def protection_record_of(child: Child) -> ProtectionRecord:
    """A fixed number of queries however long the history."""
    removals = list(
        Removal.objects.filter(child=child)
        .select_related("recorded_by", "report")
        .order_by("-removed_at", "-id")
    )
    placements = list(
        Placement.objects.filter(child=child)
        .select_related("facility", "removal", "recorded_by")
        .prefetch_related(
            Prefetch(
                "return_assessments",
                queryset=ReturnAssessment.objects.select_related("assessed_by").order_by(
                    "assessed_on", "id"
                ),
            )
        )
        .order_by("-started_on", "-id")
    )
    current = next((p for p in placements if p.ended_on is None), None)
    return ProtectionRecord(child=child, current=current, removals=removals, placements=placements)


# -- the county placement register --------------------------------------------------------------
def facilities_visible_to(user: Any) -> QuerySet[CareFacility]:
    """The register of the user's county (or counties), each facility annotated with its
    current occupancy (`occupied`: placements not ended)."""
    if not has_perm(user, Perm.MANAGE_PLACEMENTS):
        return CareFacility.objects.none()
    return with_occupancy(
        CareFacility.objects.filter(region_scope_q(user.prefixes, field="region_code"))
    )


def with_occupancy(queryset: QuerySet[CareFacility]) -> QuerySet[CareFacility]:
    return queryset.annotate(
        occupied=Count("placements", filter=Q(placements__ended_on__isnull=True))
    ).order_by("region_code", "-active", "name")


def facility_occupancy(facility: CareFacility, *, excluding_child: int | None = None) -> int:
    """Children placed there now (the child about to move out of it not counted)."""
    current = Placement.objects.filter(facility=facility, ended_on__isnull=True)
    if excluding_child is not None:
        current = current.exclude(child_id=excluding_child)
    return current.count()


def access_facility_by_id(user: Any, facility_id: int | str) -> CareFacility:
    """A facility of the user's register: 404 whether outside the county or missing."""
    try:
        pk = int(facility_id)
    except (TypeError, ValueError):
        raise Http404 from None
    facility = facilities_visible_to(user).filter(pk=pk).first()
    if facility is None:
        raise Http404
    return facility


def facilities_for_placement(user: Any, county_code: str) -> QuerySet[CareFacility]:
    """The active facilities of a county's register a child may be placed in, with
    occupancy (for the placement form)."""
    return facilities_visible_to(user).filter(region_code=county_code, active=True)


def access_placement_by_id(user: Any, placement_id: int | str) -> Placement:
    """A placement of a child whose protection record the user may open: 404 otherwise."""
    try:
        pk = int(placement_id)
    except (TypeError, ValueError):
        raise Http404 from None
    placement = (
        Placement.objects.filter(
            pk=pk, child__in=children_with_protection_visible_to(user).values("pk")
        )
        .select_related("child", "child__region", "facility")
        .first()
    )
    if placement is None:
        raise Http404
    return placement


def civil_affairs_guardian_name(region_code: str) -> str:
    """The guardian's name when civil affairs take guardianship of a child of `region_code`
    (a fact of the file: Chinese whatever the officer's language)."""
    code = region_code[:6].ljust(12, "0")
    county = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{county}民政局" if county else "县级民政部门"
