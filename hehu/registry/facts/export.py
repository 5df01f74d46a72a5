"""Building facts documents (DOMAIN.md §11) from the registry.

The document carries no name and no identity number: it is what the policy engine needs,
nothing more. `children_to_facts` builds many at once with a fixed number of queries per
chunk of children, whatever the chunk size, for population runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import PermissionRefused
from hehu.registry.facts.schema import CONDITION_FIELDS
from hehu.registry.models import Child, Household, Parent, ParentCondition

INTERNAL_ID_PREFIX = "hehu-"
PARENT_ORDER: dict[str, int] = {Parent.Role.FATHER: 0, Parent.Role.MOTHER: 1}

# What a facts document is built from; enough to build any number of them without
# further queries.
FACTS_PREFETCH: tuple[str | Prefetch[Any], ...] = (
    Prefetch("parents", queryset=Parent.objects.order_by("role", "pk")),
    Prefetch("parents__conditions", queryset=ParentCondition.objects.order_by("pk")),
    "concerns",
    "assessed_needs",
    "receiving",
)

# Facts name of a condition field → ParentCondition field, where they differ.
CONDITION_MODEL_FIELDS = {
    "category": "disability_category",
    "grade": "disability_grade",
    "illness": "illness_name",
}


def facts_id(child: Child) -> str:
    """The document id: the external id when the file has one, else 'hehu-<pk>'."""
    return child.external_id or f"{INTERNAL_ID_PREFIX}{child.pk}"


def child_to_facts(child: Child) -> dict[str, Any]:
    """The facts document of one child (loads what it needs that is not loaded yet)."""
    prefetch_related_objects([child], *FACTS_PREFETCH)
    return _facts(child)


def children_to_facts(
    queryset: QuerySet[Child], *, chunk_size: int = 2000
) -> Iterator[dict[str, Any]]:
    """The facts documents of many children, six queries per chunk of `chunk_size`."""
    children = queryset.select_related("household").prefetch_related(*FACTS_PREFETCH)
    for child in children.iterator(chunk_size=chunk_size):
        yield _facts(child)


def child_export_facts(*, actor: User, child: Child) -> dict[str, Any]:
    """Export a child's facts document for someone allowed to, recorded in the audit log."""
    if not has_perm(actor, Perm.EXPORT_FACTS):
        raise PermissionRefused(_("您的账号没有导出事实文档的权限"))
    facts = child_to_facts(child)
    audit_record(
        actor=actor,
        verb=Verb.CHILD_EXPORTED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
    )
    return facts


def _facts(child: Child) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": facts_id(child),
        "birth_date": child.birth_date.isoformat(),
        "sex": child.sex,
        "region_code": child.region_id,
        "hukou_region_code": child.hukou_region_id,
        "hukou_type": child.hukou_type,
        "in_full_time_education": child.education,
        "living_arrangement": child.living_arrangement,
    }
    if child.disability_category and child.disability_grade is not None:
        doc["disability"] = {
            "category": child.disability_category,
            "grade": child.disability_grade,
        }
    doc["serious_illness"] = child.serious_illness
    if child.serious_illness and child.serious_illness_name:
        doc["serious_illness_name"] = child.serious_illness_name
    if child.household is not None:
        doc["household"] = _household(child.household)
    parents = sorted(child.parents.all(), key=lambda p: (PARENT_ORDER.get(p.role, 9), p.pk))
    doc["parents"] = [_parent(p) for p in parents]
    guardian = _guardian(child)
    if guardian:
        doc["guardian"] = guardian
    if child.guardianship_grade:
        doc["guardianship_grade"] = child.guardianship_grade
    doc["protection_concerns"] = [
        _present(type=c.type, substantiated=c.substantiated, since=c.since)
        for c in sorted(child.concerns.all(), key=lambda c: c.pk)
    ]
    doc["assessed_needs"] = [
        {
            "domain": n.domain,
            "level": n.level,
            "support": n.support,
            "assessed_on": n.assessed_on.isoformat(),
        }
        for n in sorted(child.assessed_needs.all(), key=lambda n: n.pk)
    ]
    doc["receiving"] = [
        {"programme": r.programme, "monthly_amount": money(r.monthly_amount)}
        for r in sorted(child.receiving.all(), key=lambda r: r.pk)
    ]
    return doc


def money(amount: Decimal) -> int | float:
    """Yuan as a JSON number: 400 rather than "400.00", 400.5 for fifty jiao."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def _present(**values: Any) -> dict[str, Any]:
    """The values that are recorded, dates as YYYY-MM-DD, amounts as numbers."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        if isinstance(value, Decimal):
            value = money(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def _household(household: Household) -> dict[str, Any]:
    return _present(
        dibao=household.dibao,
        tekun=household.tekun,
        low_income=household.low_income,
        dibao_child_amount=household.dibao_child_amount,
        income_per_capita=household.income_per_capita,
    )


def _parent(parent: Parent) -> dict[str, Any]:
    return {
        "role": parent.role,
        "vital_status": parent.vital_status,
        "migrant_worker": parent.migrant_worker,
        "conditions": [_condition(c) for c in parent.conditions.all()],
    }


def _condition(condition: ParentCondition) -> dict[str, Any]:
    fields = CONDITION_FIELDS.get(condition.type, ())
    values = {
        name: getattr(condition, CONDITION_MODEL_FIELDS.get(name, name))
        for name in fields
        if name != "evidence"
    }
    out = {"type": condition.type, **_present(**values)}
    if condition.evidence_kind:
        out["evidence"] = _present(
            kind=condition.evidence_kind, reference=condition.evidence_reference
        )
    return out


def _guardian(child: Child) -> dict[str, Any]:
    return _present(relation=child.guardian_relation, able_to_care=child.guardian_able_to_care)
