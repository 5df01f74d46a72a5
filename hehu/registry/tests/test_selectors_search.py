import datetime as dt

import pytest

from hehu.core.errors import ValidationFailed
from hehu.regions.tests.factories import region
from hehu.registry.selectors import children_search
from hehu.registry.services import child_register
from hehu.registry.tests.factories import ChildFactory, child_data, make_id_number

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 1)


def names(queryset):
    return [c.name for c in queryset]


def test_it_never_returns_a_child_outside_the_users_jurisdiction(
    village_director, director_elsewhere
):
    ChildFactory(name="张伟")
    assert names(children_search(user=village_director, q="张伟")) == ["张伟"]
    assert names(children_search(user=director_elsewhere, q="张伟")) == []
    assert names(children_search(user=director_elsewhere)) == []


def test_it_finds_a_name_by_part_by_variant_characters_and_by_pinyin(village_director):
    ChildFactory(name="張偉")
    ChildFactory(name="李峯")
    ChildFactory(name="王小花")
    assert names(children_search(user=village_director, q="偉")) == ["張偉"]
    assert names(children_search(user=village_director, q="张伟")) == ["張偉"]
    assert names(children_search(user=village_director, q="李峰")) == ["李峯"]
    assert names(children_search(user=village_director, q="zhangwei")) == ["張偉"]
    assert names(children_search(user=village_director, q="wangx")) == ["王小花"]


def test_it_finds_a_child_by_exact_id_number_through_the_blind_index(village_director):
    number = make_id_number()
    child_register(actor=village_director, data=child_data(id_number=number, no_id_reason=""))
    ChildFactory(name="别人")
    assert names(children_search(user=village_director, q=number)) == ["王小花"]
    assert names(children_search(user=village_director, q=number.lower())) == ["王小花"]
    assert names(children_search(user=village_director, q=make_id_number(sequence=77))) == []


def test_it_filters_by_region_subtree(county_officer):
    ChildFactory(name="甲", region=region("511502001001"))
    ChildFactory(name="乙", region=region("511502002201"))
    assert names(children_search(user=county_officer, region_prefix="511502002")) == ["乙"]
    assert names(children_search(user=county_officer, region_prefix="511502")) == ["甲", "乙"]


def test_it_turns_an_age_band_into_birth_dates_with_age_reached_on_the_birthday(village_director):
    ChildFactory(name="刚满六岁", birth_date=dt.date(2020, 6, 1))
    ChildFactory(name="明天满六岁", birth_date=dt.date(2020, 6, 2))
    ChildFactory(name="今天满十岁", birth_date=dt.date(2016, 6, 1))
    ChildFactory(name="十一岁", birth_date=dt.date(2015, 6, 1))

    def band(lo, hi):
        return sorted(
            names(children_search(user=village_director, age_min=lo, age_max=hi, as_of=AS_OF))
        )

    assert band(6, 10) == ["今天满十岁", "刚满六岁"]
    assert band(None, 5) == ["明天满六岁"]
    assert band(11, None) == ["十一岁"]


def test_it_counts_a_29_february_birthday_as_28_february_in_a_common_year(village_director):
    ChildFactory(name="闰日", birth_date=dt.date(2012, 2, 29))
    feb28 = dt.date(2030, 2, 28)
    assert names(children_search(user=village_director, age_min=18, as_of=feb28)) == ["闰日"]
    assert (
        names(children_search(user=village_director, age_min=18, as_of=dt.date(2030, 2, 27))) == []
    )


def test_it_filters_by_living_arrangement_and_disability(village_director):
    ChildFactory(
        name="甲", living_arrangement="alone", disability_category="visual", disability_grade=2
    )
    ChildFactory(name="乙", living_arrangement="alone")
    ChildFactory(name="丙")
    assert names(children_search(user=village_director, living_arrangement="alone")) == ["乙", "甲"]
    assert names(children_search(user=village_director, disability="any")) == ["甲"]
    assert names(children_search(user=village_director, disability="visual")) == ["甲"]
    assert names(children_search(user=village_director, disability="hearing")) == []
    assert sorted(names(children_search(user=village_director, disability="none"))) == ["丙", "乙"]


def test_it_orders_by_region_then_name(county_officer):
    ChildFactory(name="乙", region=region("511502001001"))
    ChildFactory(name="甲", region=region("511502002201"))
    ChildFactory(name="丁", region=region("511502001001"))
    assert names(children_search(user=county_officer)) == ["丁", "乙", "甲"]


def test_it_leaves_out_merged_files(village_director):
    survivor = ChildFactory(name="张伟")
    ChildFactory(name="張偉", status="merged", merged_into=survivor)
    assert names(children_search(user=village_director, q="张伟")) == ["张伟"]


def test_it_refuses_malformed_filters(village_director):
    with pytest.raises(ValidationFailed) as exc:
        children_search(user=village_director, region_prefix="51a", age_min=12, age_max=6)
    assert set(exc.value.errors) == {"region_prefix"}
    with pytest.raises(ValidationFailed) as exc:
        children_search(user=village_director, age_min=12, age_max=6)
    assert set(exc.value.errors) == {"age_max"}


def test_it_searches_a_page_in_one_query(village_director, django_assert_num_queries):
    for i in range(5):
        ChildFactory(name=f"儿童{i}")
    village_director.prefixes  # noqa: B018 - load the jurisdictions before counting
    with django_assert_num_queries(1):
        list(children_search(user=village_director, q="儿童", age_max=17, as_of=AS_OF)[:20])
