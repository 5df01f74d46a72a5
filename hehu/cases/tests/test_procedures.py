from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hehu.cases.procedures import DEFAULT_DIR
from hehu.cases.procedures.load import load_procedures, read_procedure_text
from hehu.policy.engine.errors import PolicyErrors

ON = dt.date(2026, 3, 2)
NATIONAL = (DEFAULT_DIR / "cn-national.yaml").read_text(encoding="utf-8")
SICHUAN = """hehu_procedures: 1
id: cn-51-procedures
version: "2026.1"
jurisdiction: "51"
effective_from: 2026-01-01
parameters:
  visit_interval_months:
    type: int
    label: {zh: 一般儿童走访间隔（月）, en: "visit interval (months)"}
    values:
      - {value: 2, region: "5115", from: 2026-01-01}
"""


def _dir(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_it_loads_the_shipped_procedures() -> None:
    procedures = load_procedures(DEFAULT_DIR)

    assert procedures.value("visit_interval_months", "511502001001", ON) == 3
    assert procedures.value("recognition_township_working_days", "110105001001", ON) == 15
    assert procedures.value("plan_approver_level", "51", ON) == "county"


def test_a_province_value_wins_in_its_region_from_its_date(tmp_path: Path) -> None:
    procedures = load_procedures(_dir(tmp_path, national=NATIONAL, sichuan=SICHUAN))

    assert procedures.value("visit_interval_months", "511502001001", ON) == 2
    assert procedures.value("visit_interval_months", "511502001001", dt.date(2025, 12, 31)) == 3
    assert procedures.value("visit_interval_months", "510104001001", ON) == 3


def test_a_province_may_not_invent_a_parameter(tmp_path: Path) -> None:
    invented = SICHUAN.replace("visit_interval_months:", "visit_interval_weeks:")
    with pytest.raises(PolicyErrors) as caught:
        load_procedures(_dir(tmp_path, national=NATIONAL, sichuan=invented))

    (problem,) = caught.value.problems
    assert problem.code == "unknown_parameter"
    assert "visit_interval_weeks" in problem.message_zh


def test_a_province_may_not_scope_values_outside_itself(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors) as caught:
        read_procedure_text(SICHUAN.replace('region: "5115"', 'region: "4403"'), "sichuan.yaml")

    assert [p.code for p in caught.value.problems] == ["region"]
    assert caught.value.problems[0].line == 11


def test_a_broken_file_is_reported_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors) as caught:
        read_procedure_text(NATIONAL.replace("      - value: 3\n", "      - value: [3\n"), "x.yaml")

    (problem,) = caught.value.problems
    assert problem.code == "yaml"
    assert problem.file == "x.yaml"
    assert problem.line is not None


def test_a_national_value_must_cover_the_whole_period(tmp_path: Path) -> None:
    gap = NATIONAL.replace("      - value: 3\n", "      - value: 3\n        from: 2020-01-01\n", 1)
    with pytest.raises(PolicyErrors) as caught:
        read_procedure_text(gap, "gap.yaml")

    assert [p.code for p in caught.value.problems] == ["uncovered"]


def test_exactly_one_national_file_is_required(tmp_path: Path) -> None:
    with pytest.raises(PolicyErrors) as caught:
        load_procedures(_dir(tmp_path, sichuan=SICHUAN))

    assert caught.value.problems[0].code == "national"
