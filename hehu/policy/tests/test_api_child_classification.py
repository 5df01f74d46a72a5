"""GET/POST /api/v1/children/<id>/classification/: the stored result, why, and recompute."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.policy.models import ChildClassification, PopulationRun
from hehu.policy.services import child_classify, population_run, population_run_create
from hehu.policy.tests.test_views_child_panel import de_facto_unattended_child

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel("2026-03-01T09:00:00+08:00", tick=False):
        yield


def url(child) -> str:
    return f"/api/v1/children/{child.pk}/classification/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def views_of(child) -> int:
    return AuditEntry.objects.filter(verb=Verb.CHILD_VIEWED, child_id=child.pk).count()


def test_it_gives_the_categories_with_the_explanation_and_audits_the_view(village_director):
    child = de_facto_unattended_child()
    child_classify(child=child)

    body = api(village_director).get(url(child)).json()

    assert body["categories"] == ["de_facto_unattended"]
    assert body["policy"] == "cn-national@2026.1"
    assert body["as_of"] == "2026-03-01"
    assert body["computed_by"] == "child_change"
    [category] = body["explanation"]["categories"]
    assert category["code"] == "de_facto_unattended"
    assert any(r["clause"] == "is_minor" for r in category["reasons"])
    assert [(e["category"], e["kind"]) for e in body["events"]] == [
        ("de_facto_unattended", "entered")
    ]
    assert views_of(child) == 1


def test_it_explains_a_result_stored_by_a_population_run(village_director, admin_user):
    child = de_facto_unattended_child()
    population_run(run=population_run_create(actor=admin_user, as_of=dt.date(2026, 3, 1)))
    assert PopulationRun.objects.get().status == PopulationRun.Status.DONE
    assert ChildClassification.objects.get(child=child).reasons is None

    body = api(village_director).get(url(child)).json()

    assert body["computed_by"] == "population"
    assert [c["code"] for c in body["explanation"]["categories"]] == ["de_facto_unattended"]


def test_a_child_never_classified_has_no_classification(village_director):
    child = de_facto_unattended_child()
    assert api(village_director).get(url(child)).status_code == 404


def test_a_child_elsewhere_does_not_exist_and_nothing_is_logged(director_elsewhere):
    child = de_facto_unattended_child()
    child_classify(child=child)
    assert api(director_elsewhere).get(url(child)).status_code == 404
    assert api(director_elsewhere).post(url(child)).status_code == 404
    assert views_of(child) == 0


def test_it_recomputes_for_someone_who_may_edit_the_file(village_director):
    child = de_facto_unattended_child()

    response = api(village_director).post(url(child))

    assert response.status_code == 200
    assert response.json()["computed_by"] == "manual"
    assert ChildClassification.objects.get(child=child).categories == ["de_facto_unattended"]
    entry = AuditEntry.objects.get(verb=Verb.CHILD_RECLASSIFIED, child_id=child.pk)
    assert entry.actor == village_director
    assert entry.changes == {"categories": [[], ["de_facto_unattended"]]}


def test_a_reader_who_may_not_edit_cannot_recompute(db):
    child = de_facto_unattended_child()
    police = make_user(Role.DEPARTMENT_OFFICER, "511502", department=Department.PUBLIC_SECURITY)
    child_classify(child=child)

    assert api(police).get(url(child)).status_code == 200
    assert api(police).post(url(child)).status_code == 403
    assert ChildClassification.objects.get(child=child).source == "child_change"
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_RECLASSIFIED).exists()
