"""Factories for case management tests: a child in a village and a case opened for it."""

from __future__ import annotations

from typing import Any

from hehu.accounts.models import Department, Organisation, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.cases.models import Case
from hehu.cases.services.cases import case_open
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.tests.factories import ChildFactory

VILLAGE = "511502001001"  # 翠屏区 street 001, community 001 (demo)
OTHER_COUNTY_VILLAGE = "511524100201"  # 长宁县


def make_child(village: str = VILLAGE, **kwargs: Any) -> Child:
    child: Child = ChildFactory(region=region(village), **kwargs)
    return child


def make_case(
    child: Child | None = None, *, actor: User | None = None, emergency: bool = False, **kw: Any
) -> Case:
    """An open case (intake) for `child` (a new child in VILLAGE when not given)."""
    child = child or make_child()
    opener = actor or make_user(Role.VILLAGE_DIRECTOR, child.region.code)
    return case_open(
        actor=opener,
        child=child,
        source=kw.pop("source", Case.Source.MANUAL),
        reason=kw.pop("reason", "入户发现需要帮扶"),
        emergency=emergency,
        **kw,
    )


def director(village: str = VILLAGE, **kw: Any) -> User:
    return make_user(Role.VILLAGE_DIRECTOR, village, **kw)


def supervisor(village: str = VILLAGE, **kw: Any) -> User:
    return make_user(Role.TOWNSHIP_SUPERVISOR, village[:9], **kw)


def county_officer(village: str = VILLAGE, **kw: Any) -> User:
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS, village[:6], department=Department.CIVIL_AFFAIRS, **kw
    )


def department_officer(village: str = VILLAGE, **kw: Any) -> User:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.EDUCATION, **kw)


def social_worker(organisation: Organisation | None = None, **kw: Any) -> User:
    org = organisation or make_organisation()
    return make_user(Role.SOCIAL_WORKER, VILLAGE[:6], organisation=org, **kw)


def make_organisation(name: str = "宜宾市阳光社工服务中心") -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        name=name, defaults={"region": region(VILLAGE[:6].ljust(12, "0"))}
    )
    return org
