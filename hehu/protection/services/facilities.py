"""The county placement register (CareFacility; MPL arts. 92–94, DOMAIN.md §7): county
civil affairs keep it, with the places' capacity; occupancy is the count of placements not
ended, and a place that is full takes a child only with a written reason.

The small checks shared with removals and placements (hehu.protection.services.placements)
are here too.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.protection.models import CareFacility
from hehu.protection.selectors import facility_occupancy
from hehu.regions.codes import InvalidRegionCode
from hehu.regions.codes import Level as CodeLevel
from hehu.regions.codes import level_of as code_level
from hehu.registry.models import Child

Errors = dict[str, list[str]]

NAME_MAX = 100
OVERRIDE_MIN = 10
OVERRIDE_MAX = 500
CAPACITY_MAX = 9999


# -- checks shared with removals and placements ------------------------------------------------
def _refuse_unless(actor: Any, perm: Perm, message: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionRefused(message)


def _in_reach(actor: Any, code: str) -> bool:
    return any(code.startswith(prefix) for prefix in actor.prefixes)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_text(errors: Errors, field: str, value: str, label: str, limit: int) -> None:
    if not value:
        errors[field] = [_("请填写%s") % label]
    elif len(value) > limit:
        errors[field] = [_("%(label)s不超过 %(n)d 字") % {"label": label, "n": limit}]


# -- the county placement register -------------------------------------------------------------
def _county_code(actor: Any, region_code: str, errors: Errors) -> str:
    """The 12-digit code of the county the facility belongs to (default: the actor's only
    county)."""
    code = _text(region_code)
    if not code:
        counties = [p for p in actor.prefixes if len(p) == 6]
        if len(counties) == 1:
            return counties[0].ljust(12, "0")
        errors["region_code"] = [_("请填写安置场所所在县（区）的区划代码")]
        return ""
    if len(code) == 6 and code.isdigit():
        code = code.ljust(12, "0")
    try:
        level = code_level(code)
    except InvalidRegionCode:
        errors["region_code"] = [_("区划代码应为 6 位或 12 位数字：%s") % code]
        return ""
    if level != CodeLevel.COUNTY:
        errors["region_code"] = [_("安置场所按县（区）登记，请填写县级区划代码")]
        return ""
    if not _in_reach(actor, code):
        errors["region_code"] = [_("只能登记本县（区）的安置场所")]
        return ""
    return code


def _facility_errors(
    *,
    name: str,
    kind: str,
    capacity: int | None,
    region_code: str,
    exclude_pk: int | None,
    errors: Errors,
) -> None:
    _check_text(errors, "name", name, _("名称"), NAME_MAX)
    if kind not in CareFacility.Kind.values:
        errors["kind"] = [_("请选择安置场所类型：寄养家庭、救助保护机构或儿童福利机构")]
    if capacity is None:
        errors["capacity"] = [_("请填写床位数（可安置人数）")]
    elif not 1 <= capacity <= CAPACITY_MAX:
        errors["capacity"] = [_("床位数应在 1 到 %d 之间") % CAPACITY_MAX]
    if name and region_code and "name" not in errors:
        same = CareFacility.objects.filter(region_code=region_code, name=name)
        if exclude_pk is not None:
            same = same.exclude(pk=exclude_pk)
        if same.exists():
            errors["name"] = [_("本县（区）已登记名为“%s”的安置场所") % name]


def _facility_audit(actor: Any, facility: CareFacility, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        verb=Verb.FACILITY_SAVED,
        object_type="care_facility",
        object_id=facility.pk,
        changes=changes,
    )


@transaction.atomic
def facility_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    capacity: int | None,
    region_code: str = "",
) -> CareFacility:
    """Add a place to the county's placement register."""
    _refuse_unless(actor, Perm.MANAGE_PLACEMENTS, _("安置场所由县级民政部门登记"))
    errors: Errors = {}
    name = _text(name)
    county = _county_code(actor, region_code, errors)
    _facility_errors(
        name=name, kind=kind, capacity=capacity, region_code=county, exclude_pk=None, errors=errors
    )
    if errors or capacity is None:
        raise ValidationFailed(errors)
    facility = CareFacility.objects.create(
        name=name, kind=kind, capacity=capacity, region_code=county
    )
    _facility_audit(
        actor,
        facility,
        {"created": True, "name": name, "kind": kind, "capacity": capacity, "region": county},
    )
    return facility


@transaction.atomic
def facility_update(
    *,
    actor: Any,
    facility: CareFacility,
    name: str,
    kind: str,
    capacity: int | None,
    active: bool,
    expected_version: int | None,
) -> CareFacility:
    """Change a place of the register; refused when someone else saved it meanwhile."""
    _refuse_unless(actor, Perm.MANAGE_PLACEMENTS, _("安置场所由县级民政部门登记"))
    if not _in_reach(actor, facility.region_code):
        raise PermissionRefused(_("只能修改本县（区）的安置场所"))
    locked = CareFacility.objects.select_for_update().get(pk=facility.pk)
    if expected_version is None or locked.version != expected_version:
        raise ConcurrentEdit(
            _(
                "“%(name)s”已被其他人修改（现为第 %(now)s 版），您的修改没有保存。"
                "请刷新页面，看过最新内容后再修改。"
            )
            % {"name": locked.name, "now": locked.version}
        )
    errors: Errors = {}
    name = _text(name)
    _facility_errors(
        name=name,
        kind=kind,
        capacity=capacity,
        region_code=locked.region_code,
        exclude_pk=locked.pk,
        errors=errors,
    )
    if errors or capacity is None:
        raise ValidationFailed(errors)
    after = {"name": name, "kind": kind, "capacity": capacity, "active": bool(active)}
    changes = {
        key: [getattr(locked, key), value]
        for key, value in after.items()
        if getattr(locked, key) != value
    }
    if not changes:
        return locked
    for key, value in after.items():
        setattr(locked, key, value)
    locked.version += 1
    locked.save(update_fields=[*after, "version"])
    _facility_audit(actor, locked, changes)
    return locked


# -- occupancy ---------------------------------------------------------------------------------
def _capacity_problem(facility: CareFacility, child: Child, reason: str) -> str:
    """Why a placement in a full facility is refused ("" when it is not full, or the
    written reason for going over capacity is enough)."""
    occupied = facility_occupancy(facility, excluding_child=child.pk)
    if occupied < facility.capacity:
        return ""
    reason = _text(reason)
    values = {
        "name": facility.name,
        "occupied": occupied,
        "capacity": facility.capacity,
        "min": OVERRIDE_MIN,
    }
    if not reason:
        return (
            _(
                "“%(name)s”已满：现安置 %(occupied)d 人，床位 %(capacity)d 个。"
                "请选择其他安置场所；确需超员安置的，请填写理由（不少于 %(min)d 个字）"
            )
            % values
        )
    if len(reason) < OVERRIDE_MIN:
        return (
            _(
                "“%(name)s”已满（现安置 %(occupied)d 人，床位 %(capacity)d 个），"
                "超员安置的理由不少于 %(min)d 个字"
            )
            % values
        )
    if len(reason) > OVERRIDE_MAX:
        return _("超员安置的理由不超过 %d 字") % OVERRIDE_MAX
    return ""
