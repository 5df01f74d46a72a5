"""The type checker: names resolve in order, types and enums are checked, problems collected."""

from __future__ import annotations

import pytest

from hehu.policy.engine.check import Env, check, check_expression
from hehu.policy.engine.errors import PolicyErrors
from hehu.policy.engine.parse import parse_expression
from hehu.policy.engine.types import BOOL, DATE, DOUBLE, INT, STRING, Type, list_of, struct

ENV = Env(
    parameters={"adult_age": INT, "listed_illnesses": list_of(STRING), "line": DOUBLE},
    predicates={"is_minor": (), "parent_dead": (("p", struct("Parent")),)},
)


def type_of(text: str, env: Env = ENV) -> Type:
    return check_expression(parse_expression(text), env)


def codes(text: str) -> list[str]:
    return [p.code for p in check(parse_expression(text), ENV).problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("age_on(birth_date, as_of)", INT),
        ("add_months(as_of, 6)", DATE),
        ("months_elapsed(as_of, as_of) >= 6", BOOL),
        ('date("2024-02-29")', DATE),
        ("household.income_per_capita < params.line * 2", BOOL),
        ("household.dibao_child_amount + 1", DOUBLE),
        ("parents.size() + size(receiving)", INT),
        ('region_code.startsWith("51")', BOOL),
        ("father.conditions.exists(c, in_force(c, as_of))", BOOL),
        ("parents.filter(p, parent_dead(p)).size()", INT),
        ("serious_illness_name in params.listed_illnesses", BOOL),
        ("has(household.dibao) ? household.dibao : false", BOOL),
        ("disability.grade == null", BOOL),
        ("is_minor && !parent_dead(mother)", BOOL),
        # CEL: int / int is an int (truncated); a double on either side makes a double
        ("disability.grade / 2", INT),
        ("disability.grade % 2", INT),
        ("disability.grade / 2.0", DOUBLE),
        ("household.income_per_capita / 2", DOUBLE),
        ("age_on(birth_date, as_of) / 12 < 2", BOOL),
    ],
)
def test_it_gives_each_well_formed_expression_its_type(text: str, expected: Type) -> None:
    assert type_of(text) == expected


def test_it_lets_a_variable_in_scope_hide_a_fact_of_the_same_name() -> None:
    assert type_of("parents.exists(father, father.role == 'mother')") == BOOL
    assert codes("parents.exists(father, father.relation == 'x')") == ["unknown_field"]


def test_it_lets_a_predicate_argument_be_named() -> None:
    env = ENV.with_variable("p", struct("Condition"))
    assert type_of("p.term_months >= 6", env) == BOOL


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("brith_date < as_of", "unknown_name"),
        ("params.adult < 3", "unknown_name"),
        ("params", "unknown_name"),
        ("father.vital", "unknown_field"),
        ("has(household.dibo)", "unknown_field"),
        ("birth_date.year", "type"),
        ("agee_on(birth_date, as_of)", "unknown_function"),
        ("sex.endsWith('e')", "unknown_function"),
        ("age_on(birth_date)", "arity"),
        ("parent_dead", "arity"),
        ("parent_dead(household)", "type"),
        ("birth_date < 3", "type"),
        ("sex == 1", "type"),
        ("true < false", "type"),
        ("sex in 'female'", "type"),
        ("household.dibao in params.listed_illnesses", "type"),
        ("sex + 1", "type"),
        ("!birth_date", "type"),
        ("birth_date && is_minor", "type"),
        ("household.exists(h, h)", "type"),
        ("parents.exists(p, p.role)", "type"),
        ('date("2025-02-30")', "type"),
        ("date(region_code)", "type"),
        ("is_minor ? 1 : as_of", "type"),
        ('sex == "femal"', "enum_value"),
        ('"deda" != father.vital_status', "enum_value"),
        ('father.vital_status in ["dead", "lost"]', "enum_value"),
        ("parents.filter(p, true) == []", "filter_without_size"),
    ],
)
def test_it_reports_each_kind_of_mistake(text: str, code: str) -> None:
    assert codes(text) == [code]


def test_it_names_the_allowed_values_of_an_enum_in_both_languages() -> None:
    (problem,) = check(parse_expression('hukou_type == "city"'), ENV).problems
    for message in (problem.message_en, problem.message_zh):
        assert "city" in message
        assert "rural, urban" in message


def test_it_suggests_the_name_that_was_probably_meant() -> None:
    (problem,) = check(parse_expression("gaurdian.able_to_care"), ENV).problems
    assert "guardian" in problem.message_en
    assert "guardian" in problem.message_zh


def test_it_reports_each_mistake_once_and_all_mistakes_together() -> None:
    problems = check(parse_expression("brith_date < as_of && father.vital == 1"), ENV).problems
    assert [(p.code, p.column) for p in problems] == [("unknown_name", 1), ("unknown_field", 30)]


def test_it_requires_a_condition_to_be_true_or_false() -> None:
    checked = check(parse_expression("birth_date"), ENV, condition_of=("条款", "the clause"))
    assert [p.code for p in checked.problems] == ["not_boolean"]
    assert "date" in checked.problems[0].message_en


def test_it_records_which_predicates_an_expression_calls() -> None:
    checked = check(parse_expression("is_minor || parents.exists(p, parent_dead(p))"), ENV)
    assert checked.predicates_used == {"is_minor", "parent_dead"}


def test_it_raises_every_problem_from_check_expression() -> None:
    with pytest.raises(PolicyErrors) as info:
        type_of("brith_date < as_of", ENV)
    assert info.value.problems[0].code == "unknown_name"
