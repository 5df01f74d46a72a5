"""Helpers shared by the registry services: permission checks, file snapshots for the audit
log, and writing the nested parts of a file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused
from hehu.registry.data import ConcernData, HouseholdData, ParentData, ReceivingData
from hehu.registry.models import (
    Child,
    Household,
    HouseholdMember,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Receiving,
)
from hehu.registry.selectors import children_visible_to

# The child's own fields, as in ChildData and the model (regions and the ID apart).
CHILD_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "hukou_type",
    "education",
    "living_arrangement",
    "no_id_reason",
    "disability_category",
    "disability_grade",
    "disability_certificate",
    "serious_illness",
    "serious_illness_name",
    "guardian_name",
    "guardian_relation",
    "guardian_able_to_care",
    "guardian_phone",
    "guardianship_grade",
    "external_id",
)
HOUSEHOLD_FIELDS = (
    "address",
    "dibao",
    "tekun",
    "low_income",
    "dibao_child_amount",
    "income_per_capita",
)
MEMBER_FIELDS = ("name", "relation", "birth_date", "notes")
PARENT_FIELDS = ("name", "vital_status", "migrant_worker", "phone")
CONDITION_FIELDS = (
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
    "supports_child",
    "evidence_kind",
    "evidence_reference",
)
CONCERN_FIELDS = ("type", "substantiated", "since")
RECEIVING_FIELDS = ("programme", "monthly_amount")


def require_perm(actor: User, perm: Perm) -> None:
    if not has_perm(actor, perm):
        raise PermissionRefused(_("您的账号没有执行此操作的权限"))


def require_visible(actor: User, child: Child) -> None:
    """Services re-check the jurisdiction the access helper already applied: a caller that
    skipped it must not be able to write to a file outside the actor's reach."""
    if not children_visible_to(user=actor).filter(pk=child.pk).exists():
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))


def in_reach(actor: User, region_code: str) -> bool:
    return any(region_code.startswith(prefix) for prefix in actor.prefixes)


def masked_id(child: Child) -> str:
    return f"***{child.id_number_last4}" if child.id_number_index else ""


def json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def _put(flat: dict[str, Any], prefix: str, obj: Any, fields: tuple[str, ...]) -> None:
    for field in fields:
        flat[f"{prefix}{field}"] = json_value(getattr(obj, field))


def file_snapshot(child: Child) -> dict[str, Any]:
    """The whole file as flat {path: value}, the ID number masked — what the audit diffs."""
    flat: dict[str, Any] = {"id_number": masked_id(child)}
    _put(flat, "", child, CHILD_FIELDS)
    flat["region_code"] = child.region_id
    flat["hukou_region_code"] = child.hukou_region_id
    if child.household_id is not None:
        household = Household.objects.get(pk=child.household_id)
        _put(flat, "household.", household, HOUSEHOLD_FIELDS)
        for i, member in enumerate(household.members.order_by("pk")):
            _put(flat, f"household.members[{i}].", member, MEMBER_FIELDS)
    for parent in Parent.objects.filter(child=child).order_by("role"):
        prefix = f"parents[{parent.role}]."
        _put(flat, prefix, parent, PARENT_FIELDS)
        for j, condition in enumerate(parent.conditions.order_by("pk")):
            _put(flat, f"{prefix}conditions[{j}].", condition, CONDITION_FIELDS)
    for i, concern in enumerate(ProtectionConcern.objects.filter(child=child).order_by("pk")):
        _put(flat, f"concerns[{i}].", concern, CONCERN_FIELDS)
    for i, item in enumerate(Receiving.objects.filter(child=child).order_by("pk")):
        _put(flat, f"receiving[{i}].", item, RECEIVING_FIELDS)
    return flat


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{path: [old, new]} for every path whose value differs (absent counts as None)."""
    changes: dict[str, list[Any]] = {}
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before != after:
            changes[path] = [before, after]
    return changes


def set_fields(obj: Any, data: Any, fields: tuple[str, ...]) -> None:
    for field in fields:
        setattr(obj, field, getattr(data, field))


def write_household(child: Child, data: HouseholdData) -> None:
    household = child.household or Household(region=child.region)
    household.region = child.region
    set_fields(household, data, HOUSEHOLD_FIELDS)
    household.address = household.address.strip()
    household.save()
    if child.household_id != household.pk:
        child.household = household
        child.save(update_fields=["household"])
    household.members.all().delete()
    HouseholdMember.objects.bulk_create(
        HouseholdMember(
            household=household,
            name=m.name.strip(),
            relation=m.relation.strip(),
            birth_date=m.birth_date,
            notes=m.notes.strip(),
        )
        for m in data.members
    )


def write_parents(child: Child, parents: list[ParentData]) -> None:
    """Parents are matched by role (kept, so their ids stay); their conditions replaced."""
    existing = {p.role: p for p in Parent.objects.filter(child=child)}
    for data in parents:
        parent = existing.pop(data.role, None) or Parent(child=child, role=data.role)
        set_fields(parent, data, PARENT_FIELDS)
        parent.name, parent.phone = parent.name.strip(), parent.phone.strip()
        parent.save()
        parent.conditions.all().delete()
        ParentCondition.objects.bulk_create(
            ParentCondition(parent=parent, **{f: getattr(c, f) for f in CONDITION_FIELDS})
            for c in data.conditions
        )
    for removed in existing.values():
        removed.delete()


def write_concerns(child: Child, concerns: list[ConcernData]) -> None:
    ProtectionConcern.objects.filter(child=child).delete()
    ProtectionConcern.objects.bulk_create(
        ProtectionConcern(child=child, **{f: getattr(c, f) for f in CONCERN_FIELDS})
        for c in concerns
    )


def write_receiving(child: Child, receiving: list[ReceivingData]) -> None:
    Receiving.objects.filter(child=child).delete()
    Receiving.objects.bulk_create(
        Receiving(child=child, programme=r.programme.strip(), monthly_amount=r.monthly_amount)
        for r in receiving
    )
