"""Initial values of the child form: a new file (the director's village filled in) or a
stored file as it is, part by part. The ID number is never put back into a form."""

from __future__ import annotations

from typing import Any

from hehu.registry.models import Child
from hehu.web.forms.child import tri_state


def new_file(region_code: str) -> dict[str, Any]:
    child = {"region_code": region_code, "hukou_region_code": region_code}
    return {
        "child": child,
        "household": {},
        "members": [],
        "parents": {},
        "conditions": {},
        "concerns": [],
        "receiving": [],
    }


_CHILD_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "no_id_reason",
    "hukou_type",
    "living_arrangement",
    "education",
    "disability_category",
    "disability_grade",
    "disability_certificate",
    "serious_illness",
    "serious_illness_name",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "guardianship_grade",
    "external_id",
    "version",
)
_CONDITION_FIELDS = (
    "type",
    "since",
    "until",
    "term_months",
    "disability_category",
    "disability_grade",
    "illness_name",
    "police_accepted_on",
    "police_receipt",
    "on",
    "evidence_kind",
    "evidence_reference",
)


def initial_from_child(child: Child) -> dict[str, Any]:
    """The stored file as initial values of the forms (the ID number is never put back)."""
    values: dict[str, Any] = {f: getattr(child, f) for f in _CHILD_FIELDS}
    values["region_code"] = child.region_id
    values["hukou_region_code"] = child.hukou_region_id
    values["guardian_able_to_care"] = tri_state(child.guardian_able_to_care)
    household: dict[str, Any] = {}
    members: list[dict[str, Any]] = []
    if child.household is not None:
        h = child.household
        household = {
            "address": h.address,
            "dibao": h.dibao,
            "tekun": h.tekun,
            "low_income": h.low_income,
            "dibao_child_amount": h.dibao_child_amount,
            "income_per_capita": h.income_per_capita,
        }
        members = [
            {"name": m.name, "relation": m.relation, "birth_date": m.birth_date, "notes": m.notes}
            for m in h.members.all()
        ]
    parents: dict[str, dict[str, Any]] = {}
    conditions: dict[str, list[dict[str, Any]]] = {}
    for parent in child.parents.all():
        parents[parent.role] = {
            "name": parent.name,
            "vital_status": parent.vital_status,
            "migrant_worker": parent.migrant_worker,
            "phone": parent.phone,
        }
        conditions[parent.role] = [
            {
                **{f: getattr(c, f) for f in _CONDITION_FIELDS},
                "supports_child": tri_state(c.supports_child),
            }
            for c in parent.conditions.all()
        ]
    return {
        "child": values,
        "household": household,
        "members": members,
        "parents": parents,
        "conditions": conditions,
        "concerns": [
            {"type": c.type, "substantiated": c.substantiated, "since": c.since}
            for c in child.concerns.all()
        ],
        "receiving": [
            {"programme": r.programme, "monthly_amount": r.monthly_amount}
            for r in child.receiving.all()
        ],
    }
