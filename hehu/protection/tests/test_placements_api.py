"""Removals, placements, returns and the register over /api/v1/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hehu.accounts.models import User
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.tests.factories import OTHER_COUNTY_VILLAGE
from hehu.protection.models import CareFacility, Placement, Removal
from hehu.protection.models.placement import Ground
from hehu.protection.tests.factories import (
    county_officer,
    make_child,
    make_facility,
    make_placement,
    police,
)

pytestmark = pytest.mark.django_db


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _removal(**more: Any) -> dict[str, Any]:
    return {
        "removed_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "removed_by_body": "public_security",
        "removed_by_name": "李明",
        "ground": Ground.WANDERING_OR_UNIDENTIFIED,
        "circumstances": "车站发现独自乞讨的儿童，无法联系监护人。",
        **more,
    }


def test_a_police_officer_records_a_removal() -> None:
    child = make_child()

    response = _api(police()).post(
        f"/api/v1/children/{child.pk}/protection/removals/", _removal(), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["removal"]["ground"] == Ground.WANDERING_OR_UNIDENTIFIED
    assert body["removal"]["number"].startswith("DL")
    assert body["placement"] is None


def test_a_police_officer_may_not_place_a_child_in_the_same_call() -> None:
    child = make_child()
    facility = make_facility()

    response = _api(police()).post(
        f"/api/v1/children/{child.pk}/protection/removals/",
        _removal(
            placement={
                "kind": "institution",
                "facility_id": facility.pk,
                "started_on": timezone.localdate().isoformat(),
            }
        ),
        format="json",
    )

    assert response.status_code == 403
    assert not Removal.objects.exists()


def test_civil_affairs_record_a_removal_with_its_placement_and_errors_name_the_part() -> None:
    officer = county_officer()
    child = make_child()
    facility = make_facility(actor=officer)
    client = _api(officer)
    url = f"/api/v1/children/{child.pk}/protection/removals/"

    refused = client.post(
        url, _removal(placement={"kind": "institution", "started_on": None}), format="json"
    )
    accepted = client.post(
        url,
        _removal(
            removed_by_body="civil_affairs",
            placement={
                "kind": "institution",
                "facility_id": facility.pk,
                "started_on": timezone.localdate().isoformat(),
            },
        ),
        format="json",
    )

    assert refused.status_code == 400
    assert {"placement.started_on", "placement.facility"} <= set(refused.json()["errors"])
    assert accepted.status_code == 201
    assert accepted.json()["placement"]["facility"]["id"] == facility.pk


def test_a_placement_over_capacity_needs_a_reason_over_the_api() -> None:
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=1)
    make_placement(make_child(), actor=officer, facility=facility)
    child = make_child()
    client = _api(officer)
    url = f"/api/v1/children/{child.pk}/protection/placements/"
    data = {
        "kind": "institution",
        "facility_id": facility.pk,
        "started_on": timezone.localdate().isoformat(),
    }

    refused = client.post(url, data, format="json")
    accepted = client.post(
        url, {**data, "over_capacity_reason": "县内其他机构已满，暂超员一晚"}, format="json"
    )

    assert refused.status_code == 400
    assert "现安置 1 人，床位 1 个" in refused.json()["errors"]["over_capacity_reason"][0]
    assert accepted.status_code == 201
    assert accepted.json()["over_capacity_reason"] == "县内其他机构已满，暂超员一晚"


def test_a_return_over_the_api_needs_a_positive_assessment() -> None:
    officer = county_officer()
    placement = make_placement(make_child(), actor=officer)
    client = _api(officer)
    ending = {
        "ended_on": timezone.localdate().isoformat(),
        "end_reason": "returned",
        "living_arrangement": "with_parents",
        "guardian_relation": "parent",
    }

    refused = client.post(f"/api/v1/placements/{placement.pk}/end/", ending, format="json")
    negative = client.post(
        f"/api/v1/placements/{placement.pk}/return-assessments/",
        {
            "assessed_on": timezone.localdate().isoformat(),
            "guardian_can_care": False,
            "findings": "父亲仍酗酒。",
        },
        format="json",
    )
    still_refused = client.post(f"/api/v1/placements/{placement.pk}/end/", ending, format="json")
    client.post(
        f"/api/v1/placements/{placement.pk}/return-assessments/",
        {
            "assessed_on": timezone.localdate().isoformat(),
            "guardian_can_care": True,
            "findings": "父亲已戒酒三个月，能够照料。",
        },
        format="json",
    )
    accepted = client.post(f"/api/v1/placements/{placement.pk}/end/", ending, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"]["end_reason"] == [
        "返还监护人前须由民政部门评估监护人能够重新履行监护职责"
    ]
    assert negative.status_code == 201
    assert still_refused.status_code == 400
    assert accepted.status_code == 200
    assert accepted.json()["end_reason"] == "returned"
    assert len(accepted.json()["return_assessments"]) == 2


def test_the_childs_protection_record_is_read_and_audited() -> None:
    officer = county_officer()
    child = make_child()
    make_placement(child, actor=officer, kind=Placement.Kind.KINSHIP)

    response = _api(officer).get(f"/api/v1/children/{child.pk}/protection/")

    assert response.status_code == 200
    body = response.json()
    assert body["current"]["kind"] == "kinship"
    assert body["current"]["carer_name"] == "张桂芳"
    assert AuditEntry.objects.filter(verb=Verb.PROTECTION_VIEWED, child_id=child.pk).exists()


def test_an_officer_of_another_county_gets_404_and_nothing_changes() -> None:
    child = make_child()
    placement = make_placement(child)
    client = _api(county_officer(OTHER_COUNTY_VILLAGE))

    responses = [
        client.get(f"/api/v1/children/{child.pk}/protection/"),
        client.post(f"/api/v1/children/{child.pk}/protection/removals/", _removal()),
        client.post(
            f"/api/v1/placements/{placement.pk}/end/",
            {"ended_on": timezone.localdate().isoformat(), "end_reason": "other"},
        ),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert not Removal.objects.exists()
    placement.refresh_from_db()
    assert placement.ended_on is None
    assert not AuditEntry.objects.filter(verb=Verb.PROTECTION_VIEWED).exists()


def test_the_register_over_the_api_with_a_refused_concurrent_edit() -> None:
    officer = county_officer()
    client = _api(officer)

    created = client.post(
        "/api/v1/facilities/",
        {"name": "赵家寄养家庭", "kind": "foster_family", "capacity": 2},
        format="json",
    )
    facility_id = created.json()["id"]
    update = {"name": "赵家寄养家庭", "kind": "foster_family", "capacity": 3, "version": 1}
    first = client.put(f"/api/v1/facilities/{facility_id}/", update, format="json")
    second = client.put(
        f"/api/v1/facilities/{facility_id}/", {**update, "capacity": 5}, format="json"
    )
    listed = client.get("/api/v1/facilities/")

    assert created.status_code == 201
    assert created.json()["free"] == 2
    assert first.status_code == 200
    assert first.json()["version"] == 2
    assert second.status_code == 409
    assert second.json()["code"] == "concurrent_edit"
    assert [f["capacity"] for f in listed.json()["results"]] == [3]
    assert CareFacility.objects.get(pk=facility_id).capacity == 3


def test_the_register_is_refused_to_the_police() -> None:
    response = _api(police()).get("/api/v1/facilities/")

    assert response.status_code == 403
