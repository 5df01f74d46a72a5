"""The guardianship intervention ladder (DOMAIN.md §7; MPL art. 118, FEPL arts. 48–49,
ADVL arts. 23–30, CC arts. 32, 36–38): recording a step, what it answers on the child's
record, and the facts that follow.

Each step is recorded for a registered child, dated (not in the future), with its evidence,
the body that took it, the person responsible and — for a legal document — its reference.
Who may record which step and what a step must say: intervention_rules; the clocks a step
starts and stops, and the "needs revocation" item: intervention_clocks.

Facts follow: a revocation adds "guardianship revoked" to the parent (with the judgment's
reference); when it leaves the child with nobody — no other parent alive and able, no other
able guardian on file — civil affairs becomes the long-term guardian by law (CC art. 32,
MPL art. 94) and that step is recorded with it. A restoration ends the revocation; it is
refused after a revocation for an intentional crime against the child (CC art. 38).
Reasons in the child's file history name the step by number only (MPL art. 103).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import months_after
from hehu.cases.models import WorkItem
from hehu.cases.services.workitems import work_items_done
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.protection.models import InterventionStep
from hehu.protection.selectors import civil_affairs_guardian_name, require_protection_view
from hehu.protection.services.intervention_clocks import (
    _decision_clock,
    _expiry_clock,
    _revocation_clock,
)
from hehu.protection.services.intervention_rules import (
    OBJECT_TYPE,
    ORDER_DECISIONS,
    ORDERS_IN_FORCE,
    PARENT_ROLES,
    Body,
    Step,
    StepInput,
    _bodies_of,
    _check_actor,
    _problems,
    date_text,
    is_court,
)
from hehu.registry.models import Child, GuardianRelation, Parent
from hehu.registry.services.protection_facts import (
    child_care_set,
    parent_guardianship_restored,
    parent_guardianship_revoked,
)

# A guardian other than a parent who can take the child in (CC art. 27).
OTHER_GUARDIANS = (
    GuardianRelation.GRANDPARENT,
    GuardianRelation.SIBLING,
    GuardianRelation.OTHER_RELATIVE,
    GuardianRelation.OTHER_PERSON,
)


def step_number(step: InterventionStep) -> str:
    """The step's number: what the child's file history names instead of the matter."""
    return f"G{step.pk:06d}"


def _file_reason(step: InterventionStep) -> str:
    """The reason in the child's file history: the step's number only (MPL art. 103),
    stored in Chinese whatever the officer's language, like every stored text."""
    return f"监护干预措施 {step_number(step)}"


# -- the record of a child ------------------------------------------------------------------
def intervention_steps_of(child: Child) -> list[InterventionStep]:
    """The child's steps, oldest first (callers check VIEW_PROTECTION and audit the view)."""
    return list(
        InterventionStep.objects.filter(child=child)
        .select_related("recorded_by", "answers")
        .order_by("on", "id")
    )


def open_application(child: Child) -> InterventionStep | None:
    """The protection order application awaiting the court's decision."""
    return (
        InterventionStep.objects.filter(child=child, step=Step.ORDER_APPLIED)
        .exclude(answered_by__step__in=list(ORDER_DECISIONS))
        .order_by("-on", "-id")
        .first()
    )


def order_in_force(child: Child) -> InterventionStep | None:
    """The latest order granted or renewed (it may have expired: see `expires_on`)."""
    return (
        InterventionStep.objects.filter(child=child, step__in=list(ORDERS_IN_FORCE))
        .order_by("-on", "-id")
        .first()
    )


def _revocation_in_force(child: Child, role: str) -> InterventionStep | None:
    """The latest revocation of this parent's guardianship not followed by a restoration."""
    revocation = (
        InterventionStep.objects.filter(child=child, step=Step.REVOCATION, guardian_role=role)
        .order_by("-on", "-id")
        .first()
    )
    if revocation is None:
        return None
    restored = InterventionStep.objects.filter(
        child=child, step=Step.RESTORATION, guardian_role=role
    ).filter(Q(on__gt=revocation.on) | Q(on=revocation.on, id__gt=revocation.pk))
    return None if restored.exists() else revocation


def _open_petition(child: Child, role: str) -> InterventionStep | None:
    """A petition to revoke (this parent's, or unspecified) not yet answered by a revocation."""
    return (
        InterventionStep.objects.filter(child=child, step=Step.REVOCATION_PETITION)
        .filter(guardian_role__in=[role, ""])
        .exclude(answered_by__step=Step.REVOCATION)
        .order_by("-on", "-id")
        .first()
    )


# -- recording a step -----------------------------------------------------------------------
def _ladder_problems(
    actor: Any, child: Child, data: StepInput, on: dt.date
) -> tuple[dict[str, list[str]], InterventionStep | None]:
    """Steps that cannot follow what is on record; the step this one answers."""
    errors: dict[str, list[str]] = {}
    answers: InterventionStep | None = None
    step = data.step
    if step == Step.ORDER_APPLIED and open_application(child) is not None:
        errors["step"] = [_("已有一项人身安全保护令申请等待法院裁定，请先登记裁定结果。")]
    elif step in ORDER_DECISIONS:
        answers = open_application(child)
        if answers is None:
            errors["step"] = [_("没有等待裁定的人身安全保护令申请：请先登记申请，再登记裁定。")]
        elif on < answers.on:
            errors["on"] = [
                _("裁定日期不能早于申请日期（%(date)s）。") % {"date": date_text(answers.on)}
            ]
    elif step == Step.ORDER_RENEWED:
        answers = order_in_force(child)
        if answers is None:
            errors["step"] = [_("没有已作出的人身安全保护令，不能延长。")]
        elif answers.expires_on is not None and on > answers.expires_on:
            errors["on"] = [
                _("原保护令已于 %(date)s 到期，不能再延长；请重新申请。")
                % {"date": date_text(answers.expires_on)}
            ]
    elif step == Step.REVOCATION and data.guardian_role in PARENT_ROLES:
        if _revocation_in_force(child, data.guardian_role) is not None:
            errors["guardian_role"] = [_("该监护人的资格已被撤销，无需重复登记。")]
        else:
            answers = _open_petition(child, data.guardian_role)
            if answers is None and not is_court(actor):
                errors["step"] = [
                    _(
                        "撤销监护人资格须有人申请（民法典第三十六条）：请先登记撤销申请；"
                        "没有申请的，只能由人民法院登记。"
                    )
                ]
    elif step == Step.RESTORATION and data.guardian_role in PARENT_ROLES:
        answers = _revocation_in_force(child, data.guardian_role)
        if answers is None:
            errors["guardian_role"] = [_("没有撤销该监护人资格的记录，不能恢复。")]
        elif answers.intentional_crime:
            errors["step"] = [
                _(
                    "该监护人因对被监护人实施故意犯罪被撤销监护人资格，"
                    "依法不得恢复（民法典第三十八条）。"
                )
            ]
        elif on < answers.on:
            errors["on"] = [
                _("恢复日期不能早于撤销日期（%(date)s）。") % {"date": date_text(answers.on)}
            ]
    return errors, answers


@transaction.atomic
def intervention_record(*, actor: Any, child: Child, data: StepInput) -> InterventionStep:
    """Record one step of the ladder for a registered child; start or stop its clocks and
    change the child's facts where the step does."""
    if not has_perm(actor, Perm.RECORD_INTERVENTION):
        raise PermissionRefused(_("您的账号不能登记监护干预措施"))
    require_protection_view(actor, child)
    today = timezone.localdate()
    errors, body, on = _problems(actor, child, data, today)
    if errors or on is None:
        raise ValidationFailed(errors)
    _check_actor(actor, data.step, body)
    # One ladder at a time per child: the checks below read what is on record.
    child = Child.objects.select_for_update().get(pk=child.pk)
    ladder, answers = _ladder_problems(actor, child, data, on)
    if ladder:
        raise ValidationFailed(ladder)
    now = timezone.now()
    step = InterventionStep.objects.create(
        child=child,
        step=data.step,
        on=on,
        body=body,
        guardian_role=data.guardian_role,
        reference=data.reference.strip(),
        evidence=data.evidence.strip(),
        responsible=data.responsible.strip(),
        urgent=data.urgent if data.step == Step.ORDER_APPLIED else False,
        expires_on=data.expires_on if data.step in ORDERS_IN_FORCE else None,
        intentional_crime=data.intentional_crime if data.step == Step.REVOCATION else False,
        answers=answers,
        recorded_by=actor,
        recorded_at=now,
    )
    if data.step == Step.ORDER_APPLIED and data.applied_at is not None:
        _decision_clock(step, data.applied_at)
    _audit(actor, step)
    _follow(actor, child, step)
    return step


def _audit(actor: Any, step: InterventionStep) -> None:
    changes: dict[str, Any] = {
        "step": step.step,
        "body": step.body,
        "on": step.on.isoformat(),
    }
    for name in ("guardian_role", "reference"):
        if getattr(step, name):
            changes[name] = getattr(step, name)
    if step.urgent:
        changes["urgent"] = True
    if step.decision_due_at:
        changes["decision_due_at"] = step.decision_due_at.isoformat()
    if step.expires_on:
        changes["expires_on"] = step.expires_on.isoformat()
    if step.intentional_crime:
        changes["intentional_crime"] = True
    if step.answers_id:
        changes["answers"] = step.answers_id
    audit_record(
        actor=actor,
        verb=Verb.INTERVENTION_RECORDED,
        object_type=OBJECT_TYPE,
        object_id=step.pk,
        child_id=step.child_id,
        changes=changes,
    )


def _follow(actor: Any, child: Child, step: InterventionStep) -> None:
    """Clocks stopped and started, and the child's facts, after a step."""
    reason = _file_reason(step)
    kind = step.step
    if kind in ORDER_DECISIONS and step.answers_id:
        work_items_done(
            object_type=OBJECT_TYPE,
            object_id=step.answers_id,
            kinds=[WorkItem.Kind.ORDER_DECISION],
        )
    if kind == Step.ORDER_RENEWED and step.answers_id:
        work_items_done(
            object_type=OBJECT_TYPE,
            object_id=step.answers_id,
            kinds=[WorkItem.Kind.ORDER_EXPIRY],
        )
    if kind in ORDERS_IN_FORCE:
        _expiry_clock(step)
    if kind in (Step.REVOCATION_PETITION, Step.REVOCATION):
        work_items_done(
            object_type=OBJECT_TYPE,
            object_id=child.pk,
            kinds=[WorkItem.Kind.REVOCATION_PETITION],
        )
    if kind == Step.REVOCATION:
        parent_guardianship_revoked(
            actor=actor,
            child=child,
            role=step.guardian_role,
            on=step.on,
            reference=step.reference,
            reason=reason,
        )
        if left_with_nobody(child, step.guardian_role, step.on):
            _long_term_by_law(actor, child, step)
    elif kind == Step.RESTORATION:
        parent_guardianship_restored(
            actor=actor, child=child, role=step.guardian_role, on=step.on, reason=reason
        )
    elif kind == Step.LONG_TERM_GUARDIANSHIP:
        _civil_affairs_guardian(actor, child, reason)


def _parent_able(parent: Parent, on: dt.date) -> bool:
    """Alive and without a condition Q in force on `on` (DOMAIN.md §4)."""
    if parent.vital_status != Parent.VitalStatus.ALIVE:
        return False
    for condition in parent.conditions.all():
        start = condition.since or condition.on
        if start is not None and start > on:
            continue
        end = condition.until
        if end is None and condition.term_months and condition.since:
            end = months_after(condition.since, condition.term_months)
        if end is None or end >= on:
            return False
    return True


def left_with_nobody(child: Child, revoked_role: str, on: dt.date) -> bool:
    """After the revocation of `revoked_role`: no other parent alive and able, and no other
    guardian on file who is able to care (CC arts. 27, 32)."""
    others = Parent.objects.filter(child=child).exclude(role=revoked_role)
    if any(_parent_able(p, on) for p in others.prefetch_related("conditions")):
        return False
    child.refresh_from_db(fields=["guardian_relation", "guardian_able_to_care"])
    return not (
        child.guardian_relation in OTHER_GUARDIANS and child.guardian_able_to_care is not False
    )


def _long_term_by_law(actor: Any, child: Child, revocation: InterventionStep) -> None:
    """The revocation left the child with nobody: civil affairs is the guardian by law."""
    step = InterventionStep.objects.create(
        child=child,
        step=Step.LONG_TERM_GUARDIANSHIP,
        on=revocation.on,
        body=Body.CIVIL_AFFAIRS,
        guardian_role="",
        reference=revocation.reference,
        evidence=(
            f"依据撤销监护人资格的判决（{revocation.reference}），"
            "儿童没有其他具有监护能力的父母或监护人，"
            "由民政部门担任监护人（民法典第三十二条，未成年人保护法第九十四条）。"
        ),
        responsible=revocation.responsible,
        answers=revocation,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _audit(actor, step)
    _civil_affairs_guardian(actor, child, _file_reason(step))


def _civil_affairs_guardian(actor: Any, child: Child, reason: str) -> None:
    name = civil_affairs_guardian_name(child.region_id)
    child.refresh_from_db(fields=["living_arrangement"])
    child_care_set(
        actor=actor,
        child=child,
        living_arrangement=child.living_arrangement,
        guardian_relation=GuardianRelation.CIVIL_AFFAIRS,
        guardian_name=name,
        guardian_able_to_care=True,
        reason=reason,
    )


# -- CC art. 36: civil affairs petition when no one else does --------------------------------
class RevocationAlreadyPending(ApplicationError):
    code = "revocation_pending"
    status = 409


@transaction.atomic
def intervention_revocation_needed(
    *, actor: Any, child: Child, reason: str = ""
) -> tuple[WorkItem, bool]:
    """ "需要撤销监护资格": the parent's conduct is grave enough that guardianship should be
    revoked. Opens REVOCATION_PETITION for county civil affairs (who must petition when no
    one else does, CC art. 36). Returns (item, opened now); an item already open is
    returned as is. A petition recorded by anyone stops it."""
    if not has_perm(actor, Perm.RECORD_INTERVENTION):
        raise PermissionRefused(_("您的账号不能登记监护干预措施"))
    require_protection_view(actor, child)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationFailed({"reason": [_("说明不能超过 500 字。")]})
    if not _bodies_of(actor):
        raise PermissionRefused(_("您所在的部门不实施监护干预措施，不能提出。"))
    child = Child.objects.select_for_update().get(pk=child.pk)
    existing = WorkItem.objects.filter(
        kind=WorkItem.Kind.REVOCATION_PETITION,
        object_type=OBJECT_TYPE,
        object_id=child.pk,
        status=WorkItem.Status.OPEN,
    ).first()
    if existing is not None:
        return existing, False
    petitions = InterventionStep.objects.filter(child=child, step=Step.REVOCATION_PETITION)
    if petitions.exclude(answered_by__step=Step.REVOCATION).exists():
        raise RevocationAlreadyPending(
            _("已有撤销监护人资格的申请等待法院判决，无需再提出。"), field="step"
        )
    today = timezone.localdate()
    item = _revocation_clock(child, today)
    audit_record(
        actor=actor,
        verb=Verb.INTERVENTION_RECORDED,
        object_type="work_item",
        object_id=item.pk,
        child_id=child.pk,
        changes={"action": "revocation_needed", "due_on": item.due_on.isoformat()},
        reason=reason,
    )
    return item, True


def open_clocks_of(child: Child) -> list[WorkItem]:
    """The ladder's open clocks for a child: a decision due, an order's review, a petition."""
    return list(
        WorkItem.objects.filter(
            child_id=child.pk,
            object_type=OBJECT_TYPE,
            status=WorkItem.Status.OPEN,
            kind__in=[
                WorkItem.Kind.ORDER_DECISION,
                WorkItem.Kind.ORDER_EXPIRY,
                WorkItem.Kind.REVOCATION_PETITION,
            ],
        ).order_by("due_on", "id")
    )
