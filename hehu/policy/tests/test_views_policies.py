"""The read-only policy pages: /policies/ and /policies/<id>/<version>/."""

from __future__ import annotations

import pytest

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_it_lists_the_policies_with_their_period_and_status(client, village_director):
    client.force_login(village_director)
    response = client.get("/policies/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "困境儿童认定（全国默认）" in html
    assert "cn-national@2026.1" in html
    assert "/policies/cn-national/2026.1/" in html
    assert "现行有效" in html


def test_it_shows_a_policys_categories_clauses_and_parameters(client, police_officer):
    client.force_login(police_officer)
    response = client.get("/policies/cn-national/2026.1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "事实无人抚养儿童" in html
    assert "params.adult_age" in html
    assert "<code>18</code>" in html
    assert "age_on(birth_date, as_of)" in html  # the CEL source of is_minor


def test_it_shows_the_policy_in_english(client, police_officer):
    client.force_login(police_officer)
    client.cookies["django_language"] = "en"
    html = client.get("/policies/cn-national/2026.1/").content.decode()
    assert "de facto unattended child" in html
    assert "Children in distress (national default)" in html


def test_it_answers_404_for_an_unknown_version(client, police_officer):
    client.force_login(police_officer)
    assert client.get("/policies/cn-national/1999.1/").status_code == 404


def test_it_refuses_a_role_without_view_policy(client):
    client.force_login(make_user(Role.SOCIAL_WORKER, "511502", username="social"))
    assert client.get("/policies/").status_code == 403
    assert client.get("/policies/cn-national/2026.1/").status_code == 403


def test_it_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/policies/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_navigation_links_the_policies_for_those_who_may_read_them(client, village_director):
    client.force_login(village_director)
    assert 'href="/policies/"' in client.get("/").content.decode()
    client.force_login(make_user(Role.SOCIAL_WORKER, "511502", username="social"))
    assert 'href="/policies/"' not in client.get("/").content.decode()
