import datetime as dt

import pytest
from rest_framework.test import APIClient

from hehu.audit.models import AuditEntry, Verb
from hehu.core.crypto import decrypt
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number

pytestmark = pytest.mark.django_db


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def register_body(**changes):
    region("511502001001")
    body = {
        "name": "王小花",
        "sex": "female",
        "birth_date": "2015-03-02",
        "region_code": "511502001001",
        "hukou_region_code": "511502001001",
        "hukou_type": "rural",
        "living_arrangement": "with_relatives",
        "education": "primary",
        "id_number": make_id_number(),
        "guardian_relation": "grandparent",
        "guardian_able_to_care": False,
        "household": {
            "address": "翠屏区某街道1号",
            "dibao": True,
            "dibao_child_amount": "400.00",
            "members": [{"name": "王奶奶", "relation": "祖母", "birth_date": "1950-01-01"}],
        },
        "parents": [
            {"role": "father", "name": "王大", "vital_status": "dead"},
            {
                "role": "mother",
                "name": "李梅",
                "conditions": [
                    {
                        "type": "imprisoned",
                        "since": "2024-03-01",
                        "term_months": 36,
                        "evidence_kind": "judgment",
                    }
                ],
            },
        ],
        "concerns": [{"type": "neglect", "substantiated": True, "since": "2025-05-01"}],
        "receiving": [{"programme": "dibao_child", "monthly_amount": "400"}],
    }
    body.update(changes)
    return body


def registered(actor, **changes):
    return child_register(actor=actor, data=full_child_data(**changes))


# ---- register ----------------------------------------------------------------------------


def test_it_registers_a_child_with_the_whole_file(village_director):
    response = client(village_director).post("/api/v1/children/", register_body(), format="json")
    assert response.status_code == 201
    child = Child.objects.get()
    assert response["Location"] == f"/api/v1/children/{child.pk}/"
    data = response.json()
    assert data["id"] == child.pk
    assert data["version"] == 1
    assert data["id_number_masked"].endswith(make_id_number()[-4:])
    assert make_id_number() not in response.content.decode()
    assert data["household"]["members"][0]["name"] == "王奶奶"
    assert data["parents"][1]["conditions"][0]["since"] == "2024-03-01"
    assert decrypt(child.id_number_encrypted) == make_id_number()
    assert AuditEntry.objects.filter(verb=Verb.CHILD_CREATED, child_id=child.pk).exists()


def test_it_refuses_a_bad_id_number_naming_the_field(village_director):
    body = register_body(id_number="110105194912310021")
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "validation_failed"
    assert list(data["errors"]) == ["id_number"]
    assert "校验位" in data["errors"]["id_number"][0]
    assert not Child.objects.exists()


def test_it_reports_every_field_error_at_its_path(village_director):
    body = register_body(sex="girl")
    body["parents"][1]["conditions"][0]["since"] = "2024-02-30"
    body["parents"][1]["conditions"][0]["until"] = "2020-01-01"
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sex", "parents[1].conditions[0].since"}
    body = register_body()
    body["parents"][1]["conditions"][0]["until"] = "2020-01-01"
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["parents[1].conditions[0].until"]
    assert not Child.objects.exists()


def test_it_keeps_the_internal_facts_id_form_out_of_external_ids(village_director):
    body = register_body(external_id="hehu-12")
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["external_id"]
    assert not Child.objects.exists()


def test_it_refuses_a_registered_id_number_pointing_to_the_visible_file(village_director):
    existing = registered(village_director)
    response = client(village_director).post("/api/v1/children/", register_body(), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_id_number"
    assert response.json()["existing_child_id"] == existing.pk
    assert Child.objects.count() == 1


def test_it_does_not_point_to_a_duplicate_the_user_cannot_open(
    village_director, director_elsewhere
):
    registered(village_director)
    region("511524100201")
    body = register_body(region_code="511524100201", hukou_region_code="511524100201")
    response = client(director_elsewhere).post("/api/v1/children/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_id_number"
    assert "existing_child_id" not in response.json()


def test_it_shows_likely_duplicates_before_saving_and_saves_once_confirmed(village_director):
    existing = child_register(actor=village_director, data=child_data())
    body = register_body(id_number=None, no_id_reason="not_yet_issued")
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "likely_duplicates"
    assert [c["id"] for c in response.json()["candidates"]] == [existing.pk]
    assert Child.objects.count() == 1
    body["confirm_not_duplicate"] = True
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 201
    assert Child.objects.count() == 2


def test_it_refuses_to_register_a_child_outside_the_users_jurisdiction(village_director):
    region("511524100201")
    body = register_body(region_code="511524100201", hukou_region_code="511524100201")
    response = client(village_director).post("/api/v1/children/", body, format="json")
    assert response.status_code == 403
    assert response.json()["field"] == "region_code"
    assert not Child.objects.exists()


# ---- list and search -----------------------------------------------------------------------


def test_it_lists_children_in_the_jurisdiction_with_the_id_masked(
    village_director, director_elsewhere
):
    mine = registered(village_director)
    region("511524100201")
    child_register(
        actor=director_elsewhere,
        data=child_data(region_code="511524100201", name="界外儿童"),
    )
    response = client(village_director).get("/api/v1/children/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    (row,) = data["results"]
    assert (row["id"], row["name"], row["region_code"]) == (mine.pk, "王小花", "511502001001")
    assert row["id_number_masked"].endswith(make_id_number()[-4:])
    assert make_id_number() not in response.content.decode()
    assert "界外儿童" not in response.content.decode()


def test_it_searches_by_name_region_age_arrangement_and_disability(village_director):
    today = dt.date.today()
    child_register(
        actor=village_director,
        data=child_data(name="张三", sex="male", birth_date=dt.date(today.year - 5, 1, 1)),
    )
    child_register(
        actor=village_director,
        data=child_data(
            name="李四",
            living_arrangement="alone",
            disability_category="physical",
            disability_grade=3,
        ),
    )
    api = client(village_director)

    def names(**params):
        response = api.get("/api/v1/children/", params)
        assert response.status_code == 200, response.json()
        return [r["name"] for r in response.json()["results"]]

    assert names(q="张") == ["张三"]
    assert names(q="zhangsan") == ["张三"]
    assert sorted(names(region="511502001")) == sorted(["张三", "李四"])
    assert names(region="511524") == []
    assert names(age_max=6) == ["张三"]
    assert names(age_min=6) == ["李四"]
    assert names(living_arrangement="alone") == ["李四"]
    assert names(disability="any") == ["李四"]
    assert names(disability="none") == ["张三"]


def test_it_refuses_bad_search_parameters_naming_them(village_director):
    api = client(village_director)
    response = api.get("/api/v1/children/", {"region": "51x", "age_min": "old"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"region", "age_min"}
    response = api.get("/api/v1/children/", {"age_min": 10, "age_max": 5})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["age_max"]


@pytest.mark.parametrize("page_size", [1, 12])
def test_the_list_takes_the_same_queries_whatever_the_page_size(
    village_director, django_assert_num_queries, page_size
):
    for i in range(12):
        child_register(
            actor=village_director, data=child_data(name=f"儿童{i}"), confirm_not_duplicate=True
        )
    api = client(village_director)
    village_director.prefixes  # noqa: B018 - load the jurisdictions before counting
    with django_assert_num_queries(2):  # count, page (with regions)
        response = api.get("/api/v1/children/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


# ---- detail --------------------------------------------------------------------------------


def test_it_shows_the_file_with_its_version_and_records_the_view(village_director):
    child = registered(village_director)
    response = client(village_director).get(f"/api/v1/children/{child.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["version"], data["name"]) == (child.pk, 1, "王小花")
    assert data["region_name"]
    assert [p["role"] for p in data["parents"]] == ["father", "mother"]
    entry = AuditEntry.objects.get(verb=Verb.CHILD_VIEWED)
    assert (entry.actor, entry.child_id) == (village_director, child.pk)


def test_a_hidden_file_answers_exactly_like_a_missing_one(village_director, director_elsewhere):
    child = registered(village_director)
    api = client(director_elsewhere)
    hidden = api.get(f"/api/v1/children/{child.pk}/")
    missing = api.get("/api/v1/children/987654/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"code": "not_found", "message": "未找到。"}
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_VIEWED).exists()


# ---- update --------------------------------------------------------------------------------


def test_it_replaces_the_file_with_put_keeping_the_id_number(village_director):
    child = registered(village_director)
    body = register_body(living_arrangement="alone", version=1, reason="入户核实")
    del body["id_number"]
    response = client(village_director).put(f"/api/v1/children/{child.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    child.refresh_from_db()
    assert child.living_arrangement == "alone"
    assert decrypt(child.id_number_encrypted) == make_id_number()
    assert AuditEntry.objects.get(verb=Verb.CHILD_UPDATED).reason == "入户核实"


def test_it_changes_only_the_fields_sent_with_patch(village_director):
    child = registered(village_director)
    response = client(village_director).patch(
        f"/api/v1/children/{child.pk}/",
        {"version": 1, "guardianship_grade": "insufficient"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["version"], data["guardianship_grade"]) == (2, "insufficient")
    assert data["household"]["members"][0]["name"] == "王奶奶"
    assert data["parents"][1]["conditions"][0]["evidence_reference"] == "(2024)川1502刑初1号"
    assert data["id_number_masked"].endswith(make_id_number()[-4:])
    entry = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED)
    assert set(entry.changes) == {"guardianship_grade"}


def test_it_requires_the_version_of_an_update(village_director):
    child = registered(village_director)
    response = client(village_director).patch(
        f"/api/v1/children/{child.pk}/", {"guardianship_grade": "normal"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["version"]


def test_a_second_save_on_an_old_version_is_refused_and_the_first_stays(
    village_director, township_supervisor
):
    child = registered(village_director)
    first = client(village_director).patch(
        f"/api/v1/children/{child.pk}/",
        {"version": 1, "living_arrangement": "alone"},
        format="json",
    )
    assert first.status_code == 200
    second = client(township_supervisor).patch(
        f"/api/v1/children/{child.pk}/",
        {"version": 1, "living_arrangement": "foster_family"},
        format="json",
    )
    assert second.status_code == 409
    assert second.json()["code"] == "concurrent_edit"
    child.refresh_from_db()
    assert (child.living_arrangement, child.version) == ("alone", 2)


def test_an_update_of_a_hidden_file_is_a_404_and_changes_nothing(
    village_director, director_elsewhere
):
    child = registered(village_director)
    response = client(director_elsewhere).patch(
        f"/api/v1/children/{child.pk}/",
        {"version": 1, "living_arrangement": "alone"},
        format="json",
    )
    assert response.status_code == 404
    child.refresh_from_db()
    assert (child.living_arrangement, child.version) == ("with_relatives", 1)
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).exists()
