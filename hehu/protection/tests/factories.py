"""Factories for protection tests: officers of the county, the register, removals and
placements made through the services (so their side effects are those of the real flow)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.cases.tests.factories import VILLAGE, county_officer, make_child
from hehu.protection.models import CareFacility, Placement, Removal
from hehu.protection.models.placement import Ground, RemovingBody
from hehu.protection.services.facilities import facility_create
from hehu.protection.services.placements import PlacementInput, placement_start, removal_record
from hehu.registry.models import Child

__all__ = [
    "VILLAGE",
    "county_officer",
    "make_child",
    "make_facility",
    "make_placement",
    "make_removal",
    "police",
]


_numbers = itertools.count(1)


def police(village: str = VILLAGE, **kw: Any) -> User:
    return make_user(
        Role.DEPARTMENT_OFFICER, village[:6], department=Department.PUBLIC_SECURITY, **kw
    )


def make_facility(
    *,
    actor: User | None = None,
    name: str = "",
    kind: str = CareFacility.Kind.PROTECTION_CENTRE,
    capacity: int = 10,
    village: str = VILLAGE,
) -> CareFacility:
    return facility_create(
        actor=actor or county_officer(village),
        name=name or f"翠屏区未成年人救助保护中心{next(_numbers)}号楼",
        kind=kind,
        capacity=capacity,
        region_code=village[:6],
    )


def make_removal(
    child: Child | None = None,
    *,
    actor: User | None = None,
    ground: str = Ground.HARMED_BY_GUARDIAN,
    **kw: Any,
) -> Removal:
    child = child or make_child()
    return removal_record(
        actor=actor or police(child.region_id),
        child=child,
        removed_at=kw.pop("removed_at", timezone.now() - dt.timedelta(hours=2)),
        removed_by_body=kw.pop("removed_by_body", RemovingBody.PUBLIC_SECURITY),
        removed_by_name=kw.pop("removed_by_name", "李警官"),
        ground=ground,
        circumstances=kw.pop("circumstances", "邻居报警称儿童被打伤，民警到场后带离。"),
        **kw,
    )


def make_placement(
    child: Child | None = None,
    *,
    actor: User | None = None,
    facility: CareFacility | None = None,
    kind: str = Placement.Kind.INSTITUTION,
    started_on: dt.date | None = None,
    **kw: Any,
) -> Placement:
    child = child or make_child()
    actor = actor or county_officer(child.region_id)
    if kind != Placement.Kind.KINSHIP and facility is None:
        facility = make_facility(actor=actor, village=child.region_id)
    data = PlacementInput(
        kind=kind,
        started_on=started_on or timezone.localdate(),
        facility_id=facility.pk if facility else None,
        carer_name=kw.pop("carer_name", "" if kind != Placement.Kind.KINSHIP else "张桂芳"),
        carer_relation=kw.pop("carer_relation", "" if kind != Placement.Kind.KINSHIP else "姨妈"),
        **kw,
    )
    return placement_start(actor=actor, child=child, data=data)
