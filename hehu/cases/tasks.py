"""Background work of case management: the nightly deadline sweep (Celery beat)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from hehu.cases.services.sweep import deadlines_sweep


@shared_task
def deadlines_sweep_task(as_of: str | None = None) -> dict[str, Any]:
    """Escalate overdue items and open/close cases by the calendar, as of a date (ISO) or
    today; the counts and timings come back as the task's result."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = deadlines_sweep(as_of=day)
    return {**result.counts(), "timings": result.timings}
