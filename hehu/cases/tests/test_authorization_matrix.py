"""Every role × every casework URL × a case outside the user's jurisdiction.

Walked from the URL configuration (like hehu/api/tests/test_authorization_matrix.py), so a
new casework route is covered the day it is added: an object of a child outside the
user's jurisdiction — its case, assessment, plan, visit, referral, recognition application
— is answered exactly like one that does not exist, changes nothing, is not audited, and
no list, count or work list mentions it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from hehu.accounts.tests.personas import personas
from hehu.audit.models import AuditEntry
from hehu.cases.models import (
    Assessment,
    Case,
    CaseReferral,
    RecognitionApplication,
    ServicePlan,
    Visit,
)
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    director,
    make_case,
    make_child,
    make_organisation,
)
from hehu.core.tests.urls import Route, all_routes

OUTSIDE_NAME = "界外个案儿童丙"
MISSING = 987654321
# Which object each URL keyword names.
KWARGS = {
    "case_id": "case",
    "assessment_id": "assessment",
    "pk": "assessment",  # /cases/<case_id>/assessments/<pk>/
    "plan_id": "plan",
    "visit_id": "visit",
    "referral_id": "referral",
    "application_id": "application",
    "photo_id": None,  # no photo is made: always a missing one
}
METHODS = ("get", "post", "put", "patch", "delete")
HIDDEN_STATUSES = {403, 404, 405}


CASEWORK_PATHS = ("cases/", "assessments/", "plans/", "visits/", "applications/")


def object_routes() -> list[Route]:
    return [
        r
        for r in all_routes()
        if any(p in r.pattern for p in CASEWORK_PATHS)
        and r.kwargs
        and set(r.kwargs) <= set(KWARGS) | {"action"}
        and set(r.kwargs) & set(KWARGS)
    ]


def casework_lists() -> list[Route]:
    wanted = ("cases", "worklist", "visits", "applications")
    return [r for r in all_routes() if not r.kwargs and any(w in r.pattern for w in wanted)]


@pytest.fixture
def world(db):
    inside = make_case(make_child(VILLAGE, name="界内个案儿童丁"))
    outside_director = director(OTHER_COUNTY_VILLAGE)
    case = make_case(make_child(OTHER_COUNTY_VILLAGE, name=OUTSIDE_NAME), actor=outside_director)
    now = timezone.now()
    objects = {
        "case": case,
        "assessment": Assessment.objects.create(
            case=case,
            kind=Assessment.Kind.GUARDIANSHIP,
            instrument_id="guardianship-cn",
            instrument_version="2026.1",
            assessor=outside_director,
            started_at=now,
        ),
        "plan": ServicePlan.objects.create(
            case=case, number=1, created_by=outside_director, created_at=now
        ),
        "visit": Visit.objects.get(case=case),
        "referral": CaseReferral.objects.create(
            case=case,
            organisation=make_organisation("界外社工站"),
            referred_by=outside_director,
            referred_at=now,
        ),
        "application": RecognitionApplication.objects.create(
            child=case.child,
            kind=RecognitionApplication.Kind.ORPHAN,
            status=RecognitionApplication.Status.TOWNSHIP,
            applicant_name="界外申请人",
            applicant_relation="祖母",
            hukou_township_code=OTHER_COUNTY_VILLAGE[:9] + "000",
            receiving_township_code=OTHER_COUNTY_VILLAGE[:9] + "000",
            applied_on=dt.date(2026, 3, 2),
            accepted_on=dt.date(2026, 3, 2),
            received_by=outside_director,
        ),
    }
    return inside, objects


def _snapshot(objects: dict[str, object]) -> list[tuple[object, ...]]:
    rows = []
    for obj in objects.values():
        obj.refresh_from_db()  # type: ignore[attr-defined]
        rows.append(tuple(getattr(obj, f, None) for f in ("version", "status", "region_code")))
    return rows


def _fill(route: Route, values: dict[str, object]) -> str:
    path = route.pattern
    for kw in route.kwargs:
        path = re.sub(rf"<(?:\w+:)?{kw}>", str(values[kw]), path)
    return path


def _values(route: Route, objects: dict[str, object], *, hidden: bool) -> dict[str, object]:
    values: dict[str, object] = {"action": "approve"}
    for kw in route.kwargs:
        if kw == "action":
            continue
        kind = KWARGS[kw]
        values[kw] = objects[kind].pk if hidden and kind is not None else MISSING  # type: ignore[attr-defined]
    return values


def _call(client, method: str, path: str):
    return getattr(client, method)(path, data={} if method == "get" else None)


@pytest.mark.parametrize("route", object_routes(), ids=lambda r: r.name)
def test_a_casework_object_outside_the_jurisdiction_is_answered_like_a_missing_one(
    route, world, client
):
    _, objects = world
    child_id = objects["case"].child_id
    before = _snapshot(objects)
    audited = AuditEntry.objects.filter(child_id=child_id).count()
    for user in personas(VILLAGE):
        client.force_login(user)
        for method in METHODS:
            hidden = _call(client, method, _fill(route, _values(route, objects, hidden=True)))
            missing = _call(client, method, _fill(route, _values(route, objects, hidden=False)))
            assert hidden.status_code == missing.status_code, (user.role, method, route.pattern)
            assert hidden.status_code in HIDDEN_STATUSES, (user.role, method, route.pattern)
            assert OUTSIDE_NAME not in hidden.content.decode(errors="replace")
        client.logout()
    assert _snapshot(objects) == before
    assert AuditEntry.objects.filter(child_id=child_id).count() == audited


@pytest.mark.parametrize("route", casework_lists(), ids=lambda r: r.name)
def test_no_casework_list_mentions_a_case_outside_the_jurisdiction(route, world, client):
    inside, objects = world
    outside_case = objects["case"]
    for user in personas(VILLAGE):
        client.force_login(user)
        for params in ({}, {"q": OUTSIDE_NAME[:3]}, {"view": "all"}, {"status": "township"}):
            body = client.get(route.pattern, params).content.decode(errors="replace")
            assert OUTSIDE_NAME not in body, (user.role, route.pattern, params)
            assert f"/cases/{outside_case.pk}/" not in body, (user.role, route.pattern)
        client.logout()


def test_each_role_opens_an_inside_case_only_if_its_role_reads_cases(world, client):
    from hehu.accounts.permissions import Perm, has_perm

    inside, _ = world
    for user in personas(VILLAGE):
        client.force_login(user)
        page = client.get(f"/cases/{inside.pk}/")
        api = client.get(f"/api/v1/cases/{inside.pk}/")
        # Social workers see only cases referred to their organisation (none here).
        reads = has_perm(user, Perm.VIEW_CASE) and user.role != "social_worker"
        expected = 200 if reads else (404 if has_perm(user, Perm.VIEW_CASE) else 403)
        assert page.status_code in ((expected,) if reads else (403, 404)), user.role
        assert api.status_code in ((expected,) if reads else (403, 404)), user.role
        client.logout()
    assert Case.objects.filter(pk=inside.pk, status=Case.Status.INTAKE).exists()
