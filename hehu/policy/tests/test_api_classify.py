"""POST /api/v1/classify (nothing stored) and GET /api/v1/policies/…."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry
from hehu.policy.models import ChildClassification
from hehu.policy.tests.test_cli import facts, plain

pytestmark = pytest.mark.django_db
URL = "/api/v1/classify"


def client(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def codes(result: dict[str, Any]) -> list[str]:
    return [c["code"] for c in result["categories"]]


def test_it_classifies_one_document(county_officer):
    response = client(county_officer).post(f"{URL}?as_of=2026-03-01", facts("a"), format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "a"
    assert body["as_of"] == "2026-03-01"
    assert body["policy"] == "cn-national@2026.1"
    assert codes(body) == ["de_facto_unattended"]
    assert {n["code"] for n in body["not_in"]} >= {"orphan", "tekun_minor"}


def test_it_answers_each_document_in_order_with_errors_inline(village_director):
    bad = facts("bad", birth_date="2015-13-01")
    documents = [facts("a"), bad, plain("c")]
    response = client(village_director).post(
        URL, {"documents": documents, "as_of": "2026-03-01"}, format="json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == ["a", "bad", "c"]
    assert codes(results[0]) == ["de_facto_unattended"]
    assert codes(results[2]) == []
    assert results[1] == {
        "id": "bad",
        "error": {
            "code": "invalid_facts",
            "message": results[1]["error"]["message"],
            "problems": [
                {
                    "path": "birth_date",
                    "code": "date",
                    "message": results[1]["error"]["problems"][0]["message"],
                }
            ],
        },
    }
    assert "birth_date" in results[1]["error"]["problems"][0]["message"]


def test_it_takes_the_date_and_the_policy_from_the_query(county_officer):
    url = f"{URL}?as_of=2027-03-02&policy=cn-national"
    body = client(county_officer).post(url, facts("a"), format="json").json()
    assert body["as_of"] == "2027-03-02"
    assert codes(body) == []  # the mother's 36 months ended on 2027-02-28


def test_it_stores_and_records_nothing(county_officer):
    client(county_officer).post(URL, {"documents": [facts("a")]}, format="json")
    assert not ChildClassification.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "query", "field"),
    [
        ([facts("a")], "", "non_field_errors"),
        ({"documents": {"id": "a"}}, "", "documents"),
        ({"documents": [facts("a")], "as_of": "2026-02-30"}, "", "as_of"),
        (facts("a"), "?as_of=tomorrow", "as_of"),
    ],
)
def test_it_refuses_a_malformed_request(county_officer, body, query, field):
    response = client(county_officer).post(URL + query, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert field in response.json()["errors"]


def test_it_refuses_an_unknown_policy_for_the_whole_request(county_officer):
    response = client(county_officer).post(f"{URL}?policy=cn-nationl", facts("a"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_policy"
    assert response.json()["field"] == "policy"


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.DEPARTMENT_OFFICER, Role.ADMIN])
def test_it_refuses_a_role_without_classify_facts(role):
    user = make_user(role, "511502", username="no_classify")
    response = client(user).post(URL, facts("a"), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "categories" not in response.json()


def test_it_refuses_an_anonymous_caller():
    response = APIClient().post(URL, facts("a"), format="json")
    assert response.status_code == 403  # session first: DRF answers 403, not 401
    assert "categories" not in response.json()


def test_it_works_with_a_session_and_with_a_token(county_officer):
    session = APIClient()
    session.force_login(county_officer)
    assert session.post(URL, facts("a"), format="json").status_code == 200
    bearer = APIClient()
    token = Token.objects.create(user=county_officer)
    bearer.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert bearer.post(URL, facts("a"), format="json").status_code == 200


# ---- policies --------------------------------------------------------------------------------


def test_it_lists_the_policies(police_officer):
    response = client(police_officer).get("/api/v1/policies/")
    assert response.status_code == 200
    [national] = [p for p in response.json() if p["id"] == "cn-national"]
    assert national["ref"] == "cn-national@2026.1"
    assert national["jurisdiction"] == "national"
    assert national["timing"] in ("in_effect", "scheduled", "ended")
    assert national["effective_from"] == "2016-06-13"
    orphan = next(c for c in national["categories"] if c["code"] == "orphan")
    assert orphan["name"] == {"zh-hans": "孤儿", "en": "orphan"}


def test_it_shows_one_policy_with_parameters_and_predicates(county_officer):
    response = client(county_officer).get("/api/v1/policies/cn-national/2026.1/")
    assert response.status_code == 200
    body = response.json()
    adult_age = next(p for p in body["parameters"] if p["name"] == "adult_age")
    assert adult_age["type"] == "int"
    assert adult_age["values"][0]["value"] == 18
    is_minor = next(p for p in body["predicates"] if p["name"] == "is_minor")
    assert "age_on" in is_minor["source"]
    assert is_minor["label"]["en"]
    de_facto = next(c for c in body["categories"] if c["code"] == "de_facto_unattended")
    assert "orphan" in de_facto["excluded_by"]
    assert de_facto["clauses"][0]["label"]["zh-hans"]


def test_it_answers_404_for_an_unknown_version(county_officer):
    response = client(county_officer).get("/api/v1/policies/cn-national/1999.1/")
    assert response.status_code == 404


def test_it_refuses_the_policies_to_a_role_without_view_policy():
    user = make_user(Role.SOCIAL_WORKER, "511502", username="social")
    assert client(user).get("/api/v1/policies/").status_code == 403
    assert client(user).get("/api/v1/policies/cn-national/2026.1/").status_code == 403


def test_the_schema_documents_classify_and_policies(county_officer):
    schema = client(county_officer).get("/api/v1/schema/", {"format": "json"}).json()
    assert "post" in schema["paths"]["/api/v1/classify"]
    assert "/api/v1/policies/{policy_id}/{version}/" in schema["paths"]
