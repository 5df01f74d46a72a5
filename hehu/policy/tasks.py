"""Background work of the policy app: population runs."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from hehu.policy.models import PopulationRun
from hehu.policy.services import population_run, population_run_create


@shared_task
def population_run_task(run_id: int) -> dict[str, object]:
    """Execute a queued population run; its counts come back as the task's result."""
    run = population_run(run=PopulationRun.objects.get(pk=run_id))
    return {"run": run.pk, "status": run.status, "children": run.children, "counts": run.counts}


@shared_task
def population_run_nightly() -> dict[str, object]:
    """Classify every child as of today (Celery beat, nightly).

    Categories change without anyone touching a file: a child turns 18, a parent's
    lost contact passes six months, a sentence ends. The nightly run records those entries
    and exits on the day they happen.
    """
    run = population_run_create(actor=None, as_of=timezone.localdate())
    return population_run_task(run.pk)
