"""The recognition API: the whole chain, refusals with their codes, hidden = 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_child,
    supervisor,
)
from hehu.registry.services.children import child_register
from hehu.registry.tests.factories import child_data, make_id_number

pytestmark = pytest.mark.django_db

App = RecognitionApplication
URL = "/api/v1/applications/"


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=dt.UTC), tick=False):
        yield


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "de_facto_unattended",
        "applicant_name": "王奶奶",
        "applicant_relation": "祖母",
        "applied_on": "2025-04-01",
        "accepted_on": "2025-04-01",
    }
    values.update(kw)
    return values


def test_the_scenario_1_chain_over_the_api() -> None:
    child = make_child()
    township, county = supervisor(), county_officer()
    response = api(township).post(URL, body(child=child.pk), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "township"
    assert data["publicly_announced"] is False
    [deadline] = data["deadlines"]
    assert deadline["kind"] == "recognition_verify"
    assert deadline["due_on"] == "2025-04-23"
    assert deadline["rule"]["zh"].startswith("受理后 15 个工作日内")
    assert deadline["working_days_left"] < 0  # on 30 June it is long overdue
    pk = data["id"]

    verify = {"opinion": "confirmed", "concluded_on": "2025-04-23", "expected_version": 1}
    response = api(township).post(f"{URL}{pk}/verify/", verify, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["deadlines"][0]["due_on"] == "2025-05-16"

    decide = {"approve": True, "decided_on": "2025-05-16", "expected_version": 2}
    response = api(county).post(f"{URL}{pk}/decide/", decide, format="json")
    data = response.json()
    assert response.status_code == 200, data
    assert (data["status"], data["confirmed_from"], data["benefits_from"]) == (
        "approved",
        "2025-05-16",
        "2025-06-01",
    )
    assert data["deadlines"] == []


def test_a_refusal_without_reasons_is_400_naming_the_field() -> None:
    child = make_child()
    pk = api(supervisor()).post(URL, body(child=child.pk), format="json").json()["id"]
    api(supervisor()).post(
        f"{URL}{pk}/verify/",
        {"opinion": "not_confirmed", "note": "母亲已刑满释放", "concluded_on": "2025-04-10"},
        format="json",
    )
    response = api(county_officer()).post(
        f"{URL}{pk}/decide/", {"approve": False, "decided_on": "2025-04-20"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "reasons"
    assert App.objects.get().status == "county"


def test_a_wrong_step_is_409_and_a_stale_version_is_409() -> None:
    child = make_child()
    pk = api(supervisor()).post(URL, body(child=child.pk), format="json").json()["id"]
    response = api(supervisor()).post(
        f"{URL}{pk}/forward/", {"forwarded_on": "2025-04-02"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "application_step_not_allowed")
    response = api(supervisor()).post(
        f"{URL}{pk}/verify/",
        {"opinion": "confirmed", "concluded_on": "2025-04-10", "expected_version": 3},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "concurrent_edit")


def test_a_duplicate_pending_application_is_409() -> None:
    child = make_child()
    api(supervisor()).post(URL, body(child=child.pk), format="json")
    response = api(supervisor()).post(URL, body(child=child.pk), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "application_pending")
    assert App.objects.count() == 1


@pytest.mark.parametrize("who", [director, department_officer])
def test_roles_without_the_permission_cannot_receive(who: Any) -> None:
    child = make_child()
    response = api(who()).post(URL, body(child=child.pk), format="json")
    assert response.status_code == 403
    assert not App.objects.exists()


def test_a_director_cannot_verify() -> None:
    child = make_child()
    pk = api(supervisor()).post(URL, body(child=child.pk), format="json").json()["id"]
    response = api(director()).post(
        f"{URL}{pk}/verify/", {"opinion": "confirmed", "concluded_on": "2025-04-10"}, format="json"
    )
    assert response.status_code == 403
    assert App.objects.get().status == "township"


def test_an_application_outside_the_jurisdiction_is_404_and_nothing_changes() -> None:
    child = make_child()
    pk = api(supervisor()).post(URL, body(child=child.pk), format="json").json()["id"]
    outsider = county_officer(OTHER_COUNTY_VILLAGE)
    before = AuditEntry.objects.count()
    assert api(outsider).get(f"{URL}{pk}/").status_code == 404
    response = api(outsider).post(f"{URL}{pk}/withdraw/", {"reason": "撤回"}, format="json")
    assert response.status_code == 404
    assert api(outsider).get(URL).json()["results"] == []
    assert App.objects.get().status == "township"
    # Only the list view is recorded (empty); nothing about the hidden application.
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("id").changes == {"ids": []}


def test_a_hidden_child_cannot_be_named_in_a_new_application() -> None:
    child = make_child(OTHER_COUNTY_VILLAGE)
    response = api(supervisor()).post(URL, body(child=child.pk), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["child"]
    assert not App.objects.exists()


def test_the_cross_province_chain_over_the_api() -> None:
    number = make_id_number(dt.date(2015, 3, 2), sequence=58)
    child = child_register(actor=director(), data=child_data(id_number=number, no_id_reason=""))
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, "130111200")
    response = api(hebei).post(
        URL, body(child_id_number=number, cross_province=True), format="json"
    )
    data = response.json()
    assert response.status_code == 201, data
    assert (data["child"], data["status"], data["deadlines"][0]["due_on"]) == (
        child.pk,
        "received",
        "2025-04-07",
    )
    pk = data["id"]
    assert [a["id"] for a in api(hebei).get(URL, {"status": "queue"}).json()["results"]] == [pk]
    steps = [
        (hebei, "forward", {"forwarded_on": "2025-04-03"}, "2025-04-25"),
        (
            supervisor(),
            "verify",
            {"opinion": "confirmed", "concluded_on": "2025-04-25"},
            "2025-05-20",
        ),
        (county_officer(), "decide", {"approve": True, "decided_on": "2025-05-20"}, "2025-05-23"),
    ]
    for user, step, payload, next_due in steps:
        response = api(user).post(f"{URL}{pk}/{step}/", payload, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["deadlines"][0]["due_on"] == next_due
    response = api(hebei).post(f"{URL}{pk}/notify/", {"notified_on": "2025-05-21"}, format="json")
    assert response.status_code == 200
    assert response.json()["applicant_notified_on"] == "2025-05-21"
    assert not WorkItem.objects.filter(application_id=pk, status="open").exists()


def test_reading_an_application_is_audited() -> None:
    child = make_child()
    pk = api(supervisor()).post(URL, body(child=child.pk), format="json").json()["id"]
    reader = county_officer()
    assert api(reader).get(f"{URL}{pk}/").status_code == 200
    assert AuditEntry.objects.filter(
        actor=reader, verb="application.viewed", object_id=str(pk), child_id=child.pk
    ).exists()


def test_the_list_filters_by_status(django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        api(supervisor()).post(URL, body(child=make_child().pk), format="json")
    client = api(county_officer())
    with django_assert_max_num_queries(8):
        rows = client.get(URL, {"status": "township"}).json()["results"]
    assert len(rows) == 3
    assert client.get(URL, {"status": "county"}).json()["results"] == []
    assert client.get(URL, {"status": "nonsense"}).status_code == 400
