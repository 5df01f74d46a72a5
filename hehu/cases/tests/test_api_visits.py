"""Home visits over the API: list, record (JSON or multipart with photos), due visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Case, Visit, VisitPhoto
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    social_worker,
    supervisor,
)

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
OPENED = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
TODAY = dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "visited_on": "2026-03-05",
        "child_seen": True,
        "living_conditions": "good",
        "safety": "safe",
        "schooling": "attending",
        "health": "good",
        "notes": "一切正常。",
        "client_token": "api-token-1",
        **overrides,
    }


@pytest.fixture
def case() -> Case:
    with time_machine.travel(OPENED, tick=False):
        return make_case(make_child(name="王小明"))


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/visits/"


def done(case: Case) -> int:
    return Visit.objects.filter(case=case, status=Visit.Status.DONE).count()


@time_machine.travel(TODAY, tick=False)
def test_it_records_a_visit_from_json_and_answers_with_the_next_due(case: Case) -> None:
    response = api(director()).post(url(case), body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["visit"]["status"] == "done"
    assert data["visit"]["visited_on"] == "2026-03-05"
    assert data["visit"]["requires_report"] is False
    assert data["next_visit"]["due_on"] == "2026-06-05"
    assert data["next_visit"]["rule"] == {
        "zh": "一般：每 3 个月走访一次",
        "en": "normal risk: every 3 month(s)",
    }
    assert data["next_visit"]["days_left"] == 92
    assert data["action"] is None


@time_machine.travel(TODAY, tick=False)
def test_it_records_a_visit_with_photos_from_multipart(case: Case) -> None:
    photos = [
        SimpleUploadedFile("1.jpg", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("2.png", PNG, content_type="image/png"),
    ]
    data = {**body(child_seen="false", not_seen_reason="上学未归"), "photos": photos}
    response = api(director()).post(url(case), data, format="multipart")
    assert response.status_code == 201, response.json()
    visit = response.json()["visit"]
    assert visit["child_seen"] is False
    assert [p["content_type"] for p in visit["photos"]] == ["image/jpeg", "image/png"]
    assert visit["photos"][0]["url"].startswith(f"/cases/{case.pk}/visits/")
    assert visit["requires_report"] is True
    assert "110" in response.json()["action"]


@time_machine.travel(TODAY, tick=False)
def test_a_retried_post_returns_the_first_visit_once(case: Case) -> None:
    client = api(director())
    first = client.post(url(case), body(), format="json")
    again = client.post(url(case), body(), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["visit"]["id"] == again.json()["visit"]["id"]
    assert done(case) == 1
    assert AuditEntry.objects.filter(verb=Verb.VISIT_RECORDED).count() == 1


@time_machine.travel(TODAY, tick=False)
def test_refusals_name_each_field_and_nothing_is_saved(case: Case) -> None:
    response = api(director()).post(
        url(case),
        body(visited_on="2026-03-06", child_seen=False, safety="", client_token=None),
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "validation_failed"
    assert set(data["errors"]) == {"visited_on", "not_seen_reason", "safety"}
    assert done(case) == 0


@time_machine.travel(TODAY, tick=False)
def test_a_bad_photo_is_refused_and_nothing_is_saved(case: Case) -> None:
    fake = SimpleUploadedFile("x.jpg", b"<svg></svg>" * 10, content_type="image/jpeg")
    data = {**body(), "photos": [SimpleUploadedFile("ok.jpg", JPEG), fake]}
    response = api(director()).post(url(case), data, format="multipart")
    assert response.status_code == 400
    assert "第 2 张照片" in response.json()["errors"]["photos"][0]
    assert done(case) == 0
    assert not VisitPhoto.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_a_malformed_date_is_refused(case: Case) -> None:
    response = api(director()).post(url(case), body(visited_on="5 March"), format="json")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["errors"]["visited_on"][0]


@time_machine.travel(TODAY, tick=False)
def test_it_lists_a_case_s_visits_and_audits_the_view(case: Case) -> None:
    user = supervisor()
    api(director()).post(url(case), body(), format="json")
    response = api(user).get(url(case))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [v["status"] for v in results] == ["scheduled", "done"]
    entry = AuditEntry.objects.get(verb=Verb.CASE_VIEWED, actor=user)
    assert entry.changes == {"part": "visits"}


@time_machine.travel(TODAY, tick=False)
def test_a_case_elsewhere_is_not_found_and_nothing_changes(case: Case) -> None:
    client = api(director(OTHER_COUNTY_VILLAGE))
    assert client.get(url(case)).status_code == 404
    response = client.post(url(case), body(), format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert done(case) == 0
    assert client.post("/api/v1/cases/999999/visits/", body(), format="json").status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_a_department_officer_may_read_but_not_record(case: Case) -> None:
    client = api(department_officer())
    assert client.get(url(case)).status_code == 200
    response = client.post(url(case), body(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert done(case) == 0


@time_machine.travel(TODAY, tick=False)
def test_a_social_worker_without_a_referral_does_not_see_the_case(case: Case) -> None:
    assert api(social_worker()).post(url(case), body(), format="json").status_code == 404
    assert done(case) == 0


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("make_actor", [director, supervisor, county_officer])
def test_casework_roles_record_over_the_api(case: Case, make_actor: Any) -> None:
    assert api(make_actor()).post(url(case), body(), format="json").status_code == 201


def test_anonymous_callers_are_refused(case: Case) -> None:
    assert APIClient().get(url(case)).status_code in (401, 403)


def test_due_visits_come_overdue_first(case: Case) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC), tick=False):
        later = make_case(make_child(name="李小红"))
        make_case(make_child(OTHER_COUNTY_VILLAGE))
        response = api(director()).get("/api/v1/visits/due/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["case_id"] for r in rows] == [case.pk, later.pk]
    assert (rows[0]["overdue_days"], rows[0]["child_name"]) == (7, "王小明")
    assert (rows[1]["overdue_days"], rows[1]["days_left"], rows[1]["working_days"]) == (0, 5, True)
    assert rows[0]["rule"]["zh"] == "开案后 5 个工作日内首次走访"


def test_due_visits_are_refused_to_a_role_without_cases() -> None:
    response = api(make_user(Role.ADMIN, "")).get("/api/v1/visits/due/")
    assert response.status_code == 403


def test_due_visits_take_a_fixed_number_of_queries(
    case: Case, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        make_case(make_child())
    client = api(director())
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/visits/due/")
    assert response.json()["count"] == 6
