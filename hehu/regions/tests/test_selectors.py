from __future__ import annotations

import pytest

from hehu.regions.errors import InvalidRegionCodeError, UnknownRegion
from hehu.regions.models import Region
from hehu.regions.selectors import (
    region_get_or_error,
    region_label,
    region_labels,
    region_path,
    regions_children,
    regions_list,
)
from hehu.regions.services import regions_load_national
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["51150200100", "5115020010011", "51150200100a", ""])
def test_it_refuses_a_code_that_is_not_12_digits_naming_the_field(code: str) -> None:
    with pytest.raises(InvalidRegionCodeError) as caught:
        region_get_or_error(code, field="region_code")
    assert str(caught.value.message) == "区划代码必须是12位数字"
    assert caught.value.as_dict()["field"] == "region_code"


def test_it_refuses_a_code_that_does_not_exist() -> None:
    region("511502001001")
    with pytest.raises(UnknownRegion) as caught:
        region_get_or_error("511502999999", field="region_code")
    assert str(caught.value.message) == "区划代码 511502999999 不存在"
    assert caught.value.field == "region_code"


def test_it_refuses_an_abolished_code_unless_asked_for_it() -> None:
    old = region("511502001001")
    old.active = False
    old.save()
    with pytest.raises(UnknownRegion, match="已撤销"):
        region_get_or_error("511502001001", field="region_code")
    assert region_get_or_error("511502001001", field="x", include_inactive=True) == old


def test_it_returns_the_region_for_a_good_code() -> None:
    village = region("511502001001")
    assert region_get_or_error(" 511502001001 ", field="region_code") == village


def test_it_gives_the_path_from_the_province_down() -> None:
    region("511502001001", name="示例社区")
    path = region_path("511502001001")
    assert [r.code for r in path] == [
        "510000000000",
        "511500000000",
        "511502000000",
        "511502001000",
        "511502001001",
    ]
    assert region_path("511502009001") == []


def test_it_labels_a_region_with_its_full_name() -> None:
    regions_load_national()
    region("511502001001", name="示例社区")
    assert region_label("511502000000") == "四川省 宜宾市 翠屏区"
    assert region_label("511502001001").endswith("翠屏区 区划511502001000 示例社区")
    assert region_label("110101000000") == "北京市 东城区"  # without 市辖区
    assert region_label("429004000000") == "湖北省 仙桃市"  # without 省直辖县级行政区划
    assert region_label("999999999999") == "999999999999"


def test_it_labels_many_codes_in_one_query(django_assert_num_queries) -> None:
    regions_load_national()
    with django_assert_num_queries(1):
        labels = region_labels(
            ["511502000000", "511524000000", "bad", "110101000000", "511502999999"]
        )
    assert labels == {
        "511502000000": "四川省 宜宾市 翠屏区",
        "511524000000": "四川省 宜宾市 长宁县",
        "110101000000": "北京市 东城区",
        "511502999999": "511502999999",
    }


def test_it_lists_children_and_provinces() -> None:
    regions_load_national()
    provinces = regions_children(parent_code=None)
    assert provinces.count() == 34
    assert provinces.first() == Region.objects.get(code="110000000000")
    counties = list(regions_children(parent_code="511500000000").values_list("name", flat=True))
    assert counties == [
        "翠屏区",
        "南溪区",
        "叙州区",
        "江安县",
        "长宁县",
        "高县",
        "珙县",
        "筠连县",
        "兴文县",
        "屏山县",
    ]
    assert regions_list(level="county").count() == 2846


def test_it_leaves_abolished_regions_out_of_the_children() -> None:
    gone = region("511502001001")
    gone.active = False
    gone.save()
    assert not regions_children(parent_code="511502001000").exists()
