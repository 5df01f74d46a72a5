from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.policy.gaps.selectors import coverage_gap_count, coverage_gaps_visible_to
from hehu.policy.models import ChildClassification
from hehu.policy.services.policies import policies_in_force
from hehu.regions.tests.factories import region
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

VILLAGE = "511502001001"
OTHER_VILLAGE = "511524100201"


def _classified(name: str, code: str, signals: list[str], *, gap: bool = True, categories=()):
    _set, by_ref = policies_in_force()
    child = ChildFactory(name=name, region=region(code))
    ChildClassification.objects.create(
        child=child,
        policy_version=by_ref["cn-national@2026.1"],
        as_of=dt.date(2026, 3, 1),
        computed_at=timezone.now(),
        categories=list(categories),
        signals=signals,
        coverage_gap=gap,
        source=ChildClassification.Source.POPULATION,
    )
    return child


@pytest.fixture
def gaps(db):
    return {
        "unable": _classified("监护无力", VILLAGE, ["guardian_unable"]),
        "both": _classified("两个信号", VILLAGE, ["near_poverty", "out_of_school"]),
        "covered": _classified(
            "已纳入", VILLAGE, ["guardian_unable"], gap=False, categories=["dibao_child"]
        ),
        "elsewhere": _classified("外县缺口", OTHER_VILLAGE, ["guardian_unable"]),
    }


def _names(response) -> list[str]:
    return [row["child"].name for row in response.context["rows"]]


def test_it_lists_the_gaps_in_the_directors_village(client, gaps, village_director):
    client.force_login(village_director)
    response = client.get("/gaps/")
    assert response.status_code == 200
    assert sorted(_names(response)) == ["两个信号", "监护无力"]
    body = response.content.decode()
    assert "监护人无力照料" in body  # the signal's label, from the policy
    assert f"/children/{gaps['unable'].pk}/" in body
    assert "外县缺口" not in body


def test_it_filters_by_signal_and_region(client, gaps, township_supervisor):
    client.force_login(township_supervisor)
    assert _names(client.get("/gaps/?signal=out_of_school")) == ["两个信号"]
    assert _names(client.get("/gaps/?signal=guardian_unable")) == ["监护无力"]
    assert _names(client.get(f"/gaps/?region={VILLAGE}")) != []
    assert _names(client.get("/gaps/?region=511502002")) == []
    refused = client.get("/gaps/?region=abc")
    assert refused.status_code == 200
    assert refused.context["errors"]["region"]


def test_a_director_elsewhere_sees_only_their_own(client, gaps, director_elsewhere):
    client.force_login(director_elsewhere)
    assert _names(client.get("/gaps/")) == ["外县缺口"]
    api = client.get("/api/v1/coverage-gaps/").json()
    assert [r["name"] for r in api["results"]] == ["外县缺口"]


def test_the_api_gives_the_signal_labels(client, gaps, village_director):
    client.force_login(village_director)
    data = client.get("/api/v1/coverage-gaps/?signal=guardian_unable").json()
    assert data["count"] == 1
    signal = data["results"][0]["signals"][0]
    assert signal["code"] == "guardian_unable"
    assert signal["label"]["zh-hans"] == "监护人无力照料"
    assert client.get("/api/v1/coverage-gaps/?signal=BAD!").status_code == 400


def test_it_counts_the_gaps_for_the_home_page(gaps, village_director, county_officer):
    assert coverage_gap_count(user=village_director) == 2
    assert coverage_gap_count(user=county_officer) == 2
    national = make_user(Role.COUNTY_CIVIL_AFFAIRS, "", username="everywhere")
    assert coverage_gap_count(user=national) == 3
    assert list(coverage_gaps_visible_to(user=make_user(Role.CITY_ANALYST, "51"))) == []


def test_roles_without_files_cannot_list_gaps(client, gaps, admin_user):
    analyst = make_user(Role.PROVINCE_ANALYST, "51", username="analyst")
    for user in (analyst, admin_user):
        client.force_login(user)
        assert client.get("/gaps/").status_code == 403
        assert client.get("/api/v1/coverage-gaps/").status_code == 403


def test_the_gap_list_takes_a_fixed_number_of_queries(
    client, gaps, village_director, django_assert_max_num_queries
):
    for n in range(10):
        _classified(f"缺口{n}", VILLAGE, ["living_alone"])
    client.force_login(village_director)
    client.get("/gaps/")  # warm the policy cache
    with django_assert_max_num_queries(12):
        client.get("/gaps/")
