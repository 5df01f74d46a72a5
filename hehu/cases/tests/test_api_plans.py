from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import PlanItem, ServicePlan
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_organisation,
    supervisor,
)
from hehu.cases.tests.test_services_plans import filled, planning_case, submitted

pytestmark = pytest.mark.django_db
P = ServicePlan.Status


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(version: int, organisation_id: int) -> dict[str, Any]:
    return {
        "summary": "生活保障与心理支持",
        "version": version,
        "goals": [
            {"need": "basic_living", "description": "保障基本生活"},
            {"need": "psychological", "description": "缓解孤独感"},
        ],
        "items": [
            {
                "goal": 0,
                "kind": "cash",
                "support": "unattended_allowance",
                "provider_department": "civil_affairs",
                "amount": "1651.00",
                "frequency": "monthly",
                "starts_on": "2026-03-01",
                "responsible_name": "王主任",
            },
            {
                "goal": 1,
                "kind": "service",
                "support": "counselling",
                "provider_organisation": organisation_id,
                "frequency": "fortnightly",
                "starts_on": "2026-03-01",
                "ends_on": "2026-08-31",
                "responsible_name": "张社工",
            },
        ],
    }


def test_it_drafts_fills_and_reads_a_plan() -> None:
    me = director()
    case = planning_case(me)
    api = client_for(me)
    created = api.post(f"/api/v1/cases/{case.pk}/plans/", {}, format="json")
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert (plan["number"], plan["status"]) == (1, "draft")
    put = api.put(
        f"/api/v1/plans/{plan['id']}/",
        body(plan["version"], make_organisation().pk),
        format="json",
    )
    assert put.status_code == 200, put.json()
    read = api.get(f"/api/v1/plans/{plan['id']}/").json()
    assert [g["need"] for g in read["goals"]] == ["basic_living", "psychological"]
    cash, service = read["items"]
    assert (cash["amount"], cash["goal"], cash["provider_label"]) == ("1651.00", 0, "民政")
    assert (service["goal"], service["provider_label"]) == (1, "宜宾市阳光社工服务中心")
    listed = api.get(f"/api/v1/cases/{case.pk}/plans/").json()
    assert [p["id"] for p in listed] == [plan["id"]]
    assert AuditEntry.objects.filter(
        verb=Verb.CASE_VIEWED, object_type="plan", object_id=str(plan["id"])
    ).exists()


def test_it_names_each_bad_item_field() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    data = body(plan.version, make_organisation().pk)
    data["items"][0]["amount"] = "-5"
    data["items"][1]["starts_on"] = "2026-09-01"
    data["items"][1]["provider_department"] = "education"
    response = client_for(me).put(f"/api/v1/plans/{plan.pk}/", data, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"items[0].amount", "items[1].ends_on", "items[1].provider"}
    assert response.json()["code"] == "validation_failed"


def test_a_badly_typed_field_is_named_by_its_path() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    data = body(plan.version, make_organisation().pk)
    data["items"][1]["starts_on"] = "not a date"
    response = client_for(me).put(f"/api/v1/plans/{plan.pk}/", data, format="json")
    assert response.status_code == 400
    assert "items[1].starts_on" in response.json()["errors"]


def test_a_stale_version_is_refused_with_409_and_nothing_saved() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    data = body(plan.version - 1, make_organisation().pk)
    data["summary"] = "覆盖别人的修改"
    response = client_for(me).put(f"/api/v1/plans/{plan.pk}/", data, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_edit"
    plan.refresh_from_db()
    assert plan.summary == "以生活保障和心理支持为主"
    assert PlanItem.objects.filter(plan=plan).count() == 3


def test_it_takes_a_plan_to_approval() -> None:
    plan, me = submitted()
    reviewed = client_for(supervisor()).post(
        f"/api/v1/plans/{plan.pk}/review/", {"version": plan.version}, format="json"
    )
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["status"] == "reviewed"
    approved = client_for(county_officer()).post(
        f"/api/v1/plans/{plan.pk}/approve/", {"version": reviewed.json()["version"]}, format="json"
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["review_on"] is not None


def test_it_returns_a_plan_with_the_reason() -> None:
    plan, _me = submitted()
    api = client_for(supervisor())
    refused = api.post(f"/api/v1/plans/{plan.pk}/return/", {"reason": ""}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    done = api.post(f"/api/v1/plans/{plan.pk}/return/", {"reason": "补充频次"}, format="json")
    assert done.json()["status"] == "returned"
    assert done.json()["return_reason"] == "补充频次"


def test_a_wrong_step_is_refused_with_409() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    response = client_for(county_officer()).post(f"/api/v1/plans/{plan.pk}/approve/", {})
    assert response.status_code == 409
    assert response.json()["code"] == "plan_step_not_allowed"


@pytest.mark.parametrize(
    ("who", "step"),
    [(director, "review"), (supervisor, "approve"), (department_officer, "review")],
)
def test_a_role_without_the_permission_gets_403(who: Any, step: str) -> None:
    plan, _me = submitted()
    response = client_for(who()).post(f"/api/v1/plans/{plan.pk}/{step}/", {})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED


def test_a_department_officer_reads_but_cannot_draft() -> None:
    case = planning_case()
    officer = client_for(department_officer())
    assert officer.get(f"/api/v1/cases/{case.pk}/plans/").status_code == 200
    assert officer.post(f"/api/v1/cases/{case.pk}/plans/", {}).status_code == 403
    assert not ServicePlan.objects.exists()


def test_outside_the_jurisdiction_everything_is_404_and_nothing_changes() -> None:
    plan, _me = submitted()
    version = plan.version
    elsewhere = client_for(supervisor(OTHER_COUNTY_VILLAGE))
    case_id = plan.case_id
    assert elsewhere.get(f"/api/v1/cases/{case_id}/plans/").status_code == 404
    assert elsewhere.post(f"/api/v1/cases/{case_id}/plans/", {}).status_code == 404
    assert elsewhere.get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    put = elsewhere.put(f"/api/v1/plans/{plan.pk}/", body(version, 1), format="json")
    assert put.status_code == 404
    for step in ("submit", "review", "approve", "return"):
        response = elsewhere.post(f"/api/v1/plans/{plan.pk}/{step}/", {"reason": "x"})
        assert response.status_code == 404
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (P.SUBMITTED, version)
    assert ServicePlan.objects.count() == 1


def test_a_missing_plan_is_404() -> None:
    assert client_for(director()).get("/api/v1/plans/999999/").status_code == 404
