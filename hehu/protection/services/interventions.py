"""The guardianship intervention ladder (DOMAIN.md §7; MPL art. 118, FEPL arts. 48–49,
ADVL arts. 23–30, CC arts. 32, 36–38) and its clocks.

Each step is recorded for a registered child, dated (not in the future), with its evidence,
the body that took it, the person responsible and — for a legal document — its reference.

Who may record which step. A step belongs to a body (`InterventionStep.Body`); the body
must be one that takes that step (`STEP_BODIES`), and the person recording must work for
it (`_bodies_of`): a village director for the village committee, a department officer
of public security, the procuratorate or a court for their own body. County civil affairs
record their own steps, steps of others (body "other": a relative's application, a school's
petition), and — as the office that keeps the record — any court decision they have
received, with its reference (required for every legal document anyway).

Clocks (work items, hehu.cases):
- a protection order applied for opens ORDER_DECISION for the county court, due
  `protection_order_decision_hours` (72) after the application, or
  `protection_order_urgent_hours` (24) when urgent; the decision (granted or refused)
  answers the application and stops it. An hour clock past due escalates one level at once
  (`protection_clocks_run`, every 15 minutes) — REPORT_POLICE items too;
- an order granted or renewed (valid at most `protection_order_max_months`) opens
  ORDER_EXPIRY for county civil affairs `protection_order_review_working_days` before it
  expires; a renewal stops the previous order's review, an order that lapsed stops its own;
- "needs revocation" (CC art. 36: when no one else petitions, civil affairs must) is an
  explicit action of anyone who records steps: it opens REVOCATION_PETITION for county
  civil affairs, due in `revocation_petition_working_days`; any petition recorded stops it.
  Its object is the child (object_type "intervention", object_id = the child's id).

Facts follow: a revocation adds "guardianship revoked" to the parent (with the judgment's
reference); when it leaves the child with nobody — no other parent alive and able, no other
able guardian on file — civil affairs becomes the long-term guardian by law (CC art. 32,
MPL art. 94) and that step is recorded with it. A restoration ends the revocation; it is
refused after a revocation for an intentional crime against the child (CC art. 38).
Reasons in the child's file history name the step by number only (MPL art. 103).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import (
    Due,
    months_after,
    working_days_after,
    working_days_before,
    working_days_between,
)
from hehu.cases.models import Escalation, Level, WorkItem
from hehu.cases.models.workitem import LEVEL_ORDER
from hehu.cases.procedures import procedure_value
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.protection.models import InterventionStep
from hehu.protection.selectors import require_protection_view
from hehu.regions.models import Region
from hehu.registry.models import Child, GuardianRelation, Parent
from hehu.registry.services.protection_facts import (
    child_care_set,
    parent_guardianship_restored,
    parent_guardianship_revoked,
)

Step = InterventionStep.Step
Body = InterventionStep.Body

OBJECT_TYPE = "intervention"
COURT = "court"
MAX_EVIDENCE = 5000
MAX_SHORT = 100
GUARDIAN_ROLES = ("father", "mother", "other")
PARENT_ROLES = ("father", "mother")

# Which bodies take which step (DOMAIN.md §7).
STEP_BODIES: dict[str, frozenset[str]] = {
    # MPL art. 118: the village (residents') committee warns and stops, and reports to the
    # police when it is serious.
    Step.WARNING: frozenset({Body.VILLAGE_COMMITTEE}),
    Step.POLICE_REPORT: frozenset({Body.VILLAGE_COMMITTEE, Body.CIVIL_AFFAIRS, Body.OTHER}),
    # FEPL art. 49: police, procuratorate and courts reprimand and order guidance.
    Step.REPRIMAND: frozenset({Body.PUBLIC_SECURITY, Body.PROCURATORATE, Body.COURT}),
    Step.GUIDANCE_ORDER: frozenset({Body.PUBLIC_SECURITY, Body.PROCURATORATE, Body.COURT}),
    # ADVL art. 23: the victim or a relative, or on their behalf police, civil affairs, the
    # village committee and others.
    Step.ORDER_APPLIED: frozenset(
        {Body.VILLAGE_COMMITTEE, Body.PUBLIC_SECURITY, Body.CIVIL_AFFAIRS, Body.OTHER}
    ),
    Step.ORDER_GRANTED: frozenset({Body.COURT}),
    Step.ORDER_REFUSED: frozenset({Body.COURT}),
    Step.ORDER_RENEWED: frozenset({Body.COURT}),
    # CC art. 36: relatives, the village committee, civil affairs and others petition;
    # the procuratorate may petition (MPL art. 106).
    Step.REVOCATION_PETITION: frozenset(
        {Body.VILLAGE_COMMITTEE, Body.CIVIL_AFFAIRS, Body.PROCURATORATE, Body.OTHER}
    ),
    Step.REVOCATION: frozenset({Body.COURT}),
    Step.RESTORATION: frozenset({Body.COURT}),
    Step.LONG_TERM_GUARDIANSHIP: frozenset({Body.CIVIL_AFFAIRS}),
    Step.ADOPTION: frozenset({Body.CIVIL_AFFAIRS}),
    Step.OTHER_LONG_TERM: frozenset({Body.CIVIL_AFFAIRS}),
}
# A legal document with a number: reprimand letter, order, ruling, judgment.
DOCUMENT_STEPS = frozenset(
    {
        Step.REPRIMAND,
        Step.GUIDANCE_ORDER,
        Step.ORDER_GRANTED,
        Step.ORDER_REFUSED,
        Step.ORDER_RENEWED,
        Step.REVOCATION,
        Step.RESTORATION,
    }
)
ORDER_DECISIONS = frozenset({Step.ORDER_GRANTED, Step.ORDER_REFUSED})
ORDERS_IN_FORCE = frozenset({Step.ORDER_GRANTED, Step.ORDER_RENEWED})
COURT_DECISIONS = frozenset(
    {
        Step.ORDER_GRANTED,
        Step.ORDER_REFUSED,
        Step.ORDER_RENEWED,
        Step.REVOCATION,
        Step.RESTORATION,
    }
)
DEPARTMENT_BODIES = {
    "public_security": Body.PUBLIC_SECURITY,
    "procuratorate": Body.PROCURATORATE,
    "court": Body.COURT,
}
# A guardian other than a parent who can take the child in (CC art. 27).
OTHER_GUARDIANS = (
    GuardianRelation.GRANDPARENT,
    GuardianRelation.SIBLING,
    GuardianRelation.OTHER_RELATIVE,
    GuardianRelation.OTHER_PERSON,
)
# Hour clocks escalated by the periodic task as soon as they are past due.
HOUR_CLOCK_KINDS = (WorkItem.Kind.ORDER_DECISION, WorkItem.Kind.REPORT_POLICE)


def step_number(step: InterventionStep) -> str:
    """The step's number: what the child's file history names instead of the matter."""
    return f"G{step.pk:06d}"


def _file_reason(step: InterventionStep) -> str:
    """The reason in the child's file history: the step's number only (MPL art. 103),
    stored in Chinese whatever the officer's language, like every stored text."""
    return f"监护干预措施 {step_number(step)}"


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


# -- who may record what --------------------------------------------------------------------
def _bodies_of(actor: Any) -> frozenset[str]:
    """The bodies this person records steps for."""
    role = str(getattr(actor, "role", ""))
    if role == Role.VILLAGE_DIRECTOR:
        return frozenset({Body.VILLAGE_COMMITTEE})
    if role == Role.COUNTY_CIVIL_AFFAIRS:
        return frozenset({Body.CIVIL_AFFAIRS, Body.OTHER, Body.COURT})
    if role == Role.DEPARTMENT_OFFICER:
        body = DEPARTMENT_BODIES.get(str(getattr(actor, "department", "")))
        return frozenset({body}) if body else frozenset()
    return frozenset()


def is_court(actor: Any) -> bool:
    return (
        str(getattr(actor, "role", "")) == Role.DEPARTMENT_OFFICER
        and str(getattr(actor, "department", "")) == COURT
    )


def default_body(actor: Any, step: str) -> str:
    """The body a step is recorded for when none is chosen: the actor's own, or — for
    civil affairs entering a court's decision — the court."""
    mine = _bodies_of(actor)
    allowed = STEP_BODIES.get(step, frozenset())
    if str(getattr(actor, "role", "")) == Role.COUNTY_CIVIL_AFFAIRS:
        if Body.CIVIL_AFFAIRS in allowed:
            return str(Body.CIVIL_AFFAIRS)
        if Body.COURT in allowed:
            return str(Body.COURT)
        return str(Body.OTHER) if Body.OTHER in allowed else ""
    both = sorted(mine & allowed)
    return both[0] if len(both) == 1 else (sorted(mine)[0] if len(mine) == 1 else "")


def steps_for(actor: Any) -> list[str]:
    """The steps this person may record for some body (the form's choices)."""
    mine = _bodies_of(actor)
    return [value for value in Step.values if STEP_BODIES[value] & mine]


def _bodies_text(bodies: frozenset[str]) -> str:
    return "、".join(_label(Body, b) for b in Body.values if b in bodies)


def _check_actor(actor: Any, step: str, body: str) -> None:
    mine = _bodies_of(actor)
    if not mine:
        raise PermissionRefused(_("您所在的部门不实施监护干预措施，不能登记。"), field="body")
    if body not in mine:
        raise PermissionRefused(
            _("您只能登记%(mine)s采取的措施，不能登记%(body)s的措施。")
            % {
                "mine": _bodies_text(mine - {Body.OTHER, Body.COURT})
                if Body.CIVIL_AFFAIRS in mine
                else _bodies_text(mine),
                "body": _label(Body, body),
            },
            field="body",
        )


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
@dataclass(frozen=True)
class StepInput:
    step: str
    on: dt.date | None
    evidence: str
    responsible: str
    body: str = ""
    reference: str = ""
    guardian_role: str = ""
    urgent: bool = False
    applied_at: dt.datetime | None = None  # an order application: when it was made
    expires_on: dt.date | None = None  # an order granted or renewed
    intentional_crime: bool = False  # a revocation


def _problems(
    actor: Any, child: Child, data: StepInput, today: dt.date
) -> tuple[dict[str, list[str]], str, dt.date | None]:
    """Every problem of the input at once; the body (chosen, or the actor's) and the date
    (an application's is the day of its time)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    step = data.step
    if step not in Step.values:
        add("step", _("请选择措施。") if not step else _("措施不正确：%s") % step)
    body = data.body or (default_body(actor, step) if step in Step.values else "")
    if data.body and data.body not in Body.values:
        add("body", _("实施机关不正确：%s") % data.body)
    elif step in Step.values and not body:
        add("body", _("请选择实施机关。"))
    elif step in Step.values and body not in STEP_BODIES[step]:
        add(
            "body",
            _("“%(step)s”由%(bodies)s作出，不能由%(body)s作出。")
            % {
                "step": _label(Step, step),
                "bodies": _bodies_text(STEP_BODIES[step]),
                "body": _label(Body, body),
            },
        )
    on = data.on
    if step == Step.ORDER_APPLIED:
        if data.applied_at is None:
            add(
                "applied_at",
                _("请填写申请人身安全保护令的时间（日期和几点几分），裁定期限从此起算。"),
            )
        elif data.applied_at > timezone.now():
            add("applied_at", _("申请时间不能晚于现在。"))
        elif on is not None and on != timezone.localdate(data.applied_at):
            add("on", _("日期应与申请时间是同一天。"))
        else:
            on = timezone.localdate(data.applied_at)
    if on is None:
        if "applied_at" not in errors:
            add("on", _("请填写措施的日期。"))
    elif on > today:
        add("on", _("日期不能晚于今天。"))
    if not data.evidence.strip():
        add("evidence", _("请填写证据与事实：依据什么材料、发现了什么。"))
    elif len(data.evidence) > MAX_EVIDENCE:
        add("evidence", _("证据与事实不能超过 %(n)s 字。") % {"n": MAX_EVIDENCE})
    if not data.responsible.strip():
        add("responsible", _("请填写承办人姓名。"))
    elif len(data.responsible) > MAX_SHORT:
        add("responsible", _("承办人不能超过 %(n)s 字。") % {"n": MAX_SHORT})
    if step in DOCUMENT_STEPS and not data.reference.strip():
        add(
            "reference",
            _("“%(step)s”是法律文书，请填写文书编号。") % {"step": _label(Step, step)},
        )
    elif len(data.reference) > MAX_SHORT:
        add("reference", _("文书编号不能超过 %(n)s 字。") % {"n": MAX_SHORT})
    if data.guardian_role and data.guardian_role not in GUARDIAN_ROLES:
        add("guardian_role", _("针对的监护人不正确：%s") % data.guardian_role)
    elif step in (Step.REVOCATION, Step.RESTORATION) and data.guardian_role not in PARENT_ROLES:
        add("guardian_role", _("请选择被撤销或恢复监护人资格的是父亲还是母亲。"))
    if step in ORDERS_IN_FORCE:
        if data.expires_on is None:
            add("expires_on", _("请填写人身安全保护令的有效期至哪一天。"))
        elif on is not None and data.expires_on <= on:
            add("expires_on", _("有效期应晚于作出保护令的日期。"))
        elif on is not None:
            months = int(procedure_value("protection_order_max_months", child.region_id, on))
            latest = months_after(on, months)
            if data.expires_on > latest:
                add(
                    "expires_on",
                    _(
                        "人身安全保护令的有效期不超过 %(months)s 个月（反家庭暴力法第三十条），"
                        "最晚至 %(latest)s。"
                    )
                    % {"months": months, "latest": date_text(latest)},
                )
    return errors, body, on


def date_text(day: dt.date) -> str:
    """2026年3月4日 (the date as the Chinese messages write it)."""
    return f"{day.year}年{day.month}月{day.day}日"


def when_text(at: dt.datetime) -> str:
    """2026年3月4日 10:00, local time."""
    local = timezone.localtime(at)
    return f"{date_text(local.date())} {local:%H:%M}"


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


def _decision_clock(step: InterventionStep, applied_at: dt.datetime) -> None:
    region = step.child.region_id
    name = "protection_order_urgent_hours" if step.urgent else "protection_order_decision_hours"
    hours = int(procedure_value(name, region, step.on))
    due_at = applied_at + dt.timedelta(hours=hours)
    step.decision_due_at = due_at
    step.save(update_fields=["decision_due_at"])
    zh = f"人民法院受理申请后 {hours} 小时内作出人身安全保护令或驳回申请（反家庭暴力法第二十八条）"
    if step.urgent:
        zh = "情况紧急，" + zh
    en = (
        f"urgent: the court grants or refuses a protection order within {hours} hours "
        f"(ADVL art. 28)"
        if step.urgent
        else f"the court grants or refuses a protection order within {hours} hours (ADVL art. 28)"
    )
    work_item_open(
        kind=WorkItem.Kind.ORDER_DECISION,
        child_id=step.child_id,
        region_code=region,
        level=Level.COUNTY,
        due=Due(timezone.localdate(due_at)),
        due_at=due_at,
        department=COURT,
        rule=rule(zh, en),
        object_type=OBJECT_TYPE,
        object_id=step.pk,
    )


def _expiry_clock(step: InterventionStep) -> None:
    if step.expires_on is None:
        return
    region = step.child.region_id
    days = int(procedure_value("protection_order_review_working_days", region, step.on))
    due = working_days_before(step.expires_on, days)
    work_item_open(
        kind=WorkItem.Kind.ORDER_EXPIRY,
        child_id=step.child_id,
        region_code=region,
        level=Level.COUNTY,
        due=Due(max(due, step.on)),
        rule=rule(
            f"人身安全保护令 {date_text(step.expires_on)} 到期，"
            f"到期前 {days} 个工作日复查是否申请延长",
            f"the protection order expires on {step.expires_on.isoformat()}: review "
            f"{days} working days before whether to apply for a renewal",
        ),
        object_type=OBJECT_TYPE,
        object_id=step.pk,
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
    county = Region.objects.filter(code=child.region_id[:6].ljust(12, "0")).first()
    name = f"{county.name}民政局" if county else "县级民政部门"
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
    region = child.region_id
    days = int(procedure_value("revocation_petition_working_days", region, today))
    item = work_item_open(
        kind=WorkItem.Kind.REVOCATION_PETITION,
        child_id=child.pk,
        region_code=region,
        level=Level.COUNTY,
        due=working_days_after(today, days),
        rule=rule(
            f"监护人情节严重、需要撤销监护人资格，无人申请的，"
            f"民政部门 {days} 个工作日内向人民法院申请（民法典第三十六条）",
            f"guardianship should be revoked: when no one else petitions, civil affairs "
            f"petition the court within {days} working days (CC art. 36)",
        ),
        object_type=OBJECT_TYPE,
        object_id=child.pk,
    )
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


# -- hour clocks ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClocksResult:
    at: dt.datetime
    escalated: int
    lapsed: int

    def counts(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "escalated": self.escalated, "lapsed": self.lapsed}


@transaction.atomic
def protection_clocks_run(*, now: dt.datetime | None = None) -> ClocksResult:
    """Escalate every open hour clock past due (a court's decision, police feedback) one
    level up at once, with an Escalation row each; an item is raised once (the nightly
    sweep takes it further by working days). Reviews of orders that have expired stop.
    Running it again changes nothing."""
    at = now or timezone.now()
    today = timezone.localdate(at)
    overdue = WorkItem.objects.select_for_update().filter(
        status=WorkItem.Status.OPEN,
        kind__in=list(HOUR_CLOCK_KINDS),
        due_at__lt=at,
        level=F("origin_level"),
    )
    rows = list(overdue.values_list("id", "level", "due_on"))
    escalations: list[Escalation] = []
    raised: dict[str, list[int]] = {}
    for item_id, level, due_on in rows:
        index = LEVEL_ORDER.index(Level(level))
        if index + 1 >= LEVEL_ORDER.index(Level.PROVINCE):
            continue
        to = str(LEVEL_ORDER[index + 1])
        escalations.append(
            Escalation(
                item_id=item_id,
                from_level=level,
                to_level=to,
                at=at,
                days_overdue=max(0, working_days_between(due_on, today)),
            )
        )
        raised.setdefault(to, []).append(item_id)
    Escalation.objects.bulk_create(escalations)
    for to, ids in raised.items():
        WorkItem.objects.filter(pk__in=ids).update(level=to, escalated_at=at)
    lapsed_orders = InterventionStep.objects.filter(
        step__in=list(ORDERS_IN_FORCE), expires_on__lt=today
    ).values("pk")
    lapsed = WorkItem.objects.filter(
        kind=WorkItem.Kind.ORDER_EXPIRY,
        object_type=OBJECT_TYPE,
        object_id__in=lapsed_orders,
        status=WorkItem.Status.OPEN,
    ).update(status=WorkItem.Status.CANCELLED, done_at=at)
    if escalations or lapsed:
        audit_record(
            actor=None,
            verb=Verb.DEADLINES_SWEPT,
            object_type="protection_clocks",
            object_id=at.isoformat()[:64],
            changes={"escalated": len(escalations), "lapsed": lapsed},
        )
    return ClocksResult(at=at, escalated=len(escalations), lapsed=lapsed)
