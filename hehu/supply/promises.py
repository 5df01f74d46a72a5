"""What an approved service plan promised a child in kind, set against what reached the
child ("support reached the child", DOMAIN.md §5–6).

An in-kind plan item promises `quantity` `unit` at each occurrence of its frequency from
`starts_on` (once; every week, two weeks, month, quarter or year) until `ends_on` if it has
one. By a day, the promise so far is the quantity times the occurrences on or before it;
what reached the child is the sum of the distributions recorded against the item and not
cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from hehu.cases.models import PlanItem
from hehu.policy.engine.functions import add_months
from hehu.supply.models import SupplyItem

F = PlanItem.Frequency
DAYS = {F.WEEKLY: 7, F.FORTNIGHTLY: 14}
MONTHS = {F.MONTHLY: 1, F.QUARTERLY: 3, F.YEARLY: 12}
# The in-kind supports a plan suggests (hehu.cases.services.plans.content.SUPPORT_LABELS)
# and the kind of catalogue item that meets each. A support not listed (any code may be
# written in a plan) is met by an item of any kind, or by the item whose code it is.
SUPPORT_KINDS: dict[str, str] = {
    "rehabilitation_aid": SupplyItem.Kind.REHABILITATION_AID,
    "nutrition": SupplyItem.Kind.NUTRITION,
    "school_supplies": SupplyItem.Kind.SCHOOL_SUPPLIES,
    "clothing": SupplyItem.Kind.DAILY_NECESSITIES,
    "daily_necessities": SupplyItem.Kind.DAILY_NECESSITIES,
}


def fits_plan_item(item: SupplyItem, plan_item: PlanItem) -> bool:
    """Whether handing out `item` meets the plan item's support."""
    support = plan_item.support.strip()
    if support == item.code:
        return True
    wanted = SUPPORT_KINDS.get(support)
    return wanted is None or wanted == item.kind


def occurrences(frequency: str, starts_on: dt.date, ends_on: dt.date | None, as_of: dt.date) -> int:
    """How many times the item was due on or before `as_of` (0 before it starts)."""
    last = min(as_of, ends_on) if ends_on else as_of
    if last < starts_on:
        return 0
    if frequency in DAYS:
        return (last - starts_on).days // DAYS[F(frequency)] + 1
    if frequency in MONTHS:
        step, count = MONTHS[F(frequency)], 0
        while add_months(starts_on, step * count) <= last:
            count += 1
        return count
    return 1  # once


class Reached(StrEnum):
    NOT_DUE = "not_due"  # the item has not started yet
    REACHED = "reached"  # at least what was promised so far
    SHORT = "short"  # less than promised so far


@dataclass(frozen=True)
class Promise:
    """One in-kind item of an approved plan: promised so far against distributed."""

    plan_item: PlanItem
    occurrences: int
    promised: Decimal  # quantity × occurrences so far
    promised_total: Decimal | None  # over the whole period (None: no end date)
    distributed: int

    @property
    def status(self) -> Reached:
        if self.occurrences == 0:
            return Reached.NOT_DUE
        return Reached.REACHED if self.distributed >= self.promised else Reached.SHORT

    @property
    def shortfall(self) -> Decimal:
        return max(self.promised - self.distributed, Decimal(0))


def promise_of(plan_item: PlanItem, distributed: int, as_of: dt.date) -> Promise:
    quantity = plan_item.quantity or Decimal(0)
    count = occurrences(plan_item.frequency, plan_item.starts_on, plan_item.ends_on, as_of)
    total = None
    if plan_item.ends_on is not None:
        whole = occurrences(
            plan_item.frequency, plan_item.starts_on, plan_item.ends_on, plan_item.ends_on
        )
        total = quantity * whole
    return Promise(
        plan_item=plan_item,
        occurrences=count,
        promised=quantity * count,
        promised_total=total,
        distributed=distributed,
    )
