"""Who may do what on the registry API: the personas of conftest.py against one child of
the village. Hidden means 404 and nothing changed; a role without the right gets 403."""

import pytest
from rest_framework.test import APIClient

from hehu.audit.models import AuditEntry
from hehu.registry.facts import child_to_facts
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import full_child_data, make_id_number

pytestmark = pytest.mark.django_db

PERSONAS = [
    "village_director",
    "township_supervisor",
    "county_officer",
    "police_officer",
    "director_elsewhere",
    "admin_user",
]

# Expected status per persona for each action on the village child.
MATRIX = {
    #                 director supervisor county police elsewhere admin
    "list":          (200, 200, 200, 200, 200, 403),
    "detail":        (200, 200, 200, 200, 404, 404),
    "update":        (200, 200, 200, 403, 404, 404),
    "reveal":        (200, 200, 200, 403, 404, 404),
    "history":       (200, 200, 200, 200, 404, 404),
    "attachments":   (200, 200, 200, 200, 404, 404),
    "facts":         (200, 200, 200, 403, 404, 404),
    "import":        (403, 200, 200, 403, 403, 403),
    "register":      (201, 201, 201, 403, 403, 403),
}  # fmt: skip


@pytest.fixture
def owner(village_director):
    return village_director


def act(api, action, child):
    base = f"/api/v1/children/{child.pk}/"
    if action == "list":
        return api.get("/api/v1/children/")
    if action == "detail":
        return api.get(base)
    if action == "update":
        return api.patch(
            base, {"version": child.version, "guardianship_grade": "normal"}, format="json"
        )
    if action == "reveal":
        return api.post(f"{base}reveal-id/", {"reason": "核实身份"}, format="json")
    if action == "history":
        return api.get(f"{base}history/")
    if action == "attachments":
        return api.get(f"{base}attachments/")
    if action == "facts":
        return api.get(f"{base}facts/")
    if action == "import":
        return api.post("/api/v1/facts/import/", child_to_facts(child), format="json")
    assert action == "register"
    body = {
        "name": "新登记",
        "sex": "male",
        "birth_date": "2016-01-01",
        "region_code": "511502001001",
        "hukou_region_code": "511502001001",
        "hukou_type": "urban",
        "living_arrangement": "with_parents",
        "no_id_reason": "not_yet_issued",
    }
    return api.post("/api/v1/children/", body, format="json")


def state(child):
    child = Child.objects.get(pk=child.pk)
    return child.version, child_to_facts(child), Child.objects.count()


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_the_registry_api_answers_each_persona_as_its_role_and_reach_allow(
    request, owner, action, index
):
    child = child_register(actor=owner, data=full_child_data())
    persona = request.getfixturevalue(PERSONAS[index])
    api = APIClient()
    api.force_authenticate(persona)
    before, entries = state(child), AuditEntry.objects.count()
    response = act(api, action, child)
    expected = MATRIX[action][index]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert state(child) == before
        assert AuditEntry.objects.count() == entries
        assert make_id_number() not in response.content.decode()
    if expected == 404:
        assert response.json() == {"code": "not_found", "message": "未找到。"}


@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_the_list_never_mentions_a_child_outside_the_reach(request, owner, index):
    child_register(actor=owner, data=full_child_data(name="村里的孩子"))
    persona = request.getfixturevalue(PERSONAS[index])
    api = APIClient()
    api.force_authenticate(persona)
    response = api.get("/api/v1/children/", {"q": "村里的孩子"})
    sees = PERSONAS[index] not in ("director_elsewhere", "admin_user")
    assert ("村里的孩子" in response.content.decode()) is sees
    if response.status_code == 200:
        assert response.json()["count"] == (1 if sees else 0)
