from django.utils import translation

from hehu.core.text import join_list


def test_it_joins_with_the_chinese_enumeration_comma_in_chinese():
    with translation.override("zh-hans"):
        assert join_list(["code", "name"]) == "code、name"


def test_it_joins_with_commas_in_english():
    with translation.override("en"):
        assert join_list(["code", "name", 3]) == "code, name, 3"
