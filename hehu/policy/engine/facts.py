"""A facts document (DOMAIN.md §11) in its JSON form → the form the evaluator reads.

The JSON form has ISO date strings and a list of parents; the evaluation form has
`datetime.date` values, `recorded: True` on each parent and the derived roots `father`
and `mother` (types.STRUCTS), which are `{"recorded": False}` when no parent has the role.
Amounts of money (fields of type double: `household.income_per_capita`, …) are floats in
the evaluation form even when the JSON has an integer (`700`), as they are in the columnar
frames: `household.income_per_capita / 2` is then 350.5 for 701 in both evaluators, never
the integer division. The document is assumed to have passed the JSON Schema already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hehu.policy.engine.types import STRUCTS

# Date fields, by where they sit in the document.
_CHILD_DATES = ("birth_date",)
_CONDITION_DATES = ("since", "until", "police_accepted_on", "on")
_CONCERN_DATES = ("since",)
_NEED_DATES = ("assessed_on",)
PARENT_ROLES = ("father", "mother")


def prepare_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The evaluation form of a facts document; `doc` itself is left untouched."""
    facts = _with_dates(doc, _CHILD_DATES)
    if doc.get("parents") is not None:
        facts["parents"] = [_parent(p) for p in doc["parents"]]
    if doc.get("protection_concerns") is not None:
        facts["protection_concerns"] = [
            _with_dates(c, _CONCERN_DATES) for c in doc["protection_concerns"]
        ]
    if doc.get("assessed_needs") is not None:
        facts["assessed_needs"] = [_with_dates(n, _NEED_DATES) for n in doc["assessed_needs"]]
    for key, struct in (("disability", "Disability"), ("household", "Household")):
        if doc.get(key) is not None:
            facts[key] = _with_doubles(doc[key], struct)
    if doc.get("guardian") is not None:
        facts["guardian"] = dict(doc["guardian"])
    if doc.get("receiving") is not None:
        facts["receiving"] = [_with_doubles(r, "Receiving") for r in doc["receiving"]]
    for role in PARENT_ROLES:
        facts[role] = _parent_with_role(facts.get("parents"), role)
    return facts


def _parent(parent: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded parent, its conditions' dates parsed."""
    prepared = dict(parent)
    prepared["recorded"] = True
    if parent.get("conditions") is not None:
        prepared["conditions"] = [_condition(c) for c in parent["conditions"]]
    return prepared


def _condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    """A parent's condition, its dates parsed and its evidence copied."""
    prepared = _with_dates(condition, _CONDITION_DATES)
    if condition.get("evidence") is not None:
        prepared["evidence"] = dict(condition["evidence"])
    return prepared


def _parent_with_role(parents: list[dict[str, Any]] | None, role: str) -> dict[str, Any]:
    """The first parent with `role`, or an unrecorded parent whose other fields are null."""
    for parent in parents or ():
        if parent.get("role") == role:
            return parent
    return {"recorded": False}


def _with_doubles(obj: Mapping[str, Any], struct: str) -> dict[str, Any]:
    """A shallow copy of `obj` with the integers in its double fields made floats."""
    copy = dict(obj)
    for key, typ in STRUCTS[struct].items():
        value = copy.get(key)
        if typ.kind == "double" and isinstance(value, int) and not isinstance(value, bool):
            copy[key] = float(value)
    return copy


def _with_dates(obj: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A shallow copy of `obj` with the ISO date strings under `keys` parsed."""
    copy = dict(obj)
    for key in keys:
        value = copy.get(key)
        if isinstance(value, str):
            copy[key] = dt.date.fromisoformat(value)
    return copy
