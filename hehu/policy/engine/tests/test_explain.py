"""Explanations: the traces of clauses and predicates, their facts, `because`, and JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.result import Trace
from hehu.policy.engine.tests.test_evaluate import AS_OF, CHILD, make_policy, text

D = dt.date

PREDICATES = {
    "is_minor": "age_on(birth_date, as_of) < params.adult_age",
    "dead(p)": "p.vital_status in ['dead', 'declared_dead']",
    "meets_q(c)": (
        "c.type == 'imprisoned' && in_force(c, as_of)"
        " || c.type == 'lost_contact' && months_elapsed(c.police_accepted_on, as_of) >= 6"
    ),
    "gone(p)": "dead(p) || p.conditions.exists(c, meets_q(c))",
    "is_father(p)": "p.role == 'father'",
    "alive(p)": "p.vital_status == 'alive'",
    "older_than(n)": "age_on(birth_date, as_of) > n",
    "t1": "true",
    "t2": "1 == 1",
    "f1": "false",
    "f2": "1 == 2",
}


def clause(source: str, facts: dict[str, Any] | None = None, as_of: dt.date = AS_OF) -> Trace:
    """The trace of `source` as the one clause of a category."""
    policy = make_policy(
        predicates=PREDICATES,
        categories=[{"code": "c", "clauses": [source]}],
        params={"adult_age": 18},
    )
    return classify(policy, facts or CHILD, as_of).categories[0].clauses[0]


def names(traces: tuple[Trace, ...]) -> list[str]:
    return [t.name for t in traces]


# -- facts ----------------------------------------------------------------------------
def test_it_records_the_facts_a_clause_read_in_read_order() -> None:
    trace = clause("household.dibao && birth_date < date('2020-01-01') && sex == 'female'")
    assert trace.facts == (
        ("household.dibao", True),
        ("birth_date", D(2015, 3, 2)),
        ("sex", "female"),
    )


def test_it_records_helper_results_and_parameters_by_their_source() -> None:
    trace = clause("age_on(birth_date, as_of) < params.adult_age")
    assert trace.facts == (
        ("birth_date", D(2015, 3, 2)),
        ("age_on(birth_date, as_of)", 10),
        ("params.adult_age", 18),
    )


def test_it_gives_a_clause_that_names_a_predicate_the_predicates_facts_and_label() -> None:
    trace = clause("is_minor")
    assert (trace.name, trace.label, trace.holds) == ("is_minor", text("is_minor"), True)
    assert dict(trace.facts)["age_on(birth_date, as_of)"] == 10
    assert trace.because == ()


def test_it_records_each_fact_once() -> None:
    trace = clause("household.dibao && household.dibao == true && birth_date == birth_date")
    assert [path for path, _ in trace.facts] == ["household.dibao", "birth_date"]


def test_it_records_a_fact_nobody_recorded_as_null() -> None:
    trace = clause("father.vital_status == 'dead'", {"id": "x"})
    assert trace.facts == (("father.vital_status", None),)
    assert clause("parents.exists(p, true)", {"id": "x"}).facts == (("parents", None),)


def test_it_records_element_paths_inside_a_comprehension() -> None:
    trace = clause("parents.exists(p, p.role == 'mother' && p.vital_status == 'alive')")
    assert trace.facts == (
        ("parents[0].role", "father"),
        ("parents[1].role", "mother"),
        ("parents[1].vital_status", "alive"),
    )


def test_it_records_a_helper_over_an_element_by_the_elements_path() -> None:
    trace = clause("mother.conditions.exists(c, months_elapsed(c.police_accepted_on, as_of) > 5)")
    assert trace.facts == (
        ("mother.conditions[0].police_accepted_on", None),
        ("months_elapsed(mother.conditions[0].police_accepted_on, as_of)", None),
        ("mother.conditions[1].police_accepted_on", D(2025, 1, 10)),
        ("months_elapsed(mother.conditions[1].police_accepted_on, as_of)", 6),
    )


def test_it_records_the_dates_in_force_reads() -> None:
    trace = clause("mother.conditions.exists(c, in_force(c, as_of))")
    assert trace.facts[:3] == (
        ("mother.conditions[0].since", D(2024, 3, 1)),
        ("mother.conditions[0].term_months", 36),
        ("in_force(mother.conditions[0], as_of)", True),
    )


def test_it_keeps_facts_read_by_a_named_predicate_out_of_its_caller() -> None:
    trace = clause("household.dibao && dead(father)")
    assert trace.facts == (("household.dibao", True),)
    assert trace.because[0].facts == (("father.vital_status", "dead"),)


def test_it_does_not_read_past_the_first_failing_operand_of_an_and() -> None:
    trace = clause("sex == 'male' && household.dibao")
    assert trace.facts == (("sex", "female"),)


# -- names of predicate traces --------------------------------------------------------
def test_it_names_a_predicate_call_by_its_argument() -> None:
    trace = clause("dead(father) && older_than(9) && is_minor")
    assert names(trace.because) == ["dead(father)", "older_than(9)", "is_minor"]
    assert trace.because[0].label == text("dead")


def test_it_names_a_call_inside_a_predicate_by_the_callers_argument() -> None:
    trace = clause("gone(mother)")
    assert trace.name == "c.1"
    gone = trace.because[0]
    assert gone.name == "gone(mother)"
    assert names(gone.because) == ["meets_q(mother.conditions[0])", "meets_q(mother.conditions[1])"]
    assert gone.because[1].facts == (
        ("mother.conditions[1].type", "lost_contact"),
        ("mother.conditions[1].police_accepted_on", D(2025, 1, 10)),
        ("months_elapsed(mother.conditions[1].police_accepted_on, as_of)", 6),
    )


def test_it_explains_a_clause_through_nested_predicates() -> None:
    trace = clause("gone(father) && gone(mother)")
    assert names(trace.because) == ["gone(father)", "gone(mother)"]
    assert names(trace.because[0].because) == ["dead(father)"]


# -- because --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "holds", "because"),
    [
        ("t1 && t2", True, ["t1", "t2"]),
        ("t1 && f1 && f2", False, ["f1"]),
        ("f1 || t1 || t2", True, ["t1", "t2"]),
        ("f1 || f2", False, ["f1", "f2"]),
        ("!(t1 && f1 && f2)", True, ["f1"]),
        ("!(t1 && t2)", False, ["t1", "t2"]),
        ("!(f1 || f2)", True, ["f1", "f2"]),
        ("!(f1 || t1)", False, ["t1"]),
        ("!f1", True, ["f1"]),
        ("t1 ? f1 : t2", False, ["t1", "f1"]),
        ("f1 ? t1 : t2", True, ["f1", "t2"]),
        ("t1 == f1", False, ["t1", "f1"]),
        ("(f1 || t1) && (f2 || t2)", True, ["t1", "t2"]),
        ("(f1 || t1) && (f2 || f1)", False, ["f2", "f1"]),
        ("parents.exists(p, is_father(p))", True, ["is_father(parents[0])"]),
        (
            "parents.exists(p, dead(p) && alive(p))",
            False,
            ["alive(parents[0])", "dead(parents[1])"],
        ),
        (
            "parents.all(p, is_father(p) || alive(p))",
            True,
            ["is_father(parents[0])", "alive(parents[1])"],
        ),
        ("parents.all(p, is_father(p))", False, ["is_father(parents[1])"]),
        ("parents.exists_one(p, alive(p))", True, ["alive(parents[1])"]),
        ("parents.exists_one(p, t1)", False, ["t1"]),
        ("parents.exists_one(p, f1)", False, ["f1"]),
        ("parents.exists(p, alive(p)) && parents.exists(p, alive(p))", True, ["alive(parents[1])"]),
        ("parents.filter(p, alive(p)).size() == 1", True, ["alive(parents[1])"]),
    ],
)
def test_it_explains_by_the_named_conditions_that_decided(
    source: str, holds: bool, because: list[str]
) -> None:
    trace = clause(source)
    assert trace.holds is holds
    assert names(trace.because) == because


def test_it_explains_a_failing_clause_by_the_predicate_that_failed() -> None:
    adult = CHILD | {"birth_date": "2000-01-01"}
    trace = clause("is_minor && gone(mother)", adult)
    assert not trace.holds
    assert names(trace.because) == ["is_minor"]
    assert trace.because[0].holds is False


# -- need signals and JSON ------------------------------------------------------------
def test_it_traces_a_need_signal_by_its_code() -> None:
    policy = make_policy(signals={"guardian_unable": "guardian.able_to_care == false"})
    (signal,) = classify(policy, CHILD, AS_OF).signals
    assert (signal.name, signal.label, signal.holds) == (
        "guardian_unable",
        text("guardian_unable"),
        True,
    )
    assert signal.facts == (("guardian.able_to_care", False),)


POLICY: dict[str, Any] = {
    "predicates": {
        "is_minor": "age_on(birth_date, as_of) < 18",
        "dead(p)": "p.vital_status in ['dead', 'declared_dead']",
    },
    "categories": [
        {"code": "orphan", "clauses": ["is_minor", "dead(father) && dead(mother)"]},
        {"code": "single", "excluded_by": ["orphan"], "clauses": ["is_minor", "dead(father)"]},
        {"code": "dibao_child", "clauses": ["is_minor", "household.dibao"]},
    ],
    "umbrellas": [{"code": "poverty", "any_of": ["dibao_child"]}],
    "signals": {"guardian_unable": "guardian.able_to_care == false"},
}


def _text(name: str) -> dict[str, str]:
    return {"zh-hans": f"{name}（中）", "en": name}


IS_MINOR = {
    "clause": "is_minor",
    "text": _text("is_minor"),
    "holds": True,
    "facts": {"birth_date": "2015-03-02", "age_on(birth_date, as_of)": 10},
    "because": [],
}


def test_it_serialises_a_classification_with_reasons_and_failed_clauses() -> None:
    result = classify(make_policy(**POLICY), CHILD, AS_OF)
    assert result.as_dict() == {
        "id": "ext-001",
        "as_of": "2025-08-01",
        "policy": "test@1",
        "categories": [
            {"code": "single", "name": _text("single"), "reasons": [IS_MINOR, DEAD_FATHER]},
            {"code": "dibao_child", "name": _text("dibao_child"), "reasons": [IS_MINOR, DIBAO]},
        ],
        "not_in": [
            {
                "code": "orphan",
                "name": _text("orphan"),
                "failed": {
                    "clause": "orphan.2",
                    "text": _text("orphan.2"),
                    "holds": False,
                    "facts": {},
                    "because": [
                        {
                            "clause": "dead(mother)",
                            "text": _text("dead"),
                            "holds": False,
                            "facts": {"mother.vital_status": "alive"},
                            "because": [],
                        }
                    ],
                },
            }
        ],
        "umbrellas": ["poverty"],
        "need_signals": [
            {
                "clause": "guardian_unable",
                "text": _text("guardian_unable"),
                "holds": True,
                "facts": {"guardian.able_to_care": False},
                "because": [],
            }
        ],
        "coverage_gap": False,
    }


DEAD_FATHER = {
    "clause": "single.2",
    "text": _text("single.2"),
    "holds": True,
    "facts": {},
    "because": [
        {
            "clause": "dead(father)",
            "text": _text("dead"),
            "holds": True,
            "facts": {"father.vital_status": "dead"},
            "because": [],
        }
    ],
}
DIBAO = {
    "clause": "dibao_child.2",
    "text": _text("dibao_child.2"),
    "holds": True,
    "facts": {"household.dibao": True},
    "because": [],
}


def test_it_serialises_an_excluded_category_by_its_excluder() -> None:
    orphan = CHILD | {
        "parents": [
            {"role": "father", "vital_status": "dead"},
            {"role": "mother", "vital_status": "declared_dead"},
        ]
    }
    as_dict = classify(make_policy(**POLICY), orphan, AS_OF).as_dict()
    assert [c["code"] for c in as_dict["categories"]] == ["orphan", "dibao_child"]
    (single,) = as_dict["not_in"]
    assert single["code"] == "single"
    assert single["failed"] == {
        "clause": "excluded_by:orphan",
        "text": {
            "zh-hans": "已属于“orphan（中）”，不再重复认定",
            "en": "already in “orphan”, which takes precedence",
        },
        "holds": False,
        "facts": {},
        "because": [],
    }


def test_it_serialises_a_coverage_gap() -> None:
    adult = CHILD | {"birth_date": "2000-01-01", "household": {"dibao": False}}
    as_dict = classify(make_policy(**POLICY), adult, AS_OF).as_dict()
    assert as_dict["categories"] == []
    assert [c["failed"]["clause"] for c in as_dict["not_in"]] == ["is_minor"] * 3
    assert as_dict["coverage_gap"] is True
    assert as_dict["umbrellas"] == []
