"""Background work of simulations: fetch one by id, run it."""

from __future__ import annotations

from celery import shared_task

from hehu.policy.simulation.models import Simulation
from hehu.policy.simulation.services import simulation_run


@shared_task
def simulation_run_task(simulation_id: int) -> dict[str, object]:
    """Execute a queued simulation; its status and size come back as the task's result."""
    simulation = simulation_run(simulation=Simulation.objects.get(pk=simulation_id))
    return {
        "simulation": simulation.pk,
        "status": simulation.status,
        "children": simulation.children,
    }
