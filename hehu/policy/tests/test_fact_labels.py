"""The facts a trace read, as phrases: fact paths, helper results and parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from hehu.policy.fact_labels import fact_label, fact_phrase

PARAMS = {"lost_contact_min_months": "失联最短期限（月）"}
PARAMS_EN = {"lost_contact_min_months": "minimum time out of contact (months)"}


@pytest.mark.parametrize(
    ("path", "value", "zh", "en"),
    [
        (
            "mother.conditions[0].police_accepted_on",
            "2025-09-27",
            "母亲 · 第1项情形 · 公安受理日期：2025年9月27日",
            "Mother · Condition 1 · Date the police accepted the report: 2025-09-27",
        ),
        ("father.vital_status", "dead", "父亲 · 生存状态：死亡", "Father · Vital status: Deceased"),
        (
            "mother.conditions[0].type",
            "imprisoned",
            "母亲 · 第1项情形 · 情形类型：服刑在押",
            "Mother · Condition 1 · Type of condition: In prison or detention",
        ),
        (
            "parents[1].conditions[0].term_months",
            4,
            "父母中第2人 · 第1项情形 · 期限（月）：4",
            "Parent 2 · Condition 1 · Term (months): 4",
        ),
        ("parents[0].conditions", [], "父母中第1人 · 情形：无", "Parent 1 · Condition: None"),
        ("household.dibao", None, "家庭 · 享受最低生活保障：未记录", None),
        (
            "mother.migrant_worker",
            False,
            "母亲 · 外出务工：否",
            "Mother · Working away from home: No",
        ),
        ("serious_illness", True, "患重病：是", "Seriously ill: Yes"),
        (
            "living_arrangement",
            "with_relatives",
            "居住情况：与亲属同住",
            "Living arrangement: Lives with relatives",
        ),
        ("birth_date", dt.date(2015, 3, 2), "出生日期：2015年3月2日", "Date of birth: 2015-03-02"),
    ],
)
def test_it_labels_a_fact_in_both_languages(path, value, zh, en):
    with translation.override("zh-hans"):
        assert fact_phrase(path, value) == zh
    if en is not None:
        with translation.override("en"):
            assert fact_phrase(path, value) == en


def test_it_labels_helper_results():
    path = "months_elapsed(mother.conditions[0].police_accepted_on, as_of)"
    with translation.override("zh-hans"):
        assert fact_phrase(path, 14) == "母亲 · 第1项情形 · 已满月数（自公安受理）：14"
        assert fact_phrase("age_on(birth_date, as_of)", 10) == "周岁年龄：10"
        assert (
            fact_phrase("in_force(parents[1].conditions[0], as_of)", True)
            == "父母中第2人 · 第1项情形 · 认定日仍在持续：是"
        )
    with translation.override("en"):
        assert fact_phrase(path, 14) == (
            "Mother · Condition 1 · Full months since the police accepted the report: 14"
        )
        assert fact_phrase("age_on(birth_date, as_of)", 10) == "Age in full years: 10"


def test_it_labels_parameters_with_their_policy_labels():
    with translation.override("zh-hans"):
        assert (
            fact_phrase("params.lost_contact_min_months", 6, PARAMS)
            == "政策参数 失联最短期限（月）：6"
        )
        assert fact_phrase("params.dibao_line", 700.0) == "政策参数 dibao_line：700"
        assert fact_phrase("params.grades", [1, 2]) == "政策参数 grades：1、2"
    with translation.override("en"):
        assert (
            fact_phrase("params.lost_contact_min_months", 6, PARAMS_EN)
            == "Policy parameter minimum time out of contact (months): 6"
        )
        assert fact_phrase("params.grades", [1, 2]) == "Policy parameter grades: 1, 2"


@pytest.mark.parametrize(
    "path",
    [
        "nonsense.field",
        "father.nonsense",
        "mother.conditions[0].type.more",
        "father[0]",
        "add_months(birth_date, 12)",
        'months_elapsed(mother.conditions[0].since, date("2026-01-01"))',
        "size(parents)",
    ],
)
def test_it_falls_back_to_the_raw_text(path):
    assert fact_label(path) is None
    assert fact_phrase(path, None) == f"{path} = null"
    assert fact_phrase(path, True) == f"{path} = true"
