"""The statement and budget pages: who may read them and for which regions, figures and
rows to drill into, the chart with its table, no child named, and the nav link."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.benefits.tests.reports_factories import TOWN, analyst, march_rolls
from hehu.registry.models import Child
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
STATEMENT = reverse("benefit_reports:statement")
BUDGET = reverse("benefit_reports:budget")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_a_city_its_counties_with_their_rolls_and_the_sums() -> None:
    march_rolls()
    response = client_for(analyst()).get(STATEMENT, {"region": "5115", "month": "2026-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-03 发放情况月报表" in page
    assert 'id="hh-due">11755.00' in page
    rows = response.context["rows"]
    assert [r["row"].prefix for r in rows] == ["511502", "511503", "511524"]
    for status in ("未生成名册", "已对账", "已生成待复核"):
        assert status in page
    assert "?region=511502&amp;month=2026-03" in page  # drill down to the county
    chart = json.loads(
        page.split('id="hh-statement-data" type="application/json">')[1].split("</script>")[0]
    )
    assert chart["labels"][0] == "孤儿基本生活费（社会散居）"
    assert chart["values"] == [1500.0, 9455.0, 800.0]  # orphan, de facto (8055 + 1400), aid
    # Aggregates only: no child is named; an analyst has no link to a roll.
    names = list(Child.objects.values_list("name", flat=True))
    assert len(names) == 6
    assert not [name for name in names if name in page]
    assert "/benefits/cycles/" not in page


def test_a_county_officer_drills_into_a_township_and_sees_the_roll_link(county_officer) -> None:
    rolls = march_rolls()
    client = client_for(county_officer)
    county = client.get(STATEMENT, {"month": "2026-03"})
    assert county.context["scope"].region == "511502"
    assert reverse("benefits:cycle", args=[rolls.cuiping.pk]) in county.content.decode()
    township = client.get(STATEMENT, {"region": TOWN[:9], "month": "2026-03"})
    assert township.status_code == 200
    assert [c[0] for c in township.context["scope"].crumbs] == ["511502"]
    assert township.context["statement"].total.total.children == 2
    assert [r["row"].prefix for r in township.context["rows"]] == [TOWN]


def test_rows_can_show_one_programme() -> None:
    march_rolls()
    response = client_for(analyst()).get(
        STATEMENT, {"region": "5115", "month": "2026-03", "programme": "orphan_scattered"}
    )
    figures = {r["row"].prefix: r["figures"] for r in response.context["rows"]}
    assert str(figures["511502"].failed) == "1500.00"
    assert figures["511524"].due == 0


@pytest.mark.parametrize("region", ["5116", "511524", "51", "", "12345", "abc"])
def test_a_region_outside_the_jurisdiction_answers_404(county_officer, region) -> None:
    march_rolls()
    if region == "":
        county_officer.jurisdictions.all().delete()
    response = client_for(county_officer).get(STATEMENT, {"region": region, "month": "2026-03"})
    assert response.status_code == 404
    assert client_for(county_officer).get(BUDGET, {"region": region}).status_code == 404


def test_roles_without_aggregates_are_refused(village_director, police_officer) -> None:
    for user in (village_director, police_officer):
        assert client_for(user).get(STATEMENT).status_code == 403
        assert client_for(user).get(BUDGET).status_code == 403
        assert client_for(user).get(reverse("benefit_reports:statement_export")).status_code == 403


def test_a_township_supervisor_reads_the_township_only(township_supervisor) -> None:
    march_rolls()
    client = client_for(township_supervisor)
    assert client.get(STATEMENT, {"month": "2026-03"}).context["scope"].region == "511502001"
    assert client.get(STATEMENT, {"region": "511502"}).status_code == 404


def test_a_bad_month_is_said_and_this_month_shown(county_officer) -> None:
    response = client_for(county_officer).get(STATEMENT, {"month": "March"})
    assert response.status_code == 200
    assert "月份应按 年-月 填写" in response.content.decode()


def test_the_budget_page_shows_months_programmes_and_rows(county_officer) -> None:
    march_rolls()
    response = client_for(county_officer).get(BUDGET, {"year": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026 年度资金预算" in page
    assert len(response.context["months"]) == 12
    assert 'data-month="2026-03"' in page
    assert 'id="hh-actual">12006.00' in page
    assert {r.key for r in response.context["rows"]} >= {"511502001", "511502100"}
    assert client_for(county_officer).get(BUDGET, {"year": "1999"}).status_code == 200


def test_the_nav_shows_the_reports_to_those_who_read_aggregates(village_director) -> None:
    analyst_home = client_for(analyst()).get(reverse("web:home")).content.decode()
    assert "资金报表" in analyst_home
    assert STATEMENT in analyst_home
    director_home = client_for(village_director).get(reverse("web:home")).content.decode()
    assert "资金报表" not in director_home


def test_a_province_analyst_with_two_cities_picks_either() -> None:
    march_rolls()
    user = make_user(Role.CITY_ANALYST, "5115", "5101")
    response = client_for(user).get(STATEMENT, {"month": "2026-03"})
    assert response.status_code == 200
    assert [p for p, _n in response.context["reach"]] == ["5101", "5115"]
    assert response.context["scope"].region == "5101"
    assert 'id="hh-region"' in response.content.decode()
    other = client_for(user).get(STATEMENT, {"month": "2026-03", "region": "5115"})
    assert other.context["statement"].total.total.children == 5


def test_the_page_for_last_month_without_rolls_says_so(county_officer) -> None:
    response = client_for(county_officer).get(STATEMENT, {"month": "2020-01"})
    assert 'id="hh-nothing"' in response.content.decode()
    assert dt.date(2020, 1, 1) == response.context["statement"].month


def _queries(client: Client, url: str, params: dict[str, str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


def test_the_pages_take_as_many_queries_for_many_counties_and_lines_as_for_few() -> None:
    from hehu.benefits.tests.factories import EnrolmentFactory, PaymentCycleFactory, make_transfer
    from hehu.benefits.tests.reports_factories import MARCH, STREET, child_in
    from hehu.regions.tests.factories import region

    march_rolls()
    client = client_for(analyst())
    statement = {"region": "5115", "month": "2026-03"}
    budget = {"region": "5115", "year": "2026"}
    EnrolmentFactory(child=ChildFactory(**child_in(STREET)))
    few = (_queries(client, STATEMENT, statement), _queries(client, BUDGET, budget))
    region("511525000000", name="高县")
    more = PaymentCycleFactory(county_code="511525", month=MARCH)
    for n in range(6):
        make_transfer(more, **child_in(f"511525{100 + n:03d}201"))
        EnrolmentFactory(child=ChildFactory(**child_in(TOWN)))
    many = (_queries(client, STATEMENT, statement), _queries(client, BUDGET, budget))
    assert many == few
