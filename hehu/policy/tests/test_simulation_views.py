from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.policy.simulation.models import Simulation
from hehu.policy.simulation.services import simulation_create
from hehu.policy.tests.test_simulation_services import (
    AS_OF,
    NEIGHBOUR_VILLAGE,
    VILLAGE,
    make_draft,
    population,
    run,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulated():
    children = population()
    return run(make_draft()), children


@pytest.fixture
def officer_elsewhere(db):
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS, "511524", department=Department.CIVIL_AFFAIRS, username="c2"
    )


def _cells(response) -> dict[str, tuple[int, int, int, int]]:
    return {
        c.code: (c.current, c.draft, c.entered, c.left)
        for c in response.context["summary"].total.cells
    }


def test_it_counts_within_the_viewers_jurisdiction_only(client, simulated, county_officer):
    simulation, _ = simulated
    client.force_login(county_officer)
    response = client.get(f"/simulations/{simulation.pk}/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.region == "511502"
    assert summary.total.children == 3  # not the 5 of the whole simulation
    assert _cells(response)["dibao_child"] == (1, 0, 0, 1)
    assert _cells(response)["left_behind"] == (1, 2, 1, 0)
    assert [r.prefix for r in summary.rows] == ["511502001"]
    current, draft = response.context["chart"]["series"]
    assert (current["values"][0], draft["values"][0]) == (0, 0)  # orphan: current, draft
    body = response.content.decode()
    assert 'data-hh-chart="hh-sim-data"' in body
    assert "<script>" not in body  # data in a JSON block, no inline script


def test_another_county_sees_its_own_numbers(client, simulated, officer_elsewhere):
    simulation, _ = simulated
    client.force_login(officer_elsewhere)
    response = client.get(f"/simulations/{simulation.pk}/")
    assert response.context["summary"].total.children == 2
    assert _cells(response)["dibao_child"] == (1, 0, 0, 1)
    assert _cells(response)["low_income_child"] == (0, 1, 1, 0)
    assert client.get(f"/simulations/{simulation.pk}/?region=511502").status_code == 404


def test_it_drills_down_to_the_villages(client, simulated, county_officer):
    simulation, _ = simulated
    client.force_login(county_officer)
    response = client.get(f"/simulations/{simulation.pk}/?region=511502001&category=dibao_child")
    summary = response.context["summary"]
    assert [r.prefix for r in summary.rows] == [VILLAGE, NEIGHBOUR_VILLAGE]
    assert [p for p, _name in summary.crumbs] == ["511502"]
    current, draft = response.context["region_chart"]["series"]
    assert (current["values"], draft["values"]) == ([0, 1], [0, 0])
    village = client.get(f"/simulations/{simulation.pk}/?region={VILLAGE}")
    assert _cells(village)["left_behind"] == (1, 2, 1, 0)
    assert village.context["summary"].rows == []


def test_a_simulation_of_another_county_is_hidden(client, county_officer, director_elsewhere):
    population()
    simulation = run(make_draft(), scope="511502")
    for user in (director_elsewhere,):
        client.force_login(user)
        assert client.get(f"/simulations/{simulation.pk}/").status_code == 404
        assert client.get(f"/api/v1/simulations/{simulation.pk}/").status_code == 404
        assert client.get(f"/simulations/{simulation.pk}/changes/").status_code == 404
        assert client.get(f"/simulations/{simulation.pk}/export.xlsx").status_code == 404
        assert simulation.pk not in [s["id"] for s in client.get("/api/v1/simulations/").json()]


def test_the_change_list_shows_only_children_in_reach(client, simulated, county_officer):
    simulation, _ = simulated
    client.force_login(county_officer)
    response = client.get(f"/simulations/{simulation.pk}/changes/")
    names = {c.child.name for c in response.context["page"].object_list}
    assert names == {"十六岁留守", "低保退出"}
    left = client.get(f"/simulations/{simulation.pk}/changes/?direction=left")
    assert [c.child.name for c in left.context["page"].object_list] == ["低保退出"]


def test_a_director_elsewhere_sees_nothing_of_another_county(client, simulated, director_elsewhere):
    simulation, children = simulated
    client.force_login(director_elsewhere)
    page = client.get(f"/simulations/{simulation.pk}/changes/")
    assert {c.child.name for c in page.context["page"].object_list} == {
        "低收入纳入",
        "外县低保退出",
    }
    body = client.get(f"/simulations/{simulation.pk}/").content.decode()
    assert "十六岁留守" not in body
    api = client.get(f"/api/v1/simulations/{simulation.pk}/changes/").json()
    assert {r["name"] for r in api["results"]} == {"低收入纳入", "外县低保退出"}
    detail = client.get(f"/api/v1/simulations/{simulation.pk}/").json()
    assert detail["summary"]["total"]["children"] == 2
    assert f"/children/{children['aged_16'].pk}/" not in body


def test_an_analyst_sees_counts_but_no_children(client, simulated):
    simulation, _ = simulated
    analyst = make_user(Role.CITY_ANALYST, "5115", username="analyst")
    client.force_login(analyst)
    response = client.get(f"/simulations/{simulation.pk}/")
    assert response.context["summary"].total.children == 5
    assert client.get(f"/simulations/{simulation.pk}/changes/").status_code == 403
    assert client.get(f"/api/v1/simulations/{simulation.pk}/changes/").status_code == 403
    book = load_workbook(
        io.BytesIO(client.get(f"/simulations/{simulation.pk}/export.xlsx").content)
    )
    assert len(book.sheetnames) == 1  # the counts only


def test_the_excel_export_has_the_rows_and_is_audited(client, simulated, county_officer):
    simulation, _ = simulated
    client.force_login(county_officer)
    response = client.get(f"/simulations/{simulation.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    summary, changes = (book[name] for name in book.sheetnames)
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    prefixes = {row[1] for row in rows}
    assert prefixes == {"511502", "511502001", VILLAGE, NEIGHBOUR_VILLAGE}
    county = [r for r in rows if r[1] == "511502" and r[4] == "低保家庭儿童"]
    assert county == [(6, "511502", "翠屏区", 3, "低保家庭儿童", 1, 0, -1, 0, 1)]
    listed = {row[1] for row in changes.iter_rows(min_row=2, values_only=True)}
    assert listed == {"十六岁留守", "低保退出"}
    entry = AuditEntry.objects.get(verb=Verb.SIMULATION_EXPORTED)
    assert entry.actor == county_officer
    assert entry.changes["children_listed"] == 2


def test_it_starts_a_simulation_from_the_page(
    client, county_officer, django_capture_on_commit_callbacks
):
    population()
    draft = make_draft()
    client.force_login(county_officer)
    form = client.get("/simulations/new/")
    assert form.status_code == 200
    assert form.context["form"].initial["scope"] == "511502"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/simulations/new/", {"draft": draft.pk, "as_of": "2026-03-01", "scope": "511502"}
        )
    simulation = Simulation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/simulations/{simulation.pk}/"
    assert simulation.status == Simulation.Status.DONE
    refused = client.post(
        "/simulations/new/", {"draft": draft.pk, "as_of": "2026-03-01", "scope": "511524"}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["scope"]
    assert Simulation.objects.count() == 1


def test_a_queued_simulation_shows_its_progress(client, county_officer):
    population()
    simulation = simulation_create(actor=None, draft=make_draft(), as_of=AS_OF)
    client.force_login(county_officer)
    body = client.get(f"/simulations/{simulation.pk}/").content.decode()
    assert 'hx-trigger="every 3s"' in body
    poll = client.get(f"/simulations/{simulation.pk}/", HTTP_HX_REQUEST="true")
    assert "hx-get" in poll.content.decode()
    assert "HX-Refresh" not in poll


def test_it_refuses_to_start_without_the_permission(client, village_director):
    draft = make_draft()
    client.force_login(village_director)
    assert client.get("/simulations/new/").status_code == 403
    payload = {"draft": draft.ref, "as_of": "2026-03-01"}
    api = client.post("/api/v1/simulations/", json.dumps(payload), content_type="application/json")
    assert api.status_code == 403
    assert not Simulation.objects.exists()


def test_the_api_requests_and_reads_a_simulation(
    client, county_officer, django_capture_on_commit_callbacks
):
    population()
    draft = make_draft()
    client.force_login(county_officer)
    payload = {"draft": draft.ref, "as_of": "2026-03-01"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/simulations/", json.dumps(payload), content_type="application/json"
        )
    assert created.status_code == 202
    pk = created.json()["id"]
    detail = client.get(f"/api/v1/simulations/{pk}/").json()
    assert detail["status"] == "done"
    assert detail["scope"] == "511502"
    cells = {c["code"]: c for c in detail["summary"]["total"]["categories"]}
    assert (cells["left_behind"]["current"], cells["left_behind"]["draft"]) == (1, 2)
    changes = client.get(f"/api/v1/simulations/{pk}/changes/?category=left_behind").json()
    assert changes["count"] == 1
    assert changes["results"][0]["direction"] == "entered"
    bad = client.post(
        "/api/v1/simulations/",
        json.dumps({"draft": "nope@1", "as_of": "2026-03-01"}),
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_the_cost_effect_is_shown_to_those_who_reach_the_whole_scope(
    client, simulated, county_officer
):
    simulation, _ = simulated
    analyst = make_user(Role.PROVINCE_ANALYST, "51", username="analyst51")
    client.force_login(analyst)
    body = client.get(f"/simulations/{simulation.pk}/").content.decode()
    assert "资金影响" not in body  # a national simulation: the province does not reach it
    national = make_user(Role.NATIONAL_ANALYST, "", username="analyst0")
    client.force_login(national)
    response = client.get(f"/simulations/{simulation.pk}/")
    body = response.content.decode()
    assert "资金影响" in body
    assert response.context["cost"]["losers"] == 2
    assert [r["code"] for r in response.context["cost_programmes"]] == ["dibao_child"]
    client.force_login(county_officer)
    assert "资金影响" not in client.get(f"/simulations/{simulation.pk}/").content.decode()
