"""Background work of protection: the hour clocks (Celery beat, every 15 minutes).

The routing of compulsory reports has its own tasks (hehu.protection.report_tasks).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task

from hehu.protection.services.intervention_clocks import protection_clocks_run


@shared_task
def protection_clocks_task(now: str | None = None) -> dict[str, Any]:
    """Escalate hour clocks past due (a court's protection order decision, police feedback
    on a report) one level up at once; stop the reviews of lapsed orders. `now` (ISO, with
    its offset) for a run as of another moment; the counts come back as the result."""
    at = dt.datetime.fromisoformat(now) if now else None
    return protection_clocks_run(now=at).counts()
