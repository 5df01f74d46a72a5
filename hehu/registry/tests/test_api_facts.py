import copy

import pytest
from rest_framework.test import APIClient

from hehu.audit.models import AuditEntry, Verb
from hehu.regions.tests.factories import region
from hehu.registry.facts import child_to_facts, validate_facts
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data
from hehu.registry.tests.test_facts_schema import EXAMPLE

pytestmark = pytest.mark.django_db
VILLAGE = "511502001001"


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def example():
    region(VILLAGE)
    doc = copy.deepcopy(EXAMPLE)
    doc.update(region_code=VILLAGE, hukou_region_code=VILLAGE)
    return doc


def test_it_exports_a_childs_facts_and_records_the_export(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    response = client(village_director).get(f"/api/v1/children/{child.pk}/facts/")
    assert response.status_code == 200
    assert response.json() == child_to_facts(child)
    assert validate_facts(response.json()) == []
    entry = AuditEntry.objects.get(verb=Verb.CHILD_EXPORTED)
    assert (entry.actor, entry.child_id) == (village_director, child.pk)


def test_it_does_not_export_a_hidden_child(village_director, director_elsewhere):
    child = child_register(actor=village_director, data=child_data())
    response = client(director_elsewhere).get(f"/api/v1/children/{child.pk}/facts/")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_EXPORTED).exists()


def test_it_imports_a_new_child_from_an_envelope(county_officer):
    envelope = {"facts": example(), "child": {"name": "王小花"}}
    response = client(county_officer).post("/api/v1/facts/import/", envelope, format="json")
    assert response.status_code == 201, response.json()
    child = Child.objects.get()
    assert response["Location"] == f"/api/v1/children/{child.pk}/"
    data = response.json()
    assert (data["id"], data["created"], data["version"]) == (child.pk, True, 1)
    assert data["facts"]["id"] == "ext-001"
    assert data["facts"]["parents"][1]["conditions"] == EXAMPLE["parents"][1]["conditions"]


def test_it_updates_the_file_an_exported_document_names(county_officer):
    child = child_register(actor=county_officer, data=full_child_data())
    api = client(county_officer)
    doc = api.get(f"/api/v1/children/{child.pk}/facts/").json()
    doc["guardianship_grade"] = "improper"
    response = api.post("/api/v1/facts/import/", doc, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["version"]) == (False, 2)
    assert response.json()["facts"] == doc
    assert Child.objects.get().guardianship_grade == "improper"


def test_it_refuses_an_invalid_document_whole_with_every_error(county_officer):
    doc = example()
    doc["nickname"] = "花花"
    doc["parents"][1]["conditions"][0]["until"] = "2023-01-01"
    doc["birth_date"] = "2015-02-30"
    response = client(county_officer).post(
        "/api/v1/facts/import/", {"facts": doc, "child": {"name": "王小花"}}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == {
        "facts.birth_date": ["facts.birth_date：日期 2015-02-30 不存在"],
        "facts.nickname": ["facts.nickname：未知字段，文档不接受此字段"],
        "facts.parents[1].conditions[0].until": [
            "facts.parents[1].conditions[0].until：结束日期 2023-01-01 早于开始日期 2024-03-01"
        ],
    }
    assert not Child.objects.exists()


def test_it_refuses_an_import_to_a_role_without_the_permission(village_director):
    response = client(village_director).post(
        "/api/v1/facts/import/", {"facts": example(), "child": {"name": "王小花"}}, format="json"
    )
    assert response.status_code == 403
    assert not Child.objects.exists()


def test_it_serves_the_json_schema_of_the_document(village_director):
    response = client(village_director).get("/api/v1/facts/schema/")
    assert response.status_code == 200
    assert response.json()["$id"].endswith("/facts-1.1.json")
