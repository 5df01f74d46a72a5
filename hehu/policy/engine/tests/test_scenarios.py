"""The scenarios of DOMAIN.md §10 that the national policy decides, one test each.

Scenario 4 (benefit amounts) and scenario 6 (identity numbers and region codes) are not
questions for the policy engine; their tests live with benefits and the registry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.load import load_policy_file
from hehu.policy.engine.model import Policy
from hehu.policy.engine.result import CategoryResult, Classification, Trace

POLICY_FILE = Path(__file__).resolve().parents[4] / "policies" / "cn-national.yaml"


@pytest.fixture(scope="module")
def national() -> Policy:
    return load_policy_file(POLICY_FILE)


def category(result: Classification, code: str) -> CategoryResult:
    return next(c for c in result.categories if c.code == code)


def traces(trace: Trace) -> Iterator[Trace]:
    yield trace
    for sub in trace.because:
        yield from traces(sub)


def explanation(result: CategoryResult) -> list[Trace]:
    return [t for clause in result.clauses for t in traces(clause)]


def scenario_1_facts() -> dict[str, Any]:
    return {
        "id": "scenario-1",
        "birth_date": "2014-09-15",
        "sex": "male",
        "region_code": "511524100201",
        "hukou_region_code": "511524100201",
        "hukou_type": "rural",
        "in_full_time_education": "primary",
        "living_arrangement": "with_relatives",
        "parents": [
            {"role": "father", "vital_status": "dead"},
            {
                "role": "mother",
                "vital_status": "alive",
                "conditions": [
                    {
                        "type": "imprisoned",
                        "since": "2024-03-01",
                        "term_months": 36,
                        "evidence": {"kind": "judgment", "reference": "(2024)川1524刑初12号"},
                    }
                ],
            },
        ],
        "guardian": {"relation": "grandparent", "able_to_care": True},
    }


def test_it_finds_scenario_1_de_facto_unattended_by_rule_b_and_not_an_orphan(national):
    # A 10-year-old; father dead; mother serving 3 years since March 2024; applied 2025-04-01.
    result = classify(national, scenario_1_facts(), dt.date(2025, 4, 1))

    de_facto = category(result, "de_facto_unattended")
    assert de_facto.member
    assert not category(result, "orphan").member
    assert "orphan" not in result.member_codes

    decisive = {t.name for t in de_facto.clauses[1].because}
    assert "rule_b" in decisive
    assert "rule_a" not in decisive
    rule_b = next(t for t in explanation(de_facto) if t.name == "rule_b")
    assert rule_b.holds
    assert rule_b.label.zh.startswith("规则B")
    assert rule_b.label.en.startswith("rule B")

    facts = [fact for t in explanation(de_facto) for fact in t.facts]
    assert any(path.endswith("term_months") and value == 36 for path, value in facts)
    assert ("father.vital_status", "dead") in facts


def test_it_explains_scenario_1_in_json_in_both_languages(national):
    result = classify(national, scenario_1_facts(), dt.date(2025, 4, 1))

    document = json.loads(json.dumps(result.as_dict(), ensure_ascii=False))

    (de_facto,) = [c for c in document["categories"] if c["code"] == "de_facto_unattended"]
    assert de_facto["name"] == {"zh-hans": "事实无人抚养儿童", "en": "de facto unattended child"}
    rule_clause = de_facto["reasons"][1]
    assert rule_clause["holds"] is True
    assert rule_clause["text"] == {"zh-hans": "符合规则A或规则B", "en": "rule A or rule B holds"}
    assert "规则B" in json.dumps(rule_clause, ensure_ascii=False)


def scenario_2_facts(mother_category: str) -> dict[str, Any]:
    return {
        "id": "scenario-2",
        "birth_date": "2016-05-20",
        "region_code": "511526200201",
        "hukou_type": "rural",
        "living_arrangement": "with_parents",
        "parents": [
            {
                "role": "father",
                "vital_status": "alive",
                "conditions": [{"type": "severe_disability", "category": "physical", "grade": 2}],
            },
            {
                "role": "mother",
                "vital_status": "alive",
                "conditions": [
                    {"type": "severe_disability", "category": mother_category, "grade": 4}
                ],
            },
        ],
    }


def test_it_finds_scenario_2_de_facto_unattended_by_rule_a(national):
    # Father grade-2 physical disability, mother grade-4 intellectual disability.
    result = classify(national, scenario_2_facts("intellectual"), dt.date(2025, 4, 1))

    de_facto = category(result, "de_facto_unattended")
    assert de_facto.member
    decisive = {t.name for t in de_facto.clauses[1].because}
    assert "rule_a" in decisive
    assert "rule_b" not in decisive


def test_it_refuses_scenario_2_when_the_mothers_grade_4_disability_is_physical(national):
    result = classify(national, scenario_2_facts("physical"), dt.date(2025, 4, 1))

    de_facto = category(result, "de_facto_unattended")
    assert not de_facto.member
    assert de_facto.first_failed is not None
    assert de_facto.first_failed.name == "de_facto_unattended.2"
    # The mother's disability is below the threshold: a sign of need for the director.
    assert "parent_disability_not_severe" in {t.name for t in result.signals}


def test_it_finds_scenario_3_an_orphan_who_meets_tekun_but_is_not_tekun_minor(national):
    # A 12-year-old, both parents dead, grandparents unable to care.
    facts = {
        "id": "scenario-3",
        "birth_date": "2012-11-03",
        "region_code": "511502001001",
        "hukou_type": "urban",
        "in_full_time_education": "primary",
        "living_arrangement": "with_relatives",
        "household": {"income_per_capita": 250},
        "parents": [
            {"role": "father", "vital_status": "dead"},
            {"role": "mother", "vital_status": "dead"},
        ],
        "guardian": {"relation": "grandparent", "able_to_care": False},
    }

    result = classify(national, facts, dt.date(2025, 4, 1))

    assert category(result, "orphan").member
    tekun = category(result, "tekun_minor")
    assert all(clause.holds for clause in tekun.clauses)
    assert not tekun.member
    assert tekun.excluded_by == "orphan"
    assert "tekun_minor" not in result.member_codes
    assert not category(result, "de_facto_unattended").member
    assert "guardianship" in result.umbrellas


def test_it_flags_scenario_5_guardianship_risk_from_a_substantiated_report(national):
    # A teacher sees genital injuries on a 9-year-old; the police substantiate it.
    facts = {
        "id": "scenario-5",
        "birth_date": "2016-01-10",
        "sex": "female",
        "region_code": "511502001001",
        "hukou_type": "urban",
        "in_full_time_education": "primary",
        "living_arrangement": "with_parents",
        "parents": [
            {"role": "father", "vital_status": "alive"},
            {"role": "mother", "vital_status": "alive"},
        ],
        "protection_concerns": [
            {"type": "sexual_abuse", "substantiated": True, "since": "2025-03-28"}
        ],
    }

    result = classify(national, facts, dt.date(2025, 4, 1))

    assert result.member_codes == ("guardianship_risk",)
    assert result.umbrellas == ("guardianship",)
    read = [fact for t in explanation(category(result, "guardianship_risk")) for fact in t.facts]
    assert any("substantiated" in path and value is True for path, value in read)
    # The day before the concern's date, it was not yet known.
    earlier = classify(national, facts, dt.date(2025, 3, 27))
    assert "guardianship_risk" not in earlier.member_codes
