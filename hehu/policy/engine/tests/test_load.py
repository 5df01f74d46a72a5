"""Loading policy files: every malformed case is reported with its file, line and column."""

from __future__ import annotations

import hashlib
from pathlib import Path
from textwrap import dedent

import pytest

from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load import load_policy_file, load_policy_text

FILE = "test.yaml"
REPO = Path(__file__).resolve().parents[4]

HEADER = """\
hehu_policy: 1
id: test-policy
version: "1.0"
jurisdiction: national
extends: null
effective_from: 2026-01-01
effective_to: null
title: {zh: 测试, en: test}
"""

PARAMETERS = """\
parameters:
  adult_age:
    type: int
    label: {zh: 成年年龄, en: age of majority}
    values:
      - value: 18
"""

PREDICATES = """\
predicates:
  is_minor:
    label: {zh: 未满18周岁, en: under 18}
    when: age_on(birth_date, as_of) < params.adult_age
  parent_dead:
    args: {p: parent}
    label: {zh: 死亡, en: dead}
    when: p.vital_status in ["dead", "declared_dead"]
"""


def policy(body: str, *, header: str = HEADER, parameters: str = PARAMETERS) -> str:
    """A small policy: the header, parameters, two predicates and `body` (dedented)."""
    return header + parameters + PREDICATES + dedent(body)


CLAUSE = dedent(
    """\
    categories:
      - code: orphan
        name: {zh: 孤儿, en: orphan}
        clauses:
          - label: {zh: 条款, en: clause}
            when: WHEN
    """
)


def with_clause(when: str) -> str:
    """A policy whose only category has one clause with this `when` (at column 9)."""
    return policy(CLAUSE.replace("WHEN", when))


def problems_of(text: str) -> list[PolicyProblem]:
    with pytest.raises(PolicyErrors) as info:
        load_policy_text(text, file=FILE)
    return info.value.problems


def at(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of `needle` in `text`."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def only(text: str, code: str) -> PolicyProblem:
    found = problems_of(text)
    assert [p.code for p in found] == [code], found
    return found[0]


def assert_reported(problem: PolicyProblem, where: tuple[int, int], name: str) -> None:
    assert problem.file == FILE
    assert (problem.line, problem.column) == where
    assert name in problem.message_en
    assert name in problem.message_zh


ORPHAN_OK = """\
    categories:
      - code: orphan
        name: {zh: 孤儿, en: orphan}
        clauses: [is_minor]
"""


# -- well-formed --------------------------------------------------------------------------
def test_it_loads_a_well_formed_policy_with_exclusions_ordered_first() -> None:
    text = policy(
        """\
        categories:
          - code: de_facto_unattended
            name: {zh: 事实无人抚养儿童, en: de facto unattended}
            excluded_by: [orphan]
            clauses:
              - is_minor
          - code: orphan
            name: {zh: 孤儿, en: orphan}
            clauses:
              - is_minor
              - label: {zh: 父母均已死亡, en: both parents dead}
                when: parent_dead(father) && parent_dead(mother)
          - code: dibao_child
            name: {zh: 低保家庭儿童, en: dibao child}
            clauses: [is_minor]
        umbrellas:
          - code: guardianship
            name: {zh: 监护, en: guardianship}
            any_of: [orphan, de_facto_unattended]
        need_signals:
          - code: guardian_unable
            label: {zh: 监护人无力照料, en: guardian unable to care}
            when: guardian.able_to_care == false
        """
    )
    loaded = load_policy_text(text, file=FILE)
    assert [c.code for c in loaded.categories] == ["orphan", "de_facto_unattended", "dibao_child"]
    orphan = loaded.category("orphan")
    assert [c.id for c in orphan.clauses] == ["is_minor", "orphan.2"]
    assert orphan.clauses[0].label.en == "under 18"
    assert orphan.clauses[1].source == "parent_dead(father) && parent_dead(mother)"
    assert loaded.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert loaded.file == FILE
    assert loaded.ref == "test-policy@1.0"
    assert loaded.parameters["adult_age"].value_for("511502", loaded.effective_from) == 18
    assert loaded.need_signals[0].code == "guardian_unable"


def test_it_reads_an_unquoted_version_as_its_text() -> None:
    text = policy(ORPHAN_OK, header=HEADER.replace('version: "1.0"', "version: 2026.10"))
    assert load_policy_text(text, file=FILE).version == "2026.10"


def test_it_loads_the_national_policy_file() -> None:
    loaded = load_policy_file(REPO / "policies" / "cn-national.yaml")
    codes = {c.code for c in loaded.categories}
    assert {"orphan", "de_facto_unattended", "tekun_minor", "guardianship_risk"} <= codes
    order = [c.code for c in loaded.categories]
    for category in loaded.categories:
        for excluder in category.excluded_by:
            assert order.index(excluder) < order.index(category.code)


# -- malformed cases ----------------------------------------------------------------------
def test_it_reports_a_syntax_error_where_it_is_written() -> None:
    text = with_clause("is_minor ||")
    problem = only(text, "syntax")
    assert_reported(problem, at(text, "||"), "||")


def test_it_reports_an_unknown_fact() -> None:
    text = with_clause("brith_date < as_of")
    problem = only(text, "unknown_name")
    assert_reported(problem, at(text, "brith_date"), "brith_date")
    assert "birth_date" in problem.message_en


def test_it_reports_an_unknown_parameter() -> None:
    text = with_clause("age_on(birth_date, as_of) < params.adult_ag")
    problem = only(text, "unknown_name")
    line, column = at(text, "params.adult_ag\n")
    assert_reported(problem, (line, column + len("params.")), "adult_ag")


def test_it_reports_a_date_compared_with_a_number() -> None:
    text = with_clause("birth_date < 3")
    problem = only(text, "type")
    assert_reported(problem, at(text, "birth_date < 3"), "<")
    assert "date" in problem.message_en


def test_it_reports_an_enum_literal_the_fact_cannot_take() -> None:
    text = with_clause('father.vital_status == "deda"')
    problem = only(text, "enum_value")
    assert_reported(problem, at(text, '"deda"'), "deda")
    assert "declared_dead" in problem.message_en


def test_it_reports_a_clause_that_is_not_a_condition() -> None:
    text = with_clause("age_on(birth_date, as_of)")
    problem = only(text, "not_boolean")
    assert_reported(problem, at(text, "age_on(birth_date, as_of)\n"), "orphan")


def test_it_reports_a_filter_that_is_not_counted() -> None:
    text = with_clause("parents.filter(p, parent_dead(p)) == []")
    problem = only(text, "filter_without_size")
    assert_reported(problem, at(text, "parents.filter"), "filter")


def test_it_reports_a_predicate_called_with_the_wrong_number_of_arguments() -> None:
    text = with_clause("parent_dead(father, mother)")
    problem = only(text, "arity")
    assert_reported(problem, at(text, "parent_dead(father, mother)"), "parent_dead")


def test_it_reports_a_cycle_among_predicates() -> None:
    text = HEADER + dedent(
        """\
        predicates:
          cared_for:
            label: {zh: 有人照料, en: cared for}
            when: "!unattended"
          unattended:
            label: {zh: 无人照料, en: unattended}
            when: "!cared_for && birth_date < as_of"
        categories:
          - code: orphan
            name: {zh: 孤儿, en: orphan}
            clauses: [unattended]
        """
    )
    problem = only(text, "cycle")
    assert_reported(problem, at(text, "cared_for:"), "cared_for → unattended → cared_for")


def test_it_reports_an_exclusion_naming_an_unknown_category() -> None:
    text = policy(
        """\
        categories:
          - code: de_facto_unattended
            name: {zh: 事实无人抚养儿童, en: de facto unattended}
            excluded_by: [orphna]
            clauses: [is_minor]
        """
    )
    problem = only(text, "unknown_category")
    assert_reported(problem, at(text, "orphna"), "orphna")


def test_it_reports_a_cycle_among_exclusions() -> None:
    text = policy(
        """\
        categories:
          - code: orphan
            name: {zh: 孤儿, en: orphan}
            excluded_by: [tekun_minor]
            clauses: [is_minor]
          - code: tekun_minor
            name: {zh: 特困, en: tekun}
            excluded_by: [orphan]
            clauses: [is_minor]
        """
    )
    problem = only(text, "cycle")
    assert_reported(problem, at(text, "orphan\n"), "orphan → tekun_minor → orphan")


def test_it_reports_yaml_syntax_errors_with_their_position() -> None:
    text = HEADER + "categories:\n  - code: orphan\n   name: x\n"
    problem = only(text, "yaml")
    assert_reported(problem, at(text, "name: x"), "name: x")


def test_it_reports_an_unknown_key() -> None:
    text = policy(ORPHAN_OK + "    titel: {zh: x, en: y}\n")
    problem = only(text, "unknown_key")
    assert_reported(problem, at(text, "titel"), "titel")
    assert "title" in problem.message_en


def test_it_reports_a_missing_key() -> None:
    text = policy(
        """\
        categories:
          - code: orphan
            clauses: [is_minor]
        """
    )
    problem = only(text, "missing_key")
    assert_reported(problem, at(text, "code: orphan"), "name")


def test_it_reports_overlapping_parameter_periods() -> None:
    parameters = PARAMETERS + (
        "  min_months:\n"
        "    type: int\n"
        "    label: {zh: 最短期限, en: minimum term}\n"
        "    values:\n"
        "      - value: 6\n"
        '      - {value: 3, region: "5115", to: 2026-12-31}\n'
        '      - {value: 4, region: "5115", from: 2026-06-01}\n'
    )
    text = policy(ORPHAN_OK, parameters=parameters)
    problem = only(text, "overlap")
    assert_reported(problem, at(text, "{value: 4"), "min_months")
    assert "5115" in problem.message_en


def test_it_reports_dates_no_unscoped_value_covers() -> None:
    parameters = PARAMETERS + (
        "  min_months:\n"
        "    type: int\n"
        "    label: {zh: 最短期限, en: minimum term}\n"
        "    values:\n"
        "      - {value: 6, to: 2026-06-30}\n"
        "      - {value: 5, from: 2026-08-01}\n"
    )
    text = policy(ORPHAN_OK, parameters=parameters)
    problem = only(text, "uncovered")
    assert_reported(problem, at(text, "min_months"), "min_months")
    assert "2026-07-01" in problem.message_en


def test_it_reports_a_region_prefix_of_the_wrong_length() -> None:
    parameters = PARAMETERS + '      - {value: 17, region: "511"}\n'
    text = policy(ORPHAN_OK, parameters=parameters)
    problem = only(text, "region")
    assert_reported(problem, at(text, '"511"'), "511")


def test_it_reports_a_parameter_value_of_the_wrong_type() -> None:
    text = policy(ORPHAN_OK, parameters=PARAMETERS.replace("value: 18", "value: eighteen"))
    problem = only(text, "type")
    assert_reported(problem, at(text, "eighteen"), "adult_age")


def test_it_reports_every_problem_at_once_in_file_order() -> None:
    text = policy(
        """\
        categories:
          - code: orphan
            name: {zh: 孤儿, en: orphan}
            excluded_by: [nobody]
            clauses:
              - label: {zh: 一, en: one}
                when: brith_date < as_of
              - label: {zh: 二, en: two}
                when: father.vital_status == "deda"
        need_signals:
          - code: unable
            label: {zh: 无力, en: unable}
            when: guardian.able_to_car
        """
    )
    found = problems_of(text)
    assert [p.code for p in found] == [
        "unknown_category",
        "unknown_name",
        "enum_value",
        "unknown_field",
    ]
    assert [p.line for p in found] == sorted(p.line or 0 for p in found)


# -- positions of conditions in the file --------------------------------------------------
@pytest.mark.parametrize(
    "when",
    [
        "is_minor && brith_date < as_of",
        "'is_minor && brith_date < as_of'",
        '"is_minor && brith_date < as_of"',
        "is_minor &&\n          brith_date < as_of",
    ],
    ids=["plain", "single-quoted", "double-quoted", "plain-on-two-lines"],
)
def test_it_points_into_flow_scalars(when: str) -> None:
    text = with_clause(when)
    assert_reported(only(text, "unknown_name"), at(text, "brith_date"), "brith_date")


@pytest.mark.parametrize("indicator", ["|", ">", "|-", ">+"])
def test_it_points_into_block_scalars(indicator: str) -> None:
    text = with_clause(f"{indicator}\n          is_minor &&\n            brith_date < as_of")
    assert_reported(only(text, "unknown_name"), at(text, "brith_date"), "brith_date")


def test_it_points_at_syntax_errors_on_the_first_line_of_a_quoted_scalar() -> None:
    text = with_clause('"is_minor && && is_minor"')
    assert_reported(only(text, "syntax"), at(text, "&&", 2), "&&")
