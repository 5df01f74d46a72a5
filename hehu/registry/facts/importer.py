"""Creating or updating a child's file from a facts document (DOMAIN.md §11).

A facts document carries no name and no identity number, so an import wraps it in an
envelope (schemas/facts-import-1.1.json):

    {"facts": {...}, "child": {"name": "...", "id_number": "...", "no_id_reason": "...",
     "version": 3}, "confirm_not_duplicate": false}

The document's `id` decides between create and update: `hehu-<n>` names file n of this
system; any other id is an external id, and the file with that external id in the
importer's jurisdiction is updated, or a new one registered. What the document says
replaces what the file says about the same facts; what facts do not carry (names, phone
numbers, addresses, household members, certificate numbers) is kept. Assessed needs are
the exception: only a needs assessment submitted in Hehu sets them, so a document may
repeat the file's own but not change them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.data import (
    ChildData,
    ConcernData,
    ConditionData,
    HouseholdData,
    MemberData,
    ParentData,
    ReceivingData,
)
from hehu.registry.facts.export import INTERNAL_ID_PREFIX
from hehu.registry.facts.schema import (
    FactsError,
    parse_date,
    validate_envelope,
    validate_facts,
)
from hehu.registry.models import Child, NoIdReason
from hehu.registry.selectors import children_visible_to
from hehu.registry.services import child_register, child_update

INTERNAL_ID_RE = re.compile(rf"^{INTERNAL_ID_PREFIX}(\d+)$")
IMPORT_REASON = gettext_lazy("事实文档导入")

# Fields every file has: on update a document may leave them out (the file keeps them); a
# new file needs them.
_REQUIRED_TO_REGISTER = ("sex", "hukou_type", "living_arrangement")


_CONDITION_DATA_FIELDS = tuple(f.name for f in dataclasses.fields(ConditionData))


def child_to_data(child: Child) -> ChildData:
    """The file as it stands, as input for an update (the stored ID number kept)."""
    household = None
    if child.household is not None:
        h = child.household
        household = HouseholdData(
            address=h.address,
            dibao=h.dibao,
            tekun=h.tekun,
            low_income=h.low_income,
            dibao_child_amount=h.dibao_child_amount,
            income_per_capita=h.income_per_capita,
            members=[
                MemberData(name=m.name, relation=m.relation, birth_date=m.birth_date, notes=m.notes)
                for m in h.members.order_by("pk")
            ],
        )
    parents = [
        ParentData(
            role=p.role,
            name=p.name,
            vital_status=p.vital_status,
            migrant_worker=p.migrant_worker,
            phone=p.phone,
            conditions=[
                ConditionData(
                    **{f.name: getattr(c, f.name) for f in dataclasses.fields(ConditionData)}
                )
                for c in p.conditions.order_by("pk")
            ],
        )
        for p in child.parents.order_by("role", "pk")
    ]
    return ChildData(
        name=child.name,
        sex=child.sex,
        birth_date=child.birth_date,
        region_code=child.region_id,
        hukou_region_code=child.hukou_region_id,
        hukou_type=child.hukou_type,
        living_arrangement=child.living_arrangement,
        education=child.education,
        id_number=None,
        keep_id_number=True,
        no_id_reason=child.no_id_reason,
        disability_category=child.disability_category,
        disability_grade=child.disability_grade,
        disability_certificate=child.disability_certificate,
        serious_illness=child.serious_illness,
        serious_illness_name=child.serious_illness_name,
        guardian_name=child.guardian_name,
        guardian_relation=child.guardian_relation,
        guardian_able_to_care=child.guardian_able_to_care,
        guardian_phone=child.guardian_phone,
        guardianship_grade=child.guardianship_grade,
        external_id=child.external_id,
        household=household,
        parents=parents,
        concerns=[
            ConcernData(type=c.type, substantiated=c.substantiated, since=c.since)
            for c in child.concerns.order_by("pk")
        ],
        receiving=[
            ReceivingData(programme=r.programme, monthly_amount=r.monthly_amount)
            for r in child.receiving.order_by("pk")
        ],
    )


def facts_to_child_data(
    doc: object, *, region_default: str | None = None, base: ChildData | None = None
) -> ChildData:
    """The registry input a facts document describes, laid over `base` (the file being
    updated) when given. Raises ValidationFailed listing every problem of the document."""
    errors = validate_facts(doc)
    if errors or not isinstance(doc, dict):
        raise _failed(errors)
    data, errors = _child_data(doc, region_default=region_default, base=base)
    if errors:
        raise _failed(errors)
    return data


def facts_import(
    *,
    actor: User,
    doc: object,
    name: str | None = None,
    region_default: str | None = None,
    confirm_not_duplicate: bool = False,
) -> tuple[Child, bool]:
    """Register a file from a facts document (bare or in an import envelope), or update the
    file it names; refused whole, nothing saved, when anything in it is wrong."""
    if not has_perm(actor, Perm.IMPORT_FACTS):
        raise PermissionRefused(_("您的账号没有导入事实文档的权限"))
    enveloped = isinstance(doc, dict) and "facts" in doc
    errors = validate_envelope(doc) if enveloped else validate_facts(doc)
    if errors or not isinstance(doc, dict):
        raise _failed(errors)
    facts: dict[str, Any] = doc["facts"] if enveloped else doc
    identity: dict[str, Any] = doc.get("child", {}) if enveloped else {}
    confirm = confirm_not_duplicate or (enveloped and doc.get("confirm_not_duplicate") is True)
    paths = _Paths(enveloped)
    with transaction.atomic():
        existing = _existing(actor, str(facts["id"]), paths)
        base = child_to_data(existing) if existing is not None else None
        data, facts_errors = _child_data(facts, region_default=region_default, base=base)
        facts_errors.extend(_needs_errors(facts, existing))
        errors = [e.under("facts") if enveloped else e for e in facts_errors]
        data = _with_identity(data, identity, name, creating=existing is None)
        if existing is None and not data.name:
            message = _("登记新档案时须填写儿童姓名")
            errors.append(FactsError(paths.child("name"), message, "required"))
        if errors:
            raise _failed(errors)
        try:
            if existing is None:
                child = child_register(actor=actor, data=data, confirm_not_duplicate=confirm)
                return child, True
            version = identity.get("version", existing.version)
            child = child_update(
                actor=actor,
                child=existing,
                data=data,
                expected_version=version,
                reason=str(IMPORT_REASON),
            )
            return child, False
        except ValidationFailed as exc:
            raise _failed(
                [
                    FactsError(paths.of(key), str(m), "invalid")
                    for key, ms in exc.errors.items()
                    for m in ms
                ]
            ) from exc


def _needs_errors(facts: dict[str, Any], existing: Child | None) -> list[FactsError]:
    """Assessed needs come only from a needs assessment submitted in Hehu: a document may
    carry the file's own (an exported document imported back), never different ones."""
    if "assessed_needs" not in facts:
        return []

    def key(need: dict[str, Any]) -> tuple[str, ...]:
        return (need["domain"], need["level"], need["support"], str(need["assessed_on"]))

    given = sorted(key(n) for n in facts["assessed_needs"])
    stored = []
    if existing is not None:
        stored = sorted(
            (n.domain, n.level, n.support, n.assessed_on.isoformat())
            for n in existing.assessed_needs.all()
        )
    if given == stored:
        return []
    message = _(
        "评估需求只能通过在个案中提交需求评估来改变，不能导入；"
        "请删除 assessed_needs，或保留档案中现有的内容"
    )
    return [FactsError("assessed_needs", message, "read_only")]


def _failed(errors: list[FactsError]) -> ValidationFailed:
    result: dict[str, list[Any]] = {}
    for error in errors:
        result.setdefault(error.path, []).append(error.message)
    return ValidationFailed(result)


class _Paths:
    """Where a registry input path (ChildData shape) points in the imported document."""

    _CHILD = {"name", "id_number", "no_id_reason"}
    _RENAMES = (
        (re.compile(r"^education$"), "in_full_time_education"),
        (re.compile(r"^disability_category$"), "disability.category"),
        (re.compile(r"^disability_grade$"), "disability.grade"),
        (re.compile(r"^guardian_relation$"), "guardian.relation"),
        (re.compile(r"^guardian_able_to_care$"), "guardian.able_to_care"),
        (re.compile(r"^external_id$"), "id"),
        (re.compile(r"^concerns\["), "protection_concerns["),
        (re.compile(r"\.disability_category$"), ".category"),
        (re.compile(r"\.disability_grade$"), ".grade"),
        (re.compile(r"\.illness_name$"), ".illness"),
        (re.compile(r"\.evidence_kind$"), ".evidence.kind"),
        (re.compile(r"\.evidence_reference$"), ".evidence.reference"),
    )

    def __init__(self, enveloped: bool) -> None:
        self.enveloped = enveloped

    def child(self, field: str) -> str:
        return f"child.{field}" if self.enveloped else field

    def of(self, key: str) -> str:
        if key in self._CHILD:
            return self.child(key)
        for pattern, replacement in self._RENAMES:
            key = pattern.sub(replacement, key)
        return f"facts.{key}" if self.enveloped else key


def _existing(actor: User, doc_id: str, paths: _Paths) -> Child | None:
    visible = children_visible_to(user=actor)
    internal = INTERNAL_ID_RE.match(doc_id)
    if internal:
        child = visible.filter(pk=int(internal[1]), external_id="").first()
        if child is None:
            message = _("%(id)s 是本系统的档案编号，但没有这份档案，或它不在您的管辖范围内") % {
                "id": doc_id
            }
            raise _failed([FactsError(paths.of("external_id"), message, "not_found")])
        return child
    matches = list(visible.filter(external_id=doc_id).order_by("pk")[:2])
    if len(matches) > 1:
        message = _("有多份档案使用外部编号 %(id)s，请先合并重复档案") % {"id": doc_id}
        raise _failed([FactsError(paths.of("external_id"), message, "ambiguous")])
    return matches[0] if matches else None


def _with_identity(
    data: ChildData, identity: dict[str, Any], name: str | None, *, creating: bool
) -> ChildData:
    changes: dict[str, Any] = {}
    if name or identity.get("name"):
        changes["name"] = name or identity["name"]
    if identity.get("id_number"):
        changes.update(id_number=identity["id_number"], keep_id_number=False, no_id_reason="")
    elif identity.get("no_id_reason"):
        changes.update(id_number=None, keep_id_number=False, no_id_reason=identity["no_id_reason"])
    elif creating:
        # Facts never carry the ID number; say so rather than invent one.
        changes.update(no_id_reason=NoIdReason.UNKNOWN)
    return dataclasses.replace(data, **changes)


def _child_data(
    doc: dict[str, Any], *, region_default: str | None, base: ChildData | None
) -> tuple[ChildData, list[FactsError]]:
    errors: list[FactsError] = []
    region_code = doc.get("region_code") or (base.region_code if base else region_default)
    if not region_code:
        errors.append(
            FactsError("region_code", _("登记新档案时须填写现居住地区划代码"), "required")
        )
    scalars: dict[str, str] = {}
    for field in _REQUIRED_TO_REGISTER:
        value = doc.get(field) or (getattr(base, field) if base else "")
        if not value:
            errors.append(FactsError(field, _("登记新档案时须填写此字段"), "required"))
        scalars[field] = value
    disability = doc.get("disability") or {}
    category = disability.get("category", "")
    serious_illness = bool(doc.get("serious_illness", False))
    guardian = doc.get("guardian") or {}
    internal = INTERNAL_ID_RE.match(str(doc["id"]))
    data = ChildData(
        name=base.name if base else "",
        sex=scalars["sex"],
        birth_date=dt.date.fromisoformat(doc["birth_date"]),
        region_code=region_code or "",
        hukou_region_code=doc.get("hukou_region_code")
        or (base.hukou_region_code if base else region_code or ""),
        hukou_type=scalars["hukou_type"],
        living_arrangement=scalars["living_arrangement"],
        education=doc.get("in_full_time_education") or (base.education if base else "none"),
        id_number=None,
        keep_id_number=base is not None,
        no_id_reason=base.no_id_reason if base else "",
        disability_category=category,
        disability_grade=disability.get("grade"),
        disability_certificate=(
            base.disability_certificate
            if base and category and category == base.disability_category
            else ""
        ),
        serious_illness=serious_illness,
        serious_illness_name=doc.get("serious_illness_name")
        or (base.serious_illness_name if base and serious_illness else ""),
        guardian_name=base.guardian_name if base else "",
        guardian_relation=guardian.get("relation", ""),
        guardian_able_to_care=guardian.get("able_to_care"),
        guardian_phone=base.guardian_phone if base else "",
        guardianship_grade=doc.get("guardianship_grade", ""),
        external_id=(base.external_id if base else "") if internal else str(doc["id"]),
        household=_household(doc.get("household"), base.household if base else None),
        parents=_parents(doc.get("parents", []), base.parents if base else []),
        concerns=[
            ConcernData(
                type=c["type"],
                substantiated=c.get("substantiated", False),
                since=_date(c.get("since")),
            )
            for c in doc.get("protection_concerns", [])
        ],
        receiving=[
            ReceivingData(programme=r["programme"], monthly_amount=_amount(r["monthly_amount"]))
            for r in doc.get("receiving", [])
        ],
    )
    return data, errors


def _date(value: Any) -> dt.date | None:
    return parse_date(value) if value is not None else None


def _amount(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _money(value: Any) -> Decimal | None:
    return None if value is None else _amount(value)


def _household(facts: dict[str, Any] | None, base: HouseholdData | None) -> HouseholdData | None:
    if facts is None and base is None:
        return None
    facts = facts or {}
    # Without a household in the document the engine sees no assistance; the address and
    # the members the file already has are not facts and stay.
    return HouseholdData(
        address=base.address if base else "",
        dibao=facts.get("dibao", False),
        tekun=facts.get("tekun", False),
        low_income=facts.get("low_income", False),
        dibao_child_amount=_money(facts.get("dibao_child_amount")),
        income_per_capita=_money(facts.get("income_per_capita")),
        members=list(base.members) if base else [],
    )


def _parents(facts: list[dict[str, Any]], base: list[ParentData]) -> list[ParentData]:
    known = {p.role: p for p in base}
    parents = []
    for p in facts:
        before = known.get(p["role"])
        parents.append(
            ParentData(
                role=p["role"],
                name=before.name if before else "",
                vital_status=p["vital_status"],
                migrant_worker=p.get("migrant_worker", False),
                phone=before.phone if before else "",
                conditions=[_condition(c) for c in p.get("conditions", [])],
            )
        )
    return parents


def _condition(c: dict[str, Any]) -> ConditionData:
    evidence = c.get("evidence") or {}
    return ConditionData(
        type=c["type"],
        since=_date(c.get("since")),
        until=_date(c.get("until")),
        term_months=c.get("term_months"),
        disability_category=c.get("category", ""),
        disability_grade=c.get("grade"),
        illness_name=c.get("illness", ""),
        police_accepted_on=_date(c.get("police_accepted_on")),
        police_receipt=c.get("police_receipt", False),
        on=_date(c.get("on")),
        supports_child=c.get("supports_child"),
        evidence_kind=evidence.get("kind", ""),
        evidence_reference=evidence.get("reference", ""),
    )
