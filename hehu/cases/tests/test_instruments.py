"""Instruments as data: the shipped files load, scoring explains itself, and a malformed file
is refused with every problem and its line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from hehu.cases.instruments import (
    DEFAULT_DIR,
    IncompleteAnswers,
    Instrument,
    InstrumentErrors,
    InstrumentShelf,
    answer_problems,
    missing_items,
    read_instrument_text,
    score,
)

# One indicator of weight 1 whose one item scores as its option says (and one of weight 0
# for a red flag): the weighted score is the option's score, so each boundary of the
# cut-offs can be hit exactly.
BOUNDARIES = """\
hehu_instrument: 1
id: test-guardianship
version: "1"
kind: guardianship
effective_from: 2026-01-01
title: {zh: 测试, en: test}
indicators:
  - code: only
    label: {zh: 唯一指标, en: the only indicator}
    weight: 1
    items:
      - code: q
        label: {zh: 得分, en: score}
        options:
          - {code: s100, label: {zh: "100", en: "100"}, score: 100}
          - {code: s80, label: {zh: "80", en: "80"}, score: 80}
          - {code: s7999, label: {zh: "79.99", en: "79.99"}, score: 79.99}
          - {code: s60, label: {zh: "60", en: "60"}, score: 60}
          - {code: s5999, label: {zh: "59.99", en: "59.99"}, score: 59.99}
          - {code: s0, label: {zh: "0", en: "0"}, score: 0}
  - code: flags
    label: {zh: 红旗, en: red flags}
    weight: 0
    items:
      - code: alone
        label: {zh: 独自生活, en: alone}
        options:
          - {code: no, label: {zh: 否, en: "no"}, score: 0}
          - {code: yes_alone, label: {zh: 是, en: "yes"}, score: 0}
          - {code: filler, label: {zh: 其他, en: other}, score: 1}
cut_offs:
  - {grade: normal, from: 80, to: 100}
  - {grade: insufficient, from: 60, to: 80}
  - {grade: improper, from: 0, to: 60}
red_flags:
  - {item: alone, option: yes_alone, grade: absent, label: {zh: 独自生活, en: alone}}
"""


def _shipped() -> InstrumentShelf:
    return InstrumentShelf.from_directory(DEFAULT_DIR)


def _best(instrument: Instrument) -> dict[str, str]:
    """For each item the option scoring most (guardianship) or least (needs)."""
    pick = max if instrument.kind == "guardianship" else min
    return {i.code: pick(i.options, key=lambda o: o.score).code for i in instrument.items()}


def test_it_loads_the_shipped_instruments_in_force() -> None:
    shelf = _shipped()
    guardianship = shelf.in_force("guardianship", dt.date(2026, 3, 1))
    needs = shelf.in_force("needs", dt.date(2026, 3, 1))
    assert guardianship is not None
    assert guardianship.ref == "guardianship-cn@2026.1"
    assert [p.code for p in guardianship.parts] == [
        "child_development",
        "guardianship_capacity",
        "guardianship_support",
    ]
    assert needs is not None
    assert [p.code for p in needs.parts] == [
        "basic_living",
        "health_medical",
        "rehabilitation",
        "education",
        "psychological",
        "family_guardianship",
        "safety",
        "social_integration",
    ]
    assert {p.support for p in needs.parts} <= {"cash", "in_kind", "service"}
    assert shelf.in_force("needs", dt.date(2025, 12, 31)) is None


@pytest.mark.parametrize(
    ("option", "grade"),
    [
        ("s100", "normal"),
        ("s80", "normal"),
        ("s7999", "insufficient"),
        ("s60", "insufficient"),
        ("s5999", "improper"),
        ("s0", "improper"),
    ],
)
def test_it_grades_each_boundary_of_the_cut_offs(option: str, grade: str) -> None:
    instrument = read_instrument_text(BOUNDARIES)
    result = score(instrument, {"q": option, "alone": "no"})
    assert result.grade == grade
    assert result.grade_by_score == grade
    assert result.triggered == ()


def test_it_says_which_answer_forced_a_red_flag_grade() -> None:
    instrument = read_instrument_text(BOUNDARIES)
    result = score(instrument, {"q": "s100", "alone": "yes_alone"})
    assert result.grade_by_score == "normal"
    assert result.grade == "absent"
    forced = result.as_dict()["triggered"]
    assert forced == [
        {
            "item": "alone",
            "item_label": {"zh": "独自生活", "en": "alone"},
            "option": "yes_alone",
            "option_label": {"zh": "是", "en": "yes"},
            "outcome": "absent",
            "label": {"zh": "独自生活", "en": "alone"},
        }
    ]


def test_it_grades_the_shipped_guardianship_instrument() -> None:
    instrument = _shipped().in_force("guardianship", dt.date(2026, 3, 1))
    assert instrument is not None
    best = _best(instrument)
    assert score(instrument, best).grade == "normal"
    assert score(instrument, best).total == Decimal(100)
    # A child left alone: absent whatever else is answered.
    alone = score(instrument, {**best, "cd_daily_care": "nobody"})
    assert alone.grade == "absent"
    assert [t.flag.item for t in alone.triggered] == ["cd_daily_care"]
    # Signs of abuse: at least improper.
    assert score(instrument, {**best, "cd_injury": "suspected_abuse"}).grade == "improper"
    # Both red flags: the worse grade wins.
    both = score(instrument, {**best, "cd_daily_care": "nobody", "cd_injury": "suspected_abuse"})
    assert both.grade == "absent"
    # Capacity (weight 0.4) all at the bottom: 60.00 → insufficient, by score only.
    weak = {
        **best,
        **{i.code: min(i.options, key=lambda o: o.score).code for i in instrument.parts[1].items},
    }
    weak["gc_guardian"] = "entrusted_weak"  # not the red-flag option
    weak["gc_conduct"] = "some"
    weak["gc_parenting"] = "lacking"
    result = score(instrument, weak)
    assert result.triggered == ()
    assert result.grade == result.grade_by_score
    assert result.grade in ("insufficient", "improper")


def test_each_score_shows_the_answers_that_produced_it() -> None:
    instrument = _shipped().in_force("guardianship", dt.date(2026, 3, 1))
    assert instrument is not None
    answers = {**_best(instrument), "cd_living": "partly"}
    data = score(instrument, answers).as_dict()
    development = data["parts"][0]
    assert development["code"] == "child_development"
    assert development["points"] == 55
    assert development["max_points"] == 60
    assert development["score"] == 91.67
    assert development["weight"] == 0.3
    living = next(i for i in development["items"] if i["code"] == "cd_living")
    assert living["option"] == "partly"
    assert living["score"] == 5
    assert living["max"] == 10
    assert living["option_label"]["zh"] == "基本有保障但有欠缺"
    # 0.3 × 91.67 + 0.4 × 100 + 0.3 × 100 = 97.50
    assert data["total"] == 97.5
    assert data["grade"] == "normal"


def test_it_scores_needs_by_domain_with_support_and_red_flags() -> None:
    instrument = _shipped().in_force("needs", dt.date(2026, 3, 1))
    assert instrument is not None
    none = score(instrument, _best(instrument))
    assert none.needs == []
    assert all(p.outcome == "none" for p in none.parts)
    answers = {
        **_best(instrument),
        "hm_condition": "serious",  # 2 of 4 → 50 → medium
        "ed_costs": "strained",  # 1 of 4 → 25 → low
        "sf_harm": "immediate",  # 2 of 4 → medium by score, a red flag makes it high
        "rh_need": "not_receiving",
        "rh_access": "inaccessible",  # 4 of 4 → 100 → high
    }
    result = score(instrument, answers)
    assert result.needs == [
        {"domain": "rehabilitation", "level": "high", "support": "service", "score": 100.0},
        {"domain": "safety", "level": "high", "support": "service", "score": 50.0},
        {"domain": "health_medical", "level": "medium", "support": "cash", "score": 50.0},
        {"domain": "education", "level": "low", "support": "cash", "score": 25.0},
    ]
    safety = next(p for p in result.as_dict()["parts"] if p["code"] == "safety")
    assert safety["level_by_score"] == "medium"
    assert safety["level"] == "high"
    assert [t["item"] for t in result.as_dict()["triggered"]] == ["sf_harm"]


def test_scoring_needs_every_item_and_names_the_missing_ones() -> None:
    instrument = read_instrument_text(BOUNDARIES)
    assert [i.code for i in missing_items(instrument, {"q": "s80"})] == ["alone"]
    with pytest.raises(IncompleteAnswers) as caught:
        score(instrument, {"alone": "no"})
    assert [i.code for i in caught.value.missing] == ["q"]


def test_it_names_unknown_items_and_options_in_answers() -> None:
    instrument = read_instrument_text(BOUNDARIES)
    problems = answer_problems(instrument, {"q": "s81", "nope": "x", "alone": None})
    assert [(p.item, p.option) for p in problems] == [("q", "s81"), ("nope", "x")]
    assert "s81" in problems[0].message.zh
    assert "nope" in problems[1].message.en


def _problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(InstrumentErrors) as caught:
        read_instrument_text(text, "bad.yaml")
    return [(p.code, p.line, p.message_en) for p in caught.value.problems]


def test_it_rejects_a_malformed_file_with_every_problem_and_its_line() -> None:
    bad = (
        BOUNDARIES.replace("weight: 1", "weight: 0.9")
        .replace("code: s60,", "code: s80,")
        .replace("{grade: insufficient, from: 60, to: 80}", "{grade: poor, from: 60, to: 80}")
        .replace("{grade: improper, from: 0, to: 60}", "{grade: improper, from: 0, to: 70}")
        .replace("option: yes_alone", "option: maybe")
    )
    problems = _problems(bad)
    codes = [code for code, _line, _en in problems]
    assert codes == ["duplicate", "weights", "unknown_outcome", "gap", "unknown_option"]
    lines = {code: line for code, line, _en in problems}
    text_lines = bad.splitlines()
    assert "code: s80," in text_lines[lines["duplicate"] - 1]
    assert "poor" in text_lines[lines["unknown_outcome"] - 1]
    assert "maybe" in text_lines[lines["unknown_option"] - 1]
    assert any("sum to 1, not 0.9" in en for _c, _l, en in problems)


def test_it_rejects_overlapping_cut_offs_and_unknown_items_in_red_flags() -> None:
    bad = BOUNDARIES.replace(
        "{grade: improper, from: 0, to: 60}", "{grade: improper, from: 0, to: 65}"
    ).replace("item: alone", "item: lonely")
    problems = _problems(bad)
    assert [code for code, _l, _e in problems] == ["overlap", "unknown_item"]


def test_it_rejects_an_unknown_needs_domain_one_without_support_or_levels_and_duplicates() -> None:
    text = """\
hehu_instrument: 1
id: test-needs
version: "1"
kind: needs
effective_from: 2026-01-01
title: {zh: 测试, en: test}
domains:
  - code: living
    label: {zh: 生活, en: living}
    support: money
    cut_offs:
      - {level: none, from: 0, to: 50}
      - {level: high, from: 50, to: 100}
    items:
      - code: a
        label: {zh: 甲, en: a}
        options:
          - {code: x, label: {zh: 无, en: none}, score: 0}
          - {code: y, label: {zh: 有, en: some}, score: 1}
  - code: safety
    label: {zh: 安全, en: safety}
    items:
      - code: a
        label: {zh: 甲, en: a}
        options:
          - {code: x, label: {zh: 无, en: none}, score: 0}
"""
    problems = _problems(text)
    codes = [code for code, _l, _e in problems]
    assert codes == [
        "domain",
        "support",
        "missing_key",
        "missing_key",
        "duplicate",
        "options",
        "score",
    ]
    assert problems[0][1] == 8  # "code: living": not a domain of the facts document
    assert "not one of the facts document's domains" in problems[0][2]
    assert problems[1][1] == 10  # the line of "support: money"


def test_every_shipped_file_passes_the_checker(tmp_path: Path) -> None:
    shelf = _shipped()
    assert len(shelf.instruments) >= 2
    (tmp_path / "a.yaml").write_text(BOUNDARIES, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(BOUNDARIES, encoding="utf-8")
    with pytest.raises(InstrumentErrors) as caught:
        InstrumentShelf.from_directory(tmp_path)
    assert [p.code for p in caught.value.problems] == ["duplicate"]


def _check(*args: str) -> tuple[str, str, int]:
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    try:
        call_command("check_instrument", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    return out.getvalue(), err.getvalue(), status


def test_check_instrument_accepts_the_shipped_files_and_reports_each_problem(
    tmp_path: Path,
) -> None:
    out, err, status = _check()
    assert status == 0
    assert err == ""
    assert "guardianship-cn@2026.1 (guardianship), 3 parts, 17 items" in out
    assert "needs-cn@2026.1 (needs), 8 parts, 16 items" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(BOUNDARIES.replace("weight: 1", "weight: 0.5"), encoding="utf-8")
    good = DEFAULT_DIR / "needs-cn-2026.yaml"
    out, err, status = _check(str(good), str(bad), "--zh")
    assert status == 2
    assert "needs-cn@2026.1" in out
    assert f"{bad}:" in err
    assert "权重之和应为 1，现为 0.5" in err
