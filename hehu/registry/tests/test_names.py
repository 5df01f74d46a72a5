import pytest

from hehu.registry.names import VARIANTS, name_key, name_pinyin


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("張偉", "张伟"),
        ("李峯", "李峰"),
        ("王堃", "王坤"),
        ("陳喆", "陈哲"),
        ("阿依古丽·买买提", "阿依古丽 买买提"),
        ("阿依古丽•买买提", "阿依古丽买买提"),
        (" 王  小花 ", "王小花"),
    ],
)
def test_it_folds_variant_spellings_of_a_name_to_one_key(one, other):
    assert name_key(one) == name_key(other)


def test_it_keeps_different_names_apart():
    assert name_key("张伟") != name_key("张玮")
    assert name_key("李峰") != name_key("李锋")


def test_it_gives_homophones_the_same_pinyin_key_but_not_the_same_name_key():
    assert name_key("张丽") != name_key("张莉")
    assert name_pinyin("张丽") == name_pinyin("张莉") == "zhangli"


def test_it_computes_pinyin_from_the_folded_name():
    assert name_pinyin("張偉") == name_pinyin("张伟") == "zhangwei"


def test_it_maps_every_variant_to_a_different_standard_character():
    assert all(variant != standard for variant, standard in VARIANTS.items())
    assert all(name_key(variant) == standard for variant, standard in VARIANTS.items())
