import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hehu.regions.tests.factories import region
from hehu.registry.services import child_register
from hehu.registry.tests.factories import ChildFactory, child_data, make_id_number

pytestmark = pytest.mark.django_db
LIST = reverse("web:children")
NEIGHBOUR = "511502001002"


def born_years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=30)


def names_in(response) -> list[str]:
    return [c.name for c in response.context["children"]]


def test_it_lists_children_of_the_jurisdiction_with_masked_id_and_region_path(
    client, village_director
):
    number = make_id_number()
    child_register(
        actor=village_director, data=child_data(name="王小花", id_number=number, no_id_reason="")
    )
    client.force_login(village_director)

    response = client.get(LIST)

    page = response.content.decode()
    assert names_in(response) == ["王小花"]
    assert f"***{number[-4:]}" in page
    assert number not in page
    assert 'title="四川省 / 宜宾市 / 翠屏区 / ' in page
    assert "与亲属同住" in page


def test_it_never_lists_a_child_outside_the_jurisdiction(client, village_director):
    ChildFactory(name="本村儿童")
    ChildFactory(name="邻村儿童", region=region(NEIGHBOUR))
    ChildFactory(name="外县儿童", region=region("511524100201"))
    client.force_login(village_director)

    assert names_in(client.get(LIST)) == ["本村儿童"]
    assert names_in(client.get(LIST, {"q": "儿童"})) == ["本村儿童"]
    assert names_in(client.get(LIST, {"region_code": "511524"})) == []


def test_it_lets_the_supervisor_narrow_to_one_village(client, township_supervisor):
    ChildFactory(name="甲村儿童")
    ChildFactory(name="乙村儿童", region=region(NEIGHBOUR))
    client.force_login(township_supervisor)

    everyone = client.get(LIST)
    one_village = client.get(LIST, {"region": NEIGHBOUR})

    assert sorted(names_in(everyone)) == ["乙村儿童", "甲村儿童"]
    assert names_in(one_village) == ["乙村儿童"]
    assert f'<option value="{NEIGHBOUR}"' in everyone.content.decode()


def test_it_finds_a_child_by_the_full_id_number_only_exactly(client, village_director):
    number = make_id_number()
    child_register(
        actor=village_director, data=child_data(name="王小花", id_number=number, no_id_reason="")
    )
    child_register(actor=village_director, data=child_data(name="李四"))
    client.force_login(village_director)

    assert names_in(client.get(LIST, {"q": number})) == ["王小花"]
    assert names_in(client.get(LIST, {"q": number[:-1] + "0"})) == []


def test_it_filters_by_age_band_living_arrangement_and_disability(client, village_director):
    ChildFactory(name="幼儿", birth_date=born_years_ago(2))
    ChildFactory(name="小学生", birth_date=born_years_ago(8), living_arrangement="alone")
    ChildFactory(
        name="残疾少年",
        birth_date=born_years_ago(13),
        disability_category="intellectual",
        disability_grade=2,
    )
    client.force_login(village_director)

    assert names_in(client.get(LIST, {"age": "0-2"})) == ["幼儿"]
    assert names_in(client.get(LIST, {"living_arrangement": "alone"})) == ["小学生"]
    assert names_in(client.get(LIST, {"disability": "any"})) == ["残疾少年"]
    assert names_in(client.get(LIST, {"disability": "intellectual", "age": "12-15"})) == [
        "残疾少年"
    ]


def test_it_explains_a_bad_region_code_instead_of_guessing(client, village_director):
    client.force_login(village_director)

    response = client.get(LIST, {"region_code": "5115x"})

    assert "区划代码应为2、4、6、9或12位数字" in response.content.decode()
    assert names_in(response) == []


def test_it_pages_by_25_and_keeps_the_filters_in_page_links(client, county_officer):
    for i in range(30):
        ChildFactory(name=f"儿童{i:02d}", living_arrangement="alone")
    client.force_login(county_officer)

    first = client.get(LIST, {"living_arrangement": "alone"})
    second = client.get(LIST, {"living_arrangement": "alone", "page": 2})

    assert len(names_in(first)) == 25
    assert len(names_in(second)) == 5
    assert "living_arrangement=alone&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_it_reads_a_page_in_a_fixed_number_of_queries(
    client, county_officer, django_assert_num_queries, rows
):
    for i in range(rows):
        ChildFactory(name=f"儿童{i:02d}", region=region(f"511502001{(i % 3) + 1:03d}"))
    client.force_login(county_officer)

    # session, user with jurisdictions, region options, count, page, region names (an
    # unchanged session is not written again within HEHU_SESSION_REFRESH_SECONDS).
    with django_assert_num_queries(6):
        response = client.get(LIST, {"q": "儿童"})

    assert response.status_code == 200
    assert len(names_in(response)) == min(rows, 25)
