from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hehu.regions.demo import demo_regions_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(village_director) -> APIClient:
    demo_regions_create()
    api = APIClient()
    api.force_authenticate(village_director)
    return api


def test_it_lists_the_children_of_a_region(client: APIClient, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/regions/", {"parent": "511500000000"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 10
    first = body["results"][0]
    assert first == {
        "code": "511502000000",
        "name": "翠屏区",
        "level": "county",
        "level_display": "县级",
        "parent_code": "511500000000",
        "urban_rural": "",
        "source_year": 2024,
        "is_demo": False,
        "active": True,
    }


def test_it_lists_the_villages_of_a_township(client: APIClient) -> None:
    response = client.get("/api/v1/regions/", {"parent": "511524100000", "level": "village"})
    codes = [r["code"] for r in response.json()["results"]]
    assert codes[:3] == ["511524100001", "511524100002", "511524100201"]
    assert all(r["is_demo"] for r in response.json()["results"])


def test_it_lists_provinces_without_filters_and_paginates(client: APIClient) -> None:
    response = client.get("/api/v1/regions/", {"page_size": 10})
    body = response.json()
    assert body["count"] == 34
    assert len(body["results"]) == 10
    assert body["next"]


def test_it_refuses_a_malformed_or_unknown_parent_naming_the_field(client: APIClient) -> None:
    response = client.get("/api/v1/regions/", {"parent": "5115"})
    assert response.status_code == 400
    assert response.json()["field"] == "parent"
    assert response.json()["message"] == "区划代码必须是12位数字"
    response = client.get("/api/v1/regions/", {"parent": "511502999000"})
    assert response.status_code == 400
    assert response.json()["message"] == "区划代码 511502999000 不存在"
    response = client.get("/api/v1/regions/", {"level": "hamlet"})
    assert response.status_code == 400
    assert "level" in response.json()["errors"]


def test_it_shows_one_region_with_its_path(client: APIClient) -> None:
    response = client.get("/api/v1/regions/511526200201/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "511526200201"
    assert body["urban_rural"] == "220"
    assert [p["name"] for p in body["path"][:3]] == ["四川省", "宜宾市", "珙县"]
    assert body["path"][-1]["code"] == "511526200201"


def test_it_answers_404_for_an_unknown_region(client: APIClient) -> None:
    assert client.get("/api/v1/regions/511502999999/").status_code == 404


def test_it_requires_a_signed_in_user() -> None:
    response = APIClient().get("/api/v1/regions/")
    assert response.status_code in (401, 403)


def test_the_schema_documents_the_regions_endpoints(client: APIClient) -> None:
    response = client.get("/api/v1/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/regions/" in paths
    assert "/api/v1/regions/{code}/" in paths
    names = {p["name"] for p in paths["/api/v1/regions/"]["get"]["parameters"]}
    assert {"parent", "level", "page"} <= names
