"""Emergency removal, temporary (or long-term) guardianship by civil affairs, where the child
lives meanwhile, and the return to the guardian (MPL arts. 92–94; DOMAIN.md §7, §8).

- A removal (police or civil affairs) records one of the seven grounds of MPL art. 92; a
  removal must be followed by a placement: recorded without one, it opens an item on county
  civil affairs' work list until the child is placed.
- A placement (county civil affairs) in kinship care, a foster family or an institution of
  the register (hehu.protection.services.facilities); over capacity only with a written
  reason. One current placement per child. The child's facts follow (living arrangement;
  civil affairs as guardian); the reason written into the file's history names the
  placement by number only (MPL art. 103).
- Return to the guardian only after a civil-affairs assessment that the guardian can care
  again (MPL art. 93); a follow-up visit is due after a placement and after a return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, working_days_after
from hehu.cases.levels import level_code
from hehu.cases.models import Level, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.protection.models import CareFacility, Placement, Removal, Report, ReturnAssessment
from hehu.protection.models.placement import Ground, RemovingBody
from hehu.protection.selectors import civil_affairs_guardian_name, facility_occupancy
from hehu.protection.services.facilities import (
    NAME_MAX,
    OVERRIDE_MAX,
    Errors,
    _capacity_problem,
    _check_text,
    _in_reach,
    _refuse_unless,
    _text,
)
from hehu.registry.models import Child, GuardianRelation, LivingArrangement
from hehu.registry.selectors import children_visible_to
from hehu.registry.services.protection_facts import child_care_set

TEXT_MAX = 5000

# Where the child lives while placed (the registry's words for it).
LIVING_FOR_KIND = {
    Placement.Kind.KINSHIP: LivingArrangement.WITH_RELATIVES,
    Placement.Kind.FOSTER_FAMILY: LivingArrangement.FOSTER_FAMILY,
    Placement.Kind.INSTITUTION: LivingArrangement.INSTITUTION,
}
# Which places of the register each kind of placement may use.
FACILITY_KINDS = {
    Placement.Kind.FOSTER_FAMILY: {CareFacility.Kind.FOSTER_FAMILY},
    Placement.Kind.INSTITUTION: {
        CareFacility.Kind.PROTECTION_CENTRE,
        CareFacility.Kind.WELFARE_INSTITUTION,
    },
}
# After a return the child does not live in care, and the guardian is not civil affairs.
NOT_AFTER_RETURN_LIVING = {LivingArrangement.FOSTER_FAMILY, LivingArrangement.INSTITUTION}
NOT_AFTER_RETURN_GUARDIAN = {GuardianRelation.CIVIL_AFFAIRS, GuardianRelation.INSTITUTION}


def placement_number(placement: Placement) -> str:
    """The reference of a placement in the child's history: AZ and six digits."""
    return f"AZ{placement.pk:06d}"


def removal_number(removal: Removal) -> str:
    return f"DL{removal.pk:06d}"


# -- shared checks -----------------------------------------------------------------------------
def _require_child(actor: Any, child: Child) -> None:
    if not children_visible_to(user=actor).filter(pk=child.pk).exists():
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))


def _county_of(child: Child) -> str:
    return level_code(Level.COUNTY, child.region_id)


def _check_date(
    errors: Errors, field: str, value: dt.date | None, label: str, *, not_before: dt.date | None
) -> None:
    today = timezone.localdate()
    if value is None:
        errors[field] = [_("请填写%s") % label]
    elif value > today:
        errors[field] = [_("%s不能晚于今天") % label]
    elif not_before is not None and value < not_before:
        errors[field] = [
            _("%(label)s不能早于 %(date)s") % {"label": label, "date": not_before.isoformat()}
        ]


def _followup_due(start: dt.date, region_code: str) -> tuple[Due, int]:
    """`placement_followup_days` calendar days after `start`, moved off a rest day."""
    days = int(procedure_value("placement_followup_days", region_code, start))
    day = start + dt.timedelta(days=days)
    # The first working day after the day before: the day itself when it is a working day.
    return working_days_after(day - dt.timedelta(days=1), 1), days


# -- removal -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlacementInput:
    """A placement recorded with the removal (same form, same API call)."""

    kind: str
    started_on: dt.date | None
    guardianship: str = Placement.Guardianship.TEMPORARY
    facility_id: int | None = None
    carer_name: str = ""
    carer_relation: str = ""
    over_capacity_reason: str = ""


def _removal_actor(actor: Any) -> None:
    # Among the departments only the police hold RECORD_REMOVAL (DOMAIN.md §8;
    # hehu.accounts.permissions.DEPARTMENT_ONLY).
    _refuse_unless(actor, Perm.RECORD_REMOVAL, _("紧急带离由公安机关或县级民政部门登记"))


def _report_of(actor: Any, child: Child, report_id: int | None, errors: Errors) -> Report | None:
    """The compulsory report the removal follows, if one is named (of the actor's region)."""
    if report_id is None:
        return None
    report = Report.objects.filter(pk=report_id).first()
    if report is None or not _in_reach(actor, report.region_code):
        errors["report"] = [_("没有找到这份强制报告，请核对报告编号")]
        return None
    if report.child_id is not None and report.child_id != child.pk:
        errors["report"] = [_("强制报告 %s 关联的是另一名儿童，请核对报告编号") % report.number]
        return None
    return report


@transaction.atomic
def removal_record(
    *,
    actor: Any,
    child: Child,
    removed_at: dt.datetime | None,
    removed_by_body: str,
    removed_by_name: str,
    ground: str,
    circumstances: str,
    report_id: int | None = None,
    placement: PlacementInput | None = None,
) -> Removal:
    """Record an emergency removal on one of the seven grounds of MPL art. 92, with the
    placement that follows when the actor may place the child (errors of both at once:
    the placement's under "placement.<field>")."""
    _removal_actor(actor)
    _require_child(actor, child)
    if placement is not None:
        _refuse_unless(
            actor,
            Perm.MANAGE_PLACEMENTS,
            _("安置由县级民政部门决定：请只登记紧急带离，民政部门将安排安置"),
        )
    errors: Errors = {}
    name, circumstances = _text(removed_by_name), _text(circumstances)
    now = timezone.now()
    if removed_at is None:
        errors["removed_at"] = [_("请填写带离时间")]
    elif removed_at > now + dt.timedelta(minutes=5):
        errors["removed_at"] = [_("带离时间不能晚于现在")]
    elif child.birth_date and timezone.localdate(removed_at) < child.birth_date:
        errors["removed_at"] = [_("带离时间不能早于儿童出生日期")]
    if removed_by_body not in RemovingBody.values:
        errors["removed_by_body"] = [_("请选择带离单位")]
    _check_text(errors, "removed_by_name", name, _("带离人员"), NAME_MAX)
    if ground not in Ground.values:
        errors["ground"] = [_("请选择临时监护的情形（未成年人保护法第九十二条所列七种情形之一）")]
    _check_text(errors, "circumstances", circumstances, _("情况说明"), TEXT_MAX)
    report = _report_of(actor, child, report_id, errors)
    removed_on = timezone.localdate(removed_at) if removed_at else None
    if placement is not None:
        placement_problems = _placement_errors(
            actor=actor, child=child, data=placement, not_before=removed_on
        )
        errors.update({f"placement.{k}": v for k, v in placement_problems.items()})
    if errors or removed_at is None:
        raise ValidationFailed(errors)
    removal = Removal.objects.create(
        child=child,
        report=report,
        removed_at=removed_at,
        removed_by_body=removed_by_body,
        removed_by_name=name,
        ground=ground,
        circumstances=circumstances,
        recorded_by=actor,
        recorded_at=now,
    )
    # The narrative stays in the record: the audit says what, not what happened.
    audit_record(
        actor=actor,
        verb=Verb.REMOVAL_RECORDED,
        object_type="removal",
        object_id=removal.pk,
        child_id=child.pk,
        changes={
            "ground": ground,
            "removed_by_body": removed_by_body,
            "removed_at": removed_at.isoformat(),
            "report": report.pk if report else None,
        },
    )
    if placement is not None:
        _placement_create(actor=actor, child=child, data=placement, removal=removal)
    else:
        _placement_due(removal)
    return removal


def _placement_due(removal: Removal) -> None:
    """A removed child not yet placed: county civil affairs must place them today."""
    on = timezone.localdate(removal.removed_at)
    work_item_open(
        kind=WorkItem.Kind.PLACEMENT_FOLLOWUP,
        child_id=removal.child_id,
        region_code=removal.child.region_id,
        level=Level.COUNTY,
        due=Due(on),
        rule=rule(
            "紧急带离后由民政部门立即安置（未成年人保护法第九十二、九十三条）",
            "place the child at once after an emergency removal (MPL arts. 92, 93)",
        ),
        object_type="removal",
        object_id=removal.pk,
    )


# -- placement ---------------------------------------------------------------------------------
def _placement_errors(
    *, actor: Any, child: Child, data: PlacementInput, not_before: dt.date | None
) -> Errors:
    """Every problem of a placement, the capacity of its facility included (the facility is
    locked by the caller when it writes)."""
    errors: Errors = {}
    if data.kind not in Placement.Kind.values:
        errors["kind"] = [_("请选择安置方式：委托亲属抚养、家庭寄养或机构收留抚养")]
    if data.guardianship not in Placement.Guardianship.values:
        errors["guardianship"] = [_("请选择监护类型：临时监护或长期监护")]
    current = Placement.objects.filter(child=child, ended_on__isnull=True).first()
    earliest = max(
        [d for d in (not_before, child.birth_date, current and current.started_on) if d],
        default=None,
    )
    _check_date(errors, "started_on", data.started_on, _("安置日期"), not_before=earliest)
    carer, relation = _text(data.carer_name), _text(data.carer_relation)
    if data.kind == Placement.Kind.KINSHIP:
        _check_text(errors, "carer_name", carer, _("受委托照料的亲属姓名"), NAME_MAX)
        _check_text(errors, "carer_relation", relation, _("亲属与儿童的关系"), 40)
        if data.facility_id is not None:
            errors["facility"] = [_("委托亲属抚养不选择安置场所")]
    elif data.kind in FACILITY_KINDS:
        if len(carer) > NAME_MAX:
            errors["carer_name"] = [_("照料人不超过 %d 字") % NAME_MAX]
        if len(relation) > 40:
            errors["carer_relation"] = [_("与儿童关系不超过 40 字")]
        _facility_problems(actor, child, data, errors)
    return errors


def _facility_problems(actor: Any, child: Child, data: PlacementInput, errors: Errors) -> None:
    facility = (
        CareFacility.objects.filter(pk=data.facility_id).first() if data.facility_id else None
    )
    if facility is None:
        errors["facility"] = [_("请从本县（区）安置场所登记中选择安置场所")]
        return
    if facility.region_code != _county_of(child) or not _in_reach(actor, facility.region_code):
        errors["facility"] = [_("请选择儿童所在县（区）登记的安置场所")]
        return
    if facility.kind not in FACILITY_KINDS[Placement.Kind(data.kind)]:
        errors["facility"] = [
            _("“%(name)s”是%(kind)s，不能用于%(placement)s")
            % {
                "name": facility.name,
                "kind": facility.get_kind_display(),
                "placement": Placement.Kind(data.kind).label,
            }
        ]
        return
    if not facility.active:
        errors["facility"] = [_("“%s”已停用，请选择其他安置场所") % facility.name]
        return
    problem = _capacity_problem(facility, child, data.over_capacity_reason)
    if problem:
        errors["over_capacity_reason"] = [problem]


@transaction.atomic
def placement_start(
    *,
    actor: Any,
    child: Child,
    data: PlacementInput,
    removal: Removal | None = None,
) -> Placement:
    """Place a child in temporary (or long-term) guardianship by civil affairs; a current
    placement ends the same day ("moved", or "long_term" when temporary care becomes
    long-term guardianship)."""
    _refuse_unless(actor, Perm.MANAGE_PLACEMENTS, _("安置由县级民政部门决定"))
    _require_child(actor, child)
    if removal is not None and removal.child_id != child.pk:
        raise ValidationFailed({"removal": [_("这次紧急带离登记的是另一名儿童")]})
    not_before = timezone.localdate(removal.removed_at) if removal else None
    errors = _placement_errors(actor=actor, child=child, data=data, not_before=not_before)
    if errors:
        raise ValidationFailed(errors)
    return _placement_create(actor=actor, child=child, data=data, removal=removal)


def _placement_create(
    *, actor: Any, child: Child, data: PlacementInput, removal: Removal | None
) -> Placement:
    facility = None
    if data.facility_id is not None and data.kind != Placement.Kind.KINSHIP:
        # Two officers placing the last bed at once: the second waits here and counts again.
        facility = CareFacility.objects.select_for_update().get(pk=data.facility_id)
        problem = _capacity_problem(facility, child, data.over_capacity_reason)
        if problem:
            raise ValidationFailed({"over_capacity_reason": [problem]})
    if data.started_on is None:  # checked by _placement_errors
        raise ValidationFailed({"started_on": [_("请填写安置日期")]})
    if removal is None:
        removal = (
            Removal.objects.filter(child=child, placements__isnull=True)
            .order_by("-removed_at", "-id")
            .first()
        )
    previous = (
        Placement.objects.select_for_update().filter(child=child, ended_on__isnull=True).first()
    )
    occupied = facility_occupancy(facility, excluding_child=child.pk) if facility else 0
    over = facility is not None and occupied >= facility.capacity
    if previous is not None:
        moved = (
            Placement.EndReason.LONG_TERM
            if previous.guardianship == Placement.Guardianship.TEMPORARY
            and data.guardianship == Placement.Guardianship.LONG_TERM
            else Placement.EndReason.MOVED
        )
        _end(actor, previous, data.started_on, moved)
    placement = Placement.objects.create(
        child=child,
        removal=removal,
        kind=data.kind,
        guardianship=data.guardianship,
        facility=facility,
        carer_name=_text(data.carer_name),
        carer_relation=_text(data.carer_relation),
        region_code=_county_of(child),
        started_on=data.started_on,
        over_capacity_reason=_text(data.over_capacity_reason) if over else "",
        recorded_by=actor,
    )
    changes: dict[str, Any] = {
        "kind": placement.kind,
        "guardianship": placement.guardianship,
        "facility": facility.pk if facility else None,
        "started_on": placement.started_on.isoformat(),
        "removal": removal.pk if removal else None,
        "previous": previous.pk if previous else None,
    }
    if over and facility is not None:
        changes["over_capacity"] = {"occupied": occupied, "capacity": facility.capacity}
    audit_record(
        actor=actor,
        verb=Verb.PLACEMENT_STARTED,
        object_type="placement",
        object_id=placement.pk,
        child_id=child.pk,
        changes=changes,
        reason=placement.over_capacity_reason[:OVERRIDE_MAX],
    )
    # The removal's "place the child" items are done: the child is placed.
    for removal_id in Removal.objects.filter(child=child).values_list("pk", flat=True):
        work_items_done(object_type="removal", object_id=removal_id)
    child_care_set(
        actor=actor,
        child=child,
        living_arrangement=LIVING_FOR_KIND[Placement.Kind(placement.kind)],
        guardian_relation=GuardianRelation.CIVIL_AFFAIRS,
        guardian_name=civil_affairs_guardian_name(placement.region_code),
        guardian_able_to_care=True,
        # Stored in the file's history: Chinese whatever the officer's language.
        reason=f"安置 {placement_number(placement)}",
    )
    _case_follows(actor, child, placement)
    due, days = _followup_due(placement.started_on, child.region_id)
    work_item_open(
        kind=WorkItem.Kind.PLACEMENT_FOLLOWUP,
        child_id=child.pk,
        region_code=child.region_id,
        level=Level.COUNTY,
        due=due,
        rule=rule(
            f"安置后 {days} 日内回访（未成年人保护法第九十三条）",
            f"visit within {days} days of a placement (MPL art. 93)",
        ),
        object_type="placement",
        object_id=placement.pk,
    )
    return placement


def _case_follows(actor: Any, child: Child, placement: Placement) -> None:
    """A child in temporary care has a case: its visits are the follow-up (MPL art. 93).
    Without an open case one opens on the emergency path (first visit the next working
    day); the placement's follow-up item stops at the first visit that sees the child."""
    from hehu.cases.models import Case
    from hehu.cases.services.cases import case_open

    if Case.objects.filter(child=child).exclude(status=Case.Status.CLOSED).exists():
        return
    case_open(
        actor=actor,
        child=child,
        source=Case.Source.MANUAL,
        reason=f"临时监护安置 {placement_number(placement)}",
        emergency=True,
    )


# -- return assessment -------------------------------------------------------------------------
def _require_placement(actor: Any, placement: Placement) -> None:
    _refuse_unless(actor, Perm.MANAGE_PLACEMENTS, _("返还监护评估和结束安置由县级民政部门办理"))
    if not _in_reach(actor, placement.region_code):
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))
    _require_child(actor, placement.child)


@transaction.atomic
def return_assessment_record(
    *,
    actor: Any,
    placement: Placement,
    assessed_on: dt.date | None,
    guardian_can_care: bool | None,
    findings: str,
) -> ReturnAssessment:
    """Civil affairs' assessment of whether the guardian can care for the child again."""
    _require_placement(actor, placement)
    errors: Errors = {}
    if placement.ended_on is not None:
        raise ValidationFailed(
            {"placement": [_("这次安置已于 %s 结束，不能再评估") % placement.ended_on.isoformat()]}
        )
    _check_date(errors, "assessed_on", assessed_on, _("评估日期"), not_before=placement.started_on)
    if guardian_can_care is None:
        errors["guardian_can_care"] = [_("请选择评估结论：监护人能否重新履行监护职责")]
    findings = _text(findings)
    _check_text(errors, "findings", findings, _("评估意见"), TEXT_MAX)
    if errors or assessed_on is None or guardian_can_care is None:
        raise ValidationFailed(errors)
    assessment = ReturnAssessment.objects.create(
        placement=placement,
        assessed_on=assessed_on,
        guardian_can_care=guardian_can_care,
        findings=findings,
        assessed_by=actor,
    )
    audit_record(
        actor=actor,
        verb=Verb.RETURN_ASSESSED,
        object_type="placement",
        object_id=placement.pk,
        child_id=placement.child_id,
        changes={
            "assessment": assessment.pk,
            "assessed_on": assessed_on.isoformat(),
            "guardian_can_care": guardian_can_care,
        },
    )
    return assessment


# -- end of a placement ------------------------------------------------------------------------
def _end(actor: Any, placement: Placement, on: dt.date, reason: str) -> None:
    placement.ended_on = on
    placement.end_reason = reason
    placement.version += 1
    placement.save(update_fields=["ended_on", "end_reason", "version"])
    work_items_done(object_type="placement", object_id=placement.pk)
    audit_record(
        actor=actor,
        verb=Verb.PLACEMENT_ENDED,
        object_type="placement",
        object_id=placement.pk,
        child_id=placement.child_id,
        changes={"ended_on": on.isoformat(), "end_reason": reason},
    )


def _return_errors(
    placement: Placement, living_arrangement: str, guardian_relation: str, errors: Errors
) -> None:
    latest = placement.return_assessments.order_by("-assessed_on", "-id").first()
    if latest is None:
        errors["end_reason"] = [_("返还监护人前须由民政部门评估监护人能够重新履行监护职责")]
    elif not latest.guardian_can_care:
        errors["end_reason"] = [
            _("%(rule)s：最近一次评估（%(date)s）认为监护人尚不能重新履行监护职责")
            % {
                "rule": _("返还监护人前须由民政部门评估监护人能够重新履行监护职责"),
                "date": latest.assessed_on.isoformat(),
            }
        ]
    if living_arrangement not in LivingArrangement.values:
        errors["living_arrangement"] = [_("请选择返还后儿童的居住情况")]
    elif living_arrangement in NOT_AFTER_RETURN_LIVING:
        errors["living_arrangement"] = [_("返还监护人后，居住情况不能是家庭寄养或机构养育")]
    if guardian_relation not in GuardianRelation.values:
        errors["guardian_relation"] = [_("请选择监护人与儿童的关系")]
    elif guardian_relation in NOT_AFTER_RETURN_GUARDIAN:
        errors["guardian_relation"] = [_("返还监护人后，监护人不能是民政部门或儿童福利机构")]


@transaction.atomic
def placement_end(
    *,
    actor: Any,
    placement: Placement,
    ended_on: dt.date | None,
    end_reason: str,
    living_arrangement: str = "",
    guardian_relation: str = "",
    guardian_name: str = "",
    expected_version: int | None = None,
) -> Placement:
    """End a placement. A return to the guardian needs a positive return assessment; the
    child's facts then say where and with whom the child lives, and a follow-up visit is
    due."""
    _require_placement(actor, placement)
    locked = Placement.objects.select_for_update().select_related("child").get(pk=placement.pk)
    if locked.ended_on is not None:
        raise ValidationFailed(
            {"placement": [_("这次安置已于 %s 结束") % locked.ended_on.isoformat()]}
        )
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEdit(_("这次安置已被其他人修改，请刷新页面后重试"))
    errors: Errors = {}
    if end_reason not in Placement.EndReason.values:
        errors["end_reason"] = [_("请选择结束安置的原因")]
    _check_date(errors, "ended_on", ended_on, _("结束日期"), not_before=locked.started_on)
    returned = end_reason == Placement.EndReason.RETURNED
    if returned:
        _return_errors(locked, living_arrangement, guardian_relation, errors)
    elif living_arrangement and living_arrangement not in LivingArrangement.values:
        errors["living_arrangement"] = [_("请选择儿童现在的居住情况")]
    if len(_text(guardian_name)) > NAME_MAX:
        errors["guardian_name"] = [_("监护人姓名不超过 %d 字") % NAME_MAX]
    if errors or ended_on is None:
        raise ValidationFailed(errors)
    _end(actor, locked, ended_on, end_reason)
    if living_arrangement:
        child_care_set(
            actor=actor,
            child=locked.child,
            living_arrangement=living_arrangement,
            guardian_relation=guardian_relation or None,
            guardian_name=_text(guardian_name) or None,
            guardian_able_to_care=True if returned else None,
            reason=f"结束安置 {placement_number(locked)}",
        )
    if returned:
        due, days = _followup_due(ended_on, locked.child.region_id)
        work_item_open(
            kind=WorkItem.Kind.PLACEMENT_FOLLOWUP,
            child_id=locked.child_id,
            region_code=locked.child.region_id,
            level=Level.COUNTY,
            due=due,
            rule=rule(
                f"返还监护人后 {days} 日内回访（未成年人保护法第九十三条）",
                f"visit within {days} days of the return to the guardian (MPL art. 93)",
            ),
            object_type="placement",
            object_id=locked.pk,
        )
    return locked
