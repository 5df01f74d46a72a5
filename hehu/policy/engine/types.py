"""Types of the policy language, and the facts document (DOMAIN.md §11) described in them.

The language is statically typed so that a policy with a misspelt fact, a comparison of a
date with a number or an enum literal that can never match is rejected when it is loaded,
not when it is first evaluated. The facts types mirror `hehu/registry/schemas/facts-1.1.json`
(a test keeps the two in step) plus two derived roots, `father` and `mother`.

Missing values: every fact may be absent. An absent fact is `null`; comparing it with
anything but `null` is false, and as a condition it is false (see docs/policy-language.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["bool", "int", "double", "string", "date", "null", "list", "struct", "dyn"]


@dataclass(frozen=True)
class Type:
    kind: Kind
    elem: Type | None = None  # element type of a list
    struct: str | None = None  # name of a struct in STRUCTS
    enum: tuple[str, ...] | None = None  # the values a string may take, when closed

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list<{self.elem}>"
        if self.kind == "struct":
            return str(self.struct)
        return self.kind

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "double")


BOOL = Type("bool")
INT = Type("int")
DOUBLE = Type("double")
STRING = Type("string")
DATE = Type("date")
NULL = Type("null")
DYN = Type("dyn")


def enum(*values: str) -> Type:
    return Type("string", enum=values)


def list_of(elem: Type) -> Type:
    return Type("list", elem=elem)


def struct(name: str) -> Type:
    return Type("struct", struct=name)


DISABILITY_CATEGORIES = (
    "visual",
    "hearing",
    "speech",
    "physical",
    "intellectual",
    "mental",
    "multiple",
)
VITAL_STATUSES = ("alive", "dead", "declared_dead", "declared_missing", "unknown")
CONDITION_TYPES = (
    "severe_disability",
    "serious_illness",
    "imprisoned",
    "compulsory_rehab",
    "other_restriction",
    "lost_contact",
    "guardianship_revoked",
    "deported",
)
EDUCATION_LEVELS = (
    "none",
    "preschool",
    "primary",
    "junior_secondary",
    "senior_secondary",
    "secondary_vocational",
    "higher",
)
LIVING_ARRANGEMENTS = (
    "with_parents",
    "with_one_parent",
    "with_relatives",
    "alone",
    "foster_family",
    "institution",
)
GUARDIAN_RELATIONS = (
    "parent",
    "grandparent",
    "sibling",
    "other_relative",
    "other_person",
    "village_committee",
    "civil_affairs",
    "institution",
)
GUARDIANSHIP_GRADES = ("absent", "improper", "insufficient", "normal")
CONCERN_TYPES = (
    "abuse",
    "neglect",
    "abandonment",
    "sexual_abuse",
    "domestic_violence",
    "left_alone",
    "begging",
    "trafficking",
    "other",
)
# DOMAIN.md §6: the eight domains of a needs assessment, the levels of a need found, and
# the kind of support that meets it.
NEED_DOMAINS = (
    "basic_living",
    "health_medical",
    "rehabilitation",
    "education",
    "psychological",
    "family_guardianship",
    "safety",
    "social_integration",
)
NEED_LEVELS = ("high", "medium", "low")
NEED_SUPPORTS = ("cash", "in_kind", "service")
EVIDENCE_KINDS = (
    "certificate",
    "judgment",
    "police_receipt",
    "disability_certificate",
    "medical_record",
    "other",
)

# Every struct of the facts document, field by field. `Child` is the root: its fields, and
# the derived `father` and `mother`, are the identifiers a condition can start from.
STRUCTS: dict[str, dict[str, Type]] = {
    "Child": {
        "id": STRING,
        "birth_date": DATE,
        "sex": enum("male", "female"),
        "region_code": STRING,
        "hukou_region_code": STRING,
        "hukou_type": enum("rural", "urban"),
        "in_full_time_education": enum(*EDUCATION_LEVELS),
        "living_arrangement": enum(*LIVING_ARRANGEMENTS),
        "disability": struct("Disability"),
        "serious_illness": BOOL,
        "serious_illness_name": STRING,
        "household": struct("Household"),
        "parents": list_of(struct("Parent")),
        # Derived: the parent with that role, or a Parent whose `recorded` is false.
        "father": struct("Parent"),
        "mother": struct("Parent"),
        "guardian": struct("Guardian"),
        "guardianship_grade": enum(*GUARDIANSHIP_GRADES),
        "protection_concerns": list_of(struct("Concern")),
        "assessed_needs": list_of(struct("Need")),
        "receiving": list_of(struct("Receiving")),
    },
    "Disability": {
        "category": enum(*DISABILITY_CATEGORIES),
        "grade": INT,
    },
    "Household": {
        "dibao": BOOL,
        "tekun": BOOL,
        "low_income": BOOL,
        "dibao_child_amount": DOUBLE,
        "income_per_capita": DOUBLE,
    },
    "Parent": {
        # False when the facts document has no entry for this role (derived roots only).
        "recorded": BOOL,
        "role": enum("father", "mother"),
        "vital_status": enum(*VITAL_STATUSES),
        "migrant_worker": BOOL,
        "conditions": list_of(struct("Condition")),
    },
    "Condition": {
        "type": enum(*CONDITION_TYPES),
        "category": enum(*DISABILITY_CATEGORIES),
        "grade": INT,
        "illness": STRING,
        "since": DATE,
        "until": DATE,
        "term_months": INT,
        "police_accepted_on": DATE,
        "police_receipt": BOOL,
        "on": DATE,
        "supports_child": BOOL,
        "evidence": struct("Evidence"),
    },
    "Evidence": {
        "kind": enum(*EVIDENCE_KINDS),
        "reference": STRING,
    },
    "Guardian": {
        "relation": enum(*GUARDIAN_RELATIONS),
        "able_to_care": BOOL,
    },
    "Concern": {
        "type": enum(*CONCERN_TYPES),
        "substantiated": BOOL,
        "since": DATE,
    },
    "Need": {
        "domain": enum(*NEED_DOMAINS),
        "level": enum(*NEED_LEVELS),
        "support": enum(*NEED_SUPPORTS),
        "assessed_on": DATE,
    },
    "Receiving": {
        "programme": STRING,
        "monthly_amount": DOUBLE,
    },
}

ROOT_STRUCT = "Child"

# Names a predicate argument may be declared with (`args: {p: parent}` in a policy file).
ARGUMENT_TYPES: dict[str, Type] = {
    "parent": struct("Parent"),
    "condition": struct("Condition"),
    "concern": struct("Concern"),
    "need": struct("Need"),
    "receiving": struct("Receiving"),
    "bool": BOOL,
    "int": INT,
    "double": DOUBLE,
    "string": STRING,
    "date": DATE,
}

# Types a parameter may be declared with (`type: list<string>` in a policy file).
PARAMETER_TYPES: dict[str, Type] = {
    "bool": BOOL,
    "int": INT,
    "double": DOUBLE,
    "string": STRING,
    "date": DATE,
    "list<string>": list_of(STRING),
    "list<int>": list_of(INT),
}
