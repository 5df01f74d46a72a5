"""The personas of the authorization matrices: one account of every role over one place.

Shared by hehu/api/tests/test_authorization_matrix.py and the policy app's matrix
(hehu/policy/tests/test_simulation_authorization.py), which may not import the API's tests.
"""

from __future__ import annotations

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user


def personas(village: str) -> list[User]:
    """One account of every role, each with jurisdiction over `village` at its own level
    (the village, its township, county, city or province)."""
    return [
        make_user(Role.VILLAGE_DIRECTOR, village, username="m_director"),
        make_user(Role.TOWNSHIP_SUPERVISOR, village[:9], username="m_supervisor"),
        make_user(
            Role.COUNTY_CIVIL_AFFAIRS,
            village[:6],
            department=Department.CIVIL_AFFAIRS,
            username="m_county",
        ),
        make_user(
            Role.DEPARTMENT_OFFICER,
            village[:6],
            department=Department.PUBLIC_SECURITY,
            username="m_police",
        ),
        make_user(Role.SOCIAL_WORKER, village[:6], username="m_social"),
        make_user(Role.CITY_ANALYST, village[:4], username="m_city"),
        make_user(Role.PROVINCE_ANALYST, village[:2], username="m_province"),
        make_user(Role.ADMIN, village[:6], username="m_admin"),
    ]
