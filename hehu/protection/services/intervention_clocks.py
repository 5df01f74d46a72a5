"""The clocks of the guardianship intervention ladder (DOMAIN.md §7; work items,
hehu.cases), started and stopped as steps are recorded.

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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, working_days_after, working_days_before, working_days_between
from hehu.cases.models import Escalation, Level, WorkItem
from hehu.cases.models.workitem import LEVEL_ORDER
from hehu.cases.procedures import procedure_value
from hehu.cases.services.workitems import rule, work_item_open
from hehu.protection.models import InterventionStep
from hehu.protection.services.intervention_rules import (
    COURT,
    OBJECT_TYPE,
    ORDERS_IN_FORCE,
    date_text,
)
from hehu.registry.models import Child

# Hour clocks escalated by the periodic task as soon as they are past due.
HOUR_CLOCK_KINDS = (WorkItem.Kind.ORDER_DECISION, WorkItem.Kind.REPORT_POLICE)


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


# -- CC art. 36: civil affairs petition when no one else does --------------------------------
def _revocation_clock(child: Child, today: dt.date) -> WorkItem:
    """REVOCATION_PETITION for county civil affairs, due in
    `revocation_petition_working_days` (they petition when no one else does)."""
    region = child.region_id
    days = int(procedure_value("revocation_petition_working_days", region, today))
    return work_item_open(
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
