"""The rules that keep every saved file exportable as a valid facts document (DOMAIN.md §11):
each is checked by the services, whatever the caller (form, API, importer)."""

import datetime as dt
from decimal import Decimal

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import ValidationFailed
from hehu.registry.data import ConcernData, ConditionData, ParentData, ReceivingData
from hehu.registry.facts import child_to_facts, facts_id, facts_schema, validate_facts
from hehu.registry.facts.export import CONDITION_MODEL_FIELDS
from hehu.registry.models import Child, ParentCondition
from hehu.registry.services import child_register, child_update, validate_child
from hehu.registry.tests.factories import child_data, full_child_data

pytestmark = pytest.mark.django_db

# A condition of each type with exactly what its facts schema branch requires.
DATED = {
    "severe_disability": ConditionData(
        type="severe_disability", disability_category="physical", disability_grade=1
    ),
    "serious_illness": ConditionData(type="serious_illness"),
    "imprisoned": ConditionData(type="imprisoned", since=dt.date(2024, 3, 1)),
    "compulsory_rehab": ConditionData(type="compulsory_rehab", since=dt.date(2024, 3, 1)),
    "other_restriction": ConditionData(type="other_restriction", since=dt.date(2024, 3, 1)),
    "lost_contact": ConditionData(type="lost_contact", police_accepted_on=dt.date(2024, 1, 10)),
    "guardianship_revoked": ConditionData(type="guardianship_revoked", on=dt.date(2023, 6, 1)),
    "deported": ConditionData(type="deported", on=dt.date(2023, 6, 1)),
}


def errors_of(exc_info):
    return {path: [str(m) for m in messages] for path, messages in exc_info.value.errors.items()}


def with_mother_conditions(*conditions, **overrides):
    """A file whose mother (the second parent) has these conditions after an imprisonment."""
    return child_data(
        parents=[
            ParentData(role="father", vital_status="dead"),
            ParentData(role="mother", conditions=[DATED["imprisoned"], *conditions]),
        ],
        **overrides,
    )


@pytest.mark.parametrize(
    ("kind", "field", "message"),
    [
        ("imprisoned", "since", "服刑在押情形须填写开始日期"),
        ("compulsory_rehab", "since", "强制隔离戒毒情形须填写开始日期"),
        ("other_restriction", "since", "其他限制人身自由情形须填写开始日期"),
        ("lost_contact", "police_accepted_on", "失联情形须填写公安机关受理报案的日期"),
        ("guardianship_revoked", "on", "被撤销监护资格情形须填写发生日期"),
        ("deported", "on", "被遣送（驱逐）出境情形须填写发生日期"),
    ],
)
def test_it_refuses_a_condition_without_the_date_it_counts_from(
    village_director, kind, field, message
):
    data = with_mother_conditions(ConditionData(type=kind))
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=data)

    assert errors_of(exc) == {f"parents[1].conditions[1].{field}": [message]}
    assert not Child.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("kind", ParentCondition.Type.values)
def test_it_demands_for_a_bare_condition_what_the_facts_schema_requires(kind):
    schema = facts_schema()["$defs"]
    branch = next(
        schema[rule["then"]["$ref"].rsplit("/", 1)[1]]
        for rule in schema["condition"]["allOf"]
        if kind in rule["if"]["properties"]["type"].get("enum", [])
        or rule["if"]["properties"]["type"].get("const") == kind
    )
    required = {CONDITION_MODEL_FIELDS.get(f, f) for f in branch["required"]} - {"type"}
    data = with_mother_conditions(ConditionData(type=kind))

    if required:
        with pytest.raises(ValidationFailed) as exc:
            validate_child(data)
        prefix = "parents[1].conditions[1]."
        assert {path.removeprefix(prefix) for path in errors_of(exc)} == required
    else:
        assert validate_child(data).data.parents[1].conditions[1].type == kind


def test_it_saves_each_condition_dated_as_required_and_exports_a_valid_document(
    village_director,
):
    kinds = list(DATED)
    data = child_data(
        parents=[
            ParentData(role="father", conditions=[DATED[k] for k in kinds[:4]]),
            ParentData(role="mother", conditions=[DATED[k] for k in kinds[4:]]),
        ]
    )
    child = child_register(actor=village_director, data=data)

    facts = child_to_facts(child)
    assert validate_facts(facts) == []
    exported = [c["type"] for p in facts["parents"] for c in p["conditions"]]
    assert exported == kinds
    assert facts["parents"][1]["conditions"][1]["police_accepted_on"] == "2024-01-10"
    assert facts["parents"][1]["conditions"][3]["on"] == "2023-06-01"


def test_it_refuses_the_missing_date_on_update_too_and_changes_nothing(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    data = full_child_data(
        parents=[ParentData(role="mother", conditions=[ConditionData(type="compulsory_rehab")])]
    )
    with pytest.raises(ValidationFailed) as exc:
        child_update(actor=village_director, child=child, data=data, expected_version=1)

    assert errors_of(exc) == {"parents[0].conditions[0].since": ["强制隔离戒毒情形须填写开始日期"]}
    child.refresh_from_db()
    assert child.version == 1
    assert [c.type for c in ParentCondition.objects.filter(parent__child=child)] == ["imprisoned"]
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).exists()


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            ConditionData(
                type="lost_contact",
                police_accepted_on=dt.date(2024, 1, 10),
                until=dt.date(2024, 1, 9),
            ),
            "结束日期不能早于公安受理日期",
        ),
        (
            ConditionData(
                type="guardianship_revoked", on=dt.date(2023, 6, 1), until=dt.date(2023, 5, 31)
            ),
            "结束日期不能早于发生日期",
        ),
    ],
)
def test_it_refuses_an_end_before_the_date_the_condition_counts_from(
    village_director, condition, message
):
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=with_mother_conditions(condition))
    assert errors_of(exc) == {"parents[1].conditions[1].until": [message]}


def test_it_bounds_a_term_at_a_hundred_years(village_director):
    too_long = ConditionData(type="imprisoned", since=dt.date(2024, 3, 1), term_months=1201)
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=with_mother_conditions(too_long))
    assert errors_of(exc) == {
        "parents[1].conditions[1].term_months": ["期限（月）不能超过1200个月"]
    }

    longest = ConditionData(type="imprisoned", since=dt.date(2024, 3, 1), term_months=1200)
    child = child_register(actor=village_director, data=with_mother_conditions(longest))
    assert validate_facts(child_to_facts(child)) == []


@pytest.mark.parametrize("external_id", ["hehu-12", " hehu-7 ", "hehu-000"])
def test_it_refuses_an_external_id_in_the_form_reserved_for_exported_ids(
    village_director, external_id
):
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(external_id=external_id))
    assert errors_of(exc) == {"external_id": ["外部编号不能使用本系统档案编号的格式 hehu-<数字>"]}
    assert not Child.objects.exists()


def test_it_refuses_as_external_id_the_id_another_file_exports_under(village_director):
    other = child_register(actor=village_director, data=child_data(name="李小明"))
    assert facts_id(other) == f"hehu-{other.pk}"

    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(external_id=facts_id(other)))
    assert list(errors_of(exc)) == ["external_id"]
    assert Child.objects.count() == 1


@pytest.mark.parametrize("external_id", ["hehu-12a", "hehu-", "HEHU12", "sc-hehu-12"])
def test_it_accepts_external_ids_that_only_resemble_the_reserved_form(
    village_director, external_id
):
    child = child_register(actor=village_director, data=child_data(external_id=external_id))
    assert child_to_facts(child)["id"] == external_id


def test_it_refuses_whitespace_inside_an_external_id_and_trims_it_around(village_director):
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(external_id="sc 2025 0042"))
    assert errors_of(exc) == {"external_id": ["外部编号不能包含空格"]}

    child = child_register(actor=village_director, data=child_data(external_id=" sc-2025-0042 "))
    child.refresh_from_db()
    assert child.external_id == "sc-2025-0042"
    facts = child_to_facts(child)
    assert facts["id"] == "sc-2025-0042"
    assert validate_facts(facts) == []


def test_it_refuses_a_protection_concern_dated_before_the_child_was_born(village_director):
    data = child_data(concerns=[ConcernData(type="neglect", since=dt.date(2015, 3, 1))])
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=data)
    assert errors_of(exc) == {"concerns[0].since": ["发生日期不能早于儿童的出生日期"]}

    born_that_day = child_data(concerns=[ConcernData(type="neglect", since=dt.date(2015, 3, 2))])
    child = child_register(actor=village_director, data=born_that_day)
    assert validate_facts(child_to_facts(child)) == []


@pytest.mark.parametrize("programme", ["低保", "Dibao_child", "1dibao", "dibao child"])
def test_it_refuses_a_benefit_that_is_not_a_programme_code(village_director, programme):
    data = child_data(receiving=[ReceivingData(programme=programme, monthly_amount=Decimal(400))])
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=data)
    assert errors_of(exc) == {
        "receiving[0].programme": ["项目应为项目代码：以小写字母开头，只用小写字母、数字和下划线"]
    }
