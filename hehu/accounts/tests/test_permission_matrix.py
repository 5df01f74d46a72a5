"""Who may manage whose account, on the page and in the API: every actor × target.

200 = may open it; 404 = the account lies (partly) outside the actor's jurisdiction, so for
them it does not exist; 403 = the actor's role does not manage accounts at all.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user

ACTORS = {
    "national_admin": (Role.ADMIN, ""),
    "city_admin": (Role.ADMIN, "5115"),
    "cuiping_admin": (Role.ADMIN, "511502"),
    "changning_admin": (Role.ADMIN, "511524"),
    "cuiping_officer": (Role.COUNTY_CIVIL_AFFAIRS, "511502"),
    "cuiping_director": (Role.VILLAGE_DIRECTOR, "511502001001"),
    "national_analyst": (Role.NATIONAL_ANALYST, ""),
}
TARGETS = {
    "director_in_cuiping": (Role.VILLAGE_DIRECTOR, ["511502001002"]),
    "director_in_changning": (Role.VILLAGE_DIRECTOR, ["511524100201"]),
    "spanning_both_counties": (Role.DEPARTMENT_OFFICER, ["511502", "511524"]),
    "city_analyst": (Role.CITY_ANALYST, ["5115"]),
    "national_analyst_target": (Role.NATIONAL_ANALYST, [""]),
}
SEES = {
    "national_admin": set(TARGETS),
    "city_admin": {
        "director_in_cuiping",
        "director_in_changning",
        "spanning_both_counties",
        "city_analyst",
    },
    "cuiping_admin": {"director_in_cuiping"},
    "changning_admin": {"director_in_changning"},
}


def expected(actor: str, target: str) -> int:
    if actor not in SEES:
        return 403
    return 200 if target in SEES[actor] else 404


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("actor", ACTORS)
def test_account_management_matrix(client, db, actor, target):
    role, prefix = ACTORS[actor]
    who = make_user(role, prefix, username=actor)
    target_role, target_prefixes = TARGETS[target]
    whom = make_user(
        target_role, *target_prefixes, username=target, department=Department.EDUCATION
    )
    client.force_login(who)
    api = APIClient()
    api.force_authenticate(who)

    page = client.get(reverse("accounts:edit", args=[whom.pk]))
    detail = api.get(f"/api/v1/users/{whom.pk}/")
    listed = client.get(reverse("accounts:list"))

    assert page.status_code == expected(actor, target)
    assert detail.status_code == expected(actor, target)
    if listed.status_code == 200:
        usernames = {u.username for u in listed.context["page"].object_list}
        assert (target in usernames) == (expected(actor, target) == 200)
    else:
        assert listed.status_code == 403
