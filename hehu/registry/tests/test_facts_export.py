import datetime as dt
import json
from decimal import Decimal

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import PermissionRefused
from hehu.registry.data import ConditionData, HouseholdData, ParentData
from hehu.registry.facts import (
    child_export_facts,
    child_to_facts,
    children_to_facts,
    validate_facts,
)
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number

pytestmark = pytest.mark.django_db


def test_it_exports_a_registered_child_as_a_valid_facts_document(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    facts = child_to_facts(child)
    assert validate_facts(facts) == []
    assert facts == {
        "id": f"hehu-{child.pk}",
        "birth_date": "2015-03-02",
        "sex": "female",
        "region_code": "511502001001",
        "hukou_region_code": "511502001001",
        "hukou_type": "rural",
        "in_full_time_education": "primary",
        "living_arrangement": "with_relatives",
        "serious_illness": False,
        "household": {
            "dibao": True,
            "tekun": False,
            "low_income": False,
            "dibao_child_amount": 400,
        },
        "parents": [
            {"role": "father", "vital_status": "dead", "migrant_worker": False, "conditions": []},
            {
                "role": "mother",
                "vital_status": "alive",
                "migrant_worker": False,
                "conditions": [
                    {
                        "type": "imprisoned",
                        "since": "2024-03-01",
                        "term_months": 36,
                        "evidence": {"kind": "judgment", "reference": "(2024)川1502刑初1号"},
                    },
                ],
            },
        ],
        "guardian": {"relation": "grandparent", "able_to_care": False},
        "protection_concerns": [{"type": "neglect", "substantiated": True, "since": "2025-05-01"}],
        "assessed_needs": [],
        "receiving": [{"programme": "dibao_child", "monthly_amount": 400}],
    }


def test_it_leaves_names_and_the_id_number_out_of_the_document(village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))
    text = json.dumps(child_to_facts(child), ensure_ascii=False)
    for secret in (number, number[-4:], "王小花", "王奶奶", "李梅", "翠屏区某街道1号"):
        assert secret not in text


def test_it_uses_the_external_id_when_the_file_has_one(village_director):
    child = child_register(actor=village_director, data=child_data(external_id="sc-2025-0042"))
    assert child_to_facts(child)["id"] == "sc-2025-0042"


def varied():
    return [
        child_data(),
        child_data(
            sex="male",
            name="李小龙",
            living_arrangement="alone",
            disability_category="mental",
            disability_grade=1,
            serious_illness=True,
            serious_illness_name="白血病",
            guardianship_grade="absent",
            guardian_relation="village_committee",
        ),
        child_data(
            name="张三",
            hukou_type="urban",
            household=HouseholdData(low_income=True, income_per_capita=Decimal("512.50")),
            parents=[
                ParentData(
                    role="father",
                    migrant_worker=True,
                    conditions=[
                        ConditionData(
                            type="severe_disability",
                            disability_category="physical",
                            disability_grade=2,
                            evidence_kind="disability_certificate",
                        ),
                        ConditionData(
                            type="serious_illness", illness_name="尿毒症", since=dt.date(2023, 1, 5)
                        ),
                        ConditionData(
                            type="compulsory_rehab",
                            since=dt.date(2024, 1, 1),
                            until=dt.date(2026, 1, 1),
                            term_months=24,
                        ),
                    ],
                ),
                ParentData(
                    role="mother",
                    vital_status="declared_missing",
                    conditions=[
                        ConditionData(
                            type="lost_contact",
                            police_accepted_on=dt.date(2025, 1, 10),
                            police_receipt=True,
                            evidence_kind="police_receipt",
                        ),
                        ConditionData(type="guardianship_revoked", on=dt.date(2024, 6, 1)),
                        ConditionData(
                            type="deported", on=dt.date(2024, 7, 1), supports_child=False
                        ),
                        ConditionData(type="other_restriction", since=dt.date(2025, 2, 1)),
                    ],
                ),
            ],
        ),
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["minimal", "disabled-alone", "every-condition"])
def test_it_exports_varied_children_as_valid_documents(village_director, which):
    data = varied()[which]
    child = child_register(actor=village_director, data=data)
    facts = child_to_facts(child)
    assert validate_facts(facts) == []
    assert facts["sex"] == data.sex
    assert len(facts["parents"]) == len(data.parents)


def test_it_keeps_each_condition_type_to_its_own_fields(village_director):
    child = child_register(actor=village_director, data=varied()[2])
    father, mother = child_to_facts(child)["parents"]
    assert father["conditions"][0] == {
        "type": "severe_disability",
        "category": "physical",
        "grade": 2,
        "evidence": {"kind": "disability_certificate"},
    }
    assert father["conditions"][1] == {
        "type": "serious_illness",
        "illness": "尿毒症",
        "since": "2023-01-05",
    }
    assert mother["conditions"][0] == {
        "type": "lost_contact",
        "police_accepted_on": "2025-01-10",
        "police_receipt": True,
        "evidence": {"kind": "police_receipt"},
    }
    assert mother["conditions"][2] == {
        "type": "deported",
        "on": "2024-07-01",
        "supports_child": False,
    }


def test_it_writes_amounts_as_numbers_with_their_fen(village_director):
    child = child_register(actor=village_director, data=varied()[2])
    assert child_to_facts(child)["household"] == {
        "dibao": False,
        "tekun": False,
        "low_income": True,
        "income_per_capita": 512.5,
    }


def _register_many(actor, n):
    for i in range(n):
        child_register(
            actor=actor,
            data=full_child_data(
                name=f"儿童{i}", id_number=make_id_number(sequence=i + 1), external_id=f"x{i}"
            ),
            confirm_not_duplicate=True,
        )


@pytest.mark.parametrize("n", [2, 7])
def test_it_builds_many_documents_in_six_queries_whatever_their_number(
    village_director, django_assert_num_queries, n
):
    _register_many(village_director, n)
    with django_assert_num_queries(6):
        docs = list(children_to_facts(Child.objects.order_by("pk")))
    assert [d["id"] for d in docs] == [f"x{i}" for i in range(n)]
    assert all(validate_facts(d) == [] for d in docs)


def test_it_builds_the_same_document_one_at_a_time_and_in_bulk(village_director):
    _register_many(village_director, 3)
    children = list(Child.objects.order_by("pk"))
    bulk = list(children_to_facts(Child.objects.order_by("pk"), chunk_size=2))
    assert bulk == [child_to_facts(Child.objects.get(pk=c.pk)) for c in children]


def test_it_records_an_export_in_the_audit_log(village_director):
    child = child_register(actor=village_director, data=child_data())
    facts = child_export_facts(actor=village_director, child=child)
    assert facts["id"] == f"hehu-{child.pk}"
    entry = AuditEntry.objects.get(verb=Verb.CHILD_EXPORTED)
    assert (entry.actor, entry.child_id) == (village_director, child.pk)


def test_it_refuses_an_export_to_a_role_without_the_permission(village_director, police_officer):
    child = child_register(actor=village_director, data=child_data())
    with pytest.raises(PermissionRefused):
        child_export_facts(actor=police_officer, child=child)
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_EXPORTED).exists()


def test_every_child_of_a_synthetic_county_exports_as_a_valid_document(
    django_assert_num_queries,
):
    """The demo generator writes rows straight into the tables, with the rare circumstances
    over-sampled: whatever the registry holds must export as a valid document."""
    import random

    from hehu.demo.divisions import county_divisions, divisions_ensure
    from hehu.demo.population import FamilyGenerator
    from hehu.demo.rows import DEMO_OVERSAMPLE, Village
    from hehu.demo.writers import next_bases, write_batch
    from hehu.regions.tests.factories import region

    region("511524000000")
    divisions = county_divisions("511524", "长宁县", seed=1)
    divisions_ensure(divisions)
    villages = [Village(d.code, d.name, d.rural) for d in divisions if d.level == "village"]
    generator = FamilyGenerator(
        rng=random.Random(11),
        as_of=dt.date(2025, 6, 1),
        villages=villages,
        county_names={"511524": "长宁县"},
        bases=next_bases(),
        oversample=DEMO_OVERSAMPLE,
    )
    write_batch(generator.generate(first=0, count=600))
    with django_assert_num_queries(6):
        docs = list(children_to_facts(Child.objects.all(), chunk_size=1000))
    assert len(docs) == 600
    kinds = {c["type"] for d in docs for p in d["parents"] for c in p["conditions"]}
    assert len(kinds) >= 3
    problems = [(d["id"], e.message) for d in docs for e in validate_facts(d)]
    assert problems == []
