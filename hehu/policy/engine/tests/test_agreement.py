"""The compiled (columnar) form and the one-child evaluator agree, on random facts.

Each hypothesis example draws one `as_of` and a batch of facts documents around its
boundaries (birthdays incl. 29 February, month ends, the first and last day a condition is
in force, the day a period of months has elapsed), with facts missing anywhere, then runs
the compiled policy once over the batch and the evaluator once per document.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hehu.policy.engine import types
from hehu.policy.engine.columnar import compile_policy
from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.frames import frames_from_documents
from hehu.policy.engine.functions import add_months
from hehu.policy.engine.load import load_policy_file, load_policy_text
from hehu.policy.engine.model import Policy

NATIONAL = Path(__file__).resolve().parents[4] / "policies" / "cn-national.yaml"

# A policy using every construct of the language (docs/policy-language.md).
ALL_CONSTRUCTS = """
hehu_policy: 1
id: test-all-constructs
version: "1"
jurisdiction: national
extends: null
effective_from: 2016-01-01
effective_to: null
title: {zh: 全部结构, en: every construct}
parameters:
  adult_age:
    type: int
    label: {zh: 成年, en: adult}
    values:
      - value: 18
      - {value: 16, region: "51", from: 2025-03-01}
      - {value: 17, region: "5115"}
      - {value: 14, region: "511502100201", to: 2025-02-28}
  months:
    type: int
    label: {zh: 月, en: months}
    values:
      - {value: 6, to: 2025-02-28}
      - {value: 3, from: 2025-03-01}
      - {value: 12, region: "11"}
  line:
    type: double
    label: {zh: 线, en: line}
    values:
      - value: 700.5
      - {value: 310.0, region: "5115", from: 2025-03-01}
  grades:
    type: list<int>
    label: {zh: 等级, en: grades}
    values:
      - value: [1, 2]
      - {value: [], region: "51"}
      - {value: [3, 4], region: "511502"}
  levels:
    type: list<string>
    label: {zh: 学段, en: levels}
    values:
      - value: [primary, junior_secondary]
      - {value: [], region: "11", from: 2025-03-01}
  watched:
    type: bool
    label: {zh: 关注, en: watched}
    values:
      - value: false
      - {value: true, region: "5115"}
  cutoff:
    type: date
    label: {zh: 截止, en: cutoff}
    values:
      - value: 2024-01-01
      - {value: 2025-03-01, region: "51"}
  prefix:
    type: string
    label: {zh: 前缀, en: prefix}
    values:
      - value: "51"
predicates:
  is_minor:
    label: {zh: 未成年, en: minor}
    when: age_on(birth_date, as_of) < params.adult_age
  gone:
    args: {p: parent}
    label: {zh: 离开, en: gone}
    when: p.vital_status in ["dead", "declared_dead", "declared_missing"]
  q:
    args: {c: condition}
    label: {zh: 情形, en: condition}
    when: >-
      in_force(c, as_of)
      && (c.type != "lost_contact"
          || months_elapsed(c.police_accepted_on, as_of) >= params.months)
      && (!has(c.term_months) || c.term_months >= 6)
  parent_q:
    args: {p: parent}
    label: {zh: 父母情形, en: parent condition}
    when: p.recorded && p.conditions.exists(c, q(c))
  recent:
    args: {d: date, n: int}
    label: {zh: 近期, en: recent}
    when: add_months(d, n) >= as_of
categories:
  - code: first
    name: {zh: 一, en: first}
    clauses:
      - is_minor
      - label: {zh: 父母, en: parents}
        when: >-
          (gone(father) || parent_q(father)) && (gone(mother) || parent_q(mother))
  - code: second
    name: {zh: 二, en: second}
    excluded_by: [first]
    clauses:
      - is_minor
      - label: {zh: 一方, en: one}
        when: >-
          parents.exists_one(p, gone(p))
          || parents.filter(p, parent_q(p)).size() >= 1
  - code: third
    name: {zh: 三, en: third}
    excluded_by: [second]
    clauses:
      - label: {zh: 收入, en: income}
        when: >-
          household.income_per_capita * 2.0 - household.dibao_child_amount / 4.0
          < params.line + -1.5
          || household.income_per_capita / 2 == 350.5
      - label: {zh: 低保, en: dibao}
        when: household.dibao == true || !has(household.dibao) || household.tekun != false
      - label: {zh: 残疾, en: disability}
        when: >-
          disability.grade in params.grades
          || disability.grade % 3 == 1 || disability.grade / 2 == 1
          || (disability.grade - 1) * 2 > 4
          || disability.category in ["mental", "intellectual"]
  - code: fourth
    name: {zh: 四, en: fourth}
    clauses:
      - label: {zh: 区划, en: region}
        when: >-
          region_code.startsWith(params.prefix) ? hukou_type == "rural" : hukou_type != "urban"
      - label: {zh: 全部, en: all}
        when: father.conditions.all(c, c.type in ["imprisoned", "compulsory_rehab"] && q(c))
      - label: {zh: 数, en: counts}
        when: >-
          size(parents) + protection_concerns.size() + receiving.size() >= 1
          && mother.conditions.size() <= 3
  - code: fifth
    name: {zh: 五, en: fifth}
    excluded_by: [fourth, third]
    clauses:
      - label: {zh: 关切, en: concerns}
        when: >-
          protection_concerns.exists(c, c.substantiated
            && (c.since == null || recent(c.since, params.months))
            && c.since < params.cutoff)
      - label: {zh: 领取, en: receiving}
        when: >-
          receiving.all(r, r.monthly_amount > 100.0 && r.programme != "none"
            || r.monthly_amount / 2 == 200.5)
          && !receiving.exists(r, r.programme.startsWith("tekun"))
      - label: {zh: 监护, en: guardian}
        when: >-
          guardian.able_to_care != true && guardianship_grade != null
          || guardian.relation == null && params.watched
  - code: sixth
    name: {zh: 六, en: sixth}
    clauses:
      - label: {zh: 嵌套, en: nested}
        when: >-
          parents.exists(p, p.migrant_worker == true
            && p.conditions.filter(c, c.since >= add_months(birth_date, 12)
               && c.since <= date("2025-06-30")).size() > 0)
          || parents.all(p, p.conditions.exists_one(c, c.type == p.role
               || c.evidence.kind == "judgment" && c.evidence.reference.startsWith("R")))
      - label: {zh: 学段, en: school}
        when: >-
          in_full_time_education in params.levels
          || (serious_illness ? serious_illness_name == "x" : living_arrangement > "f")
          || -age_on(birth_date, date("2020-02-29")) >= 1
      - label: {zh: 空, en: nulls}
        when: >-
          (disability.grade == null) != (disability != null)
          && (household.tekun == household.low_income || has(guardian.relation))
          && months_elapsed(birth_date, as_of) / 12 < 17
umbrellas:
  - code: u_one
    name: {zh: 甲, en: one}
    any_of: [first, third]
    when: household.low_income
  - code: u_two
    name: {zh: 乙, en: two}
    any_of: [sixth]
need_signals:
  - code: s_unable
    label: {zh: 无力, en: unable}
    when: guardian.able_to_care == false
  - code: s_minor_alone
    label: {zh: 独居, en: alone}
    when: is_minor && living_arrangement == "alone"
  - code: s_parent
    label: {zh: 父母, en: parent}
    when: parents.exists(p, p.conditions.exists(c, c.type == "lost_contact" && !q(c)))
  - code: s_young
    label: {zh: 小, en: young}
    when: age_on(birth_date, as_of) <= 5 && in_full_time_education == "none"
  - code: s_need
    label: {zh: 需求, en: need}
    when: >-
      assessed_needs.exists(n, n.level in ["high", "medium"] && n.support != "cash"
        && recent(n.assessed_on, 12))
      || assessed_needs.filter(n, n.domain == "safety").size() >= 1
"""

AS_OF_DATES = [
    dt.date(2025, 2, 28),
    dt.date(2025, 3, 1),
    dt.date(2024, 2, 29),
    dt.date(2024, 2, 28),
    dt.date(2025, 7, 11),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 31),
    dt.date(2023, 3, 31),
]
REGIONS = [
    None,
    "510000000000",
    "511500000000",
    "511502100201",
    "511502100202",
    "110101000000",
    "440300000000",
]


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _shifted(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


@st.composite
def _boundary_date(draw: st.DrawFn, as_of: dt.date) -> dt.date:
    """A date on, a day before or a day after `as_of` moved by a number of months."""
    months = draw(st.sampled_from([0, 1, 3, 5, 6, 7, 12, 36, 72, 192, 204, 216, 228]))
    base = add_months(as_of, -months)
    return _shifted(base, draw(st.sampled_from([-1, 0, 1])))


@st.composite
def _date(draw: st.DrawFn, as_of: dt.date) -> str | None:
    choice = draw(
        st.one_of(
            _boundary_date(as_of),
            st.sampled_from(
                [dt.date(2008, 2, 29), dt.date(2012, 2, 29), dt.date(2020, 2, 29)]
                + [dt.date(2016, 1, 31), dt.date(2024, 8, 31), dt.date(2025, 6, 30)]
            ),
            st.dates(dt.date(2000, 1, 1), dt.date(2027, 12, 31)),
            st.none(),
        )
    )
    return _iso(choice)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _money() -> st.SearchStrategy[float | None]:
    # Integers too: JSON writes 701 for 701.0, and money is a double in both engines.
    return _maybe(
        st.sampled_from([0.0, 99.5, 100.0, 310.0, 349.25, 700.5, 1200.0, 5000.0, 0, 701, 1200])
    )


@st.composite
def _condition(draw: st.DrawFn, as_of: dt.date) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": draw(st.sampled_from(types.CONDITION_TYPES)),
        "category": draw(_maybe(st.sampled_from(types.DISABILITY_CATEGORIES))),
        "grade": draw(_maybe(st.integers(1, 4))),
        "illness": draw(_maybe(st.sampled_from(["x", "leukaemia"]))),
        "since": draw(_date(as_of)),
        "until": draw(_date(as_of)),
        "term_months": draw(_maybe(st.sampled_from([0, 3, 5, 6, 7, 12, 36]))),
        "police_accepted_on": draw(_date(as_of)),
        "police_receipt": draw(_maybe(st.booleans())),
        "on": draw(_date(as_of)),
        "supports_child": draw(_maybe(st.booleans())),
        "evidence": draw(
            _maybe(
                st.fixed_dictionaries(
                    {"kind": st.sampled_from(types.EVIDENCE_KINDS)},
                    optional={"reference": st.sampled_from(["R-1", "X-2"])},
                )
            )
        ),
    }
    return {k: v for k, v in fields.items() if v is not None or k == "type"}


@st.composite
def _distress(draw: st.DrawFn, as_of: dt.date) -> dict[str, Any]:
    """A condition Q most likely in force: prison, lost contact or severe disability."""
    kind = draw(st.sampled_from(["imprisoned", "lost_contact", "severe_disability"]))
    start = _iso(draw(_boundary_date(as_of)))
    if kind == "imprisoned":
        return {"type": kind, "since": start, "term_months": draw(st.sampled_from([5, 6, 36]))}
    if kind == "lost_contact":
        return {"type": kind, "police_accepted_on": start, "police_receipt": True}
    return {"type": kind, "category": "mental", "grade": draw(st.integers(1, 4))}


@st.composite
def _distressed_parent(draw: st.DrawFn, as_of: dt.date, role: str) -> dict[str, Any]:
    """A parent the categories care about: gone, away, or under a condition Q."""
    return {
        "role": role,
        "vital_status": draw(st.sampled_from(["alive", "dead", "declared_missing", "unknown"])),
        "migrant_worker": draw(st.booleans()),
        "conditions": draw(st.lists(_distress(as_of), max_size=2)),
    }


@st.composite
def _parent(draw: st.DrawFn, as_of: dt.date, role: str) -> dict[str, Any]:
    if draw(st.booleans()):
        return draw(_distressed_parent(as_of, role))
    parent: dict[str, Any] = {"role": role}
    vital = draw(_maybe(st.sampled_from(types.VITAL_STATUSES)))
    if vital is not None:
        parent["vital_status"] = vital
    migrant = draw(_maybe(st.booleans()))
    if migrant is not None:
        parent["migrant_worker"] = migrant
    conditions = draw(_maybe(st.lists(_condition(as_of), max_size=3)))
    if conditions is not None:
        parent["conditions"] = conditions
    return parent


def _compact(document: dict[str, Any]) -> dict[str, Any]:
    """Absent rather than null, as a facts document has it."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v is not None}
        if value is not None:
            out[key] = value
    return out


@st.composite
def _document(draw: st.DrawFn, as_of: dt.date) -> dict[str, Any]:
    roles = draw(
        st.sampled_from([[], ["father"], ["mother"], ["father", "mother"], ["mother", "father"]])
    )
    birth = draw(
        st.one_of(
            _boundary_date(as_of).map(_iso),
            st.sampled_from(["2008-02-29", "2012-02-29", "2020-02-29", "2007-03-01"]),
            _date(as_of),
        )
    )
    disability = draw(
        _maybe(
            st.fixed_dictionaries(
                {
                    "category": st.sampled_from(types.DISABILITY_CATEGORIES),
                    "grade": st.integers(1, 4),
                }
            )
        )
    )
    document: dict[str, Any] = {
        "birth_date": birth,
        "sex": draw(_maybe(st.sampled_from(["male", "female"]))),
        "region_code": draw(st.sampled_from(REGIONS)),
        "hukou_type": draw(_maybe(st.sampled_from(["rural", "urban"]))),
        "in_full_time_education": draw(_maybe(st.sampled_from(types.EDUCATION_LEVELS))),
        "living_arrangement": draw(_maybe(st.sampled_from(types.LIVING_ARRANGEMENTS))),
        "disability": disability,
        "serious_illness": draw(_maybe(st.booleans())),
        "serious_illness_name": draw(_maybe(st.sampled_from(["x", "leukaemia"]))),
        "household": draw(
            _maybe(
                st.fixed_dictionaries(
                    {
                        "dibao": _maybe(st.booleans()),
                        "tekun": _maybe(st.booleans()),
                        "low_income": _maybe(st.booleans()),
                        "dibao_child_amount": _money(),
                        "income_per_capita": _money(),
                    }
                )
            )
        ),
        "parents": [draw(_parent(as_of, role)) for role in roles] if roles else None,
        "guardian": draw(
            _maybe(
                st.fixed_dictionaries(
                    {
                        "relation": _maybe(st.sampled_from(types.GUARDIAN_RELATIONS)),
                        "able_to_care": _maybe(st.booleans()),
                    }
                )
            )
        ),
        "guardianship_grade": draw(_maybe(st.sampled_from(types.GUARDIANSHIP_GRADES))),
        "protection_concerns": draw(
            _maybe(
                st.lists(
                    st.fixed_dictionaries(
                        {"type": st.sampled_from(types.CONCERN_TYPES)},
                        optional={
                            "substantiated": st.booleans(),
                            "since": _date(as_of).filter(lambda d: d is not None),
                        },
                    ),
                    max_size=3,
                )
            )
        ),
        "assessed_needs": draw(
            _maybe(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "domain": st.sampled_from(types.NEED_DOMAINS),
                            "level": st.sampled_from(types.NEED_LEVELS),
                            "support": st.sampled_from(types.NEED_SUPPORTS),
                            "assessed_on": _date(as_of).filter(lambda d: d is not None),
                        }
                    ),
                    max_size=3,
                    unique_by=lambda n: n["domain"],
                )
            )
        ),
        "receiving": draw(
            _maybe(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "programme": st.sampled_from(["dibao_child", "tekun", "none"]),
                            "monthly_amount": st.sampled_from([0.0, 100.0, 400.5, 401, 100]),
                        }
                    ),
                    max_size=2,
                )
            )
        ),
    }
    return _compact(document)


@st.composite
def _batch(draw: st.DrawFn) -> tuple[dt.date, list[dict[str, Any]]]:
    as_of = draw(st.sampled_from(AS_OF_DATES))
    documents = draw(st.lists(_document(as_of), min_size=1, max_size=40))
    for index, document in enumerate(documents):
        document["id"] = f"c{index}"
    return as_of, documents


def _assert_agree(policy: Policy, as_of: dt.date, documents: list[dict[str, Any]]) -> None:
    """Every document classified alike by both engines: members, masks, umbrellas, signals."""
    table = compile_policy(policy).run(frames_from_documents(documents), as_of)
    codes = [signal.code for signal in policy.need_signals]
    for row, document in zip(table.iter_rows(named=True), documents, strict=True):
        expected = classify(policy, document, as_of)
        assert row["id"] == document["id"]
        for category in expected.categories:
            got = (row[f"in.{category.code}"], row[f"mask.{category.code}"])
            assert got == (category.member, category.clause_mask), (category.code, document)
        for umbrella in policy.umbrellas:
            assert row[f"umbrella.{umbrella.code}"] == (umbrella.code in expected.umbrellas)
        signals = sum(1 << codes.index(trace.name) for trace in expected.signals)
        assert row["signals"] == signals, document
        assert row["gap"] == expected.coverage_gap


_POLICIES: dict[str, Policy] = {}


def _policy(name: str) -> Policy:
    if name not in _POLICIES:
        _POLICIES[name] = (
            load_policy_file(NATIONAL)
            if name == "national"
            else load_policy_text(ALL_CONSTRUCTS, file="all-constructs.yaml")
        )
    return _POLICIES[name]


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(_batch())
def test_it_agrees_with_the_evaluator_under_the_national_policy(
    batch: tuple[dt.date, list[dict[str, Any]]],
) -> None:
    _assert_agree(_policy("national"), *batch)


@_SETTINGS
@given(_batch())
def test_it_agrees_with_the_evaluator_under_a_policy_of_every_construct(
    batch: tuple[dt.date, list[dict[str, Any]]],
) -> None:
    _assert_agree(_policy("all"), *batch)


def test_it_agrees_on_amounts_of_money_written_as_integers() -> None:
    # 701 / 2 is 350.5 in the frames (Float64); the evaluator must not divide integers.
    documents: list[dict[str, Any]] = [
        {
            "id": f"m{index}",
            "birth_date": "2015-01-01",
            "household": {"income_per_capita": income, "dibao_child_amount": 400},
            "receiving": [{"programme": "dibao_child", "monthly_amount": amount}],
        }
        for index, (income, amount) in enumerate([(701, 401), (700, 400), (701.0, 401.0)])
    ]
    _assert_agree(_policy("all"), dt.date(2025, 3, 1), documents)
