"""The authorization matrix for simulations and coverage gaps: every persona of the
matrix reaches each endpoint only with its permission, and nothing of a child outside its
jurisdiction comes back (the list routes are also walked by test_authorization_matrix)."""

from __future__ import annotations

import json

import pytest

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.accounts.tests.personas import personas
from hehu.policy.simulation.models import SimulationChange
from hehu.policy.tests.test_simulation_services import make_draft, run
from hehu.regions.tests.factories import region
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

INSIDE_VILLAGE = "511502001001"
OUTSIDE_VILLAGE = "511524100201"
OUTSIDE_NAME = "界外儿童甲"


@pytest.fixture
def world(db):
    inside = ChildFactory(name="界内儿童乙", region=region(INSIDE_VILLAGE))
    outside = ChildFactory(name=OUTSIDE_NAME, region=region(OUTSIDE_VILLAGE))
    return inside, outside


@pytest.fixture
def simulated(world):
    inside, outside = world
    simulation = run(make_draft())
    # Whatever the draft decides, a change of each child is listed.
    for child in (inside, outside):
        SimulationChange.objects.get_or_create(
            simulation=simulation,
            child=child,
            category="orphan",
            direction="entered",
            region_code=child.region_id,
        )
    return simulation, inside, outside


def _expected(user, *perms: Perm) -> int:
    return 200 if all(has_perm(user, p) for p in perms) else 403


def test_each_persona_reaches_simulations_only_with_its_permissions(client, simulated):
    simulation, inside, _ = simulated
    pages = [
        (f"/simulations/{simulation.pk}/", (Perm.VIEW_POLICY,)),
        (f"/simulations/{simulation.pk}/export.xlsx", (Perm.VIEW_POLICY,)),
        (f"/api/v1/simulations/{simulation.pk}/", (Perm.VIEW_POLICY,)),
        ("/simulations/", (Perm.VIEW_POLICY,)),
        ("/api/v1/simulations/", (Perm.VIEW_POLICY,)),
        ("/simulations/new/", (Perm.SIMULATE_POLICY,)),
        (f"/simulations/{simulation.pk}/changes/", (Perm.VIEW_POLICY, Perm.VIEW_CHILD)),
        (f"/api/v1/simulations/{simulation.pk}/changes/", (Perm.VIEW_POLICY, Perm.VIEW_CHILD)),
        ("/gaps/", (Perm.VIEW_CHILD, Perm.VIEW_CASE_NOTES)),
        ("/api/v1/coverage-gaps/", (Perm.VIEW_CHILD, Perm.VIEW_CASE_NOTES)),
    ]
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        for path, perms in pages:
            response = client.get(path)
            expected = _expected(user, *perms)
            assert response.status_code == expected, (user.role, path)
            body = response.content.decode(errors="replace")
            assert OUTSIDE_NAME not in body, (user.role, path)
            assert f"/children/{simulated[2].pk}/" not in body, (user.role, path)
        client.logout()


def test_the_inside_child_is_listed_only_to_roles_that_open_files(client, simulated):
    simulation, inside, _ = simulated
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        response = client.get(f"/api/v1/simulations/{simulation.pk}/changes/")
        if response.status_code == 200:
            names = {r["name"] for r in response.json()["results"]}
            opens_files = user.role != Role.SOCIAL_WORKER
            assert names == ({inside.name} if opens_files else set()), user.role
        client.logout()


def test_each_persona_requests_a_simulation_only_with_the_permission(client, world):
    draft = make_draft()
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        body = {"draft": draft.ref, "as_of": "2026-03-01", "scope": user.prefixes[0]}
        response = client.post(
            "/api/v1/simulations/", json.dumps(body), content_type="application/json"
        )
        expected = 202 if has_perm(user, Perm.SIMULATE_POLICY) else 403
        assert response.status_code == expected, user.role
        outside = dict(body, scope="110101")  # another province: outside every persona
        refused = client.post(
            "/api/v1/simulations/", json.dumps(outside), content_type="application/json"
        )
        assert refused.status_code in (400, 403), user.role
        client.logout()
