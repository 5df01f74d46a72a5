"""Provincial overrides: merged into their base, checked as a whole; policy sets."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from textwrap import dedent

import pytest

from hehu.policy.engine.errors import PolicyErrors
from hehu.policy.engine.load import (
    PolicyNotFound,
    load_policy_set,
    load_policy_text,
    load_policy_text_with_base,
    merge_override,
)

BASE = dedent(
    """\
    hehu_policy: 1
    id: cn-national
    version: "2026.1"
    jurisdiction: national
    extends: null
    effective_from: 2026-01-01
    effective_to: null
    title: {zh: 全国, en: national}
    parameters:
      adult_age:
        type: int
        label: {zh: 成年年龄, en: age of majority}
        values:
          - value: 18
    predicates:
      is_minor:
        label: {zh: 未满18周岁, en: under 18}
        when: age_on(birth_date, as_of) < params.adult_age
    categories:
      - code: orphan
        name: {zh: 孤儿, en: orphan}
        clauses: [is_minor]
      - code: dibao_child
        name: {zh: 低保家庭儿童, en: dibao child}
        clauses:
          - is_minor
          - label: {zh: 低保, en: dibao}
            when: household.dibao == true
    """
)

OVERRIDE = dedent(
    """\
    hehu_policy: 1
    id: cn-51
    version: "2026.1"
    jurisdiction: "51"
    extends: cn-national@2026.1
    effective_from: 2026-03-01
    effective_to: null
    title: {zh: 四川, en: Sichuan}
    parameters:
      adult_age:
        type: int
        label: {zh: 成年年龄, en: age of majority}
        values:
          - value: 18
          - {value: 19, region: "5115"}
    categories:
      - code: dibao_child
        name: {zh: 低保家庭儿童, en: dibao child}
        clauses:
          - is_minor
          - label: {zh: 低保或低收入, en: dibao or low income}
            when: household.dibao == true || household.low_income == true
      - code: low_income_child
        name: {zh: 低收入家庭儿童, en: low-income child}
        excluded_by: [dibao_child]
        clauses: [is_minor]
    """
)


def test_it_merges_an_override_into_its_base() -> None:
    base = load_policy_text(BASE, file="base.yaml")
    merged = load_policy_text_with_base(OVERRIDE, file="51.yaml", base=base)
    assert (merged.ref, merged.jurisdiction, merged.extends) == (
        "cn-51@2026.1",
        "51",
        "cn-national@2026.1",
    )
    assert [c.code for c in merged.categories] == ["orphan", "dibao_child", "low_income_child"]
    assert merged.category("dibao_child").clauses[1].label.en == "dibao or low income"
    assert merged.predicates["is_minor"] is base.predicates["is_minor"]
    assert merged.parameters["adult_age"].value_for("511502", dt.date(2026, 5, 1)) == 19
    assert merged.parameters["adult_age"].value_for("510104", dt.date(2026, 5, 1)) == 18


def test_it_checks_an_override_against_the_names_of_its_base() -> None:
    base = load_policy_text(BASE, file="base.yaml")
    text = OVERRIDE.replace("clauses: [is_minor]", "clauses: [is_minr]")
    with pytest.raises(PolicyErrors) as info:
        load_policy_text_with_base(text, file="51.yaml", base=base)
    (problem,) = info.value.problems
    assert (problem.code, problem.file, problem.line) == ("unknown_name", "51.yaml", 26)
    assert "is_minr" in problem.message_en
    assert "is_minr" in problem.message_zh


def test_it_rejects_a_region_value_outside_the_province() -> None:
    base = load_policy_text(BASE, file="base.yaml")
    text = OVERRIDE.replace('region: "5115"', 'region: "5201"')
    with pytest.raises(PolicyErrors) as info:
        load_policy_text_with_base(text, file="51.yaml", base=base)
    (problem,) = info.value.problems
    assert (problem.code, problem.line, problem.column) == ("region", 15, 29)
    assert "5201" in problem.message_en
    assert "5201" in problem.message_zh


def test_it_rejects_an_override_without_a_proper_base_reference() -> None:
    text = OVERRIDE.replace("extends: cn-national@2026.1", "extends: cn-national")
    with pytest.raises(PolicyErrors) as info:
        load_policy_text(text, file="51.yaml")
    (problem,) = info.value.problems
    assert (problem.code, problem.line, problem.column) == ("extends", 5, 10)


def test_it_rechecks_a_merge_of_loaded_policies() -> None:
    base = load_policy_text(BASE, file="base.yaml")
    other = load_policy_text(
        BASE.replace("< params.adult_age", "< 18").replace("id: cn-national", "id: draft"),
        file="draft.yaml",
    )
    override = dataclasses.replace(other, jurisdiction="51", extends="cn-national@2026.1")
    merged = merge_override(base, override)
    assert merged.predicates["is_minor"].source == "age_on(birth_date, as_of) < 18"


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_it_loads_a_directory_and_picks_the_policy_in_effect(tmp_path: Path) -> None:
    write(tmp_path, "cn-51.yaml", OVERRIDE)
    write(tmp_path, "cn-national.yaml", BASE)
    newer = BASE.replace('version: "2026.1"', 'version: "2026.10"').replace(
        "effective_from: 2026-01-01", "effective_from: 2027-01-01"
    )
    write(tmp_path, "cn-national-2026.10.yaml", newer)
    policies = load_policy_set(tmp_path)
    assert sorted(p.ref for p in policies.all()) == [
        "cn-51@2026.1",
        "cn-national@2026.1",
        "cn-national@2026.10",
    ]
    assert policies.get("cn-national").version == "2026.10"
    assert policies.get("cn-51").category("low_income_child").code == "low_income_child"
    assert policies.for_region("511502100201", dt.date(2026, 6, 1)).ref == "cn-51@2026.1"
    assert policies.for_region("511502100201", dt.date(2026, 2, 1)).ref == "cn-national@2026.1"
    assert policies.for_region("110105", dt.date(2027, 6, 1)).ref == "cn-national@2026.10"
    with pytest.raises(PolicyNotFound):
        policies.for_region("110105", dt.date(2025, 6, 1))


def test_it_reports_problems_of_several_files_together(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE.replace("household.dibao", "household.dibo"))
    write(tmp_path, "b.yaml", OVERRIDE.replace("cn-national@2026.1", "cn-nationl@2026.1"))
    with pytest.raises(PolicyErrors) as info:
        load_policy_set(tmp_path)
    found = {(Path(p.file).name, p.code) for p in info.value.problems}
    assert found == {("a.yaml", "unknown_field"), ("b.yaml", "unknown_base")}
    unknown_base = next(p for p in info.value.problems if p.code == "unknown_base")
    assert "cn-nationl@2026.1" in unknown_base.message_en
    assert "cn-nationl@2026.1" in unknown_base.message_zh
