"""A facts document in JSON form → the evaluation form."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hehu.policy.engine.facts import prepare_facts

DOC: dict[str, Any] = {
    "id": "ext-001",
    "birth_date": "2015-03-02",
    "region_code": "511502100201",
    "disability": {"category": "intellectual", "grade": 2},
    "household": {"dibao": True},
    "parents": [
        {"role": "father", "vital_status": "dead"},
        {
            "role": "mother",
            "vital_status": "alive",
            "conditions": [
                {"type": "imprisoned", "since": "2024-03-01", "until": "2027-01-01"},
                {"type": "lost_contact", "police_accepted_on": "2025-01-10"},
                {"type": "deported", "on": "2025-02-01", "supports_child": False},
                {
                    "type": "guardianship_revoked",
                    "on": "2025-03-01",
                    "evidence": {"kind": "judgment", "reference": "(2025)川1502民特1号"},
                },
            ],
        },
    ],
    "guardian": {"relation": "grandparent", "able_to_care": False},
    "protection_concerns": [{"type": "neglect", "substantiated": True, "since": "2025-05-01"}],
    "receiving": [{"programme": "dibao_child", "monthly_amount": 400}],
}


def test_it_parses_every_date_field() -> None:
    facts = prepare_facts(DOC)
    assert facts["birth_date"] == dt.date(2015, 3, 2)
    conditions = facts["parents"][1]["conditions"]
    assert conditions[0]["since"] == dt.date(2024, 3, 1)
    assert conditions[0]["until"] == dt.date(2027, 1, 1)
    assert conditions[1]["police_accepted_on"] == dt.date(2025, 1, 10)
    assert conditions[2]["on"] == dt.date(2025, 2, 1)
    assert facts["protection_concerns"][0]["since"] == dt.date(2025, 5, 1)


def test_it_keeps_the_other_fields_as_they_are() -> None:
    facts = prepare_facts(DOC)
    assert facts["id"] == "ext-001"
    assert facts["household"] == {"dibao": True}
    assert facts["receiving"] == [{"programme": "dibao_child", "monthly_amount": 400.0}]
    assert facts["parents"][1]["conditions"][3]["evidence"]["kind"] == "judgment"


def test_it_marks_every_parent_recorded_and_derives_father_and_mother() -> None:
    facts = prepare_facts(DOC)
    assert [p["recorded"] for p in facts["parents"]] == [True, True]
    assert facts["father"] == {"role": "father", "vital_status": "dead", "recorded": True}
    assert facts["mother"]["conditions"][0]["since"] == dt.date(2024, 3, 1)


def test_it_derives_an_unrecorded_parent_when_no_parent_has_the_role() -> None:
    facts = prepare_facts({"id": "x", "parents": [{"role": "mother", "vital_status": "alive"}]})
    assert facts["father"] == {"recorded": False}
    assert facts["mother"]["vital_status"] == "alive"


def test_it_derives_unrecorded_parents_when_there_is_no_parents_list() -> None:
    facts = prepare_facts({"id": "x"})
    assert facts["father"] == {"recorded": False}
    assert facts["mother"] == {"recorded": False}
    assert "parents" not in facts


def test_it_does_not_mutate_the_document() -> None:
    before = copy.deepcopy(DOC)
    facts = prepare_facts(DOC)
    facts["parents"][1]["conditions"][0]["type"] = "changed"
    facts["household"]["dibao"] = False
    facts["parents"][1]["conditions"][3]["evidence"]["kind"] = "other"
    facts["protection_concerns"][0]["type"] = "changed"
    assert before == DOC


def test_it_leaves_null_dates_null() -> None:
    facts = prepare_facts(
        {"id": "x", "birth_date": None, "parents": [{"role": "father", "conditions": None}]}
    )
    assert facts["birth_date"] is None
    assert facts["father"]["conditions"] is None


def test_it_makes_every_amount_of_money_a_float() -> None:
    doc = {
        "id": "x",
        "household": {"dibao": True, "income_per_capita": 701, "dibao_child_amount": 400},
        "receiving": [{"programme": "dibao_child", "monthly_amount": 401}],
        "disability": {"category": "mental", "grade": 2},
    }
    facts = prepare_facts(doc)
    assert type(facts["household"]["income_per_capita"]) is float
    assert type(facts["household"]["dibao_child_amount"]) is float
    assert type(facts["receiving"][0]["monthly_amount"]) is float
    assert facts["household"]["dibao"] is True  # a bool is not a number here
    assert type(facts["disability"]["grade"]) is int  # an int field stays an int
    assert doc["household"]["income_per_capita"] == 701
    assert type(doc["household"]["income_per_capita"]) is int  # the document is untouched
