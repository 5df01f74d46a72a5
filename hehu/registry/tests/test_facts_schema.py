import copy
import datetime as dt
import json

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from hehu.registry.facts import validate_envelope, validate_facts
from hehu.registry.facts.schema import (
    CONDITION_FIELDS,
    ENVELOPE_SCHEMA_FILE,
    FACTS_SCHEMA_FILE,
    facts_schema,
    load_schema,
)
from hehu.registry.models import (
    AssessedNeed,
    DisabilityCategory,
    Education,
    GuardianRelation,
    GuardianshipGrade,
    HukouType,
    LivingArrangement,
    NoIdReason,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Sex,
)

# The example of DOMAIN.md §11, verbatim.
EXAMPLE = json.loads("""
{
  "id": "ext-001",
  "birth_date": "2015-03-02",
  "sex": "female",
  "region_code": "511502100201",
  "hukou_region_code": "511502100201",
  "hukou_type": "rural",
  "in_full_time_education": "primary",
  "living_arrangement": "with_relatives",
  "disability": {"category": "intellectual", "grade": 2},
  "serious_illness": false,
  "household": {"dibao": true, "tekun": false, "low_income": false,
                "dibao_child_amount": 400, "income_per_capita": 310},
  "parents": [
    {"role": "father", "vital_status": "dead"},
    {"role": "mother", "vital_status": "alive", "migrant_worker": false,
     "conditions": [
       {"type": "imprisoned", "since": "2024-03-01", "term_months": 36},
       {"type": "lost_contact", "police_accepted_on": "2025-01-10", "police_receipt": true}
     ]}
  ],
  "guardian": {"relation": "grandparent", "able_to_care": false},
  "guardianship_grade": "insufficient",
  "protection_concerns": [{"type": "neglect", "substantiated": true, "since": "2025-05-01"}],
  "receiving": [{"programme": "dibao_child", "monthly_amount": 400}]
}
""")


def example(**changes):
    doc = copy.deepcopy(EXAMPLE)
    doc.update(changes)
    return doc


def messages(doc):
    return [e.message for e in validate_facts(doc)]


def by_path(doc):
    return {e.path: e for e in validate_facts(doc)}


def test_it_accepts_the_example_of_the_domain_document():
    assert validate_facts(EXAMPLE) == []


def test_it_accepts_a_document_with_only_an_id_and_a_birth_date():
    assert validate_facts({"id": "what-if-1", "birth_date": "2012-06-30"}) == []


def test_it_rejects_an_unknown_top_level_field_naming_it():
    assert messages(example(nickname="小花")) == ["nickname：未知字段，文档不接受此字段"]


def test_it_rejects_an_unknown_field_deep_inside_with_its_path():
    doc = example()
    doc["parents"][1]["conditions"][0]["prison"] = "某监狱"
    doc["household"]["cars"] = 1
    assert messages(doc) == [
        "household.cars：未知字段，文档不接受此字段",
        "parents[1].conditions[0].prison：未知字段，文档不接受此字段",
    ]


def test_it_rejects_a_field_that_belongs_to_another_condition_type():
    doc = example()
    doc["parents"][1]["conditions"][0]["police_receipt"] = True
    errors = by_path(doc)
    assert list(errors) == ["parents[1].conditions[0].police_receipt"]
    assert errors["parents[1].conditions[0].police_receipt"].code == "unknown_field"


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        ({"sex": 1}, "sex", "sex：取值 1 无效，应为以下之一：male、female"),
        ({"serious_illness": "no"}, "serious_illness", "serious_illness：类型错误：应为布尔值"),
        ({"parents": {"role": "father"}}, "parents", "parents：类型错误：应为数组"),
        (
            {"disability": {"category": "intellectual", "grade": "2"}},
            "disability.grade",
            "disability.grade：类型错误：应为整数",
        ),
        (
            {"disability": {"category": "intellectual", "grade": 5}},
            "disability.grade",
            "disability.grade：应不大于 4",
        ),
        (
            {"living_arrangement": "street"},
            "living_arrangement",
            'living_arrangement：取值 "street" 无效',
        ),
        ({"id": ""}, "id", "id：编号不能为空，也不能包含空白字符"),
        ({"id": "ext 001"}, "id", "id：编号不能为空，也不能包含空白字符"),
        ({"region_code": "51150210020"}, "region_code", "region_code：区划代码应为 12 位数字"),
        ({"region_code": 511502100201}, "region_code", "region_code：类型错误：应为字符串"),
    ],
)
def test_it_rejects_a_wrong_type_or_value_naming_the_field(change, path, expected):
    errors = by_path(example(**change))
    assert list(errors) == [path]
    assert errors[path].message.startswith(expected)


def test_it_rejects_an_impossible_date_with_the_path_in_the_message():
    doc = example()
    doc["parents"][1]["conditions"][0]["since"] = "2025-02-30"
    assert messages(doc) == ["parents[1].conditions[0].since：日期 2025-02-30 不存在"]


@pytest.mark.parametrize("value", ["2025/01/10", "2025-1-10", "10 January 2025", "20250110"])
def test_it_rejects_a_date_not_written_yyyy_mm_dd(value):
    doc = example()
    doc["parents"][1]["conditions"][1]["police_accepted_on"] = value
    assert messages(doc) == ["parents[1].conditions[1].police_accepted_on：日期格式应为 YYYY-MM-DD"]


def test_it_rejects_a_condition_that_ends_before_it_starts():
    doc = example()
    doc["parents"][1]["conditions"][0]["until"] = "2024-02-28"
    assert messages(doc) == [
        "parents[1].conditions[0].until：结束日期 2024-02-28 早于开始日期 2024-03-01"
    ]


def test_it_measures_a_lost_contact_from_the_day_the_police_accepted_the_report():
    doc = example()
    doc["parents"][1]["conditions"][1]["until"] = "2025-01-09"
    assert list(by_path(doc)) == ["parents[1].conditions[1].until"]


def test_it_rejects_a_birth_date_after_today():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    doc = example(birth_date=tomorrow.isoformat(), protection_concerns=[])
    assert messages(doc) == ["birth_date：出生日期不能晚于今天"]


def test_it_rejects_a_region_code_of_no_province():
    assert messages(example(hukou_region_code="991502100201")) == [
        "hukou_region_code：区划代码前两位 99 不是省级代码"
    ]


@pytest.mark.parametrize(
    ("condition", "missing"),
    [
        ({"type": "imprisoned", "term_months": 36}, "since"),
        ({"type": "compulsory_rehab"}, "since"),
        ({"type": "severe_disability", "category": "physical"}, "grade"),
        ({"type": "severe_disability", "grade": 1}, "category"),
        ({"type": "lost_contact", "police_receipt": True}, "police_accepted_on"),
        ({"type": "guardianship_revoked"}, "on"),
        ({"type": "deported", "supports_child": False}, "on"),
    ],
)
def test_it_requires_the_fields_each_condition_type_needs(condition, missing):
    doc = example()
    doc["parents"][1]["conditions"] = [condition]
    errors = by_path(doc)
    assert list(errors) == [f"parents[1].conditions[0].{missing}"]
    assert errors[f"parents[1].conditions[0].{missing}"].code == "required"


def test_it_reports_a_condition_without_a_type_once():
    doc = example()
    doc["parents"][1]["conditions"] = [{"since": "2024-03-01"}]
    assert messages(doc) == ["parents[1].conditions[0].type：缺少必填字段"]


def test_it_rejects_two_fathers():
    doc = example()
    doc["parents"][1]["role"] = "father"
    assert messages(doc) == ["parents[1].role：同一角色（father）只能出现一次"]


def test_it_rejects_amounts_finer_than_a_fen():
    doc = example()
    doc["receiving"][0]["monthly_amount"] = 400.125
    assert messages(doc) == ["receiving[0].monthly_amount：金额最多保留两位小数"]


def test_it_rejects_a_concern_dated_before_the_child_was_born():
    doc = example(protection_concerns=[{"type": "abuse", "since": "2015-03-01"}])
    assert list(by_path(doc)) == ["protection_concerns[0].since"]


def test_it_rejects_a_document_that_is_not_an_object():
    assert messages(["ext-001"]) == ["文档：类型错误：应为对象"]


def test_it_lists_every_problem_at_once():
    doc = example(sex="girl", extra=True, birth_date="2015-02-29")
    doc["parents"][1]["conditions"][0]["until"] = "2024-01-01"
    doc["receiving"][0].pop("monthly_amount")
    assert list(by_path(doc)) == [
        "birth_date",
        "extra",
        "parents[1].conditions[0].until",
        "receiving[0].monthly_amount",
        "sex",
    ]


def test_it_prefixes_the_paths_of_facts_inside_an_import_envelope():
    doc = example()
    doc["parents"][1]["conditions"][0]["since"] = "2025-02-30"
    errors = validate_envelope({"facts": doc, "child": {"name": "王小花", "phone": "1"}})
    assert [e.message for e in errors] == [
        "child.phone：未知字段，文档不接受此字段",
        "facts.parents[1].conditions[0].since：日期 2025-02-30 不存在",
    ]


def test_it_refuses_a_domain_assessed_twice_and_an_assessment_date_out_of_range():
    need = {"domain": "safety", "level": "high", "support": "service"}
    doc = {
        "id": "x",
        "birth_date": "2015-03-02",
        "assessed_needs": [
            need | {"assessed_on": "2026-03-02"},
            need | {"assessed_on": "2014-01-01"},
            need | {"domain": "education", "assessed_on": "2999-01-01"},
        ],
    }
    assert [(e.path, e.code) for e in validate_facts(doc)] == [
        ("assessed_needs[1].assessed_on", "date_order"),
        ("assessed_needs[1].domain", "duplicate"),
        ("assessed_needs[2].assessed_on", "future_date"),
    ]


def test_it_requires_the_facts_in_an_import_envelope():
    assert [e.path for e in validate_envelope({"child": {"name": "王小花"}})] == ["facts"]


# ---- the schema file and the Python agree ------------------------------------------------


def test_the_schema_files_are_valid_draft_2020_12_schemas():
    for path in (FACTS_SCHEMA_FILE, ENVELOPE_SCHEMA_FILE):
        schema = load_schema(path)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _closed_objects(node, path="#"):
    """Every object schema in the file, with its location."""
    if isinstance(node, dict):
        if "properties" in node and "type" in node:
            yield path, node
        for key, child in node.items():
            yield from _closed_objects(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _closed_objects(child, f"{path}/{i}")


def test_every_object_in_the_schema_rejects_unknown_fields_except_the_condition_dispatcher():
    open_objects = [
        path
        for path, node in _closed_objects(facts_schema())
        if node.get("type") == "object" and node.get("additionalProperties") is not False
    ]
    # The dispatcher only reads `type`; each per-type branch it selects is closed.
    assert open_objects == ["#/$defs/condition"]


@pytest.mark.parametrize(
    ("pointer", "choices"),
    [
        ("properties/sex", Sex),
        ("properties/hukou_type", HukouType),
        ("properties/in_full_time_education", Education),
        ("properties/living_arrangement", LivingArrangement),
        ("$defs/disability_category", DisabilityCategory),
        ("properties/guardian/properties/relation", GuardianRelation),
        ("properties/guardianship_grade", GuardianshipGrade),
        ("$defs/parent/properties/role", Parent.Role),
        ("$defs/parent/properties/vital_status", Parent.VitalStatus),
        ("$defs/condition/properties/type", ParentCondition.Type),
        ("$defs/evidence/properties/kind", ParentCondition.Evidence),
        ("properties/protection_concerns/items/properties/type", ProtectionConcern.Type),
        ("properties/assessed_needs/items/properties/domain", AssessedNeed.Domain),
        ("properties/assessed_needs/items/properties/level", AssessedNeed.Level),
        ("properties/assessed_needs/items/properties/support", AssessedNeed.Support),
    ],
)
def test_the_schema_enums_are_the_registry_vocabularies(pointer, choices):
    node = facts_schema()
    for part in pointer.split("/"):
        node = node[part]
    assert node["enum"] == list(choices.values)


def test_the_envelope_enum_of_no_id_reasons_is_the_registry_vocabulary():
    envelope = load_schema(ENVELOPE_SCHEMA_FILE)
    assert envelope["properties"]["child"]["properties"]["no_id_reason"]["enum"] == list(
        NoIdReason.values
    )


def test_each_condition_type_has_a_branch_listing_exactly_its_fields():
    schema = facts_schema()
    branches = {}
    for rule in schema["$defs"]["condition"]["allOf"]:
        condition = rule["if"]["properties"]["type"]
        types = condition.get("enum", [condition.get("const")])
        target = schema["$defs"][rule["then"]["$ref"].rsplit("/", 1)[1]]
        for kind in types:
            branches[kind] = set(target["properties"]) - {"type"}
    assert branches == {kind: set(fields) for kind, fields in CONDITION_FIELDS.items()}
    assert set(CONDITION_FIELDS) == set(ParentCondition.Type.values)
