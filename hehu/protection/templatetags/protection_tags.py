"""Template helpers of protection pages.

`{% intervention_section child as ladder %}` loads a child's intervention ladder for the
section template protection/_interventions.html (the page that includes it has already
checked VIEW_PROTECTION and audited the view): the steps, the open clocks with their
deadlines, and what the signed-in person may do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone

from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.models import WorkItem
from hehu.protection.models import InterventionStep
from hehu.protection.services.intervention_rules import COURT_DECISIONS, steps_for
from hehu.protection.services.interventions import (
    intervention_steps_of,
    open_application,
    open_clocks_of,
    order_in_force,
)
from hehu.registry.models import Child

register = template.Library()


@dataclass(frozen=True)
class Clock:
    item: WorkItem
    label: str
    due_at: dt.datetime | None
    due_on: dt.date
    overdue: bool
    escalated: bool


@dataclass(frozen=True)
class Ladder:
    child: Child
    steps: list[InterventionStep]
    clocks: list[Clock]
    pending: InterventionStep | None  # an application awaiting the court
    order: InterventionStep | None  # the latest order granted or renewed
    order_in_force: bool
    may_record: bool
    may_decide: bool  # may enter a court's decision (a court, or civil affairs)


def _clock(item: WorkItem, now: dt.datetime) -> Clock:
    today = timezone.localdate(now)
    overdue = item.due_at < now if item.due_at else item.due_on < today
    return Clock(
        item=item,
        label=item.get_kind_display(),
        due_at=item.due_at,
        due_on=item.due_on,
        overdue=overdue,
        escalated=item.level != item.origin_level,
    )


def ladder_of(child: Child, user: Any) -> Ladder:
    now = timezone.now()
    order = order_in_force(child)
    allowed = steps_for(user) if has_perm(user, Perm.RECORD_INTERVENTION) else []
    return Ladder(
        child=child,
        steps=intervention_steps_of(child),
        clocks=[_clock(item, now) for item in open_clocks_of(child)],
        pending=open_application(child),
        order=order,
        order_in_force=bool(
            order and order.expires_on and order.expires_on >= timezone.localdate(now)
        ),
        may_record=bool(allowed),
        may_decide=any(step in COURT_DECISIONS for step in allowed),
    )


@register.simple_tag(takes_context=True)
def intervention_section(context: Any, child: Child) -> Ladder:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return ladder_of(child, user)
