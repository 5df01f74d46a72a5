"""The policy compiled to Polars: vectorised helpers, outputs, and what cannot be compiled."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hehu.policy.engine import functions, types
from hehu.policy.engine.columnar import (
    _threshold,
    add_months_expr,
    age_on_expr,
    compile_policy,
    in_force_expr,
    months_elapsed_expr,
)
from hehu.policy.engine.errors import PolicyErrors
from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.frames import FRAME_SCHEMAS, FactsFrames, frames_from_documents
from hehu.policy.engine.load import load_policy_text

# Dates where the calendar is awkward: 29 February, month ends, year ends.
AWKWARD = [
    dt.date(y, m, d)
    for y in (2019, 2020, 2023, 2024, 2100)
    for m, d in ((1, 31), (2, 28), (3, 1), (3, 31), (4, 30), (8, 31), (12, 31))
] + [dt.date(2020, 2, 29), dt.date(2024, 2, 29), dt.date(2000, 2, 29)]
DATES = st.one_of(st.sampled_from(AWKWARD), st.dates(dt.date(1990, 1, 1), dt.date(2110, 12, 31)))


def _apply(expr: pl.Expr, **columns: list[object]) -> list[object]:
    return pl.DataFrame(columns).select(expr.alias("x"))["x"].to_list()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(DATES, DATES), min_size=1, max_size=200))
def test_it_computes_age_on_as_the_reference_does(pairs: list[tuple[dt.date, dt.date]]) -> None:
    births, ons = [p[0] for p in pairs], [p[1] for p in pairs]
    got = _apply(age_on_expr(pl.col("b"), pl.col("o")), b=births, o=ons)
    assert got == [functions.age_on(b, o) for b, o in pairs]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(DATES, st.integers(-400, 400)), min_size=1, max_size=200))
def test_it_adds_months_as_the_reference_does(pairs: list[tuple[dt.date, int]]) -> None:
    days, months = [p[0] for p in pairs], [p[1] for p in pairs]
    got = _apply(add_months_expr(pl.col("d"), pl.col("n")), d=days, n=months)
    assert got == [functions.add_months(d, n) for d, n in pairs]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(DATES, DATES), min_size=1, max_size=200))
def test_it_counts_months_elapsed_as_the_reference_does(
    pairs: list[tuple[dt.date, dt.date]],
) -> None:
    since, ons = [p[0] for p in pairs], [p[1] for p in pairs]
    got = _apply(months_elapsed_expr(pl.col("s"), pl.col("o")), s=since, o=ons)
    assert got == [functions.months_elapsed(s, o) for s, o in pairs]


CONDITION = st.fixed_dictionaries(
    {
        "since": st.one_of(st.none(), DATES),
        "on": st.one_of(st.none(), DATES),
        "police_accepted_on": st.one_of(st.none(), DATES),
        "until": st.one_of(st.none(), DATES),
        "term_months": st.one_of(st.none(), st.integers(0, 48)),
    }
)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(CONDITION, DATES), min_size=1, max_size=200))
def test_it_decides_in_force_as_the_reference_does(
    pairs: list[tuple[dict[str, object], dt.date]],
) -> None:
    frame = pl.DataFrame(
        [{**c, "as_of": on} for c, on in pairs],
        schema={
            "since": pl.Date,
            "on": pl.Date,
            "police_accepted_on": pl.Date,
            "until": pl.Date,
            "term_months": pl.Int64,
            "as_of": pl.Date,
        },
    )
    got = frame.select(in_force_expr(pl.col, pl.col("as_of")).alias("x"))["x"].to_list()
    assert got == [functions.in_force(c, on) for c, on in pairs]


def test_it_gives_null_helpers_for_null_dates() -> None:
    got = _apply(
        pl.struct(
            a=age_on_expr(pl.col("b"), pl.col("o")),
            m=months_elapsed_expr(pl.col("b"), pl.col("o")),
            d=add_months_expr(pl.col("b"), pl.lit(1)),
        ),
        b=[None, dt.date(2020, 1, 1)],
        o=[dt.date(2025, 1, 1), None],
    )
    assert got == [
        {"a": None, "m": None, "d": None},
        {"a": None, "m": None, "d": dt.date(2020, 2, 1)},
    ]


POLICY = """
hehu_policy: 1
id: test-columnar
version: "1"
jurisdiction: national
extends: null
effective_from: 2020-01-01
effective_to: null
title: {zh: 测试, en: test}
parameters:
  adult_age:
    type: int
    label: {zh: 成年, en: adult}
    values:
      - value: 18
      - {value: 10, region: "5115"}
      - {value: 12, region: "511502", from: 2025-06-01}
predicates:
  is_minor:
    label: {zh: 未成年, en: minor}
    when: age_on(birth_date, as_of) < params.adult_age
categories:
  - code: minor
    name: {zh: 未成年, en: minor}
    clauses:
      - is_minor
      - label: {zh: 低保, en: dibao}
        when: household.dibao == true
  - code: poor
    name: {zh: 贫困, en: poor}
    excluded_by: [minor]
    clauses:
      - label: {zh: 低保, en: dibao}
        when: household.dibao == true
umbrellas:
  - code: any
    name: {zh: 任一, en: any}
    any_of: [minor]
    when: household.low_income == true
need_signals:
  - code: alone
    label: {zh: 独居, en: alone}
    when: living_arrangement == "alone"
  - code: unknown_dibao
    label: {zh: 未知, en: unknown}
    when: "!has(household.dibao)"
"""


def _run(documents: list[dict[str, object]], as_of: dt.date) -> list[dict[str, object]]:
    compiled = compile_policy(load_policy_text(POLICY))
    return compiled.run(frames_from_documents(documents), as_of).to_dicts()


def test_it_returns_membership_masks_umbrellas_signals_and_gaps_per_child() -> None:
    rows = _run(
        [
            {"id": "a", "birth_date": "2015-01-01", "household": {"dibao": True}},
            {"id": "b", "birth_date": "2000-01-01", "household": {"dibao": True}},
            {"id": "c", "birth_date": "2015-01-01", "living_arrangement": "alone"},
        ],
        dt.date(2025, 1, 1),
    )
    assert rows[0] == {
        "id": "a",
        "in.minor": True,
        "mask.minor": 3,
        "in.poor": False,  # excluded by minor
        "mask.poor": 1,
        "umbrella.any": True,
        "signals": 0,
        "gap": False,
    }
    assert (rows[1]["in.minor"], rows[1]["mask.minor"], rows[1]["in.poor"]) == (False, 2, True)
    assert (rows[2]["signals"], rows[2]["gap"], rows[2]["mask.minor"]) == (3, True, 1)


def test_it_takes_the_longest_region_prefix_whose_period_covers_as_of() -> None:
    documents: list[dict[str, object]] = [
        {"id": region or "none", "birth_date": "2014-01-01", "region_code": region}
        for region in ("110101000000", "511500000000", "511502100201", None)
    ]
    before = [r["mask.minor"] & 1 for r in _run(documents, dt.date(2025, 5, 31))]
    after = [r["mask.minor"] & 1 for r in _run(documents, dt.date(2025, 6, 1))]
    # Age 11: a minor under 18 and under 12, not under 10.
    assert before == [1, 0, 0, 1]
    assert after == [1, 0, 1, 1]


def test_it_refuses_a_cross_product_of_two_lists_at_the_position_of_the_construct() -> None:
    text = POLICY.replace(
        'when: living_arrangement == "alone"',
        "when: parents.exists(p, protection_concerns.exists(c, p.role == c.type))",
    )
    with pytest.raises(PolicyErrors) as caught:
        compile_policy(load_policy_text(text, file="cross.yaml"))
    (problem,) = caught.value.problems
    assert problem.code == "not_compilable"
    assert (problem.file, problem.line) == (
        "cross.yaml",
        text.splitlines().index(
            next(line for line in text.splitlines() if "protection_concerns.exists" in line)
        )
        + 1,
    )


# -- comparisons of a helper with a constant: one date comparison ----------------------------
@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["age_on", "months_elapsed"]),
    DATES,
    st.integers(-3, 230),
    st.lists(DATES, min_size=1, max_size=50),
)
def test_it_finds_the_last_date_at_which_a_helper_reaches_a_number(
    helper: str, on: dt.date, k: int, days: list[dt.date]
) -> None:
    function = {"age_on": functions.age_on, "months_elapsed": functions.months_elapsed}[helper]
    threshold = _threshold(helper, on, k)
    assert threshold is not None
    for day in days + (
        [threshold, threshold + dt.timedelta(days=1)] if threshold is not True else []
    ):
        reached = threshold is True or day <= threshold
        assert reached == (function(day, on) >= k), (day, threshold)


HELPER_COMPARISONS = [
    "age_on(birth_date, as_of) < 18",
    "18 > age_on(birth_date, as_of)",
    "age_on(birth_date, as_of) <= 5",
    "age_on(birth_date, as_of) >= -1",
    "6 <= age_on(birth_date, as_of)",
    'age_on(birth_date, date("2024-02-29")) > 4',
    "age_on(birth_date, as_of) < params.adult_age",
    "months_elapsed(birth_date, as_of) >= 6",
    "months_elapsed(birth_date, as_of) > 0",
    "months_elapsed(birth_date, as_of) >= 0",
    "-1 < months_elapsed(birth_date, as_of)",
    "months_elapsed(birth_date, as_of) <= 12",
]


def _one_clause_per_category(clauses: list[str], parameters: str = "") -> str:
    categories = "\n".join(
        f"""  - code: c{i}
    name: {{zh: 类{i}, en: c{i}}}
    clauses:
      - label: {{zh: 条件, en: clause}}
        when: '{clause}'"""
        for i, clause in enumerate(clauses)
    )
    return f"""
hehu_policy: 1
id: test-clauses
version: "1"
jurisdiction: national
extends: null
effective_from: 2000-01-01
effective_to: null
title: {{zh: 测试, en: test}}
parameters:
  adult_age:
    type: int
    label: {{zh: 成年, en: adult}}
    values:
      - value: 18
{parameters}
categories:
{categories}
"""


def _agree(text: str, documents: list[dict[str, object]], as_of: dt.date) -> pl.DataFrame:
    policy = load_policy_text(text)
    table = compile_policy(policy).run(frames_from_documents(documents), as_of)
    for row, document in zip(table.iter_rows(named=True), documents, strict=True):
        expected = classify(policy, document, as_of)
        for category in expected.categories:
            assert row[f"in.{category.code}"] == category.member, (category.code, document)
    return table


@settings(max_examples=30, deadline=None)
@given(DATES, st.lists(st.one_of(st.none(), DATES), min_size=1, max_size=60))
def test_it_compares_a_helper_with_a_constant_as_the_evaluator_does(
    as_of: dt.date, births: list[dt.date | None]
) -> None:
    documents: list[dict[str, object]] = [
        {"id": f"c{i}", "birth_date": None if b is None else b.isoformat()}
        for i, b in enumerate(births)
    ]
    _agree(_one_clause_per_category(HELPER_COMPARISONS), documents, as_of)


# -- enum facts: compared as pl.Enum, text frames accepted ----------------------------------
ENUM_CLAUSES = [
    'father.vital_status == "dead"',
    'father.vital_status != "alive"',
    'father.vital_status in ["dead", "declared_dead"]',
    "father.vital_status == mother.vital_status",
    "father.vital_status != params.status",
    "father.vital_status == params.status",
    "in_full_time_education in params.levels",
    'living_arrangement > "f"',
    "parents.exists(p, p.conditions.exists(c, c.type == p.role))",
    'parents.exists(p, p.vital_status == "unknown" && p.role == "mother")',
    'mother.conditions.exists(c, c.category in ["mental", "intellectual"])',
    'guardianship_grade == null || guardianship_grade != "normal"',
]
ENUM_PARAMETERS = """  status:
    type: string
    label: {zh: 状态, en: status}
    values:
      - value: deda
  levels:
    type: list<string>
    label: {zh: 学段, en: levels}
    values:
      - value: [primary, no_such_level, none]"""


def _enum_document(index: int, draw: st.DrawFn) -> dict[str, object]:
    def parent(role: str) -> dict[str, object]:
        found: dict[str, object] = {"role": role}
        vital = draw(st.one_of(st.none(), st.sampled_from(types.VITAL_STATUSES)))
        if vital is not None:
            found["vital_status"] = vital
        found["conditions"] = [
            {"type": draw(st.sampled_from(types.CONDITION_TYPES))}
            | (
                {"category": c}
                if (c := draw(st.one_of(st.none(), st.sampled_from(types.DISABILITY_CATEGORIES))))
                else {}
            )
            for _ in range(draw(st.integers(0, 2)))
        ]
        return found

    roles = draw(st.sampled_from([[], ["father"], ["mother"], ["father", "mother"]]))
    document: dict[str, object] = {"id": f"e{index}", "parents": [parent(r) for r in roles]}
    for key, values in (
        ("in_full_time_education", types.EDUCATION_LEVELS),
        ("living_arrangement", types.LIVING_ARRANGEMENTS),
        ("guardianship_grade", types.GUARDIANSHIP_GRADES),
    ):
        value = draw(st.one_of(st.none(), st.sampled_from(values)))
        if value is not None:
            document[key] = value
    return document


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_it_compares_enum_facts_as_the_evaluator_does(data: st.DataObject) -> None:
    documents = [_enum_document(i, data.draw) for i in range(data.draw(st.integers(1, 30)))]
    text = _one_clause_per_category(ENUM_CLAUSES, ENUM_PARAMETERS)
    table = _agree(text, documents, dt.date(2025, 1, 1))
    # Frames whose enum columns are text (built before the enums) give the same result.
    frames = frames_from_documents(documents)
    as_text = FactsFrames(
        **{
            name: frames.frame(name).with_columns(
                pl.col(pl.Enum).cast(pl.String)  # every enum column back to text
            )
            for name in FRAME_SCHEMAS
        }
    )
    assert as_text.parents.schema["vital_status"] == pl.String
    compiled = compile_policy(load_policy_text(text))
    assert compiled.run(as_text, dt.date(2025, 1, 1)).equals(table)
