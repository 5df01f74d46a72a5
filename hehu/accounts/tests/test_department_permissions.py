"""A department officer's protection rights follow the department whose work it is."""

from __future__ import annotations

import pytest

from hehu.accounts.models import Department, Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db

PROTECTION = [
    Perm.RECORD_REMOVAL,
    Perm.REVEAL_REPORTER,
    Perm.VIEW_PROTECTION,
    Perm.RECORD_INTERVENTION,
]
EXPECTED = {
    Department.PUBLIC_SECURITY: set(PROTECTION),
    Department.COURT: {Perm.VIEW_PROTECTION, Perm.RECORD_INTERVENTION},
    Department.PROCURATORATE: {Perm.VIEW_PROTECTION, Perm.RECORD_INTERVENTION},
    Department.EDUCATION: set(),
    Department.HEALTH: set(),
}


@pytest.mark.parametrize("department", list(EXPECTED))
def test_protection_rights_follow_the_department(department: str) -> None:
    officer = make_user(Role.DEPARTMENT_OFFICER, "511502", department=department)
    assert {p for p in PROTECTION if has_perm(officer, p)} == EXPECTED[department]
    # Every department officer may file, see and act on what is routed to them.
    assert has_perm(officer, Perm.FILE_REPORT)
    assert has_perm(officer, Perm.VIEW_REPORTS)
    assert has_perm(officer, Perm.ACT_ON_REPORT)


def test_civil_affairs_roles_are_not_narrowed_by_department() -> None:
    county = make_user(Role.COUNTY_CIVIL_AFFAIRS, "511502", department=Department.CIVIL_AFFAIRS)
    assert all(has_perm(county, p) for p in PROTECTION)
