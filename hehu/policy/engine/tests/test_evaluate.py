"""Classifying one child: the semantics of expressions, categories, umbrellas and signals.

Policies are built directly from small dicts here (`make_policy`), so that these tests
depend on the evaluator and the parser only, not on the YAML loader.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from hehu.policy.engine import model, types
from hehu.policy.engine.errors import PolicyError
from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.load import load_policy_text
from hehu.policy.engine.parse import parse_expression
from hehu.policy.engine.result import Classification

AS_OF = dt.date(2025, 8, 1)

# DOMAIN.md §10 scenario 1, in JSON form: father dead, mother imprisoned and lost contact.
CHILD: dict[str, Any] = {
    "id": "ext-001",
    "birth_date": "2015-03-02",
    "sex": "female",
    "region_code": "511502100201",
    "hukou_type": "rural",
    "household": {"dibao": True, "tekun": False, "income_per_capita": 310.0},
    "parents": [
        {"role": "father", "vital_status": "dead"},
        {
            "role": "mother",
            "vital_status": "alive",
            "conditions": [
                {"type": "imprisoned", "since": "2024-03-01", "term_months": 36},
                {"type": "lost_contact", "police_accepted_on": "2025-01-10"},
            ],
        },
    ],
    "guardian": {"relation": "grandparent", "able_to_care": False},
}


def text(name: str) -> model.Text:
    return model.Text(zh=f"{name}（中）", en=name)


def make_policy(
    *,
    predicates: dict[str, str] | None = None,
    categories: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
    umbrellas: list[dict[str, Any]] | None = None,
    signals: dict[str, str] | None = None,
) -> model.Policy:
    """A policy from dicts; a predicate named "f(p)" takes an argument p.

    A category is {"code", "clauses": [cel text or a predicate's name], "excluded_by"}.
    A parameter's value is a plain value, or a list of model.ParameterValue.
    """
    preds: dict[str, model.Predicate] = {}
    for signature, source in (predicates or {}).items():
        name, _, rest = signature.partition("(")
        arg_names = [a.strip() for a in rest.rstrip(")").split(",") if a.strip()]
        preds[name] = model.Predicate(
            name=name,
            label=text(name),
            expr=parse_expression(source),
            args=tuple((a, types.DYN) for a in arg_names),
            source=source,
        )
    cats = tuple(_category(c, preds) for c in categories or [])
    parameters = {
        name: model.Parameter(
            name,
            types.DYN,
            text(name),
            tuple(value)
            if isinstance(value, list) and value and isinstance(value[0], model.ParameterValue)
            else (model.ParameterValue(value),),
        )
        for name, value in (params or {}).items()
    }
    return model.Policy(
        id="test",
        version="1",
        jurisdiction=model.NATIONAL,
        title=text("test"),
        effective_from=dt.date(2020, 1, 1),
        effective_to=None,
        parameters=parameters,
        predicates=preds,
        categories=cats,
        umbrellas=tuple(
            model.Umbrella(
                u["code"],
                text(u["code"]),
                tuple(u.get("any_of", ())),
                model.Clause(f"{u['code']}.when", text("when"), parse_expression(u["when"]))
                if "when" in u
                else None,
            )
            for u in umbrellas or []
        ),
        need_signals=tuple(
            model.NeedSignal(code, text(code), parse_expression(source))
            for code, source in (signals or {}).items()
        ),
    )


def _category(spec: dict[str, Any], preds: dict[str, model.Predicate]) -> model.Category:
    clauses = []
    for n, source in enumerate(spec["clauses"], start=1):
        if source in preds:
            clauses.append(model.Clause(source, preds[source].label, parse_expression(source)))
        else:
            clause_id = f"{spec['code']}.{n}"
            clauses.append(model.Clause(clause_id, text(clause_id), parse_expression(source)))
    return model.Category(
        code=spec["code"],
        name=text(spec["code"]),
        clauses=tuple(clauses),
        excluded_by=tuple(spec.get("excluded_by", ())),
    )


def run(
    source: str, facts: dict[str, Any] | None = None, as_of: dt.date = AS_OF, **policy: Any
) -> Classification:
    """Classify `facts` under a policy whose one category has `source` as its one clause."""
    categories = [{"code": "c", "clauses": [source]}]
    return classify(make_policy(categories=categories, **policy), facts or CHILD, as_of)


def holds(source: str, facts: dict[str, Any] | None = None, **kwargs: Any) -> bool:
    return run(source, facts, **kwargs).categories[0].member


def bare(**fields: Any) -> dict[str, Any]:
    """A facts document with only an id and `fields`."""
    return {"id": "bare", **fields}


# -- missing facts --------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "household.income_per_capita < 1000",
        "household.income_per_capita >= 0",
        "household.income_per_capita > -1.5",
        "household.income_per_capita <= 1e9",
        "birth_date < date('2030-01-01')",
        "birth_date >= date('1900-01-01')",
    ],
)
def test_it_never_holds_a_comparison_with_null(source: str) -> None:
    assert not holds(source, bare())


def test_it_compares_null_with_null_by_equality() -> None:
    assert holds("household.dibao == null", bare())
    assert not holds("household.dibao != null", bare())
    assert not holds("household.dibao == null")
    assert holds("household.dibao != null")
    assert not holds("household.dibao == false", bare())


def test_it_takes_null_as_a_false_condition() -> None:
    facts = bare(household={})
    assert not holds("household.dibao", facts)
    assert holds("!household.dibao", facts)
    assert not holds("household.dibao && true", facts)
    assert holds("household.dibao || true", facts)
    assert not holds("household.dibao || false", facts)
    assert holds("household.dibao ? false : true", facts)
    assert holds("parents.exists(p, p.migrant_worker) == false", bare(parents=[{}]))


def test_it_gives_null_for_arithmetic_with_null() -> None:
    facts = bare(household={"income_per_capita": 300.0})
    assert holds("household.dibao_child_amount + 1 == null", facts)
    assert holds("household.income_per_capita * household.dibao_child_amount == null", facts)
    assert holds("-household.dibao_child_amount == null", facts)
    assert holds("household.income_per_capita - 100.0 == 200.0", facts)


def test_it_reads_a_field_of_a_null_struct_as_null() -> None:
    assert holds("disability.grade == null", bare())
    assert holds("father.conditions == null", bare())
    assert not holds("disability.grade <= 4", bare())


def test_it_has_a_field_when_its_value_is_not_null() -> None:
    assert holds("has(household.tekun)")  # recorded as false: still recorded
    assert not holds("has(household.low_income)")
    assert not holds("has(disability.grade)", bare())
    assert holds("has(disability.grade)", bare(disability={"category": "visual", "grade": 1}))


def test_it_never_finds_null_in_a_list() -> None:
    facts = bare(parents=[{"role": "mother"}])
    assert not holds("father.vital_status in ['dead', 'declared_dead']", facts)
    assert holds("!(father.vital_status in ['dead', 'declared_dead'])", facts)
    assert not holds("'dead' in params.statuses", params={"statuses": None})
    assert holds("'dead' in params.statuses", params={"statuses": ["dead"]})
    assert holds("father.vital_status in params.statuses", params={"statuses": ["dead"]})


def test_it_treats_a_null_list_as_having_no_elements() -> None:
    facts = bare()
    assert not holds("parents.exists(p, true)", facts)
    assert holds("parents.all(p, false)", facts)
    assert not holds("parents.exists_one(p, true)", facts)
    assert holds("parents.filter(p, true).size() == 0", facts)
    assert holds("parents.size() == 0", facts)
    assert holds("size(protection_concerns) == 0", facts)


def test_it_derives_an_unrecorded_father_whose_fields_are_null() -> None:
    facts = bare(parents=[{"role": "mother", "vital_status": "alive"}])
    assert holds("father.recorded == false && father.vital_status == null", facts)
    assert holds("mother.recorded && mother.vital_status == 'alive'", facts)


# -- operators and literals -----------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "7 / 2 == 3",
        "-7 / 2 == -3",
        "7 / -2 == -3",
        "7 % 3 == 1",
        "-7 % 3 == -1",
        "7 % -3 == 1",
        "7.0 / 2.0 == 3.5",
        "1 + 1.5 == 2.5",
        "2 * 3 + 1 == 7",
        "10 - 2 - 3 == 5",
        "1 / 0 == null",
        "1 % 0 == null",
        "'a' + 'b' == 'ab'",
        "household.income_per_capita / 2.0 == 155.0",
        "household.income_per_capita / 2 == 155.0",
        "3 / 2 == 1 && 3 / 2 != 1.5 && 3 / 2.0 == 1.5",
        "1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2",
        "'abc' < 'abd'",
        "true == true && false != true",
        "date('2025-01-10') < date('2025-01-11')",
        "birth_date == date('2015-03-02')",
        "region_code.startsWith('5115')",
        "!region_code.startsWith('52')",
        "size('abc') == 3 && 'abc'.size() == 3",
        "size([1, 2]) == 2 && [1, 2, 3].size() == 3",
        "parents.size() == 2",
        "2 in [1, 2] && !(3 in [1, 2])",
        "1 < 2 ? 1 == 1 : 1 == 2",
        "1 > 2 ? 1 == 1 : 2 == 2",
        "(1 == 1) == true",
    ],
)
def test_it_evaluates_operators_and_literals(source: str) -> None:
    assert holds(source)


def test_it_gives_null_for_startswith_on_null() -> None:
    assert not holds("region_code.startsWith('51')", bare())
    assert holds("region_code.startsWith('51') == null", bare())


def test_it_refuses_an_operation_the_types_do_not_allow() -> None:
    with pytest.raises(PolicyError):
        run("birth_date < 5")


def test_it_refuses_a_malformed_date_literal() -> None:
    with pytest.raises(PolicyError):
        run("date('2025-13-01') == null")


# -- helpers through expressions ------------------------------------------------------
def test_it_computes_age_reached_on_the_birthday() -> None:
    source = "age_on(birth_date, as_of) == 10"
    assert not holds(source, as_of=dt.date(2025, 3, 1))
    assert holds(source, as_of=dt.date(2025, 3, 2))
    leap = bare(birth_date="2008-02-29")
    assert holds("age_on(birth_date, as_of) == 18", leap, as_of=dt.date(2026, 2, 28))
    assert holds("age_on(birth_date, as_of) == 17", leap, as_of=dt.date(2026, 2, 27))
    assert holds("age_on(birth_date, as_of) == null", bare())


def test_it_counts_months_lost_contact_from_the_day_after_police_accepted() -> None:
    source = "mother.conditions.exists(c, months_elapsed(c.police_accepted_on, as_of) >= 6)"
    assert not holds(source, as_of=dt.date(2025, 7, 10))
    assert holds(source, as_of=dt.date(2025, 7, 11))


def test_it_adds_months_to_the_last_day_of_a_short_month() -> None:
    assert holds("add_months(date('2025-01-31'), 1) == date('2025-02-28')")
    assert holds("add_months(birth_date, 12) == null", bare())


def test_it_holds_a_term_in_force_to_its_last_day() -> None:
    source = "mother.conditions.exists(c, c.type == 'imprisoned' && in_force(c, as_of))"
    # 36 months from 2024-03-01: 自2024年3月1日起至2027年2月28日止
    assert holds(source, as_of=dt.date(2027, 2, 28))
    assert not holds(source, as_of=dt.date(2027, 3, 1))
    assert not holds(source, as_of=dt.date(2024, 2, 29))


# -- names ----------------------------------------------------------------------------
def test_it_resolves_a_variable_before_a_fact_of_the_same_name() -> None:
    assert holds("parents.exists(household, household.role == 'mother')")


def test_it_resolves_an_argument_before_a_fact_of_the_same_name() -> None:
    predicates = {"dead(sex)": "sex.vital_status == 'dead'"}
    assert holds("dead(father) && !dead(mother)", predicates=predicates)


def test_it_resolves_a_fact_absent_from_the_document_as_null() -> None:
    assert holds("serious_illness == null", bare())


def test_it_calls_a_predicate_without_arguments_by_its_bare_name() -> None:
    predicates = {"is_minor": "age_on(birth_date, as_of) < params.adult_age"}
    assert holds("is_minor", predicates=predicates, params={"adult_age": 18})
    assert holds("is_minor()", predicates=predicates, params={"adult_age": 18})
    assert not holds("is_minor", predicates=predicates, params={"adult_age": 10})


def test_it_calls_predicates_from_predicates_with_arguments() -> None:
    predicates = {
        "gone(p)": "p.vital_status in ['dead', 'declared_dead'] || restricted(p)",
        "restricted(p)": "p.conditions.exists(c, c.type == 'imprisoned' && in_force(c, as_of))",
    }
    assert holds("gone(father) && gone(mother)", predicates=predicates)
    later = dt.date(2030, 1, 1)
    assert not holds("gone(father) && gone(mother)", as_of=later, predicates=predicates)


def test_it_takes_the_parameter_value_of_the_childs_region_on_the_date() -> None:
    values = [
        model.ParameterValue(6),
        model.ParameterValue(3, region="5115", valid_from=dt.date(2026, 7, 1)),
        model.ParameterValue(4, region="52"),
    ]
    source = "params.min_months == 3"
    assert not holds(source, params={"min_months": values}, as_of=dt.date(2026, 6, 30))
    assert holds(source, params={"min_months": values}, as_of=dt.date(2026, 7, 1))
    assert holds("params.min_months == 6", bare(), params={"min_months": values})


def test_it_refuses_an_unknown_name() -> None:
    with pytest.raises(PolicyError):
        run("no_such_thing")


# -- categories -----------------------------------------------------------------------
ORPHAN_POLICY: dict[str, Any] = {
    "predicates": {
        "is_minor": "age_on(birth_date, as_of) < 18",
        "dead(p)": "p.vital_status in ['dead', 'declared_dead']",
        "restricted(p)": "p.conditions.exists(c, c.type == 'imprisoned' && in_force(c, as_of))",
    },
    "categories": [
        {"code": "orphan", "clauses": ["is_minor", "dead(father) && dead(mother)"]},
        {
            "code": "de_facto_unattended",
            "excluded_by": ["orphan"],
            "clauses": [
                "is_minor",
                "(dead(father) || restricted(father)) && (dead(mother) || restricted(mother))",
            ],
        },
        {"code": "dibao_child", "clauses": ["is_minor", "household.dibao"]},
    ],
}

ORPHAN = copy.deepcopy(CHILD) | {
    "id": "orphan",
    "parents": [
        {"role": "father", "vital_status": "dead"},
        {"role": "mother", "vital_status": "declared_dead"},
    ],
}


def test_it_puts_a_child_in_every_category_whose_clauses_all_hold() -> None:
    result = classify(make_policy(**ORPHAN_POLICY), CHILD, AS_OF)
    assert result.member_codes == ("de_facto_unattended", "dibao_child")
    orphan = result.categories[0]
    assert (orphan.member, orphan.excluded_by) == (False, None)


def test_it_excludes_a_category_when_an_excluding_category_holds() -> None:
    result = classify(make_policy(**ORPHAN_POLICY), ORPHAN, AS_OF)
    assert result.member_codes == ("orphan", "dibao_child")
    de_facto = result.categories[1]
    assert all(c.holds for c in de_facto.clauses)
    assert (de_facto.member, de_facto.excluded_by, de_facto.first_failed) == (
        False,
        "orphan",
        None,
    )


def test_it_does_not_name_an_excluder_when_a_clause_failed() -> None:
    result = classify(make_policy(**ORPHAN_POLICY), ORPHAN | {"birth_date": "2000-01-01"}, AS_OF)
    assert [(c.member, c.excluded_by) for c in result.categories] == [(False, None)] * 3


def test_it_excludes_whatever_order_the_categories_come_in() -> None:
    spec = copy.deepcopy(ORPHAN_POLICY)
    spec["categories"].reverse()
    result = classify(make_policy(**spec), ORPHAN, AS_OF)
    assert result.member_codes == ("dibao_child", "orphan")
    assert result.categories[1].excluded_by == "orphan"


def test_it_evaluates_every_clause_even_after_one_fails() -> None:
    adult = CHILD | {"birth_date": "2000-01-01"}
    dibao = classify(make_policy(**ORPHAN_POLICY), adult, AS_OF).categories[2]
    assert [c.holds for c in dibao.clauses] == [False, True]
    assert dibao.clause_mask == 0b10
    assert dibao.first_failed is dibao.clauses[0]


def test_it_sets_a_bit_of_the_clause_mask_for_each_clause_that_held() -> None:
    result = classify(make_policy(**ORPHAN_POLICY), CHILD, AS_OF)
    assert [c.clause_mask for c in result.categories] == [0b01, 0b11, 0b11]


def test_it_names_the_facts_the_policy_and_the_date() -> None:
    result = classify(make_policy(**ORPHAN_POLICY), CHILD, AS_OF)
    assert (result.facts_id, result.policy, result.as_of) == ("ext-001", "test@1", AS_OF)


def test_it_does_not_mutate_the_facts_document() -> None:
    before = copy.deepcopy(CHILD)
    classify(make_policy(**ORPHAN_POLICY), CHILD, AS_OF)
    assert before == CHILD


def test_it_refuses_categories_that_exclude_each_other() -> None:
    spec = {
        "categories": [
            {"code": "a", "clauses": ["true"], "excluded_by": ["b"]},
            {"code": "b", "clauses": ["true"], "excluded_by": ["a"]},
        ]
    }
    with pytest.raises(PolicyError):
        classify(make_policy(**spec), CHILD, AS_OF)


# -- umbrellas and need signals --------------------------------------------------------
def test_it_puts_a_child_under_an_umbrella_by_category_or_by_its_condition() -> None:
    umbrellas = [
        {"code": "poverty", "any_of": ["dibao_child"], "when": "household.low_income"},
        {"code": "guardianship", "any_of": ["orphan", "de_facto_unattended"]},
        {"code": "disability", "any_of": [], "when": "has(disability.grade)"},
    ]
    policy = make_policy(**ORPHAN_POLICY, umbrellas=umbrellas)
    assert classify(policy, CHILD, AS_OF).umbrellas == ("poverty", "guardianship")
    low_income = bare(birth_date="2000-01-01", household={"low_income": True})
    assert classify(policy, low_income, AS_OF).umbrellas == ("poverty",)
    assert classify(policy, bare(), AS_OF).umbrellas == ()


def test_it_reports_need_signals_that_hold_in_policy_order() -> None:
    signals = {
        "guardian_unable": "guardian.able_to_care == false",
        "no_dibao": "household.dibao == false",
        "low_income": "household.income_per_capita < 500.0",
    }
    result = classify(make_policy(**ORPHAN_POLICY, signals=signals), CHILD, AS_OF)
    assert [s.name for s in result.signals] == ["guardian_unable", "low_income"]
    assert all(s.holds for s in result.signals)


def test_it_flags_a_coverage_gap_for_a_signal_without_a_category() -> None:
    signals = {"guardian_unable": "guardian.able_to_care == false"}
    policy = make_policy(**ORPHAN_POLICY, signals=signals)
    adult = CHILD | {"birth_date": "2000-01-01"}
    assert classify(policy, adult, AS_OF).coverage_gap
    assert not classify(policy, CHILD, AS_OF).coverage_gap
    assert not classify(policy, bare(birth_date="2000-01-01"), AS_OF).coverage_gap


def test_an_assessed_need_without_a_category_is_a_coverage_gap_with_the_need_named() -> None:
    signals = {
        "assessed_high_need": (
            'assessed_needs.exists(n, n.level == "high" && add_months(n.assessed_on, 12) >= as_of)'
        )
    }
    policy = make_policy(**ORPHAN_POLICY, signals=signals)
    need = {"domain": "rehabilitation", "level": "high", "support": "service"}
    recent = bare(assessed_needs=[need | {"assessed_on": "2025-03-01"}])
    result = classify(policy, recent, AS_OF)
    assert result.coverage_gap
    assert [s.name for s in result.signals] == ["assessed_high_need"]
    # A year-old assessment no longer signals; a medium need never did.
    stale = bare(assessed_needs=[need | {"assessed_on": "2024-07-31"}])
    assert not classify(policy, stale, AS_OF).coverage_gap
    medium = bare(assessed_needs=[need | {"level": "medium", "assessed_on": "2025-07-01"}])
    assert not classify(policy, medium, AS_OF).coverage_gap
    assert not classify(policy, bare(), AS_OF).coverage_gap


def test_it_divides_an_amount_given_as_an_integer_as_money() -> None:
    # The JSON has 701, an integer: money is a double, so 701 / 2 is 350.5, not 350.
    facts = bare(household={"income_per_capita": 701}, receiving=[{"monthly_amount": 401}])
    assert holds("household.income_per_capita / 2 == 350.5", facts)
    assert holds("receiving.exists(r, r.monthly_amount / 2 == 200.5)", facts)


def test_it_reads_a_double_parameter_written_as_an_integer_as_a_double() -> None:
    text = """
hehu_policy: 1
id: test-double
version: "1"
jurisdiction: national
extends: null
effective_from: 2020-01-01
effective_to: null
title: {zh: 测试, en: test}
parameters:
  line:
    type: double
    label: {zh: 线, en: line}
    values:
      - value: 701
categories:
  - code: c
    name: {zh: 类, en: category}
    clauses:
      - label: {zh: 半, en: half}
        when: params.line / 2 == 350.5
"""
    policy = load_policy_text(text)
    assert type(policy.parameters["line"].values[0].value) is float
    assert classify(policy, bare(), AS_OF).categories[0].member
