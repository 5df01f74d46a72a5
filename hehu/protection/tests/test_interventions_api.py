"""The intervention ladder over the API: list (audited), record, needs revocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import WorkItem
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    director,
    supervisor,
)
from hehu.protection.models import InterventionStep
from hehu.protection.tests.test_interventions_services import (
    NOW,
    applied,
    child_with_parents,
    court,
    petition,
    police,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(child: Any, part: str = "") -> str:
    return f"/api/v1/children/{child.pk}/interventions/{part}"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "step": "guidance_order",
        "on": "2026-03-03",
        "reference": "翠公（家）指字〔2026〕1号",
        "evidence": "父亲长期不让儿童上学，经训诫无改正。",
        "responsible": "刘警官",
        **overrides,
    }


def test_a_police_officer_records_a_guidance_order() -> None:
    child = child_with_parents()

    response = api(police()).post(url(child), body(), format="json")

    assert response.status_code == 201, response.json()
    step = response.json()["step"]
    assert step["step"] == "guidance_order"
    assert step["step_label"] == "责令接受家庭教育指导"
    assert step["body"] == "public_security"
    assert step["number"] == f"G{step['id']:06d}"
    assert response.json()["also_recorded"] == []


def test_an_urgent_application_returns_the_courts_24_hour_deadline() -> None:
    child = child_with_parents()

    response = api(county_officer()).post(
        url(child),
        body(
            step="order_applied",
            on=None,
            reference="",
            urgent=True,
            applied_at="2026-03-04T09:00:00+08:00",
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["step"]["decision_due_at"] == "2026-03-05T09:00:00+08:00"


def test_a_refusal_names_every_field() -> None:
    child = child_with_parents()

    response = api(police()).post(
        url(child), body(reference="", evidence="", on="2026-03-09"), format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"reference", "evidence", "on"}


def test_a_body_the_officer_does_not_work_for_is_403() -> None:
    response = api(police()).post(url(child_with_parents()), body(body="court"), format="json")

    assert response.status_code == 403
    assert response.json()["field"] == "body"
    assert "您只能登记公安机关采取的措施" in response.json()["message"]


def test_a_revocation_leaving_nobody_returns_the_long_term_guardianship() -> None:
    child = child_with_parents()
    child.parents.filter(role="father").update(vital_status="dead")
    petition(child)

    response = api(court()).post(
        url(child),
        body(
            step="revocation",
            guardian_role="mother",
            reference="(2026)川1502民特3号",
            intentional_crime=True,
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    also = response.json()["also_recorded"]
    assert [s["step"] for s in also] == ["long_term_guardianship"]
    assert also[0]["body"] == "civil_affairs"


def test_the_list_shows_steps_and_open_clocks_and_is_audited() -> None:
    child = child_with_parents()
    applied(child, at=NOW - dt.timedelta(hours=1))
    officer = county_officer()

    response = api(officer).get(url(child))

    assert response.status_code == 200
    data = response.json()
    assert [s["step"] for s in data["steps"]] == ["order_applied"]
    clock = data["open_clocks"][0]
    assert clock["kind"] == "order_decision"
    assert clock["department"] == "court"
    assert clock["due_at"] == "2026-03-07T09:00:00+08:00"
    assert response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.get(verb=Verb.PROTECTION_VIEWED, child_id=child.pk)
    assert entry.actor == officer
    assert entry.changes == {"part": "interventions"}


@pytest.mark.parametrize("part", ["", "revocation-needed/"])
def test_a_child_outside_the_county_is_404_and_nothing_happens(part: str) -> None:
    child = child_with_parents(OTHER_COUNTY_VILLAGE)

    read = api(police()).get(url(child, part))
    write = api(police()).post(url(child, part), body(), format="json")

    assert read.status_code in (404, 405)
    assert write.status_code == 404
    assert not InterventionStep.objects.exists()
    assert not WorkItem.objects.exists()
    assert not AuditEntry.objects.filter(child_id=child.pk).exists()


def test_a_role_without_the_permission_is_403() -> None:
    child = child_with_parents()

    assert api(supervisor()).post(url(child), body(), format="json").status_code == 403
    assert api(supervisor()).post(url(child, "revocation-needed/")).status_code == 403


def test_needs_revocation_opens_then_returns_the_same_item() -> None:
    child = child_with_parents()

    first = api(director()).post(url(child, "revocation-needed/"), {}, format="json")
    again = api(county_officer()).post(
        url(child, "revocation-needed/"), {"reason": "见 G000001"}, format="json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["opened"] is True
    assert again.json()["opened"] is False
    assert first.json()["item"]["id"] == again.json()["item"]["id"]
    assert first.json()["item"]["kind"] == "revocation_petition"
    assert first.json()["item"]["department"] == "civil_affairs"


def test_needs_revocation_while_a_petition_waits_is_409() -> None:
    child = child_with_parents()
    petition(child)

    response = api(director()).post(url(child, "revocation-needed/"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "revocation_pending"
