"""Background work of benefits: generating rolls and checking them (Celery).

A province's roll (every county, a million children) takes tens of seconds: the desk
enqueues `generate_cycles_task`; each cycle written is then checked by
`check_cycle_task` (supervision of fund use). The monthly beat re-checks the cycles not yet
reconciled, so that a change recorded since (a death, a visit) is caught before payment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from hehu.benefits.anomalies.service import check_cycle
from hehu.benefits.models import PaymentCycle
from hehu.benefits.months import label, parse_month
from hehu.benefits.services.cycles import generate_cycles


@shared_task
def generate_cycles_task(
    region_prefix: str, month: str, actor_id: int, full_back_pay_check: bool = False
) -> dict[str, Any]:
    """Generate the month's cycles under a region prefix as `actor_id`, then check each."""
    actor = get_user_model().objects.get(pk=actor_id)
    result = generate_cycles(
        actor=actor,
        region_prefix=region_prefix,
        month=parse_month(month),
        full_back_pay_check=full_back_pay_check,
    )
    # The checks of each county's roll in a transaction of its own, after all are written.
    checked = [check_cycle(cycle=cycle, actor=actor) for cycle in result.cycles]
    return {
        "month": month,
        "cycles": [c.number for c in result.cycles],
        "children": sum(c.children for c in result.cycles),
        "total": str(sum((c.total_amount for c in result.cycles), Decimal("0.00"))),
        "skipped": result.skipped,
        "anomalies": sum(c.found for c in checked),
        "held": sum(c.held for c in checked),
    }


@shared_task
def check_cycle_task(cycle_id: int) -> dict[str, Any]:
    checked = check_cycle(cycle=PaymentCycle.objects.get(pk=cycle_id))
    return {
        "cycle": checked.cycle.number,
        "found": checked.found,
        "new": checked.new,
        "held": checked.held,
    }


@shared_task
def check_open_cycles_task(today: str | None = None) -> dict[str, Any]:
    """Check again every cycle of this month and the next not yet reconciled."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    first = day.replace(day=1)
    cycles = PaymentCycle.objects.filter(month__gte=first).exclude(
        status=PaymentCycle.Status.RECONCILED
    )
    results = [check_cycle(cycle=cycle) for cycle in cycles.order_by("county_code", "month")]
    return {
        "from": label(first),
        "cycles": len(results),
        "new": sum(r.new for r in results),
    }
