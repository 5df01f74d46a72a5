import pytest

from hehu.web.history import describe_path, display_value


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("living_arrangement", "居住情况"),
        ("id_number", "身份证号码"),
        ("region_code", "现居住地"),
        ("household.dibao", "家庭 · 低保家庭"),
        ("household.members[0].name", "家庭成员1 · 姓名"),
        ("parents[mother].vital_status", "母亲 · 生存状态"),
        ("parents[father].conditions[1].until", "父亲 · 情形2 · 结束日期"),
        ("concerns[0].type", "保护关切1 · 类型"),
        ("receiving[1].monthly_amount", "已享受待遇2 · 月金额（元）"),
        ("something.unknown[x]", "something.unknown[x]"),
    ],
)
def test_it_names_a_change_as_the_form_labelled_it(path, label):
    assert describe_path(path)[0] == label


def test_it_shows_stored_values_as_the_user_knows_them():
    _label, field = describe_path("parents[mother].conditions[0].type")

    assert display_value("imprisoned", field) == "服刑在押"
    assert display_value(None) == "（空）"
    assert display_value(True) == "是"
    assert display_value("2024-03-01") == "2024-03-01"
