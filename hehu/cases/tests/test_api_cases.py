"""Cases over the API: list (scoped, filtered, paginated, in a fixed number of queries),
opening, the detail (audited; notes only for roles that may see them), the flow, closing,
reopening, notes and referrals; hidden cases look missing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Case, CaseNote, CaseReferral
from hehu.cases.services.case_actions import case_close_by_person
from hehu.cases.services.notes import case_note_add, case_refer
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    make_organisation,
    social_worker,
    supervisor,
)

pytestmark = pytest.mark.django_db
S = Case.Status


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_lists_the_cases_in_reach_with_their_next_visit() -> None:
    case = make_case(make_child(name="王小花"))
    make_case(make_child(village=OTHER_COUNTY_VILLAGE, name="远方"))

    body = _api(director()).get("/api/v1/cases/").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == case.pk
    assert row["child_name"] == "王小花"
    assert row["status"] == "intake"
    assert row["status_label"] == "接案"
    assert row["next_visit_on"] is not None
    assert "reason" not in row


def test_it_filters_the_list() -> None:
    make_case(make_child(name="张三"))
    urgent = make_case(make_child(name="李四"), emergency=True)
    client = _api(county_officer())

    assert [r["id"] for r in client.get("/api/v1/cases/?emergency=true").json()["results"]] == [
        urgent.pk
    ]
    assert client.get("/api/v1/cases/?risk=high").json()["count"] == 1
    assert client.get("/api/v1/cases/?status=closed").json()["count"] == 0
    assert client.get("/api/v1/cases/?status=open&region=511502").json()["count"] == 2
    bad = client.get("/api/v1/cases/?status=nope")
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_failed"


def test_the_list_takes_the_same_queries_however_many_cases(
    django_assert_max_num_queries,
) -> None:
    officer = county_officer()
    client = _api(officer)
    for i in range(3):
        make_case(make_child(name=f"儿童{i}"))
    with django_assert_max_num_queries(4) as few:
        client.get("/api/v1/cases/")
    for i in range(20):
        make_case(make_child(name=f"更多{i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/cases/")
    assert response.json()["count"] == 23


@pytest.mark.parametrize(
    "make_actor",
    [lambda: make_user(Role.CITY_ANALYST, "5115"), lambda: make_user(Role.ADMIN, "")],
    ids=["city_analyst", "admin"],
)
def test_roles_without_cases_are_refused(make_actor) -> None:
    make_case()
    client = _api(make_actor())
    assert client.get("/api/v1/cases/").status_code == 403
    assert (
        client.post("/api/v1/cases/", {"child_id": 1, "reason": "x"}, format="json").status_code
        == 403
    )


def test_it_opens_a_case_for_a_child() -> None:
    child = make_child()

    response = _api(director()).post(
        "/api/v1/cases/",
        {"child_id": child.pk, "reason": "入户发现", "emergency": True},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["emergency"] is True
    assert body["risk"] == "high"
    assert {s["status"] for s in body["allowed_transitions"]} == {"assessment", "in_service"}
    assert {w["kind"] for w in body["work_items"]} == {"visit", "assessment"}
    assert Case.objects.get(child=child).pk == body["id"]


def test_a_second_opening_is_refused_naming_the_open_case() -> None:
    case = make_case()
    response = _api(director()).post(
        "/api/v1/cases/", {"child_id": case.child_id, "reason": "再开"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "case_already_open"
    assert response.json()["existing_case_id"] == case.pk


def test_a_department_officer_opens_only_by_referral() -> None:
    child = make_child()
    client = _api(department_officer())

    refused = client.post(
        "/api/v1/cases/", {"child_id": child.pk, "reason": "学校发现"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["field"] == "source"
    done = client.post(
        "/api/v1/cases/",
        {"child_id": child.pk, "reason": "学校发现", "source": "referral"},
        format="json",
    )
    assert done.status_code == 201
    assert done.json()["referred_by_department"] == "education"


def test_opening_for_a_child_out_of_reach_is_404() -> None:
    child = make_child()
    response = _api(director(OTHER_COUNTY_VILLAGE)).post(
        "/api/v1/cases/", {"child_id": child.pk, "reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_the_detail_is_audited_and_shows_notes_only_to_those_who_may_see_them() -> None:
    case = make_case()
    case_note_add(actor=director(), case=case, text="敏感记录")
    actor = director()

    body = _api(actor).get(f"/api/v1/cases/{case.pk}/").json()

    assert body["notes"][0]["text"] == "敏感记录"
    assert body["transitions"][0]["to_status"] == "intake"
    rule = next(w for w in body["work_items"] if w["kind"] == "assessment")
    assert rule["rule"]["zh"].startswith("开案后")
    assert rule["working_days"] is True
    assert AuditEntry.objects.filter(verb=Verb.CASE_VIEWED, actor=actor).exists()
    officer_view = _api(department_officer()).get(f"/api/v1/cases/{case.pk}/").json()
    assert "notes" not in officer_view
    assert "assessments" not in officer_view
    assert _api(department_officer()).get(f"/api/v1/cases/{case.pk}/notes/").status_code == 403


def test_a_transition_over_the_api_and_its_refusals() -> None:
    case = make_case()
    client = _api(director())
    url = f"/api/v1/cases/{case.pk}/transition/"

    moved = client.post(url, {"to_status": "assessment", "version": 1}, format="json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "assessment"
    stale = client.post(url, {"to_status": "planning", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_edit"
    wrong = client.post(url, {"to_status": "evaluation", "version": 2}, format="json")
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "transition_not_allowed"
    case.refresh_from_db()
    assert (case.status, case.version) == (S.ASSESSMENT, 2)


def test_close_and_reopen_over_the_api() -> None:
    case = make_case()
    client = _api(director())

    needs_note = client.post(
        f"/api/v1/cases/{case.pk}/close/", {"reason": "other", "version": 1}, format="json"
    )
    assert needs_note.status_code == 409
    assert needs_note.json()["field"] == "note"
    closed = client.post(
        f"/api/v1/cases/{case.pk}/close/", {"reason": "turned_18", "version": 1}, format="json"
    )
    assert closed.json()["status"] == "closed"
    again = client.post(
        f"/api/v1/cases/{case.pk}/close/", {"reason": "died", "version": 2}, format="json"
    )
    assert again.json()["code"] == "case_closed"
    reopened = client.post(
        f"/api/v1/cases/{case.pk}/reopen/", {"reason": "又需要帮扶"}, format="json"
    )
    assert reopened.status_code == 201
    assert reopened.json()["reopened_from"] == case.pk


def test_notes_and_referrals_over_the_api() -> None:
    case = make_case()
    org = make_organisation()
    worker = social_worker(org)
    assert _api(worker).get(f"/api/v1/cases/{case.pk}/").status_code == 404

    referred = _api(supervisor()).post(
        f"/api/v1/cases/{case.pk}/referrals/",
        {"organisation": org.pk, "note": "心理支持"},
        format="json",
    )
    assert referred.status_code == 201
    note = _api(worker).post(f"/api/v1/cases/{case.pk}/notes/", {"text": "首次服务"}, format="json")
    assert note.status_code == 201
    assert [n["text"] for n in _api(worker).get(f"/api/v1/cases/{case.pk}/notes/").json()] == [
        "首次服务"
    ]
    assert _api(worker).get("/api/v1/cases/").json()["count"] == 1
    ended = _api(supervisor()).post(
        f"/api/v1/cases/{case.pk}/referrals/{referred.json()['id']}/end/", {}, format="json"
    )
    assert ended.json()["status"] == "ended"
    assert _api(worker).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_an_empty_note_is_refused_with_its_field() -> None:
    case = make_case()
    response = _api(director()).post(
        f"/api/v1/cases/{case.pk}/notes/", {"text": "  "}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        ("", None),
        ("transition/", {"to_status": "assessment", "version": 1}),
        ("close/", {"reason": "moved_out", "version": 1}),
        ("reopen/", {"reason": "x"}),
        ("notes/", {"text": "x"}),
        ("referrals/", {"organisation": 1}),
    ],
)
def test_a_hidden_case_is_404_and_nothing_changes(suffix: str, data) -> None:
    case = make_case()
    client = _api(director(OTHER_COUNTY_VILLAGE))
    url = f"/api/v1/cases/{case.pk}/{suffix}"

    response = client.get(url) if data is None else client.post(url, data, format="json")

    assert response.status_code == 404
    case.refresh_from_db()
    assert (case.status, case.version) == (S.INTAKE, 1)
    assert not CaseNote.objects.exists()
    assert not CaseReferral.objects.exists()
    assert not AuditEntry.objects.filter(verb=Verb.CASE_VIEWED).exists()


def test_a_closed_case_refuses_notes_over_the_api() -> None:
    case = make_case()
    case_close_by_person(actor=director(), case=case, reason="moved_out", expected_version=None)
    response = _api(director()).post(
        f"/api/v1/cases/{case.pk}/notes/", {"text": "补记"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"


def test_a_social_worker_without_referral_sees_no_case() -> None:
    case = make_case()
    case_refer(actor=supervisor(), case=case, organisation=make_organisation("其他机构"))
    assert _api(social_worker(make_organisation())).get("/api/v1/cases/").json()["count"] == 0
