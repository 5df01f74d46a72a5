"""Background work of the policy app: population runs."""

from __future__ import annotations

from celery import shared_task

from hehu.policy.models import PopulationRun
from hehu.policy.services import population_run


@shared_task
def population_run_task(run_id: int) -> dict[str, object]:
    """Execute a queued population run; its counts come back as the task's result."""
    run = population_run(run=PopulationRun.objects.get(pk=run_id))
    return {"run": run.pk, "status": run.status, "children": run.children, "counts": run.counts}
