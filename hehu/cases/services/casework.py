"""The clocks a case sets as it moves: first visit, assessment, plan; and its risk level.

Called by the case services (cases.py) after each change of a case, inside its transaction.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import working_days_after
from hehu.cases.models import Case, Level, Visit, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.policy.models import ChildClassification
from hehu.registry.models import Child

S = Case.Status
K = WorkItem.Kind
# The four grades of the guardianship assessment (DOMAIN.md §6), as rule texts are stored.
GRADE_NAMES = {
    "absent": ("监护缺失", "absent"),
    "improper": ("监护失当", "improper"),
    "insufficient": ("监护不足", "insufficient"),
    "normal": ("监护正常", "normal"),
}


def case_risk(*, case: Case, on: dt.date) -> tuple[str, dict[str, str]]:
    """High or normal, with the reason in both languages (procedure parameters decide)."""
    if case.emergency:
        return Case.Risk.HIGH, rule("紧急个案", "an emergency case")
    grade = Child.objects.filter(pk=case.child_id).values_list("guardianship_grade", flat=True)
    grades = procedure_value("high_risk_grades", case.region_code, on)
    if grade and grade[0] in grades:
        zh, en = GRADE_NAMES.get(grade[0], (grade[0], grade[0]))
        return Case.Risk.HIGH, rule(f"监护等级为“{zh}”", f"guardianship {en}")
    stored = ChildClassification.objects.filter(child_id=case.child_id).first()
    risky = set(procedure_value("high_risk_categories", case.region_code, on))
    hit = sorted(risky & set(stored.categories if stored else []))
    if hit:
        return Case.Risk.HIGH, rule(f"属于类别 {'、'.join(hit)}", f"in category {', '.join(hit)}")
    return Case.Risk.NORMAL, rule("一般风险", "normal risk")


def case_risk_refresh(*, case: Case) -> Case:
    """Recompute the risk; when it changes, the next visit follows the new frequency."""
    if case.status == S.CLOSED:
        return case
    risk, why = case_risk(case=case, on=timezone.localdate())
    if risk != case.risk:
        before = case.risk
        case.risk = risk
        case.save(update_fields=["risk", "updated_at"])
        # Derived from the child's file, but it changes how often the child is visited.
        audit_record(
            actor=None,
            verb=Verb.CASE_RISK_CHANGED,
            object_type="case",
            object_id=case.pk,
            child_id=case.child_id,
            changes={"risk": [before, risk]},
            reason=why["zh"],
        )
        from hehu.cases.services.visits import visit_reschedule

        visit_reschedule(case=case)
    return case


def case_clocks_start(*, case: Case) -> None:
    """A new case: its first visit and its assessment are due."""
    today = timezone.localdate()
    risk, _why = case_risk(case=case, on=today)
    if risk != case.risk:
        case.risk = risk
        case.save(update_fields=["risk"])
    from hehu.cases.services.visits import visit_schedule_first

    visit_schedule_first(case=case)
    days = procedure_value("assessment_working_days", case.region_code, today)
    work_item_open(
        kind=K.ASSESSMENT,
        child_id=case.child_id,
        region_code=case.region_code,
        level=Level.VILLAGE,
        due=working_days_after(today, days),
        rule=rule(f"开案后 {days} 个工作日内完成评估", f"assess within {days} working days"),
        object_type="case",
        object_id=case.pk,
        case_id=case.pk,
    )


def case_status_changed(*, case: Case, before: str) -> None:
    """Clocks that a move along the flow starts or stops."""
    today = timezone.localdate()
    if before in (S.INTAKE, S.ASSESSMENT) and case.status not in (S.INTAKE, S.ASSESSMENT):
        work_items_done(object_type="case", object_id=case.pk, kinds=[K.ASSESSMENT])
    if case.status == S.PLANNING and not _has_open(case, K.PLAN):
        days = procedure_value("plan_working_days", case.region_code, today)
        work_item_open(
            kind=K.PLAN,
            child_id=case.child_id,
            region_code=case.region_code,
            level=Level.VILLAGE,
            due=working_days_after(today, days),
            rule=rule(f"评估后 {days} 个工作日内制定服务计划", f"plan within {days} working days"),
            object_type="case",
            object_id=case.pk,
            case_id=case.pk,
        )
    if case.status in (S.IN_SERVICE, S.FOLLOW_UP, S.EVALUATION):
        work_items_done(object_type="case", object_id=case.pk, kinds=[K.PLAN])


def case_clocks_stop(*, case: Case) -> None:
    """A closed case: every open item is cancelled and no visit stays scheduled."""
    WorkItem.objects.filter(case_id=case.pk, status=WorkItem.Status.OPEN).update(
        status=WorkItem.Status.CANCELLED, done_at=timezone.now()
    )
    Visit.objects.filter(case_id=case.pk, status=Visit.Status.SCHEDULED).update(
        status=Visit.Status.CANCELLED
    )


def _has_open(case: Case, kind: str) -> bool:
    return WorkItem.objects.filter(case_id=case.pk, kind=kind, status=WorkItem.Status.OPEN).exists()
