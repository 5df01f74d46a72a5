"""The statement and budget over /api/v1/benefits/statements/ and /budget/: the same
figures as the pages, amounts as exact strings, and refusals with their status."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hehu.benefits.tests.reports_factories import TOWN, analyst, march_rolls

pytestmark = pytest.mark.django_db
STATEMENTS = "/api/v1/benefits/statements/"
BUDGET = "/api/v1/benefits/budget/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_statement_of_a_city_with_its_counties() -> None:
    march_rolls()
    response = api(analyst()).get(STATEMENTS, {"month": "2026-03", "region": "5115"})
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["region"], body["name"]) == ("2026-03", "5115", "宜宾市")
    assert body["total"]["figures"]["due"] == "11755.00"
    assert body["total"]["figures"]["children"] == 5
    assert body["total"]["cycles"] == {"reconciled": 1, "generated": 1, "none": 1}
    rows = {r["region"]: r for r in body["rows"]}
    assert rows["511502"]["figures"]["back_pay"] == "1651.00"
    assert rows["511502"]["figures"]["recovery"] == "-200.00"
    assert rows["511502"]["status"] == "reconciled"
    assert rows["511503"]["status"] == "none"
    assert rows["511503"]["cycle_id"] is None
    assert rows["511502"]["drillable"] is True
    orphan = [p for p in rows["511502"]["programmes"] if p["programme"] == "orphan_scattered"]
    assert orphan[0]["failed"] == "1500.00"
    names = {p["code"]: p["name"] for p in body["programmes"]}
    assert names["education_aid"] == {"zh-hans": "教育救助", "en": "education aid"}
    assert [c["status_label"] for c in body["counties"]] == ["已对账", "未生成名册", "已生成待复核"]


def test_within_a_county_the_rows_are_townships_and_those_living_elsewhere(county_officer):
    march_rolls()
    body = api(county_officer).get(STATEMENTS, {"month": "2026-03"}).json()
    assert body["region"] == "511502"
    assert {r["region"]: r["figures"]["due"] for r in body["rows"]} == {
        "511502001": "3102.00",
        "511502100": "3951.00",
        "elsewhere": "3302.00",
    }
    village = api(county_officer).get(STATEMENTS, {"month": "2026-03", "region": TOWN}).json()
    assert village["rows"] == []
    assert [c["region"] for c in village["crumbs"]] == ["511502", "511502100"]


def test_the_budget_by_month_programme_and_region(county_officer) -> None:
    march_rolls()
    body = api(county_officer).get(BUDGET, {"year": "2026"}).json()
    assert body["year"] == 2026
    assert body["total"]["cost"]["actual_due"] == "12006.00"
    assert body["total"]["cost"]["actual_paid"] == "3102.00"
    months = {m["key"]: m for m in body["months"]}
    assert months["2026-03"]["basis"] == "actual"
    assert months["2026-03"]["cost"]["total"] == "10355.00"
    assert {r["key"] for r in body["rows"]} >= {"511502001", "511502100", "elsewhere"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"region": "511524"}, 404),
        ({"region": "5116"}, 404),
        ({"region": "51150"}, 400),
        ({"month": "2026-13"}, 400),
    ],
)
def test_statement_refusals(county_officer, params, status) -> None:
    response = api(county_officer).get(STATEMENTS, params)
    assert response.status_code == status
    assert response.json()["code"] in ("not_found", "validation_failed")


@pytest.mark.parametrize("year", ["1999", "3000", "twenty"])
def test_a_year_out_of_range_is_refused(county_officer, year) -> None:
    response = api(county_officer).get(BUDGET, {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_roles_without_aggregates_are_refused(village_director, police_officer) -> None:
    for user in (village_director, police_officer):
        for url in (STATEMENTS, BUDGET):
            response = api(user).get(url)
            assert response.status_code == 403
            assert response.json()["code"] == "permission_denied"


def test_it_needs_a_signed_in_user() -> None:
    assert APIClient().get(STATEMENTS).status_code in (401, 403)
