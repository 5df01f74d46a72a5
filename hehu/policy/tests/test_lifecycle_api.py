"""The lifecycle API: POST /api/v1/policies/drafts/ (YAML or JSON) and the decisions."""

from __future__ import annotations

import json

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from hehu.audit.models import AuditEntry, Verb
from hehu.policy.models import PolicyVersion
from hehu.policy.services.lifecycle import policy_draft_create, policy_review
from hehu.policy.tests import test_lifecycle_support as support
from hehu.policy.tests.test_lifecycle_support import MALFORMED, override_text

shipped = support.shipped
sichuan_officer = support.sichuan_officer
sichuan_reviewer = support.sichuan_reviewer
guangdong_officer = support.guangdong_officer

DRAFTS = "/api/v1/policies/drafts/"
BASE = "/api/v1/policies/cn-51/2026.1"


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_it_takes_a_draft_as_yaml(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = client.post(DRAFTS, override_text(), content_type="application/yaml")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["ref"], body["status"], body["created_by"]) == (
        "cn-51@2026.1",
        "draft",
        str(sichuan_officer),
    )


@pytest.mark.django_db
def test_it_takes_a_draft_as_json(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = _post(client, DRAFTS, {"source": override_text(), "file_name": "cn-51.yaml"})
    assert response.status_code == 201
    assert PolicyVersion.objects.filter(policy_id="cn-51", status="draft").exists()


@pytest.mark.django_db
def test_a_malformed_draft_is_answered_400_with_its_problems(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = _post(client, DRAFTS, {"source": MALFORMED, "file_name": "cn-51.yaml"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "policy_invalid"
    [problem] = body["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == ("cn-51.yaml", 12, 48)
    assert "no_such_line" in problem["message"]["en"]
    assert not PolicyVersion.objects.filter(policy_id="cn-51").exists()


@pytest.mark.django_db
def test_a_body_without_source_is_refused(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = _post(client, DRAFTS, {"text": "x"})
    assert response.status_code == 400
    assert "source" in response.json()["errors"]


@pytest.mark.django_db
def test_a_duplicate_version_is_answered_409(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    client.post(DRAFTS, override_text(), content_type="application/yaml")
    again = client.post(DRAFTS, override_text(), content_type="application/yaml")
    assert again.status_code == 409
    assert again.json()["code"] == "policy_version_exists"


@pytest.mark.django_db
def test_outside_the_jurisdiction_a_draft_is_refused_403(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = client.post(DRAFTS, override_text("44"), content_type="application/yaml")
    assert response.status_code == 403
    assert response.json()["code"] == "policy_outside_jurisdiction"


@pytest.mark.django_db
def test_review_approve_and_retire_over_the_api(client, shipped, sichuan_officer, sichuan_reviewer):
    policy_draft_create(actor=sichuan_officer, source=override_text())
    client.force_login(sichuan_officer)
    own = _post(client, f"{BASE}/review/", {"comment": "自审"})
    assert (own.status_code, own.json()["code"]) == (403, "policy_four_eyes")
    client.force_login(sichuan_reviewer)
    early = _post(client, f"{BASE}/approve/", {"effective_from": "2026-03-01"})
    assert (early.status_code, early.json()["code"]) == (409, "policy_wrong_status")
    reviewed = _post(client, f"{BASE}/review/", {"comment": "已核对"})
    assert (reviewed.status_code, reviewed.json()["status"]) == (200, "reviewed")
    approved = _post(client, f"{BASE}/approve/", {"effective_from": "2026-03-01"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["effective_from"]) == (
        "approved",
        "2026-03-01",
    )
    retired = _post(client, f"{BASE}/retire/", {"effective_to": "2026-12-31", "comment": "废止"})
    assert (retired.status_code, retired.json()["status"]) == (200, "retired")
    verbs = list(
        AuditEntry.objects.filter(object_id="cn-51@2026.1")
        .order_by("at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        Verb.POLICY_DRAFTED,
        Verb.POLICY_REVIEWED,
        Verb.POLICY_APPROVED,
        Verb.POLICY_RETIRED,
    ]


@pytest.mark.django_db
def test_an_approval_needs_a_date(client, shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    client.force_login(sichuan_reviewer)
    response = _post(client, f"{BASE}/approve/", {})
    assert response.status_code == 400
    assert "effective_from" in response.json()["errors"]


@pytest.mark.django_db
def test_return_to_draft_over_the_api(client, shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    client.force_login(sichuan_reviewer)
    response = _post(client, f"{BASE}/return/", {"reason": "低保标准有误"})
    assert (response.status_code, response.json()["status"]) == (200, "draft")


@pytest.mark.django_db
def test_a_version_outside_the_jurisdiction_looks_missing(
    client, shipped, sichuan_officer, guangdong_officer
):
    policy_draft_create(actor=sichuan_officer, source=override_text())
    client.force_login(guangdong_officer)
    hidden = _post(client, f"{BASE}/review/", {})
    missing = _post(client, "/api/v1/policies/cn-99/1/review/", {})
    assert hidden.status_code == missing.status_code == 404
    assert PolicyVersion.objects.get(policy_id="cn-51").status == "draft"


@pytest.mark.django_db
def test_a_role_without_the_policy_office_is_refused(client, shipped, village_director):
    client.force_login(village_director)
    assert client.post(DRAFTS, override_text(), content_type="application/yaml").status_code == 403
    assert client.get(DRAFTS).status_code == 403
    assert _post(client, f"{BASE}/review/", {}).status_code == 403


@pytest.mark.django_db
def test_the_drafts_list_is_the_jurisdictions(client, shipped, sichuan_officer, guangdong_officer):
    policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_draft_create(actor=guangdong_officer, source=override_text("44"))
    client.force_login(guangdong_officer)
    assert [v["ref"] for v in client.get(DRAFTS).json()] == ["cn-44@2026.1"]


def test_the_lifecycle_endpoints_produce_a_valid_openapi_document_without_warnings():
    GENERATOR_STATS.reset()
    routes = [path("api/v1/", include(("hehu.policy.lifecycle_api_urls", "api")))]
    schema = SchemaGenerator(patterns=routes).get_schema(request=None, public=True)
    assert (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)) == ({}, {})
    validate_schema(schema)
    assert "/api/v1/policies/drafts/" in schema["paths"]
