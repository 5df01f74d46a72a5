"""Home visits: when the next one is due, and recording one (34号).

The interval is a procedure parameter by risk (monthly for high risk, quarterly otherwise
by default); the first visit of a case is due a few working days after it opens (one for
an emergency). Each scheduled visit has one open work item; recording the visit stops it
and schedules the next.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hehu.cases.clocks import Due, months_after, working_days_after
from hehu.cases.models import Case, Level, Visit, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.services.workitems import rule, work_item_open

K = WorkItem.Kind


def visit_interval(*, case: Case, on: dt.date) -> tuple[int, dict[str, str]]:
    """Months between visits for this case now, with the reason (zh/en)."""
    if case.risk == Case.Risk.HIGH:
        months = procedure_value("visit_interval_months_high_risk", case.region_code, on)
        return months, rule(
            f"高风险：每 {months} 个月走访一次", f"high risk: every {months} month(s)"
        )
    months = procedure_value("visit_interval_months", case.region_code, on)
    why = rule(f"一般：每 {months} 个月走访一次", f"normal risk: every {months} month(s)")
    return months, why


def _schedule(case: Case, due: Due, why: dict[str, str]) -> Visit:
    """One scheduled visit per case: move the existing one, or create it, with its clock."""
    visit = Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).first()
    if visit is None:
        visit = Visit.objects.create(case=case, due_on=due.on, schedule_reason=why)
    else:
        visit.due_on, visit.schedule_reason = due.on, why
        visit.save(update_fields=["due_on", "schedule_reason"])
    item = WorkItem.objects.filter(
        object_type="visit", object_id=visit.pk, status=WorkItem.Status.OPEN
    ).first()
    if item is None:
        work_item_open(
            kind=K.VISIT,
            child_id=case.child_id,
            region_code=case.region_code,
            level=Level.VILLAGE,
            due=due,
            rule=why,
            object_type="visit",
            object_id=visit.pk,
            case_id=case.pk,
        )
    else:
        item.due_on, item.provisional, item.rule = due.on, due.provisional, why
        item.save(update_fields=["due_on", "provisional", "rule"])
    return visit


def visit_schedule_first(*, case: Case) -> Visit:
    """The first visit of a new case: within a few working days of opening."""
    today = timezone.localdate()
    name = "emergency_visit_working_days" if case.emergency else "first_visit_working_days"
    days = procedure_value(name, case.region_code, today)
    why = rule(f"开案后 {days} 个工作日内首次走访", f"first visit within {days} working day(s)")
    return _schedule(case, working_days_after(today, days), why)


def visit_schedule_next(*, case: Case, after: dt.date) -> Visit:
    """The visit after one made on `after`, at the case's current interval."""
    months, why = visit_interval(case=case, on=after)
    return _schedule(case, Due(months_after(after, months)), why)


def visit_reschedule(*, case: Case) -> Visit | None:
    """The risk changed: the scheduled visit moves to the new interval from the last one."""
    last = (
        Visit.objects.filter(case=case, status=Visit.Status.DONE)
        .order_by("-visited_on")
        .values_list("visited_on", flat=True)
        .first()
    )
    if last is None:
        return None  # the first visit's deadline stands
    months, why = visit_interval(case=case, on=timezone.localdate())
    due = months_after(last, months)
    scheduled = Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).first()
    if scheduled is not None and scheduled.due_on <= due:
        return scheduled  # never push a due visit later
    return _schedule(case, Due(due), why)
