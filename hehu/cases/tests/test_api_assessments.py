from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from hehu.accounts.models import User
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Assessment, Case
from hehu.cases.services.assessments import assessment_start
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    supervisor,
)
from hehu.cases.tests.test_services_assessments import best_answers

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_today"),
]


@pytest.fixture
def _today() -> Any:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        yield


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_starts_lists_saves_and_submits_over_the_api() -> None:
    actor = director()
    case = make_case(actor=actor)
    client = api(actor)
    started = client.post(f"/api/v1/cases/{case.pk}/assessments/", {"kind": "needs"}, format="json")
    assert started.status_code == 201, started.json()
    body = started.json()
    assert body["status"] == "draft"
    assert body["instrument_id"] == "needs-cn"
    assessment = Assessment.objects.get(pk=body["id"])
    answers = best_answers(assessment, ed_costs="unaffordable", ed_attendance="out_of_school")
    saved = client.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"answers": answers, "child_views": "我想回学校。", "version": 1},
        format="json",
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["version"] == 2
    done = client.post(
        f"/api/v1/assessments/{assessment.pk}/submit/", {"version": 2}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["needs"] == [
        {"domain": "education", "level": "high", "support": "cash", "score": 100.0}
    ]
    assert done.json()["scores"]["parts"][3]["items"][0]["option"] == "out_of_school"
    listed = client.get(f"/api/v1/cases/{case.pk}/assessments/")
    assert [row["id"] for row in listed.json()] == [assessment.pk]
    case.refresh_from_db()
    assert case.status == Case.Status.PLANNING


def test_an_incomplete_submit_is_400_naming_each_missing_item() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    response = api(actor).post(
        f"/api/v1/assessments/{assessment.pk}/submit/", {"version": 1}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "assessment_incomplete"
    assert len(body["missing"]) == 17 + 1  # every item and the child's views
    assert body["missing"][0] == {
        "item": "cd_daily_care",
        "part": "child_development",
        "label": "儿童日常由谁照料",
    }
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    assert assessment.version == 1


def test_an_outdated_version_is_409_and_nothing_is_saved() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    client = api(actor)
    first = client.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"answers": {"cd_living": "partly"}, "version": 1},
        format="json",
    )
    assert first.status_code == 200
    second = api(supervisor()).patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"answers": {"cd_living": "adequate"}, "version": 1},
        format="json",
    )
    assert second.status_code == 409
    assert second.json()["code"] == "concurrent_edit"
    assessment.refresh_from_db()
    assert assessment.answers == {"cd_living": "partly"}


def test_an_unknown_option_is_refused_naming_it() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    response = api(actor).patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"answers": {"cd_living": "luxury"}, "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "assessment_answer_invalid"
    assert "luxury" in response.json()["message"]


def test_a_hidden_case_or_assessment_is_404_and_nothing_changes() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    stranger = api(director(OTHER_COUNTY_VILLAGE))
    case_id = assessment.case_id
    assert stranger.get(f"/api/v1/cases/{case_id}/assessments/").status_code == 404
    assert (
        stranger.post(
            f"/api/v1/cases/{case_id}/assessments/", {"kind": "needs"}, format="json"
        ).status_code
        == 404
    )
    assert stranger.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    response = stranger.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"answers": {"cd_living": "partly"}, "version": 1},
        format="json",
    )
    assert response.status_code == 404
    assert (
        stranger.post(f"/api/v1/assessments/{assessment.pk}/submit/", {"version": 1}).status_code
        == 404
    )
    assessment.refresh_from_db()
    assert assessment.answers == {}
    assert assessment.version == 1
    assert Assessment.objects.count() == 1
    assert not AuditEntry.objects.filter(verb=Verb.ASSESSMENT_VIEWED).exists()


def test_a_department_officer_sees_the_case_but_not_its_assessments() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    officer = api(department_officer())
    assert officer.get(f"/api/v1/cases/{assessment.case_id}/assessments/").status_code == 403
    assert officer.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 403


def test_a_county_officer_reads_and_the_reading_is_audited() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    county = county_officer()
    response = api(county).get(f"/api/v1/assessments/{assessment.pk}/")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(verb=Verb.ASSESSMENT_VIEWED)
    assert entry.actor == county
    assert entry.object_id == str(assessment.pk)


def test_it_lists_instruments_and_gives_one_to_render_its_form() -> None:
    client = api(director())
    listed = client.get("/api/v1/instruments/").json()
    assert {(row["id"], row["version"], row["in_force"]) for row in listed} == {
        ("guardianship-cn", "2026.1", True),
        ("needs-cn", "2026.1", True),
    }
    one = client.get("/api/v1/instruments/guardianship-cn/2026.1/").json()
    assert [p["code"] for p in one["parts"]] == [
        "child_development",
        "guardianship_capacity",
        "guardianship_support",
    ]
    assert one["parts"][0]["weight"] == 0.3
    assert one["parts"][0]["items"][0]["options"][0] == {
        "code": "parent",
        "label": {"zh": "父母或监护人亲自照料", "en": "a parent or the guardian"},
        "score": 10.0,
    }
    assert one["red_flags"][0]["outcome"] == "absent"
    assert client.get("/api/v1/instruments/guardianship-cn/1999/").status_code == 404
