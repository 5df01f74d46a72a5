"""Personas shared by every test (CONVENTIONS.md): who owns a child, who shares the
jurisdiction, and who has no access."""

from __future__ import annotations

import pytest

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user

VILLAGE = "511502001001"  # 翠屏区, street 001, community 001 (urban)
OTHER_COUNTY_VILLAGE = "511524100201"  # 长宁县, town 100, village 201 (rural)


@pytest.fixture
def village_director(db):
    return make_user(Role.VILLAGE_DIRECTOR, VILLAGE, username="director")


@pytest.fixture
def township_supervisor(db):
    return make_user(Role.TOWNSHIP_SUPERVISOR, VILLAGE[:9], username="supervisor")


@pytest.fixture
def county_officer(db):
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS,
        VILLAGE[:6],
        department=Department.CIVIL_AFFAIRS,
        username="county",
    )


@pytest.fixture
def police_officer(db):
    return make_user(
        Role.DEPARTMENT_OFFICER,
        VILLAGE[:6],
        department=Department.PUBLIC_SECURITY,
        username="police",
    )


@pytest.fixture
def director_elsewhere(db):
    return make_user(Role.VILLAGE_DIRECTOR, OTHER_COUNTY_VILLAGE, username="elsewhere")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, "", username="admin")
