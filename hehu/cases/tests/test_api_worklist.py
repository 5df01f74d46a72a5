"""GET /api/v1/worklist/ and POST /api/v1/worklist/sweep/."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Level, WorkItem
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    director,
    supervisor,
)
from hehu.cases.tests.test_services_sweep import overdue_visit
from hehu.cases.tests.test_worklist import item

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_it_lists_the_callers_items_with_counts(client, today):
    raised = item(-10, level=Level.TOWNSHIP)
    item(3, kind=WorkItem.Kind.ASSESSMENT)
    client.force_login(director())

    data = client.get("/api/v1/worklist/").json()

    assert (data["count"], data["overdue"], data["due_this_week"]) == (2, 1, 1)
    assert data["by_kind"] == {"visit": 1, "assessment": 1}
    first = data["results"][0]
    assert first["id"] == raised.pk
    assert first["escalated"] is True
    assert (first["origin_level"], first["level"]) == ("village", "township")
    assert first["overdue"] is True
    assert first["days"] < 0
    assert first["rule"]["zh"] == "开案后 5 个工作日内首次走访"
    assert first["url"] == f"/cases/{raised.case_id}/visits/record/"


def test_it_filters_by_view_and_kind(client, today):
    item(-10, level=Level.TOWNSHIP)
    item(1, origin=Level.TOWNSHIP, kind=WorkItem.Kind.RECOGNITION_VERIFY)
    client.force_login(supervisor())

    assert client.get("/api/v1/worklist/").json()["count"] == 2
    assert client.get("/api/v1/worklist/?view=escalated").json()["count"] == 1
    kinds = client.get("/api/v1/worklist/?kind=recognition_verify").json()["results"]
    assert [r["kind"] for r in kinds] == ["recognition_verify"]


def test_it_refuses_an_unknown_view(client, today):
    client.force_login(director())

    response = client.get("/api/v1/worklist/?view=everything")

    assert response.status_code == 400
    assert "view" in response.json()["errors"]


def test_a_director_elsewhere_gets_an_empty_list(client, today):
    item(-3)
    client.force_login(director(OTHER_COUNTY_VILLAGE))

    assert client.get("/api/v1/worklist/").json()["count"] == 0


def test_roles_without_a_work_list_get_403(client, today):
    client.force_login(make_user(Role.ADMIN, ""))
    assert client.get("/api/v1/worklist/").status_code == 403


def test_the_list_costs_a_fixed_number_of_queries(client, today, django_assert_max_num_queries):
    for days in range(-5, 10):
        item(days)
    client.force_login(director())
    client.get("/api/v1/worklist/")

    with django_assert_max_num_queries(7):
        client.get("/api/v1/worklist/")


def test_a_county_officer_queues_the_sweep(client):
    made = overdue_visit()
    officer = county_officer()
    client.force_login(officer)

    with time_machine.travel(dt.datetime(2025, 10, 13, 2, 0, tzinfo=dt.UTC), tick=False):
        response = client.post("/api/v1/worklist/sweep/")

    assert response.status_code == 202
    assert response.json()["task_id"]
    made.refresh_from_db()
    assert made.level == Level.TOWNSHIP  # tasks run eagerly under the test settings
    asked = AuditEntry.objects.get(verb=Verb.DEADLINES_SWEPT, object_type="sweep_request")
    assert asked.actor == officer
    assert AuditEntry.objects.filter(verb=Verb.DEADLINES_SWEPT, object_type="sweep").count() == 1


@pytest.mark.parametrize("maker", [director, supervisor])
def test_other_roles_may_not_run_the_sweep(client, maker):
    made = overdue_visit()
    client.force_login(maker())

    response = client.post("/api/v1/worklist/sweep/")

    assert response.status_code == 403
    made.refresh_from_db()
    assert made.level == Level.VILLAGE
    assert not AuditEntry.objects.filter(verb=Verb.DEADLINES_SWEPT).exists()
