"""The national default policy (policies/cn-national.yaml) against DOMAIN.md §1 and §4.

Each category in and out, each condition Q at and just past its threshold, the date
boundaries of §1, the exclusions, the umbrellas and the need signals. The scenarios of
DOMAIN.md §10 are in test_scenarios.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hehu.policy.engine.columnar import compile_policy
from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.frames import frames_from_documents
from hehu.policy.engine.load import load_policy_file
from hehu.policy.engine.model import Policy, Text
from hehu.policy.engine.result import CategoryResult, Classification, Trace

POLICY_FILE = Path(__file__).resolve().parents[4] / "policies" / "cn-national.yaml"
AS_OF = dt.date(2025, 4, 1)
D = dt.date


# -- facts builders ------------------------------------------------------------------------
@functools.cache
def national() -> Policy:
    return load_policy_file(POLICY_FILE)


def child(**facts: Any) -> dict[str, Any]:
    """A 10-year-old (on AS_OF) in a rural village of Yibin, living with both parents."""
    document: dict[str, Any] = {
        "id": "test-1",
        "birth_date": "2015-03-02",
        "sex": "female",
        "region_code": "511502100201",
        "hukou_region_code": "511502100201",
        "hukou_type": "rural",
        "in_full_time_education": "primary",
        "living_arrangement": "with_parents",
        "parents": [father(), mother()],
    }
    document.update(facts)
    return document


def father(vital_status: str = "alive", *conditions: dict[str, Any], **extra: Any) -> dict:
    return _parent("father", vital_status, conditions, extra)


def mother(vital_status: str = "alive", *conditions: dict[str, Any], **extra: Any) -> dict:
    return _parent("mother", vital_status, conditions, extra)


def _parent(role: str, vital_status: str, conditions: tuple, extra: dict) -> dict[str, Any]:
    parent: dict[str, Any] = {"role": role, "vital_status": vital_status, **extra}
    if conditions:
        parent["conditions"] = list(conditions)
    return parent


def disability(category: str, grade: int, **dates: str) -> dict[str, Any]:
    return {"type": "severe_disability", "category": category, "grade": grade, **dates}


def restriction(kind: str, since: str, term_months: int, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "since": since, "term_months": term_months, **extra}


def lost_contact(accepted_on: str, *, receipt: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "type": "lost_contact",
        "police_accepted_on": accepted_on,
        "police_receipt": receipt,
        **extra,
    }


def rule_b_child(condition: dict[str, Any], **facts: Any) -> dict[str, Any]:
    """Father dead; the mother has `condition`: de facto unattended exactly when it is Q."""
    return child(parents=[father("dead"), mother("alive", condition)], **facts)


# -- reading results -----------------------------------------------------------------------
def evaluate(facts: dict[str, Any], as_of: dt.date = AS_OF) -> Classification:
    return classify(national(), facts, as_of)


def category(result: Classification, code: str) -> CategoryResult:
    return next(c for c in result.categories if c.code == code)


def is_in(facts: dict[str, Any], code: str, as_of: dt.date = AS_OF) -> bool:
    return category(evaluate(facts, as_of), code).member


def signal_codes(result: Classification) -> set[str]:
    return {t.name for t in result.signals}


def traces(trace: Trace) -> Iterator[Trace]:
    yield trace
    for sub in trace.because:
        yield from traces(sub)


def trace_names(result: CategoryResult) -> set[str]:
    return {t.name for clause in result.clauses for t in traces(clause)}


# -- the file ------------------------------------------------------------------------------
def test_it_loads_the_national_policy_with_its_identity():
    policy = national()

    assert policy.ref == "cn-national@2026.1"
    assert policy.jurisdiction == "national"
    assert policy.effective_from == D(2016, 6, 13)
    assert policy.effective_to is None
    assert "国发〔2016〕36号 国务院关于加强困境儿童保障工作的意见" in policy.sources


def test_it_defines_the_category_codes_of_domain_in_its_table_order():
    assert [c.code for c in national().categories] == [
        "orphan",
        "de_facto_unattended",
        "tekun_minor",
        "dibao_child",
        "disabled_child",
        "seriously_ill_child",
        "left_behind",
        "guardianship_risk",
    ]
    assert [u.code for u in national().umbrellas] == ["poverty", "disability", "guardianship"]


def _labels(policy: Policy) -> Iterator[tuple[str, Text]]:
    for name, parameter in policy.parameters.items():
        yield f"parameter {name}", parameter.label
    for name, predicate in policy.predicates.items():
        yield f"predicate {name}", predicate.label
    for c in policy.categories:
        yield f"category {c.code}", c.name
        for clause in c.clauses:
            yield f"clause {clause.id}", clause.label
    for u in policy.umbrellas:
        yield f"umbrella {u.code}", u.name
    for s in policy.need_signals:
        yield f"signal {s.code}", s.label


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def test_it_labels_everything_in_chinese_and_english():
    for where, label in _labels(national()):
        assert any(_is_cjk(ch) for ch in label.zh), where
        assert label.en.strip(), where
        assert not any(_is_cjk(ch) for ch in label.en), where


def test_it_gives_the_national_parameter_values_of_domain():
    policy = national()

    def value(name: str) -> Any:
        return policy.parameters[name].value_for("511502100201", AS_OF)

    assert value("adult_age") == 18
    assert value("left_behind_max_age") == 16
    assert value("restriction_min_months") == 6
    assert value("lost_contact_min_months") == 6
    assert value("severe_disability_grades") == [1, 2]
    assert value("severe_mental_intellectual_grades") == [1, 2, 3, 4]


# -- ages (DOMAIN §1) ----------------------------------------------------------------------
def test_it_counts_a_child_as_minor_on_the_day_before_the_18th_birthday_and_not_on_it():
    facts = child(birth_date="2007-04-01", household={"dibao": True})

    assert is_in(facts, "dibao_child", D(2025, 3, 31))
    on_birthday = category(evaluate(facts, D(2025, 4, 1)), "dibao_child")
    assert not on_birthday.member
    assert on_birthday.first_failed is not None
    assert on_birthday.first_failed.name == "is_minor"


def test_it_lets_a_child_born_on_29_february_come_of_age_on_28_february_in_a_common_year():
    facts = child(birth_date="2008-02-29", household={"dibao": True})

    assert is_in(facts, "dibao_child", D(2026, 2, 27))
    assert not is_in(facts, "dibao_child", D(2026, 2, 28))


# -- orphan --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("father_status", "mother_status"),
    [
        ("dead", "dead"),
        ("declared_dead", "declared_missing"),
        ("unknown", "unknown"),
        ("dead", "unknown"),
    ],
)
def test_it_makes_a_child_whose_parents_are_both_gone_an_orphan(father_status, mother_status):
    facts = child(parents=[father(father_status), mother(mother_status)])

    assert is_in(facts, "orphan")


def test_it_does_not_make_a_child_with_one_living_parent_an_orphan():
    result = category(evaluate(child(parents=[father("dead"), mother("alive")])), "orphan")

    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "orphan.2"


def test_it_does_not_make_a_child_an_orphan_when_a_parent_is_not_recorded():
    assert not is_in(child(parents=[father("dead")]), "orphan")


def test_it_does_not_make_an_adult_an_orphan():
    facts = child(birth_date="2007-03-02", parents=[father("dead"), mother("dead")])

    assert not is_in(facts, "orphan")


# -- conditions Q, one by one, under rule B (father dead) ----------------------------------
@pytest.mark.parametrize(
    ("condition", "meets_q"),
    [
        (disability("physical", 1), True),
        (disability("visual", 2), True),
        (disability("physical", 3), False),
        (disability("hearing", 4), False),
        (disability("intellectual", 4), True),
        (disability("mental", 3), True),
        (disability("physical", 2, until="2025-03-31"), False),
        (disability("physical", 2, since="2025-04-02"), False),
        ({"type": "serious_illness", "illness": "白血病"}, True),
        ({"type": "serious_illness", "since": "2024-01-01", "until": "2025-01-01"}, False),
        (restriction("imprisoned", "2025-01-01", 6), True),
        (restriction("imprisoned", "2025-01-01", 5), False),
        (restriction("compulsory_rehab", "2024-12-01", 24), True),
        (restriction("compulsory_rehab", "2024-12-01", 3), False),
        (restriction("other_restriction", "2025-02-01", 6), True),
        (restriction("other_restriction", "2025-02-01", 5), False),
        ({"type": "imprisoned", "since": "2025-01-01"}, False),
        (lost_contact("2024-09-01"), True),
        (lost_contact("2024-09-01", receipt=False), False),
        (lost_contact("2024-09-01", until="2025-03-01"), False),
        ({"type": "guardianship_revoked", "on": "2024-05-06"}, True),
        ({"type": "guardianship_revoked", "on": "2025-04-02"}, False),
        ({"type": "deported", "on": "2024-05-06", "supports_child": False}, True),
        ({"type": "deported", "on": "2024-05-06", "supports_child": True}, False),
        ({"type": "deported", "on": "2024-05-06"}, False),
    ],
    ids=lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v),
)
def test_it_recognises_each_condition_q_of_a_parent(condition, meets_q):
    assert is_in(rule_b_child(condition), "de_facto_unattended") is meets_q


def test_it_counts_lost_contact_from_the_day_after_the_police_accepted_the_report():
    facts = rule_b_child(lost_contact("2025-01-10"))

    assert not is_in(facts, "de_facto_unattended", D(2025, 7, 10))
    assert is_in(facts, "de_facto_unattended", D(2025, 7, 11))


def test_it_holds_a_restriction_in_force_on_its_until_date_and_not_the_day_after():
    facts = rule_b_child(restriction("imprisoned", "2024-01-15", 24, until="2025-06-30"))

    assert is_in(facts, "de_facto_unattended", D(2025, 6, 30))
    assert not is_in(facts, "de_facto_unattended", D(2025, 7, 1))


def test_it_holds_a_restriction_from_its_start_date_not_the_day_before():
    facts = rule_b_child(restriction("imprisoned", "2025-05-01", 12))

    assert not is_in(facts, "de_facto_unattended", D(2025, 4, 30))
    assert is_in(facts, "de_facto_unattended", D(2025, 5, 1))


def test_it_ends_a_restriction_without_until_on_the_last_day_of_its_term():
    # 6 months from 2024-10-01 end on 2025-03-31, the day before the corresponding day
    # (自2024年10月1日起至2025年3月31日止).
    facts = rule_b_child(restriction("imprisoned", "2024-10-01", 6))

    assert is_in(facts, "de_facto_unattended", D(2025, 3, 31))
    assert not is_in(facts, "de_facto_unattended", D(2025, 4, 1))


# -- de facto unattended: rules A and B ----------------------------------------------------
def test_it_finds_de_facto_unattended_by_rule_a_when_both_parents_meet_q():
    facts = child(
        parents=[
            father("alive", restriction("imprisoned", "2024-01-01", 60)),
            mother("alive", disability("physical", 1)),
        ]
    )

    result = category(evaluate(facts), "de_facto_unattended")

    assert result.member
    assert "rule_a" in trace_names(result)
    assert "rule_b" not in {t.name for t in result.clauses[1].because}


def test_it_does_not_apply_rule_a_when_only_one_living_parent_meets_q():
    facts = child(parents=[father("alive", disability("physical", 1)), mother("alive")])

    result = category(evaluate(facts), "de_facto_unattended")

    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "de_facto_unattended.2"


@pytest.mark.parametrize("gone", ["dead", "declared_dead", "declared_missing"])
def test_it_applies_rule_b_either_way_round(gone):
    mother_gone = child(
        parents=[father("alive", restriction("imprisoned", "2024-01-01", 36)), mother(gone)]
    )
    father_gone = child(
        parents=[father(gone), mother("alive", restriction("imprisoned", "2024-01-01", 36))]
    )

    assert is_in(mother_gone, "de_facto_unattended")
    assert is_in(father_gone, "de_facto_unattended")
    assert "rule_b" in trace_names(category(evaluate(mother_gone), "de_facto_unattended"))


def test_it_counts_a_parent_who_cannot_be_found_but_lost_contact_as_meeting_q():
    facts = child(
        parents=[
            father("unknown", lost_contact("2024-01-05")),
            mother("alive", disability("intellectual", 3)),
        ]
    )

    assert is_in(facts, "de_facto_unattended")


def test_it_excludes_an_orphan_from_de_facto_unattended():
    # Father dead and mother not to be found (orphan); she also lost contact (rule B).
    facts = child(parents=[father("dead"), mother("unknown", lost_contact("2024-01-05"))])

    result = evaluate(facts)
    de_facto = category(result, "de_facto_unattended")

    assert category(result, "orphan").member
    assert all(clause.holds for clause in de_facto.clauses)
    assert not de_facto.member
    assert de_facto.excluded_by == "orphan"
    not_in = {entry["code"]: entry for entry in result.as_dict()["not_in"]}
    assert not_in["de_facto_unattended"]["failed"]["clause"] == "excluded_by:orphan"


# -- tekun ---------------------------------------------------------------------------------
def tekun_facts(**facts: Any) -> dict[str, Any]:
    """A child with no able carer and no income, but neither orphan nor de facto unattended:
    the father cannot be found (not rule B's dead or missing), the mother is in prison."""
    document = {
        "parents": [
            father("unknown"),
            mother("alive", restriction("imprisoned", "2024-01-01", 36)),
        ],
        "living_arrangement": "with_relatives",
        "guardian": {"relation": "grandparent", "able_to_care": False},
        "household": {"income_per_capita": 300},
    }
    return child(**{**document, **facts})


def test_it_finds_a_tekun_minor_without_carer_or_means_of_living():
    result = evaluate(tekun_facts())

    assert category(result, "tekun_minor").member
    assert not category(result, "orphan").member
    assert not category(result, "de_facto_unattended").member


def test_it_keeps_tekun_for_an_18_year_old_still_in_senior_secondary_school():
    adult_in_school = tekun_facts(
        birth_date="2007-01-05", in_full_time_education="senior_secondary"
    )
    adult_at_university = tekun_facts(birth_date="2007-01-05", in_full_time_education="higher")

    assert is_in(adult_in_school, "tekun_minor")
    result = category(evaluate(adult_at_university), "tekun_minor")
    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "tekun_age"


def test_it_requires_income_under_the_dibao_line_for_tekun_unless_the_household_is_tekun():
    at_the_line = tekun_facts()
    at_the_line["household"] = {"income_per_capita": 700}
    recognised = tekun_facts()
    recognised["household"] = {"income_per_capita": 900, "tekun": True}

    result = category(evaluate(at_the_line), "tekun_minor")
    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "no_means_of_living"
    assert is_in(recognised, "tekun_minor")


def test_it_refuses_tekun_when_the_guardian_can_care():
    facts = tekun_facts(guardian={"relation": "grandparent", "able_to_care": True})

    result = category(evaluate(facts), "tekun_minor")

    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "no_able_carer"


def test_it_excludes_an_orphan_and_a_de_facto_unattended_child_from_tekun():
    support = {
        "living_arrangement": "with_relatives",
        "guardian": {"relation": "grandparent", "able_to_care": False},
        "household": {"income_per_capita": 200},
    }
    orphan = evaluate(child(parents=[father("dead"), mother("dead")], **support))
    de_facto = evaluate(
        rule_b_child(restriction("imprisoned", "2024-01-01", 36), **support),
    )

    assert category(orphan, "tekun_minor").excluded_by == "orphan"
    assert category(de_facto, "tekun_minor").excluded_by == "de_facto_unattended"
    assert not category(orphan, "tekun_minor").member
    assert not category(de_facto, "tekun_minor").member


# -- dibao, disability, serious illness ----------------------------------------------------
@pytest.mark.parametrize(
    ("household", "member"),
    [({"dibao": True}, True), ({"dibao": False}, False), ({"low_income": True}, False)],
)
def test_it_finds_a_child_of_a_dibao_household(household, member):
    assert is_in(child(household=household), "dibao_child") is member


@pytest.mark.parametrize(
    ("facts", "member"),
    [
        ({"disability": {"category": "hearing", "grade": 4}}, True),
        ({"disability": {"category": "physical", "grade": 1}}, True),
        ({}, False),
    ],
)
def test_it_finds_a_disabled_child_by_certificate(facts, member):
    assert is_in(child(**facts), "disabled_child") is member


@pytest.mark.parametrize(
    ("facts", "member"),
    [
        ({"serious_illness": True, "serious_illness_name": "白血病"}, True),
        ({"serious_illness": False}, False),
        ({}, False),
    ],
)
def test_it_finds_a_seriously_ill_child(facts, member):
    assert is_in(child(**facts), "seriously_ill_child") is member


# -- left behind ---------------------------------------------------------------------------
def both_away(**facts: Any) -> dict[str, Any]:
    return child(
        parents=[father("alive", migrant_worker=True), mother("alive", migrant_worker=True)],
        living_arrangement="with_relatives",
        guardian={"relation": "grandparent", "able_to_care": True},
        **facts,
    )


def test_it_finds_a_rural_child_whose_parents_both_work_away_left_behind():
    assert is_in(both_away(), "left_behind")


def test_it_stops_left_behind_on_the_16th_birthday():
    facts = both_away(birth_date="2009-04-01")

    assert is_in(facts, "left_behind", D(2025, 3, 31))
    result = category(evaluate(facts, D(2025, 4, 1)), "left_behind")
    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "under_left_behind_age"


def test_it_does_not_count_an_urban_child_as_left_behind():
    result = category(evaluate(both_away(hukou_type="urban")), "left_behind")

    assert not result.member
    assert result.first_failed is not None
    assert result.first_failed.name == "left_behind.2"


@pytest.mark.parametrize(
    ("other_parent", "member"),
    [
        (mother("alive", disability("physical", 1)), True),
        (mother("dead"), True),
        (mother("declared_missing"), True),
        (mother("alive"), False),
        (mother("alive", disability("physical", 3)), False),
    ],
)
def test_it_counts_one_parent_away_and_the_other_without_capacity_as_left_behind(
    other_parent, member
):
    facts = child(parents=[father("alive", migrant_worker=True), other_parent])

    assert is_in(facts, "left_behind") is member


# -- guardianship risk ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "member"),
    [
        ({"protection_concerns": [{"type": "abuse", "substantiated": True}]}, True),
        (
            {
                "protection_concerns": [
                    {"type": "neglect", "substantiated": True, "since": "2025-04-01"}
                ]
            },
            True,
        ),
        (
            {
                "protection_concerns": [
                    {"type": "neglect", "substantiated": True, "since": "2025-04-02"}
                ]
            },
            False,
        ),
        ({"protection_concerns": [{"type": "abuse", "substantiated": False}]}, False),
        ({"guardianship_grade": "absent"}, True),
        ({"guardianship_grade": "improper"}, True),
        ({"guardianship_grade": "insufficient"}, False),
        ({"living_arrangement": "alone"}, True),
        ({"living_arrangement": "alone", "birth_date": "2009-04-01"}, False),
        ({"living_arrangement": "with_relatives"}, False),
        # An adult is no longer a child at risk, whatever was recorded about them.
        ({"guardianship_grade": "absent", "birth_date": "2007-04-01"}, False),
        ({"guardianship_grade": "absent", "birth_date": "2007-04-02"}, True),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v),
)
def test_it_flags_guardianship_risk(facts, member):
    assert is_in(child(**facts), "guardianship_risk") is member


# -- umbrellas -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "umbrellas"),
    [
        ({"household": {"dibao": True}}, {"poverty"}),
        ({"household": {"low_income": True}}, {"poverty"}),
        ({"disability": {"category": "visual", "grade": 3}}, {"disability"}),
        ({"serious_illness": True}, {"disability"}),
        ({"parents": [father("dead"), mother("dead")]}, {"guardianship"}),
        (
            {"guardianship_grade": "improper", "household": {"dibao": True}},
            {"guardianship", "poverty"},
        ),
        ({}, set()),
    ],
    ids=lambda v: json.dumps(v, default=str) if isinstance(v, dict) else str(sorted(v)),
)
def test_it_derives_the_umbrella_types_of_36(facts, umbrellas):
    assert set(evaluate(child(**facts)).umbrellas) == umbrellas


def test_it_puts_a_de_facto_unattended_child_under_the_guardianship_umbrella():
    result = evaluate(rule_b_child(restriction("imprisoned", "2024-01-01", 36)))

    assert "guardianship" in result.umbrellas


# -- need signals and coverage gaps --------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "signal"),
    [
        (
            {"parents": [father("alive", restriction("imprisoned", "2025-01-01", 5)), mother()]},
            "parent_restriction_short",
        ),
        (
            {"parents": [father("alive", {"type": "imprisoned", "since": "2025-01-01"}), mother()]},
            "parent_restriction_short",
        ),
        (
            {"parents": [father("alive", lost_contact("2025-01-10")), mother()]},
            "parent_restriction_short",
        ),
        (
            {"parents": [father("alive", lost_contact("2024-01-10", receipt=False)), mother()]},
            "parent_restriction_short",
        ),
        (
            {"parents": [father("alive", disability("physical", 3)), mother()]},
            "parent_disability_not_severe",
        ),
        ({"guardian": {"relation": "grandparent", "able_to_care": False}}, "guardian_unable"),
        ({"protection_concerns": [{"type": "neglect"}]}, "concern_unsubstantiated"),
        ({"household": {"income_per_capita": 700}}, "near_poverty"),
        ({"household": {"income_per_capita": 839.99}}, "near_poverty"),
        ({"in_full_time_education": "none"}, "out_of_school"),
        ({"living_arrangement": "alone", "birth_date": "2008-06-01"}, "living_alone"),
        ({"parents": [father("dead"), mother("alive")]}, "single_parent_without_q"),
        ({"parents": [father("alive"), mother("declared_missing")]}, "single_parent_without_q"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_it_shows_a_need_no_category_covers_as_a_coverage_gap(facts, signal):
    result = evaluate(child(**facts))

    assert signal in signal_codes(result)
    assert result.member_codes == ()
    assert result.coverage_gap
    assert result.as_dict()["coverage_gap"] is True


@pytest.mark.parametrize(
    ("facts", "signal"),
    [
        (
            {"parents": [father("alive", restriction("imprisoned", "2025-01-01", 6)), mother()]},
            "parent_restriction_short",
        ),
        (
            {"parents": [father("alive", disability("mental", 3)), mother()]},
            "parent_disability_not_severe",
        ),
        ({"household": {"income_per_capita": 699}}, "near_poverty"),
        ({"household": {"income_per_capita": 840}}, "near_poverty"),
        ({"in_full_time_education": "none", "birth_date": "2009-03-02"}, "out_of_school"),
        ({"in_full_time_education": "none", "birth_date": "2019-04-02"}, "out_of_school"),
        (
            {"protection_concerns": [{"type": "neglect", "substantiated": True}]},
            "concern_unsubstantiated",
        ),
        (
            {"parents": [father("dead"), mother("alive", disability("physical", 1))]},
            "single_parent_without_q",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_it_gives_no_signal_just_outside_a_signals_threshold(facts, signal):
    assert signal not in signal_codes(evaluate(child(**facts)))


def test_it_counts_an_out_of_school_child_from_age_6_to_15():
    six = child(in_full_time_education="none", birth_date="2019-04-01")
    fifteen = child(in_full_time_education="none", birth_date="2009-04-02")

    assert "out_of_school" in signal_codes(evaluate(six))
    assert "out_of_school" in signal_codes(evaluate(fifteen))


def test_it_reports_no_coverage_gap_when_a_category_covers_the_child():
    facts = child(
        household={"dibao": True},
        guardian={"relation": "grandparent", "able_to_care": False},
    )

    result = evaluate(facts)

    assert "guardian_unable" in signal_codes(result)
    assert result.member_codes == ("dibao_child",)
    assert not result.coverage_gap


def test_it_reports_no_signal_and_no_category_for_a_child_without_difficulties():
    result = evaluate(child(household={"dibao": False, "income_per_capita": 2500}))

    assert result.member_codes == ()
    assert result.signals == ()
    assert not result.coverage_gap


# -- explanations --------------------------------------------------------------------------
def test_it_explains_a_refusal_with_the_first_failed_clause_in_both_languages():
    result = evaluate(child(parents=[father("dead"), mother("alive")]))

    not_in = {entry["code"]: entry for entry in result.as_dict()["not_in"]}
    failed = not_in["de_facto_unattended"]["failed"]

    assert failed["clause"] == "de_facto_unattended.2"
    assert failed["holds"] is False
    assert failed["text"] == {"zh-hans": "符合规则A或规则B", "en": "rule A or rule B holds"}
    assert not_in["de_facto_unattended"]["name"]["zh-hans"] == "事实无人抚养儿童"


def test_it_names_the_facts_behind_a_decision():
    result = category(evaluate(child(parents=[father("dead"), mother("dead")])), "orphan")

    read = dict(fact for clause in result.clauses for t in traces(clause) for fact in t.facts)

    assert read.get("father.vital_status") == "dead"
    assert read.get("mother.vital_status") == "dead"


def test_it_gives_a_json_serialisable_classification():
    facts = child(
        parents=[father("dead"), mother("alive", restriction("imprisoned", "2024-03-01", 36))],
        household={"dibao": True, "income_per_capita": 310.5},
        protection_concerns=[{"type": "neglect", "substantiated": True, "since": "2025-01-01"}],
        guardian={"relation": "grandparent", "able_to_care": False},
    )

    document = json.loads(json.dumps(evaluate(facts).as_dict(), ensure_ascii=False))

    assert document["policy"] == "cn-national@2026.1"
    assert document["as_of"] == "2025-04-01"
    assert [c["code"] for c in document["categories"]] == [
        "de_facto_unattended",
        "dibao_child",
        "guardianship_risk",
    ]
    assert set(document["umbrellas"]) == {"poverty", "guardianship"}


def test_it_explains_a_refusal_down_to_the_too_short_sentence():
    facts = rule_b_child(restriction("imprisoned", "2025-01-01", 5))

    result = category(evaluate(facts), "de_facto_unattended")

    assert not result.member
    failing = [t for clause in result.clauses for t in traces(clause) if not t.holds]
    too_short = next(t for t in failing if t.name.startswith("restriction_long_enough("))
    assert dict(too_short.facts)["params.restriction_min_months"] == 6
    assert any(path.endswith("term_months") and value == 5 for path, value in too_short.facts)
    assert too_short.label == Text("期限6个月以上", "a term of 6 months or more")


# -- the population run agrees with the one-child evaluation ----------------------------------
def population() -> list[dict[str, Any]]:
    """One child for each path through the national policy."""
    documents = [
        child(),
        child(parents=[father("dead"), mother("dead")], household={"income_per_capita": 200}),
        child(parents=[father("unknown"), mother("declared_missing")]),
        child(parents=[father("dead")]),
        rule_b_child(restriction("imprisoned", "2024-03-01", 36)),
        rule_b_child(restriction("imprisoned", "2025-01-01", 5)),
        rule_b_child(lost_contact("2025-01-10")),
        rule_b_child(disability("intellectual", 4)),
        rule_b_child(disability("physical", 4)),
        rule_b_child({"type": "deported", "on": "2024-05-06", "supports_child": False}),
        child(parents=[father("dead"), mother("unknown", lost_contact("2024-01-05"))]),
        tekun_facts(),
        tekun_facts(birth_date="2007-01-05", in_full_time_education="senior_secondary"),
        child(birth_date="2007-04-01", household={"dibao": True, "low_income": True}),
        child(birth_date="2008-02-29", disability={"category": "hearing", "grade": 4}),
        child(serious_illness=True, serious_illness_name="白血病"),
        both_away(birth_date="2009-04-01"),
        child(parents=[father("alive", migrant_worker=True), mother("dead")]),
        child(protection_concerns=[{"type": "sexual_abuse", "substantiated": True}]),
        child(protection_concerns=[{"type": "neglect", "since": "2025-02-01"}]),
        child(guardianship_grade="improper", living_arrangement="alone"),
        child(living_arrangement="alone", birth_date="2008-06-01"),
        child(household={"income_per_capita": 750}, in_full_time_education="none"),
        child(guardian={"relation": "grandparent", "able_to_care": False}),
    ]
    return [{**document, "id": f"p-{i}"} for i, document in enumerate(documents)]


@pytest.mark.parametrize("as_of", [AS_OF, D(2025, 7, 10), D(2025, 7, 11), D(2026, 2, 28)])
def test_it_gives_the_same_answer_for_a_population_as_for_each_child(as_of):
    policy = national()
    documents = population()

    rows = compile_policy(policy).run(frames_from_documents(documents), as_of).to_dicts()

    assert [row["id"] for row in rows] == [document["id"] for document in documents]
    for document, row in zip(documents, rows, strict=True):
        one = evaluate(document, as_of)
        for result in one.categories:
            assert row[f"in.{result.code}"] == result.member, (document["id"], result.code)
            assert row[f"mask.{result.code}"] == result.clause_mask, (document["id"], result.code)
        umbrellas = {u.code for u in policy.umbrellas if row[f"umbrella.{u.code}"]}
        assert umbrellas == set(one.umbrellas), document["id"]
        assert row["gap"] == one.coverage_gap, document["id"]
