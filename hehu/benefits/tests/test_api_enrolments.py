"""Enrolments over the API: candidates, enrolments to review, confirm, record a change,
cancel a stop; refusals by role, jurisdiction and version."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hehu.accounts.models import User
from hehu.benefits.models import Enrolment, StopReason
from hehu.benefits.tests.bank_factories import officer_elsewhere
from hehu.benefits.tests.factories import EnrolmentFactory, classified_child
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(user: User, path: str, body: dict[str, Any]) -> Any:
    return _api(user).post(path, body, format="json")


def test_candidates_list_the_categories_to_confirm(county_officer, village_director) -> None:
    child = classified_child(["orphan", "disabled_child"], name="周小云")
    EnrolmentFactory(child=child, category="orphan")
    classified_child(["left_behind"])

    response = _api(county_officer).get("/api/v1/benefits/candidates/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["child_id"] == child.pk
    assert [m["category"] for m in row["missing"]] == ["disabled_child"]
    assert row["missing"][0]["label"]["zh-hans"]
    assert _api(village_director).get("/api/v1/benefits/candidates/").status_code == 403
    assert _api(officer_elsewhere()).get("/api/v1/benefits/candidates/").json()["count"] == 0
    bad = _api(county_officer).get("/api/v1/benefits/candidates/", {"region": "abc"})
    assert bad.status_code == 400


def test_enrolments_to_review(county_officer) -> None:
    lost = classified_child(["left_behind"], name="赵小川")
    stale = EnrolmentFactory(child=lost, category="disabled_child")
    response = _api(county_officer).get("/api/v1/benefits/enrolments-to-review/")
    assert response.status_code == 200
    assert [(r["id"], r["child_name"]) for r in response.json()["results"]] == [
        (stale.pk, "赵小川")
    ]


def test_the_county_confirms_an_enrolment(county_officer) -> None:
    child = classified_child(["disabled_child"])
    today = timezone.localdate()

    response = _post(
        county_officer,
        f"/api/v1/children/{child.pk}/benefits/enrolments/",
        {"category": "disabled_child", "confirmed_on": today.isoformat()},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["category"] == "disabled_child"
    assert body["stops_month"] is None
    assert body["category_label"]["zh-hans"]
    assert Enrolment.objects.filter(child=child).count() == 1


def test_a_refused_enrolment_answers_400_with_each_field(county_officer) -> None:
    child = classified_child(["left_behind"])
    response = _post(
        county_officer,
        f"/api/v1/children/{child.pk}/benefits/enrolments/",
        {"category": "disabled_child"},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"category", "confirmed_on"}
    assert not Enrolment.objects.filter(child=child).exists()


def test_enrolling_is_for_the_county_of_the_child(village_director, director_elsewhere) -> None:
    child = classified_child(["disabled_child"])
    body = {"category": "disabled_child", "confirmed_on": "2026-03-05"}
    path = f"/api/v1/children/{child.pk}/benefits/enrolments/"
    assert _post(village_director, path, body).status_code == 403
    assert _post(director_elsewhere, path, body).status_code == 404
    assert _post(officer_elsewhere(), path, body).status_code == 404
    assert not Enrolment.objects.exists()


def test_a_change_stops_every_running_enrolment(county_officer) -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child, category="de_facto_unattended")
    EnrolmentFactory(child=child, category="disabled_child")

    response = _post(
        county_officer,
        f"/api/v1/children/{child.pk}/benefits/changes/",
        {"reason": StopReason.DIED, "changed_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 200, response.json()
    assert {e["category"] for e in response.json()["stopped"]} == {
        "de_facto_unattended",
        "disabled_child",
    }
    assert not Enrolment.objects.filter(child=child, stops_month__isnull=True).exists()


def test_a_change_without_its_date_is_refused(county_officer) -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child)
    response = _post(
        county_officer, f"/api/v1/children/{child.pk}/benefits/changes/", {"reason": "adopted"}
    )
    assert response.status_code == 400
    assert "changed_on" in response.json()["errors"]
    assert Enrolment.objects.get(child=child).stops_month is None


def test_cancelling_a_stop_needs_the_version_read(county_officer) -> None:
    enrolment = EnrolmentFactory(
        stops_month=dt.date(2026, 1, 1), stop_reason=StopReason.OTHER, version=2
    )
    path = f"/api/v1/benefits/enrolments/{enrolment.pk}/cancel-stop/"

    stale = _post(county_officer, path, {"version": 1, "note": "登记错误"})
    assert stale.status_code == 409
    enrolment.refresh_from_db()
    assert enrolment.stops_month == dt.date(2026, 1, 1)

    done = _post(county_officer, path, {"version": 2, "note": "登记错误"})
    assert done.status_code == 200, done.json()
    assert done.json()["stops_month"] is None
    assert done.json()["version"] == 3

    hidden = EnrolmentFactory(county_code="511524", stops_month=dt.date(2026, 1, 1))
    response = _post(
        county_officer,
        f"/api/v1/benefits/enrolments/{hidden.pk}/cancel-stop/",
        {"version": 1, "note": "登记错误"},
    )
    assert response.status_code == 404
    hidden.refresh_from_db()
    assert hidden.stops_month == dt.date(2026, 1, 1)


def test_the_candidate_and_review_lists_do_not_grow_queries_with_rows(county_officer) -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _api(county_officer).get(path).status_code == 200
        return len(captured)

    def add_rows() -> None:
        classified_child(["disabled_child"])
        EnrolmentFactory(child=classified_child(["left_behind"]), category="disabled_child")

    add_rows()
    queries("/api/v1/benefits/candidates/")  # the caller's jurisdictions, read once and kept
    few = [
        queries("/api/v1/benefits/candidates/"),
        queries("/api/v1/benefits/enrolments-to-review/"),
    ]
    for _n in range(4):
        add_rows()
    many = [
        queries("/api/v1/benefits/candidates/"),
        queries("/api/v1/benefits/enrolments-to-review/"),
    ]
    assert many == few
