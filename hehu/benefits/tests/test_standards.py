from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from hehu.benefits.catalogue import DEFAULT_DIR
from hehu.benefits.standards import NoStandard, Standards, load_standards
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem

POLICY = DEFAULT_DIR.parent / "cn-national.yaml"
MARCH = dt.date(2026, 3, 1)
YIBIN = "511502"  # 翠屏区, Yibin
CHENGDU = "510104"
BEIJING = "110105"
NATIONAL = (DEFAULT_DIR / "cn-national.yaml").read_text(encoding="utf-8")
PROVINCE_HEAD = """hehu_benefits: 1
id: cn-51-test
version: "1"
jurisdiction: "51"
effective_from: 2025-01-01
"""


@pytest.fixture(scope="module")
def shipped() -> Standards:
    return load_standards(DEFAULT_DIR, policy_file=POLICY)


def _load(tmp_path: Path, national: str = NATIONAL, **provinces: str) -> Standards:
    (tmp_path / "cn-national.yaml").write_text(national, encoding="utf-8")
    for name, text in provinces.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return load_standards(tmp_path, policy_file=POLICY)


def _refused(tmp_path: Path, national: str = NATIONAL, **provinces: str) -> PolicyProblem:
    with pytest.raises(PolicyErrors) as caught:
        _load(tmp_path, national, **provinces)
    (problem,) = caught.value.problems
    return problem


def _line(text: str, fragment: str) -> int:
    """The 1-based line of the first line of `text` containing `fragment`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# -- the shipped files: DOMAIN.md §10 -----------------------------------------------------
def test_it_pays_the_yibin_demo_orphan_standards(shipped: Standards) -> None:
    assert shipped.standard_amount("orphan_scattered", YIBIN, MARCH) == Decimal("1651.00")
    assert shipped.standard_amount("orphan_institutional", YIBIN, MARCH) == Decimal("1851.00")


def test_the_de_facto_allowance_is_the_scattered_orphan_standard(shipped: Standards) -> None:
    standard = shipped.standard("de_facto_unattended", YIBIN, MARCH)

    assert standard.amount == Decimal("1651.00")
    assert standard.formula == "orphan_scattered"
    assert "orphan_scattered = 1651.00" in standard.explanation().zh


def test_scenario_4_top_up_over_dibao_leaves_1251(shipped: Standards) -> None:
    # DOMAIN.md §10 scenario 4: the entitlement slice pays the difference over dibao.
    standard = shipped.standard_amount("de_facto_unattended", YIBIN, MARCH)

    assert standard is not None
    assert standard - Decimal(400) == Decimal("1251.00")
    assert shipped.programmes["de_facto_unattended"].stacking.rule == "top_up"


def test_the_dibao_child_supplement_follows_its_formula(shipped: Standards) -> None:
    # (1651 − 790) × 0.5, with Yibin's 2026 demo dibao line.
    standard = shipped.standard("dibao_child", YIBIN, MARCH)

    assert standard.amount == Decimal("430.50")
    assert dict(standard.inputs)["params.dibao_line"] == Decimal("790.0")


def test_tekun_support_is_at_least_1_3_times_the_dibao_line(shipped: Standards) -> None:
    amount = shipped.standard_amount("tekun_minor", YIBIN, MARCH)

    assert amount == Decimal("1027.00")
    assert amount >= Decimal("1.3") * Decimal(790)


def test_a_case_by_case_programme_has_no_amount(shipped: Standards) -> None:
    standard = shipped.standard("education_aid", YIBIN, MARCH)

    assert standard.amount is None
    assert "按个案" in standard.explanation().zh


def test_elsewhere_the_national_placeholder_applies(shipped: Standards) -> None:
    standard = shipped.standard("orphan_scattered", BEIJING, MARCH)

    assert standard.amount == Decimal("1439.90")
    assert standard.region == ""
    assert standard.file.endswith("cn-national.yaml")
    assert shipped.standard_amount("tekun_minor", BEIJING, MARCH) == Decimal("910.00")


def test_the_most_specific_region_wins(shipped: Standards) -> None:
    yibin = shipped.standard("disabled_living", YIBIN, MARCH)
    chengdu = shipped.standard("disabled_living", CHENGDU, MARCH)

    assert (yibin.amount, yibin.region) == (Decimal("100.00"), "5115")
    assert (chengdu.amount, chengdu.region) == (Decimal("90.00"), "51")
    assert "地区 5115" in yibin.explanation().zh
    assert "cn-51-yibin-demo.yaml:" in yibin.explanation().en


def test_a_new_value_applies_from_the_month_it_starts(shipped: Standards) -> None:
    december, january = dt.date(2025, 12, 1), dt.date(2026, 1, 1)

    assert shipped.standard_amount("dibao_child", YIBIN, december) == Decimal("445.50")
    assert shipped.standard_amount("dibao_child", YIBIN, january) == Decimal("430.50")
    assert shipped.standard_amount("orphan_scattered", YIBIN, dt.date(2024, 12, 1)) == Decimal(
        "1439.90"
    )
    assert shipped.standard_amount("orphan_scattered", YIBIN, dt.date(2025, 1, 1)) == Decimal(
        "1651.00"
    )


def test_the_de_facto_allowance_has_no_standard_before_2020(shipped: Standards) -> None:
    with pytest.raises(NoStandard):
        shipped.standard("de_facto_unattended", YIBIN, dt.date(2019, 12, 1))


def test_a_month_is_its_first_day(shipped: Standards) -> None:
    with pytest.raises(ValueError, match="first day"):
        shipped.standard("orphan_scattered", YIBIN, dt.date(2026, 3, 15))


def test_amounts_are_rounded_half_up_to_the_fen(tmp_path: Path) -> None:
    province = (
        PROVINCE_HEAD + "programmes:\n  orphan_scattered:\n    values:\n      - amount: 1000.005\n"
    )

    standards = _load(tmp_path, sichuan=province)

    assert standards.standard_amount("orphan_scattered", YIBIN, MARCH) == Decimal("1000.01")


# -- refusals, each with its line ----------------------------------------------------------
def test_a_city_may_not_lower_the_province_standard(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  orphan_scattered:\n"
        "    values:\n"
        "      - {amount: 1651}\n"
        '      - {amount: 1600, region: "5115"}\n'
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "lowered"
    assert problem.message_zh.startswith("市、县只能提高标准，不能降低")
    assert problem.file.endswith("sichuan.yaml")
    assert problem.line == _line(province, "1600")


def test_a_county_may_not_fall_below_the_province_in_a_later_month(tmp_path: Path) -> None:
    # Equal at first; the province raises its standard in 2026 and the county does not.
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  orphan_scattered:\n"
        "    values:\n"
        "      - {amount: 1651, to: 2025-12-31}\n"
        "      - {amount: 1700, from: 2026-01-01}\n"
        '      - {amount: 1651, region: "511502"}\n'
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "lowered"
    assert "2026-01" in problem.message_en
    assert problem.line == _line(province, "511502")


def test_a_city_may_raise_the_province_standard(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  orphan_scattered:\n"
        "    values:\n"
        "      - {amount: 1651}\n"
        '      - {amount: 1700, region: "5115"}\n'
    )

    standards = _load(tmp_path, sichuan=province)

    assert standards.standard_amount("orphan_scattered", YIBIN, MARCH) == Decimal("1700.00")


def test_overlapping_periods_for_one_region_are_refused(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  orphan_scattered:\n"
        "    values:\n"
        "      - {amount: 1651, from: 2025-01-01, to: 2025-12-31}\n"
        "      - {amount: 1700, from: 2025-07-01}\n"
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "overlap"
    assert problem.line == _line(province, "1700")


def test_an_unknown_programme_in_a_formula_is_refused(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n  dibao_child:\n    values:\n      - formula: orphan_scatered * 0.2\n"
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "unknown_programme"
    assert "orphan_scatered" in problem.message_zh
    assert problem.line == _line(province, "formula")


def test_a_formula_whose_parameter_is_missing_is_refused(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  tekun_minor:\n"
        "    values:\n"
        "      - formula: params.dibao_line * params.tekun_factor\n"
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "missing_parameter"
    assert "params.tekun_factor" in problem.message_en
    assert problem.line == _line(province, "formula")


def test_formulas_in_a_cycle_are_refused(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n  orphan_scattered:\n    values:\n      - formula: de_facto_unattended\n"
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "cycle"
    assert "orphan_scattered" in problem.message_zh
    assert "de_facto_unattended" in problem.message_zh
    # The cycle is reported at one of its two formulas, with its file and line.
    assert (Path(problem.file).name, problem.line) in {
        ("sichuan.yaml", _line(province, "formula")),
        ("cn-national.yaml", _line(NATIONAL, "formula: orphan_scattered")),
    }


def test_a_negative_amount_is_refused(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + "programmes:\n  orphan_scattered:\n    values:\n      - amount: -5\n"

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "negative"
    assert problem.line == _line(province, "amount: -5")
    assert problem.column is not None


def test_an_unknown_category_is_refused(tmp_path: Path) -> None:
    national = NATIONAL.replace("categories: [orphan]", "categories: [orphans]", 1)

    problem = _refused(tmp_path, national)

    assert problem.code == "unknown_category"
    assert "orphans" in problem.message_zh
    assert "orphan" in problem.message_en  # the suggestion
    assert problem.line == _line(national, "[orphans]")


def test_a_province_may_not_invent_a_programme(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + "programmes:\n  pocket_money:\n    values:\n      - amount: 5\n"

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "unknown_programme"
    assert problem.line == _line(province, "pocket_money")


def test_a_province_may_not_scope_a_standard_outside_itself(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        'programmes:\n  orphan_scattered:\n    values:\n      - {amount: 1651, region: "5001"}\n'
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "region"
    assert problem.line == _line(province, "5001")


def test_a_formula_may_only_be_arithmetic(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  dibao_child:\n"
        "    values:\n"
        "      - formula: 'orphan_scattered > 1 ? 1 : 2'\n"
    )

    problem = _refused(tmp_path, sichuan=province)

    assert problem.code == "formula"
    assert problem.line == _line(province, "formula")


def test_every_problem_of_a_file_is_reported_together(tmp_path: Path) -> None:
    province = PROVINCE_HEAD + (
        "programmes:\n"
        "  orphan_scattered:\n"
        "    values:\n"
        "      - amount: -1\n"
        "  orphan_institutional:\n"
        "    values:\n"
        "      - amount: -2\n"
    )
    with pytest.raises(PolicyErrors) as caught:
        _load(tmp_path, sichuan=province)

    assert [p.line for p in caught.value.problems] == [
        _line(province, "amount: -1"),
        _line(province, "amount: -2"),
    ]
