"""GET /api/v1/audit/: the audit log through the API, with the rules of the pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.audit.tests.factories import record
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


@pytest.fixture
def child(village_director):
    child = ChildFactory()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        record(
            village_director,
            Verb.CHILD_UPDATED,
            child=child,
            changes={"guardian_name": ["", "王芳"]},
            reason="监护人变更",
            ip="10.1.2.3",
        )
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        record(village_director, Verb.CHILD_VIEWED, child=child, ip="10.1.2.4")
    return child


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_returns_the_whole_trail_to_the_administrator(admin_user, child):
    body = api(admin_user).get(URL, {"child": child.pk}).json()
    assert body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["verb"], newest["verb_label"], newest["ip"]) == (
        "child.viewed",
        "查看儿童档案",
        "10.1.2.4",
    )
    assert oldest["changes"] == {"guardian_name": ["", "王芳"]}
    assert (oldest["actor"], oldest["reason"], oldest["child_id"]) == (
        "director",
        "监护人变更",
        child.pk,
    )


def test_it_returns_only_reads_without_addresses_to_the_supervisor(township_supervisor, child):
    body = api(township_supervisor).get(URL, {"child": child.pk}).json()
    assert [(r["verb"], r["ip"]) for r in body["results"]] == [("child.viewed", None)]


def test_it_answers_404_for_a_child_the_user_cannot_see_and_records_nothing(
    village_director, director_elsewhere, child
):
    before = AuditEntry.objects.count()
    for user, child_id in ((village_director, child.pk), (director_elsewhere, child.pk)):
        response = api(user).get(URL, {"child": child_id})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api(make_user(Role.ADMIN, "511524")).get(URL, {"child": child.pk}).status_code == 404
    assert AuditEntry.objects.count() == before


def test_it_refuses_the_search_without_a_child_to_non_administrators(county_officer, child):
    response = api(county_officer).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_it_filters_by_date_range_and_verb(admin_user, child):
    client = api(admin_user)
    march_2 = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-02"}).json()
    assert [r["verb"] for r in march_2["results"]] == ["child.updated"]
    viewed = client.get(URL, {"child": child.pk, "verb": "child.viewed"}).json()
    assert viewed["count"] == 1


def test_it_names_the_field_of_a_bad_filter(admin_user):
    client = api(admin_user)
    response = client.get(URL, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "date_to" in response.json()["errors"]
    assert "child" in client.get(URL, {"child": "abc"}).json()["errors"]
    assert "verb" in client.get(URL, {"verb": "child.deleted"}).json()["errors"]


def test_it_records_each_reading_of_the_log_with_its_filters(admin_user, child):
    api(admin_user).get(URL, {"child": child.pk, "verb": "child.viewed"})
    (entry,) = AuditEntry.objects.filter(verb=Verb.AUDIT_VIEWED)
    assert (entry.actor, entry.child_id) == (admin_user, child.pk)
    assert entry.changes == {"child": child.pk, "verb": "child.viewed"}


def test_it_accepts_token_authentication(admin_user, child):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")
    assert client.get(URL, {"child": child.pk}).status_code == 200


def test_it_lists_a_page_with_a_constant_number_of_queries(
    admin_user, village_director, child, django_assert_max_num_queries
):
    for _ in range(30):
        record(village_director, Verb.CHILD_VIEWED, child=ChildFactory())
    with django_assert_max_num_queries(8):
        body = api(admin_user).get(URL).json()
    assert body["count"] == 32
    assert len(body["results"]) == 25
