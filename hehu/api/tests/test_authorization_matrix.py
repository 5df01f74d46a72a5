"""Every role × every URL × a child inside and outside the user's jurisdiction.

The URL list is not written by hand: it is walked from the URL configuration, so a new
endpoint is covered the day it is added. For each route that takes an object id, the
response to a child *outside* the user's jurisdiction must be indistinguishable from the
response to a child that does not exist (404 for both, never 403 that would confirm
existence), and must change nothing. No response to any role may mention a child outside
its jurisdiction — not in lists, counts, search hits or exports.
"""

from __future__ import annotations

import re

import pytest

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.accounts.tests.personas import personas
from hehu.audit.models import AuditEntry
from hehu.core.tests.urls import Route, all_routes
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.tests.factories import ChildFactory

INSIDE_VILLAGE = "511502001001"
OUTSIDE_VILLAGE = "511524100201"
OUTSIDE_NAME = "界外儿童甲"
MISSING_ID = 987654321

# Routes that never take a child: (name pattern) -> why they are outside this matrix.
NOT_CHILD_ROUTES = {
    "api:schema",
    "api:health",
}


def _path(route: Route, value: object) -> str:
    path = route.pattern.replace("^", "").replace("$", "")
    for kw in route.kwargs:
        path = re.sub(rf"<(?:\w+:)?{kw}>", str(value), path)
    return path if path.startswith("/") else "/" + path


def child_routes() -> list[Route]:
    """Routes whose single object id is a child's primary key."""
    result = []
    for route in all_routes():
        if route.name in NOT_CHILD_ROUTES or not route.kwargs:
            continue
        if "child" in route.pattern and len(route.kwargs) == 1:
            result.append(route)
    return result


METHODS = ("get", "post", "put", "patch", "delete")
HIDDEN_STATUSES = {403, 404, 405}


@pytest.fixture
def world(db):
    inside = ChildFactory(name="界内儿童乙")
    outside = ChildFactory(name=OUTSIDE_NAME, region=region(OUTSIDE_VILLAGE))
    assert outside.region_id == OUTSIDE_VILLAGE
    return inside, outside


def _snapshot(child: Child) -> tuple[object, ...]:
    child.refresh_from_db()
    return (child.version, child.status, child.name, child.updated_at)


def _call(client, method: str, path: str):
    return getattr(client, method)(path, data={} if method == "get" else None)


@pytest.mark.parametrize("route", child_routes(), ids=lambda r: r.name)
def test_a_child_outside_the_jurisdiction_is_answered_like_a_missing_one(route, world, client):
    _, outside = world
    before = _snapshot(outside)
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        for method in METHODS:
            hidden = _call(client, method, _path(route, outside.pk))
            missing = _call(client, method, _path(route, MISSING_ID))
            assert hidden.status_code == missing.status_code, (user.role, method, route.pattern)
            assert hidden.status_code in HIDDEN_STATUSES, (user.role, method, route.pattern)
            assert OUTSIDE_NAME not in hidden.content.decode(errors="replace")
        client.logout()
    assert _snapshot(outside) == before
    assert not AuditEntry.objects.filter(child_id=outside.pk).exists()


def _fill(route: Route, values: dict[str, object]) -> str:
    path = route.pattern
    for kw in route.kwargs:
        path = re.sub(rf"<(?:\w+:)?{kw}>", str(values[kw]), path)
    return path


def nested_child_routes() -> list[Route]:
    """Routes with a child id and a second id (an attachment, the other file of a merge)."""
    return [r for r in all_routes() if "child" in r.pattern and len(r.kwargs) == 2]


@pytest.mark.parametrize("route", nested_child_routes(), ids=lambda r: r.name)
def test_a_nested_route_never_reveals_a_child_outside_the_jurisdiction(route, world, client):
    inside, outside = world
    first, second = route.kwargs
    before = _snapshot(outside)
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        for method in METHODS:
            # The outside child in either position answers like a missing one.
            for hidden_values, missing_values in [
                ({first: outside.pk, second: MISSING_ID}, {first: MISSING_ID, second: MISSING_ID}),
                ({first: inside.pk, second: outside.pk}, {first: inside.pk, second: MISSING_ID}),
            ]:
                hidden = _call(client, method, _fill(route, hidden_values))
                missing = _call(client, method, _fill(route, missing_values))
                assert hidden.status_code == missing.status_code, (user.role, method, route)
                assert OUTSIDE_NAME not in hidden.content.decode(errors="replace")
        client.logout()
    assert _snapshot(outside) == before
    assert not AuditEntry.objects.filter(child_id=outside.pk).exists()


def list_routes() -> list[Route]:
    return [r for r in all_routes() if not r.kwargs and r.name not in {"web:logout"}]


@pytest.mark.parametrize("route", list_routes(), ids=lambda r: r.name)
def test_no_list_search_or_count_mentions_a_child_outside_the_jurisdiction(route, world, client):
    _, outside = world
    # Searching by a part of the name: the full name must not come back (the search box
    # echoes what was typed, so the full name itself is not used as the query).
    queries = [{}, {"q": OUTSIDE_NAME[:2]}, {"child": outside.pk}, {"child_id": outside.pk}]
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        for params in queries:
            response = client.get(route.pattern, params)
            body = response.content.decode(errors="replace")
            assert OUTSIDE_NAME not in body, (user.role, route.pattern, params)
            assert f"/children/{outside.pk}/" not in body, (user.role, route.pattern, params)
        client.logout()
    assert not AuditEntry.objects.filter(child_id=outside.pk).exists()


def test_each_role_opens_an_inside_file_only_if_its_role_reads_files(world, client):
    from hehu.accounts.permissions import Perm, has_perm

    inside, _ = world
    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        page = client.get(f"/children/{inside.pk}/")
        api = client.get(f"/api/v1/children/{inside.pk}/")
        reads_files = has_perm(user, Perm.VIEW_CHILD) and user.role != Role.SOCIAL_WORKER
        expected = 200 if reads_files else 404
        assert (page.status_code, api.status_code) == (expected, expected), user.role
        client.logout()


# The policy engine's endpoints take no child: each role reaches them only with its permission.
POLICY_ENDPOINTS = [
    ("post", "/api/v1/classify", "classify_facts"),
    ("get", "/api/v1/policies/", "view_policy"),
    ("get", "/api/v1/policies/cn-national/2026.1/", "view_policy"),
    ("get", "/policies/", "view_policy"),
    ("get", "/policies/cn-national/2026.1/", "view_policy"),
    ("get", "/simulations/", "view_policy"),
    ("get", "/api/v1/simulations/", "view_policy"),
    ("get", "/simulations/new/", "simulate_policy"),
    ("get", "/gaps/", "view_case_notes"),
    ("get", "/api/v1/coverage-gaps/", "view_case_notes"),
]
WHAT_IF = {"id": "m-1", "birth_date": "2015-03-02", "sex": "female", "region_code": INSIDE_VILLAGE}


@pytest.mark.parametrize(("method", "path", "perm"), POLICY_ENDPOINTS, ids=lambda v: str(v))
def test_each_role_reaches_the_policy_engine_only_with_its_permission(
    method, path, perm, world, client
):
    import json

    from hehu.accounts.permissions import Perm, has_perm

    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        if method == "post":
            response = client.post(path, json.dumps(WHAT_IF), content_type="application/json")
        else:
            response = client.get(path)
        expected = 200 if has_perm(user, Perm(perm)) else 403
        assert response.status_code == expected, (user.role, path)
        client.logout()


# The policy lifecycle (drafts, review, approval): read with view_policy, act with the policy
# office's permissions (either one) within one's jurisdiction.
OFFICE = ("draft_policy", "approve_policy")
LIFECYCLE_PAGES = [
    ("/policies/drafts/", OFFICE),
    ("/policies/drafts/new/", ("draft_policy",)),
    ("/api/v1/policies/drafts/", OFFICE),
    ("/policies/cn-national/2026.1/lifecycle/", ("view_policy",)),
]
SICHUAN_OVERRIDE = """hehu_policy: 1
id: cn-51
version: "2026.1"
jurisdiction: "51"
extends: cn-national@2026.1
effective_from: 2026-01-01
title: {zh: 四川省困境儿童认定, en: Children in distress (Sichuan)}
"""


@pytest.mark.parametrize(("path", "perms"), LIFECYCLE_PAGES, ids=lambda v: str(v))
def test_each_role_reaches_the_policy_lifecycle_only_with_its_permission(
    path, perms, world, client
):
    from hehu.accounts.permissions import Perm, has_perm

    for user in personas(INSIDE_VILLAGE):
        client.force_login(user)
        expected = 200 if any(has_perm(user, Perm(p)) for p in perms) else 403
        assert client.get(path).status_code == expected, (user.role, path)
        client.logout()


def test_only_the_policy_office_of_the_province_drafts_and_reviews_its_override(world, client):
    from hehu.accounts.permissions import Perm, has_perm
    from hehu.policy.models import PolicyVersion

    users = personas(INSIDE_VILLAGE)
    author = make_user(Role.PROVINCE_ANALYST, INSIDE_VILLAGE[:2], username="m_author")
    client.force_login(author)
    created = client.post(
        "/api/v1/policies/drafts/", SICHUAN_OVERRIDE, content_type="application/yaml"
    )
    assert created.status_code == 201, created.json()
    refused = [u for u in users if not has_perm(u, Perm.DRAFT_POLICY)]
    [officer] = [u for u in users if has_perm(u, Perm.DRAFT_POLICY)]
    for user in refused:
        client.force_login(user)
        response = client.post("/api/v1/policies/cn-51/2026.1/review/", {})
        assert response.status_code == 403, user.role
    assert PolicyVersion.objects.get(policy_id="cn-51").status == "draft"
    client.force_login(officer)
    response = client.post("/api/v1/policies/cn-51/2026.1/review/", {})
    assert response.status_code == 200, response.json()
    assert PolicyVersion.objects.get(policy_id="cn-51").status == "reviewed"
